"""WarehouseReceipts: issue keyed by lot, compliance on movement, splits, delivery out, and the lien-holder hooks."""

from __future__ import annotations

import pytest

from sdk import Party, Role, TransferRestriction
from sdk.errors import (
    AccessControlUnauthorizedAccount,
    ERC721InsufficientApproval,
    ParticipantIsSuspended,
    ParticipantMissingRole,
    ParticipantNotRegistered,
    ReceiptIsPledged,
    ReceiptLotAlreadyIssued,
    ReceiptNotFound,
    ReceiptNotLienHolder,
    ReceiptNotOwner,
    ReceiptNotPresented,
    ReceiptSplitQuantityInvalid,
    ReceiptStatusInvalid,
    ReceiptTermsInvalid,
    ReceiptTransferRestricted,
    ReceiptWrongWarehouse,
)
from sdk.generated.events import (
    ReceiptIssued,
    ReceiptPledged,
    ReceiptReleased,
    ReceiptSeized,
    ReceiptSplit,
    WarehouseReceiptsTransfer,
)
from sdk.types import TxResult
from sdk.warehouse import ReceiptAction, ReceiptStatus, ReceiptTerms, code, inspection_hash
from tests.conftest import YEAR, Cast
from tests.conftest import test_key as key_for
from tests.contracts.warehouse_support import CU, KG, QUANTITY, Manager, deploy_manager, terms

LOT = "QD-LOT-0001"
ZERO = "0x0000000000000000000000000000000000000000"


def issue(cast: Cast, owner: Party | None = None, lot: str = LOT, quantity: int = QUANTITY) -> int:
    return cast.warehouse.receipts.issue((owner or cast.distributor).address, terms(lot), quantity).id


@pytest.fixture()
def manager(ledger, cast: Cast) -> Manager:
    """A contract holding PLEDGE_MANAGER_ROLE, standing in for a ledger contract (loan book, prepayment); the cast's
    warehouse approves it as an issuer of pledged receipts."""
    key = key_for("pledge-manager")
    ledger.chain.fund(key.address, 10**21)
    contract = deploy_manager(ledger, key, grant=cast.operator)
    cast.warehouse.receipts.set_issuer_approval(contract.address)
    return contract


def lock(cast: Cast, manager: Manager, rid: int, owner: Party | None = None) -> TxResult:
    """The owner approves the manager for the receipt, and the manager locks it."""
    holder = owner or cast.distributor
    holder.receipts.approve(rid, manager.address)
    return manager.receipts._transact("lock", rid, holder.address)


@pytest.fixture()
def warehouse2(ledger, cast: Cast) -> Party:
    key = key_for("warehouse2")
    ledger.chain.fund(key.address, 10**21)
    expiry = ledger.chain.now() + YEAR
    cast.operator.registry.admit(key.address, [Role.WAREHOUSE_OPERATOR], "identity:warehouse2", expiry)
    return ledger.as_party(key)


# ---------------------------------------------------------------------------------------------- issue
def test_issue_records_terms_and_emits_every_field(ledger, cast: Cast) -> None:
    t = terms(LOT)
    event = cast.warehouse.receipts.issue(cast.distributor.address, t, 25_000)
    assert event == ReceiptIssued(
        id=event.id,
        warehouse=cast.warehouse.address,
        owner=cast.distributor.address,
        lien_holder=ZERO,
        commodity=code(CU, 16),
        quantity=25_000,
        unit=code(KG, 4),
        grade=code("LME-A", 16),
        location=code("QINGDAO-DAGANG-3", 16),
        lot_id=code(LOT, 16),
        inspection_hash=inspection_hash(f"inspection certificate of {LOT}"),
        old_status=ReceiptStatus.NONE,
        new_status=ReceiptStatus.FREE,
    )
    receipt = ledger.receipts.get_receipt(event.id)
    assert (receipt.owner, receipt.warehouse, receipt.quantity, receipt.parent_id, receipt.lien_holder) == (
        cast.distributor.address, cast.warehouse.address, 25_000, 0, None)
    assert receipt.issued_at == ledger.chain.now()
    assert ledger.receipts.get_issue(event.id) == event  # grade, location and inspection hash: from the event
    assert ledger.receipts.next_receipt_id() == event.id + 1


def test_issue_by_non_warehouse_reverts_missing_role(ledger, cast: Cast) -> None:
    with pytest.raises(ParticipantMissingRole) as err:
        cast.distributor.receipts.issue(cast.distributor.address, terms(), 1)
    assert (err.value.account, err.value.role) == (cast.distributor.address, Role.WAREHOUSE_OPERATOR)


@pytest.mark.parametrize(
    ("t", "quantity"),
    [
        (ReceiptTerms(commodity="", unit=KG, lot_id=LOT), 1),
        (ReceiptTerms(commodity=CU, unit="", lot_id=LOT), 1),
        (ReceiptTerms(commodity=CU, unit=KG, lot_id=""), 1),
        (ReceiptTerms(commodity=CU, unit=KG, lot_id=LOT), 0),
    ],
)
def test_issue_with_empty_terms_reverts_terms_invalid(ledger, cast: Cast, t: ReceiptTerms, quantity: int) -> None:
    with pytest.raises(ReceiptTermsInvalid) as err:
        cast.warehouse.receipts.issue(cast.distributor.address, t, quantity)
    assert (err.value.commodity, err.value.unit, err.value.lot_id, err.value.quantity) == (
        code(t.commodity, 16), code(t.unit, 4), code(t.lot_id, 16), quantity)


def test_second_receipt_for_a_live_lot_reverts_qingdao_rule(ledger, cast: Cast) -> None:
    first = issue(cast)
    with pytest.raises(ReceiptLotAlreadyIssued) as err:
        cast.warehouse.receipts.issue(cast.core.address, terms(LOT), 5)
    assert (err.value.warehouse, err.value.lot_id, err.value.issued_receipt_id) == (
        cast.warehouse.address, code(LOT, 16), first)


def test_same_lot_id_at_another_warehouse_is_another_lot(ledger, cast: Cast, warehouse2: Party) -> None:
    issue(cast)
    other = warehouse2.receipts.issue(cast.core.address, terms(LOT), 5)
    assert ledger.receipts.live_receipt_of_lot(warehouse2.address, LOT) == other.id


def test_lot_stays_occupied_while_a_split_piece_is_live_and_frees_after_the_last(ledger, cast: Cast) -> None:
    root = issue(cast)
    child = cast.distributor.receipts.split(root, 400, cast.core.address).child_id
    cast.distributor.receipts.present(root)
    assert cast.warehouse.receipts.deliver(root).lot_freed is False
    with pytest.raises(ReceiptLotAlreadyIssued) as err:
        issue(cast)
    assert err.value.issued_receipt_id == root
    cast.core.receipts.present(child)
    assert cast.warehouse.receipts.deliver(child).lot_freed is True
    again = issue(cast)
    assert again > child
    assert ledger.receipts.live_receipt_of_lot(cast.warehouse.address, LOT) == again


def test_issue_to_outsider_reverts_transfer_restricted(ledger, cast: Cast) -> None:
    with pytest.raises(ReceiptTransferRestricted) as err:
        cast.warehouse.receipts.issue(cast.outsider.address, terms(), 1)
    e = err.value
    assert (e.id, e.from_, e.to, e.reason) == (
        ledger.receipts.next_receipt_id(), ZERO, cast.outsider.address, TransferRestriction.RECIPIENT_NOT_REGISTERED)


# ---------------------------------------------------------------------------------------------- transfer
def test_transfer_between_participants_moves_title(ledger, cast: Cast) -> None:
    rid = issue(cast)
    event = cast.distributor.receipts.transfer(rid, cast.core.address)
    assert event == WarehouseReceiptsTransfer(cast.distributor.address, cast.core.address, rid)
    assert ledger.receipts.owner_of(rid) == cast.core.address


def test_transfer_to_outsider_reverts_restricted(ledger, cast: Cast) -> None:
    rid = issue(cast)
    with pytest.raises(ReceiptTransferRestricted) as err:
        cast.distributor.receipts.transfer(rid, cast.outsider.address)
    e = err.value
    assert (e.id, e.from_, e.to, e.reason) == (
        rid, cast.distributor.address, cast.outsider.address, TransferRestriction.RECIPIENT_NOT_REGISTERED)


def test_suspended_holder_cannot_transfer(ledger, cast: Cast) -> None:
    rid = issue(cast)
    cast.operator.registry.suspend(cast.distributor.address, "AML")
    with pytest.raises(ReceiptTransferRestricted) as err:
        cast.distributor.receipts.transfer(rid, cast.core.address)
    assert (err.value.from_, err.value.reason) == (cast.distributor.address, TransferRestriction.SENDER_SUSPENDED)


def test_transfer_to_kyc_expired_participant_reverts(ledger, cast: Cast) -> None:
    rid = issue(cast)
    expiry = ledger.chain.now() + 100
    cast.operator.registry.readmit(cast.core.address, [Role.CORE_ENTERPRISE], "identity:core", expiry)
    ledger.chain.travel_to(expiry + 1)
    with pytest.raises(ReceiptTransferRestricted) as err:
        cast.distributor.receipts.transfer(rid, cast.core.address)
    assert (err.value.to, err.value.reason) == (cast.core.address, TransferRestriction.RECIPIENT_KYC_EXPIRED)


# ---------------------------------------------------------------------------------------------- split
def test_split_carves_a_child_that_records_its_parent(ledger, cast: Cast) -> None:
    rid = issue(cast)
    event = cast.distributor.receipts.split(rid, 3_000, cast.supplier1.address)
    assert event == ReceiptSplit(
        id=rid, child_id=event.child_id, child_owner=cast.supplier1.address, quantity=3_000,
        parent_quantity=QUANTITY - 3_000, parent_status=ReceiptStatus.FREE,
        old_status=ReceiptStatus.NONE, new_status=ReceiptStatus.FREE,
    )
    child = ledger.receipts.get_receipt(event.child_id)
    parent = ledger.receipts.get_receipt(rid)
    assert (child.parent_id, child.owner, child.quantity, child.commodity, child.unit, child.lot_id) == (
        rid, cast.supplier1.address, 3_000, CU, KG, LOT)
    issued_hash = ledger.receipts.get_inspection_hash(rid)
    assert issued_hash == inspection_hash(f"inspection certificate of {LOT}")
    assert ledger.receipts.get_inspection_hash(event.child_id) == issued_hash  # served from the root's event
    assert (child.warehouse, parent.quantity) == (cast.warehouse.address, QUANTITY - 3_000)
    grandchild = cast.supplier1.receipts.split(event.child_id, 1_000).child_id
    assert ledger.receipts.root_of(grandchild) == rid
    assert ledger.receipts.get_inspection_hash(grandchild) == issued_hash
    assert ledger.receipts.live_pieces_of_lot(cast.warehouse.address, LOT) == 3


@pytest.mark.parametrize("quantity", [0, QUANTITY, QUANTITY + 1])
def test_split_of_nothing_or_everything_reverts(ledger, cast: Cast, quantity: int) -> None:
    rid = issue(cast)
    with pytest.raises(ReceiptSplitQuantityInvalid) as err:
        cast.distributor.receipts.split(rid, quantity)
    assert (err.value.id, err.value.quantity, err.value.available) == (rid, quantity, QUANTITY)


def test_split_by_stranger_reverts_insufficient_approval(ledger, cast: Cast) -> None:
    rid = issue(cast)
    with pytest.raises(ERC721InsufficientApproval) as err:
        cast.core.receipts.split(rid, 1)
    assert (err.value.operator, err.value.token_id) == (cast.core.address, rid)


def test_split_of_unknown_receipt_reverts_not_found(ledger, cast: Cast) -> None:
    with pytest.raises(ReceiptNotFound) as err:
        cast.distributor.receipts.split(999, 1)
    assert err.value.id == 999


def test_split_of_delivered_receipt_reverts_status_invalid(ledger, cast: Cast) -> None:
    rid = issue(cast)
    cast.distributor.receipts.present(rid)
    cast.warehouse.receipts.deliver(rid)
    with pytest.raises(ReceiptStatusInvalid) as err:
        cast.distributor.receipts.split(rid, 1)
    assert (err.value.id, err.value.status) == (rid, ReceiptStatus.DELIVERED)


# ---------------------------------------------------------------------------------------------- delivery
def test_deliver_without_presentation_reverts(ledger, cast: Cast) -> None:
    rid = issue(cast)
    with pytest.raises(ReceiptNotPresented) as err:
        cast.warehouse.receipts.deliver(rid)
    assert (err.value.id, err.value.owner, err.value.warehouse) == (
        rid, cast.distributor.address, cast.warehouse.address)


def test_deliver_by_another_warehouse_reverts(ledger, cast: Cast, warehouse2: Party) -> None:
    rid = issue(cast)
    cast.distributor.receipts.present(rid)
    with pytest.raises(ReceiptWrongWarehouse) as err:
        warehouse2.receipts.deliver(rid)
    assert (err.value.id, err.value.account, err.value.warehouse) == (
        rid, warehouse2.address, cast.warehouse.address)


def test_suspended_warehouse_cannot_deliver(ledger, cast: Cast) -> None:
    rid = issue(cast)
    cast.distributor.receipts.present(rid)
    cast.operator.registry.suspend(cast.warehouse.address, "LICENCE")
    with pytest.raises(ParticipantIsSuspended) as err:
        cast.warehouse.receipts.deliver(rid)
    assert err.value.account == cast.warehouse.address


def test_deliver_twice_reverts_status_invalid(ledger, cast: Cast) -> None:
    rid = issue(cast)
    cast.distributor.receipts.present(rid)
    event = cast.warehouse.receipts.deliver(rid)
    assert (event.id, event.warehouse, event.presenter, event.lot_id, event.quantity) == (
        rid, cast.warehouse.address, cast.distributor.address, code(LOT, 16), QUANTITY)
    assert (event.old_status, event.new_status) == (ReceiptStatus.FREE, ReceiptStatus.DELIVERED)
    assert ledger.receipts.get_receipt(rid).owner is None
    with pytest.raises(ReceiptStatusInvalid) as err:
        cast.warehouse.receipts.deliver(rid)
    assert (err.value.id, err.value.status) == (rid, ReceiptStatus.DELIVERED)


# ---------------------------------------------------------------------------------------------- liens
def test_only_pledge_managers_lock(ledger, cast: Cast) -> None:
    rid = issue(cast)
    with pytest.raises(AccessControlUnauthorizedAccount) as err:
        cast.distributor.receipts._transact("lock", rid, cast.distributor.address)
    assert (err.value.account, err.value.needed_role) == (
        cast.distributor.address, ledger.receipts.pledge_manager_role())


def test_lock_checks_the_owner(ledger, cast: Cast, manager: Manager) -> None:
    rid = issue(cast)
    with pytest.raises(ReceiptNotOwner) as err:
        manager.receipts._transact("lock", rid, cast.core.address)
    assert (err.value.id, err.value.account, err.value.owner) == (rid, cast.core.address, cast.distributor.address)


def test_pledged_receipt_refuses_transfer_split_delivery_and_second_pledge(
    ledger, cast: Cast, manager: Manager
) -> None:
    rid = issue(cast)
    locked = lock(cast, manager, rid).one(ReceiptPledged)
    assert locked == ReceiptPledged(
        rid, cast.distributor.address, manager.address, ReceiptStatus.FREE, ReceiptStatus.PLEDGED)
    attempts = [
        (ReceiptAction.TRANSFER, lambda: cast.distributor.receipts.transfer(rid, cast.core.address)),
        (ReceiptAction.SPLIT, lambda: cast.distributor.receipts.split(rid, 1)),
        (ReceiptAction.PLEDGE, lambda: lock(cast, manager, rid)),
    ]
    for action, attempt in attempts:
        with pytest.raises(ReceiptIsPledged) as err:
            attempt()
        assert (err.value.id, err.value.lien_holder, err.value.action) == (rid, manager.address, action)
    cast.distributor.receipts._transact("approve", cast.warehouse.address, rid)
    with pytest.raises(ReceiptIsPledged) as err2:
        cast.warehouse.receipts.deliver(rid)
    assert (err2.value.id, err2.value.lien_holder, err2.value.action) == (rid, manager.address, ReceiptAction.DELIVER)
    assert ledger.receipts.owner_of(rid) == cast.distributor.address


def test_issue_pledged_is_born_locked_for_the_manager(ledger, cast: Cast, manager: Manager) -> None:
    result = manager.receipts._transact(
        "issuePledged", cast.warehouse.address, cast.distributor.address, terms("PP-LOT-1").to_abi(), 500)
    event = result.one(ReceiptIssued)
    assert (event.warehouse, event.owner, event.lien_holder, event.new_status) == (
        cast.warehouse.address, cast.distributor.address, manager.address, ReceiptStatus.PLEDGED)
    receipt = ledger.receipts.get_receipt(event.id)
    assert (receipt.status, receipt.lien_holder) == (ReceiptStatus.PLEDGED, manager.address)


def test_issue_pledged_needs_an_active_warehouse(ledger, cast: Cast, manager: Manager) -> None:
    with pytest.raises(ParticipantMissingRole) as err:
        manager.receipts._transact(
            "issuePledged", cast.core.address, cast.distributor.address, terms("PP-LOT-1").to_abi(), 500)
    assert (err.value.account, err.value.role) == (cast.core.address, Role.WAREHOUSE_OPERATOR)
    with pytest.raises(ParticipantNotRegistered) as err2:
        manager.receipts._transact(
            "issuePledged", cast.outsider.address, cast.distributor.address, terms("PP-LOT-1").to_abi(), 500)
    assert err2.value.account == cast.outsider.address


def test_issue_pledged_by_non_manager_reverts(ledger, cast: Cast) -> None:
    with pytest.raises(AccessControlUnauthorizedAccount) as err:
        cast.warehouse.receipts._transact(
            "issuePledged", cast.warehouse.address, cast.distributor.address, terms().to_abi(), 1)
    assert err.value.account == cast.warehouse.address


def test_lien_holder_splits_off_a_free_child_and_parent_stays_pledged(ledger, cast: Cast, manager: Manager) -> None:
    rid = issue(cast)
    lock(cast, manager, rid)
    event = manager.receipts._transact("splitLocked", rid, 2_500, cast.distributor.address).one(ReceiptSplit)
    assert (event.parent_status, event.new_status, event.quantity, event.parent_quantity) == (
        ReceiptStatus.PLEDGED, ReceiptStatus.FREE, 2_500, QUANTITY - 2_500)
    assert ledger.receipts.get_receipt(event.child_id).status == ReceiptStatus.FREE
    assert ledger.receipts.get_receipt(rid).status == ReceiptStatus.PLEDGED


def test_lien_holder_seizes_to_a_new_owner_free_of_the_lien(ledger, cast: Cast, manager: Manager) -> None:
    rid = issue(cast)
    lock(cast, manager, rid)
    result = manager.receipts._transact("seize", rid, cast.bank1.address)
    assert result.one(ReceiptSeized) == ReceiptSeized(
        rid, cast.distributor.address, cast.bank1.address, manager.address, ReceiptStatus.PLEDGED, ReceiptStatus.FREE)
    assert result.one(WarehouseReceiptsTransfer).to == cast.bank1.address
    receipt = ledger.receipts.get_receipt(rid)
    assert (receipt.owner, receipt.status, receipt.lien_holder) == (cast.bank1.address, ReceiptStatus.FREE, None)


def test_seize_to_outsider_reverts_restricted(ledger, cast: Cast, manager: Manager) -> None:
    rid = issue(cast)
    lock(cast, manager, rid)
    with pytest.raises(ReceiptTransferRestricted) as err:
        manager.receipts._transact("seize", rid, cast.outsider.address)
    assert (err.value.to, err.value.reason) == (cast.outsider.address, TransferRestriction.RECIPIENT_NOT_REGISTERED)


def test_unlock_releases_and_only_the_lien_holder_may(ledger, cast: Cast, manager: Manager) -> None:
    rid = issue(cast)
    lock(cast, manager, rid)
    other = deploy_manager(ledger, cast.operator.account, grant=cast.operator)
    for fn, args in [("unlock", ()), ("splitLocked", (1, cast.core.address)), ("seize", (cast.core.address,))]:
        with pytest.raises(ReceiptNotLienHolder) as err:
            other.receipts._transact(fn, rid, *args)
        assert (err.value.id, err.value.account, err.value.lien_holder) == (
            rid, other.address, manager.address)
    released = manager.receipts._transact("unlock", rid).one(ReceiptReleased)
    assert released == ReceiptReleased(
        rid, cast.distributor.address, manager.address, ReceiptStatus.PLEDGED, ReceiptStatus.FREE)
    cast.distributor.receipts.transfer(rid, cast.core.address)


@pytest.mark.parametrize("fn", ["unlock", "splitLocked", "seize"])
def test_lien_operations_on_a_free_receipt_revert_status_invalid(ledger, cast: Cast, manager: Manager, fn: str) -> None:
    rid = issue(cast)
    args = {"unlock": (), "splitLocked": (1, cast.core.address), "seize": (cast.core.address,)}[fn]
    with pytest.raises(ReceiptStatusInvalid) as err:
        manager.receipts._transact(fn, rid, *args)
    assert (err.value.id, err.value.status) == (rid, ReceiptStatus.FREE)
    with pytest.raises(ReceiptNotFound) as err2:
        manager.receipts._transact(fn, 4242, *args)
    assert err2.value.id == 4242


def test_lien_holder_seizes_even_from_a_suspended_owner(ledger, cast: Cast, manager: Manager) -> None:
    rid = issue(cast)
    lock(cast, manager, rid)
    cast.operator.registry.suspend(cast.distributor.address, "AML")
    seized = manager.receipts._transact("seize", rid, cast.bank1.address).one(ReceiptSeized)
    assert (seized.from_, seized.to) == (cast.distributor.address, cast.bank1.address)
    assert ledger.receipts.owner_of(rid) == cast.bank1.address
