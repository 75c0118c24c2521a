"""sdk.story: the lineage of a receivable as sentences, from event fields alone (no chain needed)."""

from __future__ import annotations

from sdk.display import party_label, short_address
from sdk.story import fragment_ref, lineage_story, root_of

SUPPLIER = "0x" + "11" * 20
DEBTOR = "0x" + "22" * 20
BANK = "0x" + "33" * 20
F0, F1 = 7 << 16, (7 << 16) | 1


def test_fragment_ref_is_root_dot_index() -> None:
    assert (fragment_ref(65536), fragment_ref(F1)) == ("1.0", "7.1")


def test_labels_put_the_name_beside_a_short_address() -> None:
    assert short_address(BANK) == "0x3333…3333"
    assert party_label(BANK, "Bank of Ningbo") == "Bank of Ningbo (0x3333…3333)"
    assert party_label(BANK, None) == "0x3333…3333" and party_label(BANK, None, short=False) == BANK


def test_default_recourse_and_dispute_read_as_steps_and_other_roots_are_left_out() -> None:
    events = [
        (100, "ReceivableRegistered", {"root_id": 7, "supplier": SUPPLIER, "debtor": DEBTOR, "fragment_id": F0,
                                       "face_value": 1_000_00, "due_date": 200}),
        (110, "ReceivableDisputed", {"root_id": 7, "debtor": DEBTOR, "reason": "0x" + b"QUALITY".hex().ljust(64, "0")}),
        (111, "FragmentPaid", {"fragment_id": 8 << 16, "holder": SUPPLIER, "amount": 1, "total_paid": 1}),  # root 8
        (120, "FragmentDiscounted", {"fragment_id": F0, "seller": SUPPLIER, "bank": BANK, "debtor": DEBTOR,
                                     "value": 1_000_00, "price": 990_00, "rate_bps": 550, "days_to_maturity": 66,
                                     "with_recourse": True}),
        (300, "FragmentDefaulted", {"fragment_id": F0, "holder": BANK, "debtor": DEBTOR, "unpaid": 1_000_00}),
        (310, "RecourseExercised", {"fragment_id": F0, "bank": BANK, "seller": SUPPLIER, "debt": 1_000_00,
                                    "exposure_released": 1_000_00}),
        (320, "RecourseRepaid", {"fragment_id": F0, "seller": SUPPLIER, "bank": BANK, "amount": 400_00,
                                 "outstanding": 600_00}),
        (330, "FragmentOffered", {"offer_id": 1, "fragment_id": F0}),  # moves nothing: not a step
    ]
    steps = lineage_story(7, events, {BANK: "Bank of Ningbo"})
    assert [s.action for s in steps] == ["registered", "disputed", "sold", "defaulted", "recourse", "recourse-repaid"]
    assert [s.source for s in steps] == [0, 1, 3, 4, 5, 6]
    assert steps[1].text == "0x2222…2222 disputed receivable 7 (QUALITY); every fragment is frozen"
    assert steps[2].text == ("0x1111…1111 sold 7.0 (1,000.00) to Bank of Ningbo (0x3333…3333) for 990.00: "
                             "5.50% a year over 66 days, with recourse")
    assert steps[2].amount == 990_00 and steps[2].counterparty == BANK
    assert steps[4].text.endswith("0x1111…1111 owes it 1,000.00 and holds the fragment again")
    assert root_of("FragmentOfferAccepted", {"parent_id": F1, "child_id": F1 + 1}) == 7
    assert root_of("Transfer", {"root_id": 7}) is None


def test_a_payout_is_told_before_the_financing_it_closes() -> None:
    events = [
        (500, "FinancingRepaid", {"fragment_id": F0, "bank": BANK, "total_paid": 1_000_00}),
        (500, "FragmentPaid", {"fragment_id": F0, "holder": BANK, "amount": 1_000_00, "total_paid": 1_000_00}),
    ]
    steps = lineage_story(7, events)
    assert [(s.action, s.source) for s in steps] == [("paid-out", 1), ("financing-closed", 0)]
