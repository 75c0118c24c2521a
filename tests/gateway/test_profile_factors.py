"""Credit-profile factors on hand-built event histories, with the expected figures worked out here; the scorecard
and the limit rule on worked inputs; the scorecard's monotonicity as a property."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gateway.profile.credit import (
    DAY,
    SCORECARD_VERSION,
    DefaultItem,
    Ev,
    Figure,
    LateItem,
    ScoreInputs,
    add_months,
    borrower_factor,
    build_profile,
    days_late,
    debtor_factor,
    operating_factor,
    score,
    suggested_limit,
    supplier_factor,
    tenure_factor,
)

D = "0x00000000000000000000000000000000000000D0"  # the participant profiled
S = "0x00000000000000000000000000000000000000A1"  # a supplier
C1 = "0x00000000000000000000000000000000000000C1"  # core enterprises
C2 = "0x00000000000000000000000000000000000000C2"
BANK = "0x00000000000000000000000000000000000000B1"
T0 = int(datetime(2026, 1, 15, tzinfo=UTC).timestamp())

CONTRACT = {"Receivable": "Receivables", "Fragment": "Receivables", "Recourse": "Receivables", "Loan": "PledgeLoans",
            "Margin": "PledgeLoans", "Prepayment": "Prepayment", "Credit": "CreditLines"}


class History:
    """Events in order, each with a block time."""

    def __init__(self) -> None:
        self.events: list[Ev] = []

    def add(self, name: str, at: int, **args: Any) -> None:
        contract = next(c for prefix, c in CONTRACT.items() if name.startswith(prefix))
        self.events.append(Ev(len(self.events) + 1, contract, name, at, args))

    def registered(self, root: int, supplier: str, debtor: str, face: int, due: int, at: int) -> None:
        self.add("ReceivableRegistered", at, root_id=root, supplier=supplier, debtor=debtor, fragment_id=root * 10,
                 face_value=face, due_date=due, new_status=1)

    def issued(self, root: int, supplier: str, debtor: str, face: int, due: int, at: int) -> None:
        self.add("ReceivableIssued", at, root_id=root, debtor=debtor, supplier=supplier, fragment_id=root * 10,
                 face_value=face, due_date=due, new_status=2)

    def confirmed(self, root: int, debtor: str, holder: str, at: int) -> None:
        self.add("ReceivableConfirmed", at, root_id=root, debtor=debtor, holder=holder, new_status=2)

    def repaid(self, root: int, debtor: str, amount: int, outstanding: int, at: int) -> None:
        self.add("ReceivableRepaid", at, root_id=root, debtor=debtor, amount=amount, outstanding=outstanding,
                 new_status=7 if outstanding == 0 else 2)


def test_days_late_round_up_to_whole_days() -> None:
    assert days_late(T0, T0) == 0
    assert days_late(T0 - 1, T0) == 0
    assert days_late(T0 + 1, T0) == 1
    assert days_late(T0 + DAY, T0) == 1
    assert days_late(T0 + DAY + 1, T0) == 2


def test_debtor_factor() -> None:
    h = History()
    # R1: issued by the debtor itself (confirmed at once), repaid in full a day early: on time
    h.issued(1, S, D, 100_000, T0 + 30 * DAY, T0)
    h.repaid(1, D, 100_000, 0, T0 + 29 * DAY)
    # R2: registered, confirmed next day, repaid 2 days and 1 second late: 3 days late
    h.registered(2, S, D, 200_000, T0 + 30 * DAY, T0)
    h.confirmed(2, D, S, T0 + DAY)
    h.repaid(2, D, 200_000, 0, T0 + 32 * DAY + 1)
    # R3: confirmed, partly repaid at due date, fragment 30 declared defaulted; still open at as_of: 10 days overdue
    h.registered(3, S, D, 300_000, T0 + 60 * DAY, T0)
    h.confirmed(3, D, S, T0 + DAY)
    h.repaid(3, D, 200_000, 100_000, T0 + 60 * DAY)
    h.add("FragmentDefaulted", T0 + 65 * DAY, fragment_id=30, holder=S, debtor=D, unpaid=100_000, new_status=4)
    # R4: never confirmed; R5: confirmed then voided after an upheld dispute: neither is an obligation
    h.registered(4, S, D, 50_000, T0 + 20 * DAY, T0)
    h.registered(5, S, D, 70_000, T0 + 20 * DAY, T0)
    h.confirmed(5, D, S, T0 + DAY)
    h.add("ReceivableDisputed", T0 + 2 * DAY, root_id=5, debtor=D, new_status=5)
    h.add("ReceivableDisputeResolved", T0 + 3 * DAY, root_id=5, operator=BANK, upheld=True, new_status=6)
    # R6: confirmed, not yet due at as_of: counts in volume only
    h.issued(6, S, D, 400_000, T0 + 90 * DAY, T0 + 2 * DAY)
    # someone else's payable is ignored
    h.issued(7, S, C1, 999_000, T0 + 10 * DAY, T0)
    as_of = T0 + 70 * DAY
    f = debtor_factor(D, h.events, as_of, {30: 3})
    assert (f.confirmed, f.volume_confirmed_units, f.volume_12m_units) == (4, 1_000_000, 1_000_000)
    assert (f.settled, f.on_time) == (2, 1)
    assert f.late == (LateItem("receivable", 2, T0 + 30 * DAY, 3, False),
                      LateItem("receivable", 3, T0 + 60 * DAY, 10, True))
    assert f.on_time_ratio_bps == 1 * 10_000 // 3 == 3_333
    assert (f.average_days_late, f.worst_days_late) == ((3 + 10) / 2, 10)
    assert [(d.kind, d.id, d.amount_units, d.recovered) for d in f.defaults] == [("receivable", 3, 100_000, False)]
    # the same history a year later: the volume of the last 12 months no longer counts these confirmations
    later = debtor_factor(D, h.events, T0 + 400 * DAY, {30: 3})
    assert later.volume_12m_units == 0 and later.volume_confirmed_units == 1_000_000


def test_a_repayment_that_cures_a_margin_call_counts_as_a_cure() -> None:
    """PledgeLoans cures a call by `cure()` (MarginCallCured) or by a repayment that brings the loan back within max
    LTV (LoanRepaid MarginCalled -> Active, no MarginCallCured): both are cures; a full repayment of a called loan
    settles the call too."""
    h = History()
    mat = T0 + 90 * DAY
    for loan in (1, 2, 3):
        h.add("LoanOpened", T0, loan_id=loan, bank=BANK, borrower=D, maturity=mat, new_status=1)
        h.add("MarginCalled", T0 + DAY, loan_id=loan, bank=BANK, borrower=D, new_status=2)
    h.add("LoanRepaid", T0 + 2 * DAY, loan_id=1, payer=D, bank=BANK, old_status=2, new_status=1)  # cured by paying
    h.add("LoanRepaid", T0 + 2 * DAY, loan_id=2, payer=D, bank=BANK, old_status=2, new_status=3)  # paid off
    h.add("LoanRepaid", T0 + 2 * DAY, loan_id=3, payer=D, bank=BANK, old_status=2, new_status=2)  # not enough
    f = borrower_factor(D, h.events, T0 + 10 * DAY)
    assert (f.margin_calls, f.margin_cures) == (3, 2)


def test_borrower_factor() -> None:
    h = History()
    mat = T0 + 30 * DAY
    for loan in (1, 2, 3):
        h.add("LoanOpened", T0, loan_id=loan, bank=BANK, borrower=D, maturity=mat, new_status=1)
    h.add("LoanRepaid", T0 + 20 * DAY, loan_id=1, payer=D, bank=BANK, new_status=3)  # on time
    h.add("MarginCalled", T0 + 5 * DAY, loan_id=2, bank=BANK, borrower=D, new_status=2)
    h.add("MarginCallCured", T0 + 6 * DAY, loan_id=2, new_status=1)
    h.add("LoanRepaid", T0 + 35 * DAY, loan_id=2, payer=D, bank=BANK, new_status=1)  # partial: not closed
    h.add("LoanRepaid", mat + 10 * DAY, loan_id=2, payer=D, bank=BANK, new_status=3)  # 10 days late
    h.add("MarginCalled", T0 + 7 * DAY, loan_id=3, bank=BANK, borrower=D, new_status=2)
    h.add("LoanForeclosed", T0 + 9 * DAY, loan_id=3, bank=BANK, borrower=D, principal=80_000, interest=1_000,
          shortfall=5_000, new_status=4)
    h.add("PrepaymentProposed", T0, id=7, buyer=D, seller=C1, bank=BANK, maturity=mat, new_status=1)
    h.add("PrepaymentFunded", T0 + DAY, id=7, bank=BANK, seller=C1, buyer=D, new_status=3)
    h.add("PrepaymentRepaid", T0 + 25 * DAY, id=7, buyer=D, bank=BANK, outstanding=0, new_status=5)
    h.add("PrepaymentProposed", T0, id=8, buyer=D, seller=C1, bank=BANK, maturity=mat, new_status=1)
    h.add("PrepaymentFunded", T0 + DAY, id=8, bank=BANK, seller=C1, buyer=D, new_status=3)
    h.add("PrepaymentBoughtBack", mat + DAY, id=8, seller=C1, bank=BANK, buyer=D, principal=50_000, interest=500,
          new_status=6)
    h.add("PrepaymentProposed", T0, id=9, buyer=D, seller=C1, bank=BANK, maturity=mat, new_status=1)  # never funded
    h.add("RecourseExercised", T0 + 40 * DAY, fragment_id=44, bank=BANK, seller=D, debt=10_000, new_status=5)
    h.add("RecourseRepaid", T0 + 41 * DAY, fragment_id=44, seller=D, bank=BANK, amount=10_000, outstanding=0,
          new_status=6)
    f = borrower_factor(D, h.events, T0 + 60 * DAY)
    assert (f.loans, f.prepayments, f.repaid_on_time) == (3, 2, 2)  # loan 1 and prepayment 7
    assert f.late == (LateItem("loan", 2, mat, 10, False),)
    assert (f.margin_calls, f.margin_cures, f.recourse_exercised, f.recourse_settled) == (2, 1, 1, 1)
    assert [(d.kind, d.id, d.amount_units, d.recovered) for d in f.defaults] == [
        ("loan_foreclosed", 3, 81_000, False), ("prepayment_bought_back", 8, 50_500, True),
        ("recourse", 44, 10_000, True)]


def test_supplier_factor() -> None:
    h = History()
    due = T0 + 60 * DAY
    h.issued(10, D, C1, 600_000, due, T0)
    h.registered(11, D, C1, 200_000, due, T0)
    h.confirmed(11, C1, D, T0 + DAY)
    h.registered(12, D, C2, 200_000, due, T0)
    h.confirmed(12, C2, D, T0 + DAY)
    h.registered(13, D, C2, 90_000, due, T0)
    h.add("ReceivableRejected", T0 + DAY, root_id=13, debtor=C2, new_status=3)
    h.registered(14, D, C1, 100_000, due, T0)
    h.confirmed(14, C1, D, T0 + DAY)
    h.add("ReceivableDisputed", T0 + 2 * DAY, root_id=14, debtor=C1, new_status=5)
    h.add("ReceivableDisputeResolved", T0 + 3 * DAY, root_id=14, operator=BANK, upheld=True, new_status=6)
    h.registered(15, D, C2, 50_000, due, T0)  # awaiting confirmation: no volume
    f = supplier_factor(D, h.events, T0 + 10 * DAY)
    assert (f.confirmed, f.volume_confirmed_units, f.volume_12m_units) == (3, 1_000_000, 1_000_000)
    assert [(s.debtor, s.confirmed, s.volume_units, s.share_bps) for s in f.by_debtor] == [
        (C1, 2, 800_000, 8_000), (C2, 1, 200_000, 2_000)]
    assert f.concentration_bps == 8_000
    assert (f.disputes, f.disputes_upheld, f.rejected) == (1, 1, 1)


def test_tenure_factor() -> None:
    h = History()
    jan15, feb3, feb20, may1 = T0, T0 + 19 * DAY, T0 + 36 * DAY, int(datetime(2026, 5, 1, tzinfo=UTC).timestamp())
    h.issued(1, D, C1, 1, T0 + DAY, jan15)
    h.confirmed(2, C1, D, feb3)
    h.confirmed(3, C2, D, feb20)
    h.repaid(4, D, 1, 0, may1)
    h.issued(5, S, C1, 1, T0, T0 + 200 * DAY)  # not about D
    f = tenure_factor(D, h.events, may1 + 10 * DAY)
    assert (f.first_activity, f.last_activity, f.months_active) == (jan15, may1, 3)  # Jan, Feb, May
    assert f.tenure_days == (may1 + 10 * DAY - jan15) // DAY == 116
    assert tenure_factor(C2, [], T0).months_active == 0


def test_operating_factor() -> None:
    figures = [Figure("ELEC_KWH", 202500 + m, 1_000, m) for m in range(1, 13)]
    figures += [Figure("ELEC_KWH", 202600 + m, 1_100, 100 + m) for m in range(1, 11)]
    figures += [Figure("TAX_PAID_CENTS", 202609, 5_000_00, 200)]
    as_of = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())
    f = operating_factor(figures, as_of)
    elec, tax = f.metrics
    # window: Nov 2025 .. Oct 2026 (the last 12 complete months)
    assert [p for p, _ in elec.months] == [202511, 202512, *range(202601, 202611)]
    assert elec.last_12m_total == 2 * 1_000 + 10 * 1_100 == 13_000
    # months with a year-earlier figure: Jan..Oct 2026 vs Jan..Oct 2025 -> (11,000 - 10,000) / 10,000 = +10.00 %
    assert elec.yoy_change_bps == 1_000
    assert (tax.last_12m_total, tax.yoy_change_bps) == (5_000_00, None)
    assert add_months(202601, -1) == 202512 and add_months(202512, 1) == 202601


WORKED = ScoreInputs(on_time=8, late_1_7=1, late_8_30=1, defaults=1, defaults_recovered=1, margin_calls=2,
                     margin_cures=1, supplier_confirmed=3, supplier_volume_units=1_000_000, concentration_bps=8_000,
                     disputes=1, disputes_upheld=1, rejected=1, months_active=10, yoy_bps=(1_000,))


def test_scorecard_on_worked_inputs() -> None:
    s = score(WORKED)
    points = {f.name: f.points for f in s.factors}
    assert points == {
        "repayment_record": 200 * 8 // 11,  # 8 on time of 8 + 2 late + 1 default = 145
        "track_record_depth": 80,  # 10 per on-time repayment
        "lateness": -(5 + 15),  # one 1-7 days late, one 8-30
        "defaults": -75,  # one default, recovered
        "margin_calls": -(20 + 5),  # one uncured, one cured
        "supplier_business": 5 * 3 + 20,  # 3 confirmed, volume >= 10,000.00
        "concentration": -20,  # largest debtor 80 %
        "disputes": -(30 + 5),  # one upheld dispute, one rejection
        "tenure": 60,  # 10 months x 6
        "operating_trend": 20,  # +10 % year on year
    }
    assert points["repayment_record"] == 145
    assert s.score == 350 + 145 + 80 - 20 - 75 - 25 + 35 - 20 - 35 + 60 + 20 == 515
    assert s.grade == "D" and s.version == SCORECARD_VERSION
    assert s.top_factors == ("repayment_record", "track_record_depth", "defaults")
    assert s.lowered_by == ("defaults", "disputes", "margin_calls", "concentration", "lateness")
    assert score(ScoreInputs()).score == 350 and score(ScoreInputs()).grade == "E"


def test_limit_rule() -> None:
    # grade D: 10 % of the 12-month volume, scaled by 10 of 12 months: 1,200,000 x 0.10 x 10/12 = 100,000
    assert suggested_limit("D", 1_200_000, 10, 0).units == 100_000
    # rounded down to whole currency units (100 cents)
    assert suggested_limit("A", 1_000_001, 12, 0).units == 500_000
    assert suggested_limit("B", 777_777, 24, 0).units == 777_777 * 3_500 // 10_000 // 100 * 100 == 272_200
    assert suggested_limit("A", 1_000_000, 12, 1).units == 0  # an unrecovered default on record
    assert suggested_limit("E", 1_000_000, 12, 0).units == 0


def test_profile_names_version_and_reasons() -> None:
    h = History()
    h.issued(1, S, D, 100_000, T0 + 30 * DAY, T0)
    h.repaid(1, D, 100_000, 0, T0 + 29 * DAY)
    p = build_profile(D, h.events, [], T0 + 40 * DAY).to_json()
    assert p["scorecard_version"] == SCORECARD_VERSION == p["score"]["version"]
    assert p["debtor"]["on_time"] == 1 and p["score"]["top_factors"][0] == "repayment_record"
    assert all(f["reason"] for f in p["score"]["factors"])
    # history: as of before the repayment, the payable was not yet due and nothing counts
    before = build_profile(D, h.events, [], T0 + 10 * DAY).to_json()
    assert before["debtor"]["on_time"] == 0 and before["debtor"]["confirmed"] == 1


counts = st.integers(min_value=0, max_value=60)


@st.composite
def inputs(draw: st.DrawFn) -> ScoreInputs:
    defaults = draw(counts)
    calls = draw(counts)
    disputes = draw(counts)
    return ScoreInputs(
        on_time=draw(counts), late_1_7=draw(counts), late_8_30=draw(counts), late_over_30=draw(counts),
        defaults=defaults, defaults_recovered=draw(st.integers(0, defaults)), margin_calls=calls,
        margin_cures=draw(st.integers(0, calls)), supplier_confirmed=draw(counts),
        supplier_volume_units=draw(st.integers(0, 10**12)),
        concentration_bps=draw(st.none() | st.integers(0, 10_000)), disputes=disputes,
        disputes_upheld=draw(st.integers(0, disputes)), rejected=draw(counts), months_active=draw(counts),
        yoy_bps=tuple(draw(st.lists(st.integers(-10_000, 10_000), max_size=4))),
    )


def _with(x: ScoreInputs, **changes: int) -> ScoreInputs:
    values = {k: getattr(x, k) for k in ScoreInputs.__dataclass_fields__}
    values.update(changes)
    return ScoreInputs(**values)


@given(inputs())
def test_one_more_on_time_repayment_never_lowers_the_score(x: ScoreInputs) -> None:
    assert score(_with(x, on_time=x.on_time + 1)).score >= score(x).score


@given(inputs(), st.booleans())
def test_one_more_default_never_raises_the_score(x: ScoreInputs, recovered: bool) -> None:
    more = _with(x, defaults=x.defaults + 1, defaults_recovered=x.defaults_recovered + int(recovered))
    assert score(more).score <= score(x).score


@given(inputs(), st.sampled_from(["late_1_7", "late_8_30", "late_over_30", "margin_calls", "disputes", "rejected"]))
def test_more_lateness_calls_or_disputes_never_raise_the_score(x: ScoreInputs, name: str) -> None:
    assert score(_with(x, **{name: getattr(x, name) + 1})).score <= score(x).score


@given(inputs())
def test_a_recovery_never_lowers_the_score_and_the_grade_follows_it(x: ScoreInputs) -> None:
    s = score(x)
    assert 0 <= s.score <= 1000
    if x.defaults_recovered < x.defaults:
        assert score(_with(x, defaults_recovered=x.defaults_recovered + 1)).score >= s.score
    grades = "EDCBA"
    other = score(_with(x, on_time=x.on_time + 5))
    assert grades.index(other.grade) >= grades.index(s.grade)


def test_two_suppliers_one_paid_late_twice_differ_for_named_reasons() -> None:
    """The demo's point: same business, one borrower repaid two loans late; its score and limit are lower and the
    lateness factor says why."""
    def history(late: bool) -> list[Ev]:
        h = History()
        for root in range(1, 7):  # six receivables confirmed by two core enterprises, one a month
            h.issued(root, D, C1 if root % 2 else C2, 2_000_000_00, T0 + 200 * DAY, T0 + root * 30 * DAY)
        for loan in range(1, 5):
            mat = T0 + loan * 40 * DAY
            h.add("LoanOpened", mat - 30 * DAY, loan_id=loan, bank=BANK, borrower=D, maturity=mat, new_status=1)
            paid = mat + 12 * DAY if late and loan <= 2 else mat - DAY
            h.add("LoanRepaid", paid, loan_id=loan, payer=D, bank=BANK, new_status=3)
        return h.events

    as_of = T0 + 220 * DAY
    good, late = build_profile(D, history(False), [], as_of), build_profile(D, history(True), [], as_of)
    assert late.borrower.late == (LateItem("loan", 1, T0 + 40 * DAY, 12, False),
                                  LateItem("loan", 2, T0 + 80 * DAY, 12, False))
    good_points = {f.name: f.points for f in good.score.factors}
    late_points = {f.name: f.points for f in late.score.factors}
    assert good_points["repayment_record"] - late_points["repayment_record"] == 200 - 200 * 2 // 4 == 100
    assert good_points["track_record_depth"] - late_points["track_record_depth"] == 20
    assert late_points["lateness"] == -30  # two payments 8-30 days late, 15 points each
    assert good.score.score - late.score.score == 100 + 20 + 30
    assert (good.score.score, good.score.grade, late.score.score, late.score.grade) == (722, "B", 572, "C")
    assert (good.score.lowered_by, late.score.lowered_by) == ((), ("lateness",))
    # limits: 12-month volume 12,000,000.00 x grade share x 7/12 months active
    assert good.limit.units == 1_200_000_000 * 3_500 * 7 // (10_000 * 12) == 245_000_000
    assert late.limit.units == 1_200_000_000 * 2_000 * 7 // (10_000 * 12) == 140_000_000


# ---------------------------------------------------------------------------------------------------- credit lines
def _line(h: History, line: int, borrower: str, at: int, accept: bool = True) -> None:
    h.add("CreditLineOpened", at, line_id=line, bank=BANK, borrower=borrower, limit=1_000_000, new_status=1)
    if accept:
        h.add("CreditLineAccepted", at, line_id=line, borrower=borrower, old_status=1, new_status=2)


def _draw(h: History, line: int, tranche: int, amount: int, due: int, at: int) -> None:
    h.add("CreditLineDrawn", at, line_id=line, tranche_id=tranche, payee=S, amount=amount, due=due)


def _tranche_repaid(h: History, line: int, tranche: int, paid: int, left: int, at: int) -> None:
    h.add("CreditTrancheRepaid", at, line_id=line, tranche_id=tranche, principal_paid=paid, principal_left=left)


def credit_history() -> History:
    """Line 1: three tranches, one repaid on time (in two parts), one 4 days late, one unpaid. Line 2: one tranche,
    unpaid at its due date; the bank declares default and recovers the loss in two payments. Line 3 is someone
    else's; line 4 was offered to D but never accepted."""
    h = History()
    _line(h, 1, D, T0)
    _draw(h, 1, 1, 30_000, T0 + 30 * DAY, T0)
    _draw(h, 1, 2, 20_000, T0 + 31 * DAY, T0 + DAY)
    _draw(h, 1, 3, 10_000, T0 + 40 * DAY, T0 + 10 * DAY)
    _tranche_repaid(h, 1, 1, 10_000, 20_000, T0 + 10 * DAY)  # partial: the tranche is still open
    _tranche_repaid(h, 1, 1, 20_000, 0, T0 + 20 * DAY)  # in full, 10 days early: on time
    _tranche_repaid(h, 1, 2, 20_000, 0, T0 + 34 * DAY + 1)  # 3 days and 1 second after due: 4 days late
    _line(h, 2, D, T0)
    _draw(h, 2, 1, 50_000, T0 + 30 * DAY, T0)
    h.add("CreditLineDefaulted", T0 + 40 * DAY, line_id=2, bank=BANK, borrower=D, principal=50_000, interest=1_234,
          old_status=2, new_status=4)
    h.add("CreditLineRecovered", T0 + 50 * DAY, line_id=2, payer=D, amount=20_000, interest_paid=1_234,
          principal_paid=18_766, principal=31_234, interest=0, old_status=4, new_status=4)
    _tranche_repaid(h, 2, 1, 18_766, 31_234, T0 + 50 * DAY)
    h.add("CreditLineRecovered", T0 + 55 * DAY, line_id=2, payer=S, amount=31_234, interest_paid=0,
          principal_paid=31_234, principal=0, interest=0, old_status=4, new_status=5)
    _tranche_repaid(h, 2, 1, 31_234, 0, T0 + 55 * DAY)
    _line(h, 3, C1, T0)  # not D's
    _draw(h, 3, 1, 5_000, T0 + 5 * DAY, T0)
    _line(h, 4, D, T0, accept=False)
    return h


def test_borrower_factor_reads_credit_lines() -> None:
    events = credit_history().events
    f = borrower_factor(D, events, T0 + 60 * DAY)
    assert (f.credit_lines, f.credit_tranches, f.repaid_on_time) == (2, 4, 1)  # lines 1, 2; only 1/1 on time
    assert f.late == (
        LateItem("credit_tranche", 2, T0 + 31 * DAY, 4, False, 1),  # ceil((3 days + 1 s) / 1 day)
        LateItem("credit_tranche", 3, T0 + 40 * DAY, 60 - 40, True, 1),  # unpaid, 20 days after due
        LateItem("credit_tranche", 1, T0 + 30 * DAY, 55 - 30, False, 2),  # repaid by the recovery, 25 days late
    )
    assert f.defaults == (DefaultItem("credit_line", 2, T0 + 40 * DAY, 50_000 + 1_234, True),)
    assert f.credit_recovered_units == 20_000 + 31_234
    # as of day 45: line 2 defaulted and unrecovered, its tranche overdue 15 days; line 1's tranche 3 5 days
    mid = borrower_factor(D, [e for e in events if e.block_time <= T0 + 45 * DAY], T0 + 45 * DAY)
    assert [(x.line_id, x.id, x.days_late, x.open) for x in mid.late] == [(1, 2, 4, False), (1, 3, 5, True),
                                                                          (2, 1, 15, True)]
    assert [(d.kind, d.recovered) for d in mid.defaults] == [("credit_line", False)]
    # the scorecard reads them: 1 on time, late 4 (1-7), 20 and 25 days (8-30), one recovered default
    p = build_profile(D, events, [], T0 + 60 * DAY)
    x = p.inputs
    assert (x.on_time, x.late_1_7, x.late_8_30, x.late_over_30, x.defaults, x.defaults_recovered) == (1, 1, 2, 0, 1, 1)
    points = {f.name: f.points for f in p.score.factors}
    assert points["repayment_record"] == 200 * 1 // (1 + 3 + 1) == 40
    assert points["lateness"] == -(5 + 15 + 15) and points["defaults"] == -75
    assert p.scorecard_version == SCORECARD_VERSION == "scf-credit-2026.11-v2"


def test_enforced_guarantee_and_recorded_debt() -> None:
    """An enforced prepayment is the buyer's default, recovered once the seller's recorded debt is repaid in full;
    the agreement stays overdue (the buyer never repaid). A refund that left the seller owing is not recovered until
    that debt is repaid."""
    h = History()
    mat = T0 + 30 * DAY
    h.add("PrepaymentProposed", T0, id=7, buyer=D, seller=C1, bank=BANK, maturity=mat, new_status=1)
    h.add("PrepaymentFunded", T0 + DAY, id=7, bank=BANK, seller=C1, buyer=D, new_status=3)
    h.add("PrepaymentEnforced", mat + 10 * DAY, id=7, bank=BANK, seller=C1, buyer=D, principal=40_000,
          interest=600, collateral_applied=10_000, debt=30_600, new_status=8)
    h.add("PrepaymentProposed", T0, id=8, buyer=C1, seller=D, bank=BANK, maturity=mat, new_status=1)
    h.add("PrepaymentRefunded", T0 + 20 * DAY, id=8, seller=D, bank=BANK, buyer=C1, principal=9_000, interest=50,
          margin=1_000, collateral_applied=4_000, debt=6_050, new_status=7)
    h.add("PrepaymentDebtRepaid", T0 + 25 * DAY, id=8, payer=D, to_bank=5_050, to_buyer=0, owed_to_bank=0,
          owed_to_buyer=1_000)  # the buyer is still owed its margin
    f = borrower_factor(D, h.events, T0 + 60 * DAY)
    assert f.late == (LateItem("prepayment", 7, mat, 30, True),)
    assert [(d.kind, d.id, d.amount_units, d.recovered) for d in f.defaults] == [
        ("prepayment_refunded", 8, 9_050, False), ("prepayment_enforced", 7, 40_600, False)]
    h.add("PrepaymentDebtRepaid", T0 + 70 * DAY, id=7, payer=C1, to_bank=30_600, to_buyer=0, owed_to_bank=0,
          owed_to_buyer=0)
    h.add("PrepaymentDebtRepaid", T0 + 70 * DAY, id=8, payer=D, to_bank=0, to_buyer=1_000, owed_to_bank=0,
          owed_to_buyer=0)
    later = borrower_factor(D, h.events, T0 + 80 * DAY)
    assert later.late == (LateItem("prepayment", 7, mat, 50, True),)
    assert [(d.kind, d.recovered) for d in later.defaults] == [("prepayment_refunded", True),
                                                              ("prepayment_enforced", True)]


AS_OF = T0 + 400 * DAY


@st.composite
def credit_histories(draw: st.DrawFn) -> History:
    """Random credit lines of D: tranches due within the year, repaid early, late or never; some lines declared
    defaulted (after a due date), some of those recovered in full."""
    h = History()
    for line in range(1, draw(st.integers(1, 4)) + 1):
        _line(h, line, D, T0)
        dues = []
        for tranche in range(1, draw(st.integers(0, 5)) + 1):
            due = T0 + draw(st.integers(1, 300)) * DAY
            dues.append(due)
            _draw(h, line, tranche, 1_000, due, T0)
            paid = draw(st.none() | st.integers(-20, 60))
            if paid is not None:
                _tranche_repaid(h, line, tranche, 1_000, 0, due + paid * DAY)
        if dues and draw(st.booleans()):
            at = max(dues) + 10 * DAY
            h.add("CreditLineDefaulted", at, line_id=line, bank=BANK, borrower=D, principal=1_000, interest=10,
                  old_status=2, new_status=4)
            if draw(st.booleans()):
                h.add("CreditLineRecovered", at + DAY, line_id=line, payer=D, amount=1_010, interest_paid=10,
                      principal_paid=1_000, principal=0, interest=0, old_status=4, new_status=5)
    h.events.sort(key=lambda e: e.block_time)  # in time order, as the chain emits them
    h.events[:] = [Ev(i + 1, e.contract, e.name, e.block_time, e.args) for i, e in enumerate(h.events)]
    return h


def _renumbered(events: list[Ev]) -> list[Ev]:
    ordered = sorted(events, key=lambda e: (e.block_time, e.id))
    return [Ev(i + 1, e.contract, e.name, e.block_time, e.args) for i, e in enumerate(ordered)]


@given(credit_histories(), st.integers(1, 300), st.integers(0, 30))
def test_one_more_tranche_repaid_on_time_never_lowers_the_score(h: History, due_day: int, early: int) -> None:
    before = build_profile(D, h.events, [], AS_OF)
    more = History()
    more.events = list(h.events)
    due = T0 + due_day * DAY
    _line(more, 99, D, T0)
    _draw(more, 99, 1, 1_000, due, T0)
    _tranche_repaid(more, 99, 1, 1_000, 0, max(due - early * DAY, T0))
    after = build_profile(D, _renumbered(more.events), [], AS_OF)
    assert after.borrower.repaid_on_time == before.borrower.repaid_on_time + 1
    assert after.score.score >= before.score.score


@given(credit_histories(), st.data())
def test_one_more_credit_line_default_never_raises_the_score(h: History, data: st.DataObject) -> None:
    before = build_profile(D, h.events, [], AS_OF)
    defaulted = {int(e.args["line_id"]) for e in h.events if e.name == "CreditLineDefaulted"}
    line = data.draw(st.sampled_from(sorted({int(e.args["line_id"]) for e in h.events
                                             if e.name == "CreditLineOpened"} - defaulted) or [99]))
    if line == 99:
        _line(h, 99, D, T0)
    at = T0 + data.draw(st.integers(1, 399)) * DAY
    h.add("CreditLineDefaulted", at, line_id=line, bank=BANK, borrower=D, principal=1_000, interest=0,
          old_status=2, new_status=4)
    after = build_profile(D, _renumbered(h.events), [], AS_OF)
    assert len(after.borrower.defaults) == len(before.borrower.defaults) + 1
    assert after.score.score <= before.score.score


@given(credit_histories(), st.integers(0, 60), st.booleans())
def test_an_enforced_guarantee_never_raises_the_score(h: History, after_days: int, covered: bool) -> None:
    mat = T0 + 100 * DAY
    h.add("PrepaymentProposed", T0, id=7, buyer=D, seller=C1, bank=BANK, maturity=mat, new_status=1)
    h.add("PrepaymentFunded", T0, id=7, bank=BANK, seller=C1, buyer=D, new_status=3)
    before = build_profile(D, _renumbered(h.events), [], AS_OF)
    h.add("PrepaymentEnforced", mat + after_days * DAY, id=7, bank=BANK, seller=C1, buyer=D, principal=1_000,
          interest=0, collateral_applied=1_000 if covered else 0, debt=0 if covered else 1_000, new_status=8)
    after = build_profile(D, _renumbered(h.events), [], AS_OF)
    assert after.score.score <= before.score.score
