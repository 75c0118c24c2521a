"""Receivables: lifecycle behaviour and every revert path, with the decoded error and its fields."""

from __future__ import annotations

import pytest

from sdk import Ledger, Role
from sdk.errors import (
    ERC20InsufficientAllowance,
    ParticipantIsSuspended,
    ParticipantMissingRole,
    ParticipantNotRegistered,
    ReceivableAlreadyRegistered,
    ReceivableBatchInvalid,
    ReceivableDiscountRateInvalid,
    ReceivableDiscountTermsMismatch,
    ReceivableExposureLimitExceeded,
    ReceivableExposureLimitInvalid,
    ReceivableFragmentCapInvalid,
    ReceivableFragmentLocked,
    ReceivableFragmentNotFound,
    ReceivableFragmentStatusInvalid,
    ReceivableGracePeriodInvalid,
    ReceivableMatured,
    ReceivableNotDebtor,
    ReceivableNotDefaultable,
    ReceivableNotDiscountBank,
    ReceivableNotFound,
    ReceivableNothingToClaim,
    ReceivableNotHolder,
    ReceivableNotOfferRecipient,
    ReceivableNotOfferSender,
    ReceivableNotOperator,
    ReceivableNotRecourseDebtor,
    ReceivableOfferAmountInvalid,
    ReceivableOfferNotFound,
    ReceivableOfferNotOpen,
    ReceivableRecipientInvalid,
    ReceivableRecourseRepaymentInvalid,
    ReceivableRecourseUnavailable,
    ReceivableRepaymentInvalid,
    ReceivableRepaymentStarted,
    ReceivableSelfDealing,
    ReceivableSplitsExhausted,
    ReceivableStatusInvalid,
    ReceivableTermsInvalid,
    SettlementTransferRestricted,
)
from sdk.generated.events import FragmentPaid
from sdk.receivables import document_hash, fragment_id
from sdk.types import (
    FinancingStatus,
    FragmentStatus,
    OfferStatus,
    ReceivableStatus,
    TransferRestriction,
)
from tests.conftest import YEAR, Cast
from tests.conftest import test_key as key_for
from tests.contracts.receivables_support import DAY, FACE, fund, invoice, new_root, reverts, split


def _grace(ledger: Ledger) -> int:
    return ledger.receivables.grace_period()


# ================================================================================================ registration
def test_register_records_terms_and_awaits_confirmation(ledger: Ledger, cast: Cast) -> None:
    due = ledger.chain.now() + 60 * DAY
    ev = cast.supplier1.receivables.register(cast.core.address, 123_456_78, due, "INV-001", po="PO-9")
    assert (ev.supplier, ev.debtor, ev.face_value, ev.due_date) == (
        cast.supplier1.address, cast.core.address, 123_456_78, due
    )
    assert ev.invoice_hash == document_hash("INV-001") and ev.po_hash == document_hash("PO-9")
    assert (ev.old_status, ev.new_status) == (ReceivableStatus.NONE, ReceivableStatus.REGISTERED)
    rec = ledger.receivables.get_receivable(ev.root_id)
    assert rec.status == ReceivableStatus.REGISTERED and rec.face_value == 123_456_78 and rec.fragment_count == 1
    assert not rec.overdue
    assert ledger.receivables.root_of_invoice(cast.core.address, "INV-001") == ev.root_id
    frag = ledger.receivables.get_fragment(ev.fragment_id)
    assert frag.holder == cast.supplier1.address and frag.value == 123_456_78 and frag.parent_id is None
    assert ledger.receivables.root_of_invoice(cast.core.address, "INV-001") == ev.root_id


def test_register_reverts_on_duplicate_invoice_for_same_debtor(ledger: Ledger, cast: Cast) -> None:
    due = ledger.chain.now() + 30 * DAY
    first = cast.supplier1.receivables.register(cast.core.address, FACE, due, "INV-DUP")
    with reverts(ReceivableAlreadyRegistered, debtor=cast.core.address, invoice_hash=document_hash("INV-DUP"),
                 root_id=first.root_id):
        cast.supplier2.receivables.register(cast.core.address, FACE, due, "INV-DUP")
    # The same invoice hash owed by another debtor is a different invoice.
    other = cast.supplier1.receivables.register(cast.core2.address, FACE, due, "INV-DUP")
    assert other.root_id == first.root_id + 1


def test_register_allows_invoice_again_after_reject_or_cancel(ledger: Ledger, cast: Cast) -> None:
    due = ledger.chain.now() + 30 * DAY
    r1 = cast.supplier1.receivables.register(cast.core.address, FACE, due, "INV-R").root_id
    rejected = cast.core.receivables.reject(r1, "PRICE")
    assert (rejected.old_status, rejected.new_status) == (ReceivableStatus.REGISTERED, ReceivableStatus.REJECTED)
    assert ledger.receivables.root_of_invoice(cast.core.address, "INV-R") is None
    r2 = cast.supplier1.receivables.register(cast.core.address, FACE, due, "INV-R").root_id
    cancelled = cast.supplier1.receivables.cancel(r2)
    assert cancelled.new_status == ReceivableStatus.CANCELLED
    r3 = cast.supplier1.receivables.register(cast.core.address, FACE, due, "INV-R").root_id
    assert ledger.receivables.root_of_invoice(cast.core.address, "INV-R") == r3


@pytest.mark.parametrize("case", ["zero_face", "past_due", "zero_invoice"])
def test_register_reverts_on_invalid_terms(ledger: Ledger, cast: Cast, case: str) -> None:
    now = ledger.chain.now()
    face, due, inv = FACE, now + 30 * DAY, document_hash("INV-T")
    if case == "zero_face":
        face = 0
    elif case == "past_due":
        due = now - 1
    else:
        inv = bytes(32)
    with reverts(ReceivableTermsInvalid, face_value=face, due_date=due, invoice_hash=inv):
        cast.supplier1.receivables.register(cast.core.address, face, due, inv)


def test_register_reverts_when_face_exceeds_96_bits(ledger: Ledger, cast: Cast) -> None:
    due = ledger.chain.now() + 30 * DAY
    too_big = 2**96
    with reverts(ReceivableTermsInvalid, face_value=too_big, due_date=due):
        cast.supplier1.receivables._transact(  # bypass the SDK's own range check to reach the contract's
            "register", cast.core.address, too_big, due, document_hash("INV-BIG"), bytes(32)
        )


def test_register_reverts_for_wrong_roles(ledger: Ledger, cast: Cast) -> None:
    due = ledger.chain.now() + 30 * DAY
    with reverts(ParticipantMissingRole, account=cast.bank1.address, role=Role.SUPPLIER):
        cast.bank1.receivables.register(cast.core.address, FACE, due, invoice())
    with reverts(ParticipantMissingRole, account=cast.supplier2.address, role=Role.CORE_ENTERPRISE):
        cast.supplier1.receivables.register(cast.supplier2.address, FACE, due, invoice())
    with reverts(ParticipantNotRegistered, account=cast.outsider.address):
        cast.outsider.receivables.register(cast.core.address, FACE, due, invoice())


def test_register_reverts_on_self_dealing(ledger: Ledger, cast: Cast) -> None:
    key = key_for("core-and-supplier")
    ledger.chain.fund(key.address, 10**21)
    cast.operator.registry.admit(key.address, [Role.CORE_ENTERPRISE, Role.SUPPLIER], "both", ledger.chain.now() + YEAR)
    both = ledger.as_party(key)
    with reverts(ReceivableSelfDealing, account=key.address):
        both.receivables.register(key.address, FACE, ledger.chain.now() + 30 * DAY, invoice())


def test_issue_creates_confirmed_receivable_held_by_supplier(ledger: Ledger, cast: Cast) -> None:
    due = ledger.chain.now() + 45 * DAY
    ev = cast.core.receivables.issue(cast.supplier2.address, 500_00, due, "CERT-1")
    assert (ev.debtor, ev.supplier, ev.new_status) == (cast.core.address, cast.supplier2.address,
                                                      ReceivableStatus.CONFIRMED)
    assert ledger.receivables.get_fragment(ev.fragment_id).holder == cast.supplier2.address
    with reverts(ParticipantMissingRole, account=cast.supplier1.address, role=Role.CORE_ENTERPRISE):
        cast.supplier1.receivables.issue(cast.supplier2.address, 500_00, due, "CERT-2")
    with reverts(ParticipantMissingRole, account=cast.bank1.address, role=Role.SUPPLIER):
        cast.core.receivables.issue(cast.bank1.address, 500_00, due, "CERT-3")


# ================================================================================================ confirmation
def test_confirm_only_by_debtor(ledger: Ledger, cast: Cast) -> None:
    root, _ = new_root(cast, confirm=False)
    for party in (cast.supplier1, cast.core2, cast.bank1):
        with reverts(ReceivableNotDebtor, root_id=root, caller=party.address, debtor=cast.core.address):
            party.receivables.confirm(root)
    ev = cast.core.receivables.confirm(root)
    assert (ev.debtor, ev.holder, ev.face_value) == (cast.core.address, cast.supplier1.address, FACE)
    assert (ev.old_status, ev.new_status) == (ReceivableStatus.REGISTERED, ReceivableStatus.CONFIRMED)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.CONFIRMED):
        cast.core.receivables.confirm(root)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.CONFIRMED):
        cast.core.receivables.reject(root)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.CONFIRMED):
        cast.supplier1.receivables.cancel(root)


def test_confirm_and_reject_revert_for_unknown_root_or_suspended_debtor(ledger: Ledger, cast: Cast) -> None:
    with reverts(ReceivableNotFound, root_id=999):
        cast.core.receivables.confirm(999)
    root, _ = new_root(cast, confirm=False)
    with reverts(ReceivableNotDebtor, root_id=root, caller=cast.supplier1.address):
        cast.supplier1.receivables.reject(root)
    cast.operator.registry.suspend(cast.core.address, "AML")
    with reverts(ParticipantIsSuspended, account=cast.core.address):
        cast.core.receivables.confirm(root)


def test_cancel_only_by_supplier(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, confirm=False)
    with reverts(ReceivableNotHolder, fragment_id=frag, caller=cast.core.address, holder=cast.supplier1.address):
        cast.core.receivables.cancel(root)
    cast.supplier1.receivables.cancel(root)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.CANCELLED):
        cast.supplier1.receivables.cancel(root)


def test_unconfirmed_receivable_cannot_be_offered_or_discounted(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, confirm=False)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.REGISTERED):
        cast.supplier1.receivables.offer(frag, cast.supplier2.address, 1)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.REGISTERED):
        cast.supplier1.receivables.request_discount(frag, cast.bank1.address, 500, with_recourse=False)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.REGISTERED):
        cast.core.receivables.repay(root, 1)


# ================================================================================================ offers and splits
def test_split_keeps_debtor_due_date_and_root_and_records_parent(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast)
    offered = cast.supplier1.receivables.offer(frag, cast.supplier2.address, 400_000_00)
    assert (offered.from_, offered.to, offered.amount, offered.locked) == (
        cast.supplier1.address, cast.supplier2.address, 400_000_00, 400_000_00
    )
    assert ledger.receivables.get_fragment(frag).available == FACE - 400_000_00
    accepted = cast.supplier2.receivables.accept(offered.offer_id)
    assert accepted.child_id == fragment_id(root, 1) and accepted.parent_id == frag
    assert (accepted.parent_value, accepted.parent_status) == (600_000_00, FragmentStatus.ACTIVE)
    assert (accepted.old_status, accepted.new_status) == (OfferStatus.OPEN, OfferStatus.ACCEPTED)
    child = ledger.receivables.get_fragment(accepted.child_id)
    assert (child.root_id, child.parent_id, child.holder, child.value) == (root, frag, cast.supplier2.address,
                                                                        400_000_00)
    grandchild = split(cast.supplier2, child.id, cast.supplier3, 150_000_00)
    tree = ledger.receivables.lineage(root)
    assert [(d, f.id) for d, f in tree.walk()] == [(0, frag), (1, child.id), (2, grandchild)]
    assert tree.path_to(grandchild) == [frag, child.id, grandchild]
    assert sum(f.value for f in ledger.receivables.list_fragments(root)) == FACE
    rec = ledger.receivables.get_receivable(root)
    assert rec.fragment_count == 3 and rec.due_date == ledger.receivables.get_receivable(root).due_date


def test_offer_of_whole_value_marks_parent_transferred(ledger: Ledger, cast: Cast) -> None:
    _, frag = new_root(cast, face=100_00)
    offered = cast.supplier1.receivables.offer(frag, cast.supplier2.address, 100_00)
    accepted = cast.supplier2.receivables.accept(offered.offer_id)
    assert (accepted.parent_value, accepted.parent_status) == (0, FragmentStatus.TRANSFERRED)
    with reverts(ReceivableFragmentStatusInvalid, fragment_id=frag, status=FragmentStatus.TRANSFERRED):
        cast.supplier1.receivables.offer(frag, cast.supplier3.address, 1)


def test_offer_reject_and_withdraw_unlock_value(ledger: Ledger, cast: Cast) -> None:
    _, frag = new_root(cast)
    o1 = cast.supplier1.receivables.offer(frag, cast.supplier2.address, 300_000_00).offer_id
    o2 = cast.supplier1.receivables.offer(frag, cast.supplier3.address, 700_000_00).offer_id
    with reverts(ReceivableOfferAmountInvalid, fragment_id=frag, amount=1, available=0):
        cast.supplier1.receivables.offer(frag, cast.distributor.address, 1)
    with reverts(ReceivableNotOfferRecipient, offer_id=o1, caller=cast.supplier3.address,
                 recipient=cast.supplier2.address):
        cast.supplier3.receivables.reject_offer(o1)
    with reverts(ReceivableNotOfferSender, offer_id=o2, caller=cast.supplier3.address,
                 sender=cast.supplier1.address):
        cast.supplier3.receivables.withdraw_offer(o2)
    rejected = cast.supplier2.receivables.reject_offer(o1)
    assert (rejected.amount, rejected.new_status) == (300_000_00, OfferStatus.REJECTED)
    withdrawn = cast.supplier1.receivables.withdraw_offer(o2)
    assert withdrawn.new_status == OfferStatus.WITHDRAWN
    assert ledger.receivables.get_fragment(frag).locked == 0
    assert ledger.receivables.get_offer(o1).status == OfferStatus.REJECTED
    for oid in (o1, o2):
        with reverts(ReceivableOfferNotOpen, offer_id=oid, status=ledger.receivables.get_offer(oid).status):
            cast.supplier2.receivables.accept(oid)
    with reverts(ReceivableOfferNotFound, offer_id=99):
        cast.supplier2.receivables.accept(99)
    with reverts(ReceivableOfferNotFound, offer_id=99):
        ledger.receivables.get_offer(99)


def test_offer_reverts_for_bad_sender_recipient_or_amount(ledger: Ledger, cast: Cast) -> None:
    _, frag = new_root(cast)
    missing = frag + 5
    with reverts(ReceivableFragmentNotFound, fragment_id=missing):
        cast.supplier1.receivables.offer(missing, cast.supplier2.address, 1)
    with reverts(ReceivableNotHolder, fragment_id=frag, caller=cast.supplier2.address,
                 holder=cast.supplier1.address):
        cast.supplier2.receivables.offer(frag, cast.supplier3.address, 1)
    with reverts(ReceivableRecipientInvalid, recipient=cast.supplier1.address):
        cast.supplier1.receivables.offer(frag, cast.supplier1.address, 1)
    with reverts(ParticipantNotRegistered, account=cast.outsider.address):
        cast.supplier1.receivables.offer(frag, cast.outsider.address, 1)
    with reverts(ReceivableOfferAmountInvalid, fragment_id=frag, amount=0, available=FACE):
        cast.supplier1.receivables.offer(frag, cast.supplier2.address, 0)
    with reverts(ReceivableOfferAmountInvalid, fragment_id=frag, amount=FACE + 1, available=FACE):
        cast.supplier1.receivables.offer(frag, cast.supplier2.address, FACE + 1)
    cast.operator.registry.suspend(cast.supplier1.address, "KYC_REVIEW")
    with reverts(ParticipantIsSuspended, account=cast.supplier1.address):
        cast.supplier1.receivables.offer(frag, cast.supplier2.address, 1)


def test_accept_reverts_when_sender_suspended_or_root_disputed(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast)
    o1 = cast.supplier1.receivables.offer(frag, cast.supplier2.address, 100_00).offer_id
    with reverts(ReceivableNotOfferRecipient, offer_id=o1, caller=cast.supplier3.address):
        cast.supplier3.receivables.accept(o1)
    cast.operator.registry.suspend(cast.supplier1.address, "AML")
    with reverts(ParticipantIsSuspended, account=cast.supplier1.address):
        cast.supplier2.receivables.accept(o1)
    cast.operator.registry.resume(cast.supplier1.address)
    cast.core.receivables.dispute(root, "QUALITY")
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.DISPUTED):
        cast.supplier2.receivables.accept(o1)
    cast.operator.receivables.resolve_dispute(root, upheld=True)
    assert cast.supplier2.receivables.accept(o1).amount == 100_00


def test_fragment_cap_limits_splits_per_root(ledger: Ledger, cast: Cast) -> None:
    cap_set = cast.operator.receivables.set_fragment_cap(3)
    assert (cap_set.old_cap, cap_set.new_cap) == (100, 3)
    root, frag = new_root(cast)  # created under cap 3: its original fragment may create 2 more
    assert ledger.receivables.get_fragment(frag).splits_left == 2
    child = split(cast.supplier1, frag, cast.supplier2, 100_00)
    assert ledger.receivables.get_fragment(child).splits_left == 0  # 1% of the value: no share of the one left
    o = cast.supplier1.receivables.offer(frag, cast.supplier3.address, 100_00).offer_id
    o_late = cast.supplier1.receivables.offer(frag, cast.distributor.address, 100_00).offer_id
    cast.supplier3.receivables.accept(o)  # third fragment: the cap
    assert ledger.receivables.get_receivable(root).fragment_count == 3
    with reverts(ReceivableSplitsExhausted, fragment_id=frag):
        cast.distributor.receivables.accept(o_late)
    with reverts(ReceivableSplitsExhausted, fragment_id=frag):
        cast.supplier1.receivables.offer(frag, cast.distributor.address, 100_00)
    for bad in (0, 65_536):
        with reverts(ReceivableFragmentCapInvalid, cap=bad):
            cast.operator.receivables.set_fragment_cap(bad)
    with reverts(ReceivableNotOperator, account=cast.core.address):
        cast.core.receivables.set_fragment_cap(10)


def test_offers_and_discounts_stop_at_maturity(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, days=10)
    o = cast.supplier1.receivables.offer(frag, cast.supplier2.address, 100_00).offer_id
    due = ledger.receivables.get_receivable(root).due_date
    ledger.chain.travel_to(due)
    with reverts(ReceivableMatured, root_id=root, due_date=due):
        cast.supplier2.receivables.accept(o)
    with reverts(ReceivableMatured, root_id=root, due_date=due):
        cast.supplier1.receivables.offer(frag, cast.supplier2.address, 100_00)


# ================================================================================================ discounting
def test_discount_pays_price_to_holder_and_moves_fragment_to_bank(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast)
    child = split(cast.supplier1, frag, cast.supplier2, 250_000_00)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, 5_000_000_00)
    req = cast.supplier2.receivables.request_discount(child, cast.bank1.address, 550, with_recourse=True)
    assert (req.value, req.rate_bps, req.with_recourse) == (250_000_00, 550, True)
    assert (req.old_status, req.new_status) == (FragmentStatus.ACTIVE, FragmentStatus.DISCOUNTING)
    before_seller = ledger.token.balance_of(cast.supplier2.address).units
    before_bank = ledger.token.balance_of(cast.bank1.address).units
    ev = cast.bank1.receivables.discount(child)
    assert (ev.seller, ev.bank, ev.debtor, ev.value) == (cast.supplier2.address, cast.bank1.address,
                                                         cast.core.address, 250_000_00)
    assert ev.price < ev.value and ev.days_to_maturity == 90
    assert ledger.token.balance_of(cast.supplier2.address).units == before_seller + ev.price
    assert ledger.token.balance_of(cast.bank1.address).units == before_bank - ev.price
    f = ledger.receivables.get_fragment(child)
    assert (f.holder, f.status, f.financed) == (cast.bank1.address, FragmentStatus.FINANCED, True)
    fin = ledger.receivables.get_financing(child)
    assert (fin.bank, fin.seller, fin.price, fin.status) == (cast.bank1.address, cast.supplier2.address, ev.price,
                                                             FinancingStatus.FUNDED)
    exposure = ledger.receivables.get_exposure(cast.bank1.address, cast.core.address)
    assert (exposure.limit, exposure.used) == (5_000_000_00, 250_000_00)
    # A financed fragment is frozen in the bank's hands.
    with reverts(ReceivableFragmentStatusInvalid, fragment_id=child, status=FragmentStatus.FINANCED):
        cast.bank1.receivables.offer(child, cast.supplier3.address, 1)
    assert root


def test_discount_reverts_beyond_exposure_limit_naming_bank_debtor_amounts(ledger: Ledger, cast: Cast) -> None:
    _, frag = new_root(cast, face=300_000_00)
    _, other = new_root(cast, face=200_000_00, supplier=cast.supplier2)
    fund(cast.supplier2, other, cast.bank1, cast.core, limit=400_000_00)
    cast.supplier1.receivables.request_discount(frag, cast.bank1.address, 600, with_recourse=False)
    with reverts(ReceivableExposureLimitExceeded, bank=cast.bank1.address, debtor=cast.core.address,
                 requested=300_000_00, available=200_000_00):
        cast.bank1.receivables.discount(frag)
    # Another bank's limit is separate; the declined request frees the fragment.
    cast.bank1.receivables.decline_discount(frag)
    ev = fund(cast.supplier1, frag, cast.bank2, cast.core, limit=300_000_00)
    assert ev.bank == cast.bank2.address


def test_discount_request_guards(ledger: Ledger, cast: Cast) -> None:
    _, frag = new_root(cast)
    with reverts(ParticipantMissingRole, account=cast.supplier2.address, role=Role.BANK):
        cast.supplier1.receivables.request_discount(frag, cast.supplier2.address, 500, with_recourse=False)
    with reverts(ReceivableDiscountRateInvalid, rate_bps=10_001, days_to_maturity=90):
        cast.supplier1.receivables.request_discount(frag, cast.bank1.address, 10_001, with_recourse=False)
    o = cast.supplier1.receivables.offer(frag, cast.supplier2.address, 100_00).offer_id
    with reverts(ReceivableFragmentLocked, fragment_id=frag, locked=100_00):
        cast.supplier1.receivables.request_discount(frag, cast.bank1.address, 500, with_recourse=False)
    cast.supplier1.receivables.withdraw_offer(o)
    cast.supplier1.receivables.request_discount(frag, cast.bank1.address, 500, with_recourse=False)
    with reverts(ReceivableFragmentStatusInvalid, fragment_id=frag, status=FragmentStatus.DISCOUNTING):
        cast.supplier1.receivables.request_discount(frag, cast.bank2.address, 500, with_recourse=False)
    with reverts(ReceivableFragmentStatusInvalid, fragment_id=frag, status=FragmentStatus.DISCOUNTING):
        cast.supplier1.receivables.offer(frag, cast.supplier2.address, 100_00)
    with reverts(ReceivableNotDiscountBank, fragment_id=frag, caller=cast.bank2.address, bank=cast.bank1.address):
        cast.bank2.receivables.decline_discount(frag)
    with reverts(ReceivableNotDiscountBank, fragment_id=frag, caller=cast.bank2.address, bank=cast.bank1.address):
        cast.bank2.receivables.discount(frag, 500, False)
    with reverts(ReceivableNotHolder, fragment_id=frag, caller=cast.bank1.address):
        cast.bank1.receivables.withdraw_discount_request(frag)
    withdrawn = cast.supplier1.receivables.withdraw_discount_request(frag)
    assert (withdrawn.bank, withdrawn.new_status) == (cast.bank1.address, FragmentStatus.ACTIVE)
    assert ledger.receivables.get_financing(frag).status == FinancingStatus.WITHDRAWN
    with reverts(ReceivableFragmentStatusInvalid, fragment_id=frag, status=FragmentStatus.ACTIVE):
        cast.supplier1.receivables.withdraw_discount_request(frag)
    with reverts(ReceivableFragmentStatusInvalid, fragment_id=frag, status=FragmentStatus.ACTIVE):
        cast.bank1.receivables.discount(frag, 500, False)


def test_discount_reverts_when_rate_times_days_consumes_the_value(ledger: Ledger, cast: Cast) -> None:
    _, frag = new_root(cast, days=400)  # 400 days at 100 %: price would be negative
    with reverts(ReceivableDiscountRateInvalid, rate_bps=10_000, days_to_maturity=400):
        cast.supplier1.receivables.request_discount(frag, cast.bank1.address, 10_000, with_recourse=False)


def test_discount_bank_holding_a_fragment_cannot_ask_itself(ledger: Ledger, cast: Cast) -> None:
    _, frag = new_root(cast)
    child = split(cast.supplier1, frag, cast.bank1, 100_00)
    with reverts(ReceivableRecipientInvalid, recipient=cast.bank1.address):
        cast.bank1.receivables.request_discount(child, cast.bank1.address, 500, with_recourse=False)


def test_discount_reverts_on_changed_terms_suspended_seller_or_missing_allowance(ledger: Ledger, cast: Cast) -> None:
    _, frag = new_root(cast)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, FACE)
    cast.supplier1.receivables.request_discount(frag, cast.bank1.address, 500, with_recourse=True)
    with reverts(ERC20InsufficientAllowance, spender=ledger.receivables.address, allowance=0):
        cast.bank1.receivables.discount(frag, approve=False)
    with reverts(ReceivableDiscountTermsMismatch, fragment_id=frag, requested_rate_bps=500,
                 requested_with_recourse=True):
        cast.bank1.receivables.discount(frag, 400, True)
    with reverts(ReceivableDiscountTermsMismatch, fragment_id=frag, requested_rate_bps=500,
                 requested_with_recourse=True):
        cast.bank1.receivables.discount(frag, 500, False)
    cast.operator.registry.suspend(cast.supplier1.address, "AML")
    with reverts(ParticipantIsSuspended, account=cast.supplier1.address):
        cast.bank1.receivables.discount(frag)


def test_discount_reverts_when_matured_or_repayment_started(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, days=5)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, FACE)
    cast.supplier1.receivables.request_discount(frag, cast.bank1.address, 500, with_recourse=False)
    cast.core.receivables.repay(root, 1_00)
    with reverts(ReceivableRepaymentStarted, root_id=root, repaid=1_00):
        cast.bank1.receivables.discount(frag)
    root2, frag2 = new_root(cast, days=5)
    cast.supplier1.receivables.request_discount(frag2, cast.bank1.address, 500, with_recourse=False)
    due = ledger.receivables.get_receivable(root2).due_date
    ledger.chain.travel_to(due + 1)
    with reverts(ReceivableMatured, root_id=root2, due_date=due):
        cast.bank1.receivables.discount(frag2)


def test_exposure_limit_guards(ledger: Ledger, cast: Cast) -> None:
    with reverts(ParticipantMissingRole, account=cast.supplier1.address, role=Role.BANK):
        cast.supplier1.receivables.set_exposure_limit(cast.core.address, 1)
    with reverts(ParticipantMissingRole, account=cast.supplier1.address, role=Role.CORE_ENTERPRISE):
        cast.bank1.receivables.set_exposure_limit(cast.supplier1.address, 1)
    with reverts(ReceivableExposureLimitInvalid, limit=2**128):
        cast.bank1.receivables._transact("setExposureLimit", cast.core.address, 2**128)
    ev = cast.bank1.receivables.set_exposure_limit(cast.core.address, 7_00)
    assert (ev.old_limit, ev.new_limit, ev.used) == (0, 7_00, 0)


# ================================================================================================ repayment
def test_repay_routes_money_pro_rata_to_current_holders(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, face=1_000_00)
    a = split(cast.supplier1, frag, cast.supplier2, 333_33)
    b = split(cast.supplier1, frag, cast.supplier3, 333_33)
    fund(cast.supplier3, b, cast.bank1, cast.core, limit=FACE)
    ev = cast.core.receivables.repay(root, 500_00)
    assert (ev.amount, ev.total_repaid, ev.outstanding, ev.late) == (500_00, 500_00, 500_00, False)
    assert ev.new_status == ReceivableStatus.CONFIRMED
    with reverts(ReceivableRepaymentStarted, root_id=root, repaid=500_00):
        cast.supplier1.receivables.offer(frag, cast.supplier2.address, 1)
    paid = cast.bank1.receivables.distribute_all(root)
    amounts = {p.fragment_id: p.amount for p in paid}
    # floor(v * 500_00 / 1_000_00): the 1-cent remainder waits for the next repayment.
    assert amounts == {frag: 166_67, a: 166_66, b: 166_66}
    assert {p.fragment_id: p.holder for p in paid}[b] == cast.bank1.address
    assert ledger.receivables.get_exposure(cast.bank1.address, cast.core.address).used == 333_33 - 166_66
    assert ledger.token.balance_of(ledger.receivables.address).units == 1
    final = cast.core.receivables.repay(root, 500_00)
    assert (final.outstanding, final.new_status) == (0, ReceivableStatus.SETTLED)
    rest = cast.supplier2.receivables.distribute_all(root)
    assert sum(p.amount for p in paid + rest) == 1_000_00
    assert ledger.token.balance_of(ledger.receivables.address).units == 0
    assert all(f.status == FragmentStatus.PAID and f.paid == f.value for f in ledger.receivables.list_fragments(root))
    assert ledger.receivables.get_exposure(cast.bank1.address, cast.core.address).used == 0


def test_repay_guards(ledger: Ledger, cast: Cast) -> None:
    root, _ = new_root(cast, face=100_00)
    with reverts(ERC20InsufficientAllowance, spender=ledger.receivables.address, allowance=0, needed=1_00):
        cast.core.receivables.repay(root, 1_00, approve=False)
    with reverts(ReceivableNotDebtor, root_id=root, caller=cast.core2.address, debtor=cast.core.address):
        cast.core2.receivables.repay(root, 1)
    with reverts(ReceivableRepaymentInvalid, root_id=root, amount=0, outstanding=100_00):
        cast.core.receivables.repay(root, 0)
    with reverts(ReceivableRepaymentInvalid, root_id=root, amount=100_01, outstanding=100_00):
        cast.core.receivables.repay(root, 100_01)
    cast.core.receivables.repay(root, 100_00)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.SETTLED):
        cast.core.receivables.repay(root, 1)


def test_late_repayment_is_accepted_and_marked_late(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, face=100_00, days=3)
    due = ledger.receivables.get_receivable(root).due_date
    assert not ledger.receivables.is_overdue(root)
    ledger.chain.travel_to(due + DAY)
    assert ledger.receivables.is_overdue(root) and ledger.receivables.get_receivable(root).overdue
    ev = cast.core.receivables.repay(root, 100_00)
    assert ev.late and ev.new_status == ReceivableStatus.SETTLED
    assert not ledger.receivables.is_overdue(root)
    assert cast.supplier1.receivables.claim(frag).amount == 100_00


def test_claim_guards(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, face=100_00)
    with reverts(ReceivableNothingToClaim, fragment_id=frag):
        cast.supplier1.receivables.claim(frag)
    with reverts(ReceivableFragmentNotFound, fragment_id=frag + 1):
        cast.supplier1.receivables.claim(frag + 1)
    cast.core.receivables.repay(root, 40_00)
    cast.operator.registry.suspend(cast.supplier1.address, "AML")
    with reverts(SettlementTransferRestricted, from_=ledger.receivables.address, to=cast.supplier1.address,
                 amount=40_00, reason=TransferRestriction.RECIPIENT_SUSPENDED):
        cast.bank1.receivables.claim(frag)
    # A batch skips the blocked holder instead of failing; it can claim once resumed.
    assert cast.bank1.receivables.distribute(root) == []
    cast.operator.registry.resume(cast.supplier1.address)
    paid = cast.bank1.receivables.claim(frag)  # anyone may trigger; money goes to the holder
    assert (paid.holder, paid.amount, paid.total_paid) == (cast.supplier1.address, 40_00, 40_00)
    with reverts(ReceivableNothingToClaim, fragment_id=frag):
        cast.supplier1.receivables.claim(frag)


def test_distribute_batches_are_bounded(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, face=1_000_00)
    for party in (cast.supplier2, cast.supplier3, cast.distributor):
        split(cast.supplier1, frag, party, 100_00)
    cast.core.receivables.repay(root, 1_000_00)
    for bad in (0, 101):
        with reverts(ReceivableBatchInvalid, count=bad, max=100):
            cast.bank1.receivables.distribute(root, 0, bad)
    with reverts(ReceivableNotFound, root_id=root + 1):
        cast.bank1.receivables.distribute(root + 1, 0, 1)
    first = cast.bank1.receivables.distribute(root, 0, 2)
    assert [p.fragment_id for p in first] == [frag, fragment_id(root, 1)]
    second = cast.bank1.receivables.distribute(root, 2, 100)
    assert [p.fragment_id for p in second] == [fragment_id(root, 2), fragment_id(root, 3)]
    assert cast.bank1.receivables.distribute(root, 0, 100) == []  # nothing left: a no-op, not a revert
    assert sum(p.amount for p in first + second) == 1_000_00


# ================================================================================================ default, recourse
def test_default_needs_due_date_plus_grace(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, face=100_00, days=10)
    due = ledger.receivables.get_receivable(root).due_date
    grace = _grace(ledger)
    assert grace == 30 * DAY
    ledger.chain.travel_to(due + 1)
    with reverts(ReceivableNotDefaultable, fragment_id=frag, defaultable_at=due + grace):
        cast.supplier1.receivables.declare_default(frag)
    ledger.chain.travel_to(due + grace)
    with reverts(ReceivableNotHolder, fragment_id=frag, caller=cast.core.address):
        cast.core.receivables.declare_default(frag)
    ev = cast.supplier1.receivables.declare_default(frag)
    assert (ev.holder, ev.debtor, ev.unpaid) == (cast.supplier1.address, cast.core.address, 100_00)
    assert (ev.old_status, ev.new_status) == (FragmentStatus.ACTIVE, FragmentStatus.DEFAULTED)
    with reverts(ReceivableFragmentStatusInvalid, fragment_id=frag, status=FragmentStatus.DEFAULTED):
        cast.supplier1.receivables.declare_default(frag)
    # Late payment still reaches the holder of a defaulted fragment.
    cast.core.receivables.repay(root, 100_00)
    paid = cast.supplier1.receivables.claim(frag)
    assert (paid.old_status, paid.new_status) == (FragmentStatus.DEFAULTED, FragmentStatus.PAID)


def test_grace_period_is_configurable(ledger: Ledger, cast: Cast) -> None:
    ev = cast.operator.receivables.set_grace_period(0)
    assert (ev.old_grace_period, ev.new_grace_period) == (30 * DAY, 0)
    with reverts(ReceivableGracePeriodInvalid, grace_period=366 * DAY):
        cast.operator.receivables.set_grace_period(366 * DAY)
    with reverts(ReceivableNotOperator, account=cast.supplier1.address):
        cast.supplier1.receivables.set_grace_period(DAY)
    root, frag = new_root(cast, face=100_00, days=1)
    ledger.chain.travel_to(ledger.receivables.get_receivable(root).due_date)
    assert cast.supplier1.receivables.declare_default(frag).new_status == FragmentStatus.DEFAULTED


def test_default_reverts_on_settled_root_or_discounting_fragment(ledger: Ledger, cast: Cast) -> None:
    cast.operator.receivables.set_grace_period(0)
    root, frag = new_root(cast, face=100_00, days=1)
    cast.core.receivables.repay(root, 100_00)
    ledger.chain.travel_to(ledger.receivables.get_receivable(root).due_date)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.SETTLED):
        cast.supplier1.receivables.declare_default(frag)
    root2, frag2 = new_root(cast, face=100_00, days=1)
    cast.supplier1.receivables.request_discount(frag2, cast.bank1.address, 100, with_recourse=False)
    ledger.chain.travel_to(ledger.receivables.get_receivable(root2).due_date)
    with reverts(ReceivableFragmentStatusInvalid, fragment_id=frag2, status=FragmentStatus.DISCOUNTING):
        cast.supplier1.receivables.declare_default(frag2)


def test_recourse_creates_seller_debt_which_seller_repays(ledger: Ledger, cast: Cast) -> None:
    cast.operator.receivables.set_grace_period(DAY)
    root, frag = new_root(cast, face=200_00, days=30)
    child = split(cast.supplier1, frag, cast.supplier2, 100_00)
    fund(cast.supplier2, child, cast.bank1, cast.core, rate=600, recourse=True, limit=FACE)
    cast.core.receivables.repay(root, 50_00)  # a quarter repaid, then nothing
    with reverts(ReceivableRecourseUnavailable, fragment_id=child, status=FragmentStatus.FINANCED,
                 with_recourse=True):
        cast.bank1.receivables.exercise_recourse(child)
    ledger.chain.travel_to(ledger.receivables.get_receivable(root).due_date + DAY)
    defaulted = cast.bank1.receivables.declare_default(child)
    assert (defaulted.old_status, defaulted.unpaid) == (FragmentStatus.FINANCED, 75_00)
    with reverts(ReceivableNotHolder, fragment_id=child, caller=cast.supplier2.address):
        cast.supplier2.receivables.exercise_recourse(child)
    ev = cast.bank1.receivables.exercise_recourse(child)
    result = cast.bank1.receivables.last_result
    assert result is not None
    payout = result.one(FragmentPaid)  # what the debtor already paid went to the bank first
    assert (payout.holder, payout.amount) == (cast.bank1.address, 25_00)
    assert (ev.bank, ev.seller, ev.debt, ev.exposure_released) == (cast.bank1.address, cast.supplier2.address,
                                                                   75_00, 75_00)
    assert (ev.old_status, ev.new_status) == (FragmentStatus.DEFAULTED, FragmentStatus.RECOURSED)
    assert ledger.receivables.get_exposure(cast.bank1.address, cast.core.address).used == 0
    f = ledger.receivables.get_fragment(child)
    assert (f.holder, f.financed, f.status) == (cast.supplier2.address, False, FragmentStatus.RECOURSED)
    fin = ledger.receivables.get_financing(child)
    assert (fin.status, fin.recourse_outstanding) == (FinancingStatus.RECOURSED, 75_00)

    with reverts(ReceivableNotRecourseDebtor, fragment_id=child, caller=cast.supplier1.address,
                 seller=cast.supplier2.address):
        cast.supplier1.receivables.repay_recourse(child, 1)
    with reverts(ReceivableRecourseRepaymentInvalid, fragment_id=child, amount=75_01, outstanding=75_00):
        cast.supplier2.receivables.repay_recourse(child, 75_01)
    with reverts(ReceivableRecourseRepaymentInvalid, fragment_id=child, amount=0, outstanding=75_00):
        cast.supplier2.receivables.repay_recourse(child, 0)
    bank_before = ledger.token.balance_of(cast.bank1.address).units
    part = cast.supplier2.receivables.repay_recourse(child, 25_00)
    assert (part.outstanding, part.new_status) == (50_00, FinancingStatus.RECOURSED)
    rest = cast.supplier2.receivables.repay_recourse(child, 50_00)
    assert (rest.outstanding, rest.new_status) == (0, FinancingStatus.RECOURSE_SETTLED)
    assert ledger.token.balance_of(cast.bank1.address).units == bank_before + 75_00
    # The debtor's late payment now reaches the seller, who holds the fragment again.
    cast.core.receivables.repay(root, 150_00)
    assert cast.supplier2.receivables.claim(child).holder == cast.supplier2.address


def test_recourse_unavailable_without_recourse_or_when_fully_paid(ledger: Ledger, cast: Cast) -> None:
    cast.operator.receivables.set_grace_period(0)
    root, frag = new_root(cast, face=100_00, days=10)
    fund(cast.supplier1, frag, cast.bank1, cast.core, recourse=False, limit=FACE)
    ledger.chain.travel_to(ledger.receivables.get_receivable(root).due_date)
    cast.bank1.receivables.declare_default(frag)
    with reverts(ReceivableRecourseUnavailable, fragment_id=frag, status=FragmentStatus.DEFAULTED,
                 with_recourse=False):
        cast.bank1.receivables.exercise_recourse(frag)
    root2, frag2 = new_root(cast, face=100_00, days=10)
    fund(cast.supplier1, frag2, cast.bank1, cast.core, recourse=True)
    ledger.chain.travel_to(ledger.receivables.get_receivable(root2).due_date)
    cast.bank1.receivables.declare_default(frag2)
    cast.core.receivables.repay(root2, 100_00)  # paid in full after the default, before recourse
    with reverts(ReceivableRecourseUnavailable, fragment_id=frag2, status=FragmentStatus.PAID, with_recourse=True):
        cast.bank1.receivables.exercise_recourse(frag2)


# ================================================================================================ disputes
def test_dispute_freezes_every_fragment_until_resolved(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast)
    child = split(cast.supplier1, frag, cast.supplier2, 100_00)
    cast.supplier2.receivables.request_discount(child, cast.bank1.address, 500, with_recourse=True)
    with reverts(ReceivableNotDebtor, root_id=root, caller=cast.supplier1.address):
        cast.supplier1.receivables.dispute(root, "QUALITY")
    ev = cast.core.receivables.dispute(root, "QUALITY")
    assert (ev.debtor, ev.old_status, ev.new_status) == (cast.core.address, ReceivableStatus.CONFIRMED,
                                                        ReceivableStatus.DISPUTED)
    for call in (
        lambda: cast.supplier1.receivables.offer(frag, cast.supplier3.address, 1),
        lambda: cast.supplier2.receivables.offer(child, cast.supplier3.address, 1),
        lambda: cast.bank1.receivables.discount(child),
        lambda: cast.core.receivables.repay(root, 1),
    ):
        with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.DISPUTED):
            call()
    with reverts(ReceivableNotOperator, account=cast.core.address):
        cast.core.receivables.resolve_dispute(root, upheld=True)
    resolved = cast.operator.receivables.resolve_dispute(root, upheld=True)
    assert (resolved.upheld, resolved.new_status) == (True, ReceivableStatus.CONFIRMED)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.CONFIRMED):
        cast.operator.receivables.resolve_dispute(root, upheld=False)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, FACE)
    assert cast.bank1.receivables.discount(child).bank == cast.bank1.address


def test_voided_dispute_lets_with_recourse_bank_turn_to_seller(ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, face=100_00)
    fund(cast.supplier1, frag, cast.bank1, cast.core, recourse=True, limit=FACE)
    cast.core.receivables.dispute(root, "FAKE_INVOICE")
    voided = cast.operator.receivables.resolve_dispute(root, upheld=False)
    assert voided.new_status == ReceivableStatus.VOIDED
    ev = cast.bank1.receivables.exercise_recourse(frag)
    assert (ev.seller, ev.debt, ev.old_status) == (cast.supplier1.address, 100_00, FragmentStatus.FINANCED)


def test_dispute_only_before_due_date_and_when_confirmed(ledger: Ledger, cast: Cast) -> None:
    root, _ = new_root(cast, confirm=False, days=2)
    with reverts(ReceivableStatusInvalid, root_id=root, status=ReceivableStatus.REGISTERED):
        cast.core.receivables.dispute(root)
    cast.core.receivables.confirm(root)
    due = ledger.receivables.get_receivable(root).due_date
    ledger.chain.travel_to(due)
    with reverts(ReceivableMatured, root_id=root, due_date=due):
        cast.core.receivables.dispute(root)


def test_reads_revert_for_unknown_ids(ledger: Ledger, cast: Cast) -> None:
    with reverts(ReceivableNotFound, root_id=42):
        ledger.receivables.get_receivable(42)
    with reverts(ReceivableFragmentNotFound, fragment_id=fragment_id(42)):
        ledger.receivables.get_fragment(fragment_id(42))
    with reverts(ReceivableFragmentNotFound, fragment_id=fragment_id(42)):
        ledger.receivables.get_financing(fragment_id(42))
    assert ledger.receivables.receivable_count() == 0 and ledger.receivables.offer_count() == 0


def test_receivables_contract_is_a_ledger_contract(ledger: Ledger) -> None:
    assert ledger.registry.is_ledger_contract(ledger.receivables.address)


def test_receivables_operators_are_the_registry_operators(ledger: Ledger, cast: Cast) -> None:
    # One place decides who operates the ledger: granting or revoking in the registry takes effect here at once.
    with reverts(ReceivableNotOperator, account=cast.regulator.address):
        cast.regulator.receivables.set_fragment_cap(10)
    cast.operator.registry.grant_operator(cast.regulator.address)
    cast.regulator.receivables.set_fragment_cap(10)
    cast.operator.registry.revoke_operator(cast.regulator.address)
    with reverts(ReceivableNotOperator, account=cast.regulator.address):
        cast.regulator.receivables.set_fragment_cap(20)
