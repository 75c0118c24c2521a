"""Credit profile of one participant, computed from indexed ledger events and verified attestation openings alone.

Everything here is pure: :func:`build_profile` takes the events that concern the participant (as the event log
holds them), the operating figures whose openings the gateway verified, and an ``as_of`` time, and returns the same
profile for the same inputs. A fresh re-index of the same chain therefore gives the same profile.

Layout, each step a separate function the lead (or a later scorecard) can change on its own:

1. facts per role, from events: :func:`debtor_factor`, :func:`borrower_factor`, :func:`supplier_factor`,
   :func:`tenure_factor`, :func:`operating_factor`;
2. the scorecard: :func:`score` maps :class:`ScoreInputs` to points per factor, a 0-1000 score and a grade
   (:data:`SCORECARD_VERSION` names the rules; every profile carries it);
3. the limit rule: :func:`suggested_limit`.

Time: days late are whole days, rounded up (one second after the due date is one day late). Months are UTC
calendar months, written yyyymm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

DAY = 86_400
YEAR = 365 * DAY
#: v2 (issue 14): the borrower factor reads credit lines (each drawn tranche an obligation; a declared default a
#: default, recovered when the loss is recovered in full) and prepayment guarantees enforced after maturity, and a
#: default whose recorded debt is still owed is no longer counted as recovered. The points per factor are v1's.
SCORECARD_VERSION = "scf-credit-2026.11-v2"

# Receivables / PledgeLoans / Prepayment status values used below (sdk.generated.enums, fixed by append-only enums)
_RECEIVABLE_VOIDED = 6
_LOAN_MARGIN_CALLED = 2
_LOAN_REPAID = 3


@dataclass(frozen=True, slots=True)
class Ev:
    """One event as the event log holds it."""

    id: int
    contract: str
    name: str
    block_time: int
    args: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Figure:
    """One month's attested value whose opening the gateway verified against the chain."""

    metric: str
    period: int  # yyyymm
    value: int
    attestation_id: int


# ---------------------------------------------------------------------------------------------------- helpers
def days_late(paid_at: int, due: int) -> int:
    """Whole days after `due`, rounded up; 0 when paid on or before it."""
    return 0 if paid_at <= due else -(-(paid_at - due) // DAY)


def month_of(ts: int) -> int:
    d = datetime.fromtimestamp(ts, UTC)
    return d.year * 100 + d.month


def add_months(period: int, n: int) -> int:
    y, m = divmod(period, 100)
    total = y * 12 + (m - 1) + n
    return (total // 12) * 100 + total % 12 + 1


def _addr(value: Any) -> str:
    return str(value).lower()


# ---------------------------------------------------------------------------------------------------- facts
@dataclass(frozen=True, slots=True)
class LateItem:
    kind: str  # receivable | loan | prepayment | credit_tranche
    id: int  # for a credit tranche: its number within the line
    due: int
    days_late: int
    open: bool  # still unpaid at as_of
    line_id: int | None = None  # the credit line of a credit tranche


@dataclass(frozen=True, slots=True)
class DefaultItem:
    kind: str  # receivable | loan_foreclosed | prepayment_bought_back | prepayment_refunded | prepayment_enforced
    #            | recourse | credit_line
    id: int
    at: int
    amount_units: int
    recovered: bool


@dataclass(frozen=True, slots=True)
class DebtorFacts:
    """Payables the participant confirmed as debtor (core enterprise)."""

    confirmed: int = 0
    volume_confirmed_units: int = 0
    volume_12m_units: int = 0
    settled: int = 0
    on_time: int = 0
    late: tuple[LateItem, ...] = ()
    on_time_ratio_bps: int | None = None  # on time / (on time + late + overdue)
    average_days_late: float | None = None  # over late and overdue payables
    worst_days_late: int = 0
    defaults: tuple[DefaultItem, ...] = ()


def debtor_factor(party: str, events: Sequence[Ev], as_of: int, fragment_roots: Mapping[int, int]) -> DebtorFacts:
    """On-time ratio, days late, volume confirmed and defaults of `party` as debtor.

    A payable counts once confirmed (issued by the debtor or confirmed by it). It is on time when repaid in full by
    its due date; late when repaid in full after it; overdue (late, still open) when unpaid at `as_of` after its due
    date. A payable voided after an upheld dispute is not an obligation. A default is a receivable with a fragment
    declared defaulted (once per receivable), recovered when the receivable was later repaid in full."""
    me = _addr(party)
    roots: dict[int, dict[str, Any]] = {}
    for ev in events:
        a = ev.args
        if ev.name in ("ReceivableRegistered", "ReceivableIssued") and _addr(a["debtor"]) == me:
            roots[int(a["root_id"])] = {"due": int(a["due_date"]), "face": int(a["face_value"]),
                                        "confirmed_at": ev.block_time if ev.name == "ReceivableIssued" else None,
                                        "settled_at": None, "voided": False, "defaulted_at": None, "unpaid": 0}
    for ev in events:
        a = ev.args
        rid = int(a.get("root_id", 0) or 0)
        if ev.name == "ReceivableConfirmed" and rid in roots:
            roots[rid]["confirmed_at"] = ev.block_time
        elif ev.name == "ReceivableRepaid" and rid in roots and int(a["outstanding"]) == 0:
            roots[rid]["settled_at"] = ev.block_time
        elif ev.name == "ReceivableDisputeResolved" and rid in roots and int(a["new_status"]) == _RECEIVABLE_VOIDED:
            roots[rid]["voided"] = True
        elif ev.name == "FragmentDefaulted" and _addr(a["debtor"]) == me:
            root = fragment_roots.get(int(a["fragment_id"]))
            if root in roots and roots[root]["defaulted_at"] is None:
                roots[root]["defaulted_at"] = ev.block_time
                roots[root]["unpaid"] = int(a["unpaid"])
    confirmed = on_time = settled = volume = volume_12m = 0
    late: list[LateItem] = []
    defaults: list[DefaultItem] = []
    for rid, r in sorted(roots.items()):
        if r["confirmed_at"] is None or r["voided"]:
            continue
        confirmed += 1
        volume += r["face"]
        if r["confirmed_at"] > as_of - YEAR:
            volume_12m += r["face"]
        if r["settled_at"] is not None:
            settled += 1
            lateness = days_late(r["settled_at"], r["due"])
            if lateness == 0:
                on_time += 1
            else:
                late.append(LateItem("receivable", rid, r["due"], lateness, False))
        elif r["due"] < as_of:
            late.append(LateItem("receivable", rid, r["due"], days_late(as_of, r["due"]), True))
        if r["defaulted_at"] is not None:
            defaults.append(DefaultItem("receivable", rid, r["defaulted_at"], r["unpaid"],
                                        r["settled_at"] is not None))
    counted = on_time + len(late)
    return DebtorFacts(
        confirmed=confirmed, volume_confirmed_units=volume, volume_12m_units=volume_12m, settled=settled,
        on_time=on_time, late=tuple(late),
        on_time_ratio_bps=on_time * 10_000 // counted if counted else None,
        average_days_late=round(sum(x.days_late for x in late) / len(late), 1) if late else None,
        worst_days_late=max((x.days_late for x in late), default=0), defaults=tuple(defaults),
    )


@dataclass(frozen=True, slots=True)
class BorrowerFacts:
    """Pledge loans, prepayments (as buyer), credit lines (as borrower) and with-recourse discounts (as seller)."""

    loans: int = 0
    prepayments: int = 0
    repaid_on_time: int = 0
    late: tuple[LateItem, ...] = ()
    margin_calls: int = 0
    margin_cures: int = 0
    recourse_exercised: int = 0
    recourse_settled: int = 0
    defaults: tuple[DefaultItem, ...] = ()
    credit_lines: int = 0  # lines the participant accepted as borrower
    credit_tranches: int = 0  # draws on them, each an obligation with its own due date
    credit_recovered_units: int = 0  # paid on defaulted lines after the default (interest + principal)


def borrower_factor(party: str, events: Sequence[Ev], as_of: int) -> BorrowerFacts:
    """Loans, prepayments and credit-line tranches repaid on time (in full by their maturity or due date), late or
    overdue; margin calls and cures (by `cure()`, or by a repayment that brings the loan back within max LTV or pays
    it off); foreclosures, buy-backs, refunds, enforced prepayment guarantees, recourse and credit-line defaults, each
    a default, recovered when the bank got its money back: a foreclosure without shortfall, a guarantor's buy-back, a
    refund or enforcement that left no debt or whose recorded debt was later repaid in full, a recourse debt repaid
    in full, a defaulted line whose loss was recovered in full.

    A credit tranche counts like a loan: on time when its principal reaches 0 by its due date, late when after it
    (a recovery after the line's default counts as a late repayment), overdue while unpaid after it. A tranche still
    unpaid when its line defaults stays overdue (it is still unpaid), and so does a prepayment whose guarantee was
    enforced: the default is counted on top, so one more default of these kinds never removes a late item. (A
    foreclosure or a buy-back closes its loan or prepayment, as in v1.)"""
    me = _addr(party)
    loans: dict[int, dict[str, Any]] = {}
    deals: dict[int, dict[str, Any]] = {}
    recourse: dict[int, dict[str, Any]] = {}
    lines: dict[int, dict[str, Any]] = {}
    tranches: dict[tuple[int, int], dict[str, Any]] = {}
    prepay_defaults: dict[int, dict[str, Any]] = {}  # agreement id -> a refunded or enforced default of mine
    calls = cures = recovered_units = 0
    defaults: list[DefaultItem] = []
    for ev in events:
        a = ev.args
        if ev.name == "LoanOpened" and _addr(a["borrower"]) == me:
            loans[int(a["loan_id"])] = {"maturity": int(a["maturity"]), "repaid_at": None, "closed": False}
        elif ev.name == "PrepaymentProposed" and _addr(a["buyer"]) == me:
            deals[int(a["id"])] = {"maturity": int(a["maturity"]), "funded": False, "repaid_at": None,
                                   "closed": False}
        elif ev.name == "PrepaymentFunded" and int(a["id"]) in deals:
            deals[int(a["id"])]["funded"] = True
        elif ev.name == "LoanRepaid" and int(a["loan_id"]) in loans:
            new = int(a["new_status"])
            if new == _LOAN_REPAID:
                loans[int(a["loan_id"])]["repaid_at"] = ev.block_time
            if int(a.get("old_status", -1)) == _LOAN_MARGIN_CALLED and new != _LOAN_MARGIN_CALLED:
                cures += 1  # a repayment back within max LTV (or in full) cures the call: no MarginCallCured then
        elif ev.name == "PrepaymentRepaid" and int(a["id"]) in deals and int(a["outstanding"]) == 0:
            deals[int(a["id"])]["repaid_at"] = ev.block_time
        elif ev.name == "MarginCalled" and int(a["loan_id"]) in loans:
            calls += 1
        elif ev.name == "MarginCallCured" and int(a["loan_id"]) in loans:
            cures += 1
        elif ev.name == "LoanForeclosed" and int(a["loan_id"]) in loans:
            loans[int(a["loan_id"])]["closed"] = True
            defaults.append(DefaultItem("loan_foreclosed", int(a["loan_id"]), ev.block_time,
                                        int(a["principal"]) + int(a["interest"]), int(a["shortfall"]) == 0))
        elif ev.name == "PrepaymentBoughtBack" and int(a["id"]) in deals:
            deals[int(a["id"])]["closed"] = True
            defaults.append(DefaultItem("prepayment_bought_back", int(a["id"]), ev.block_time,
                                        int(a["principal"]) + int(a["interest"]), True))
        elif ev.name == "PrepaymentEnforced" and int(a["id"]) in deals:
            # the buyer never repaid: the agreement stays overdue, like a defaulted credit tranche
            prepay_defaults[int(a["id"])] = {"kind": "prepayment_enforced", "at": ev.block_time,
                                             "amount": int(a["principal"]) + int(a["interest"]),
                                             "recovered": int(a["debt"]) == 0}
        elif ev.name == "PrepaymentRefunded" and _addr(a["seller"]) == me:
            prepay_defaults[int(a["id"])] = {"kind": "prepayment_refunded", "at": ev.block_time,
                                             "amount": int(a["principal"]) + int(a["interest"]),
                                             "recovered": int(a.get("debt", 0)) == 0}
        elif ev.name == "PrepaymentDebtRepaid" and int(a["id"]) in prepay_defaults:
            if int(a["owed_to_bank"]) == 0 and int(a["owed_to_buyer"]) == 0:
                prepay_defaults[int(a["id"])]["recovered"] = True
        elif ev.name == "RecourseExercised" and _addr(a["seller"]) == me:
            recourse[int(a["fragment_id"])] = {"at": ev.block_time, "debt": int(a["debt"]), "settled": False}
        elif ev.name == "RecourseRepaid" and int(a["fragment_id"]) in recourse and int(a["outstanding"]) == 0:
            recourse[int(a["fragment_id"])]["settled"] = True
        elif ev.name == "CreditLineOpened" and _addr(a["borrower"]) == me:
            lines[int(a["line_id"])] = {"accepted": False, "default": None}
        elif ev.name == "CreditLineAccepted" and int(a["line_id"]) in lines:
            lines[int(a["line_id"])]["accepted"] = True
        elif ev.name == "CreditLineDrawn" and int(a["line_id"]) in lines:
            tranches[(int(a["line_id"]), int(a["tranche_id"]))] = {"due": int(a["due"]), "repaid_at": None}
        elif ev.name == "CreditTrancheRepaid" and (int(a["line_id"]), int(a["tranche_id"])) in tranches:
            if int(a["principal_left"]) == 0:
                tranches[(int(a["line_id"]), int(a["tranche_id"]))]["repaid_at"] = ev.block_time
        elif ev.name == "CreditLineDefaulted" and int(a["line_id"]) in lines:
            lines[int(a["line_id"])]["default"] = {"at": ev.block_time,
                                                   "amount": int(a["principal"]) + int(a["interest"]),
                                                   "recovered": False}
        elif ev.name == "CreditLineRecovered" and int(a["line_id"]) in lines:
            recovered_units += int(a["amount"])
            default = lines[int(a["line_id"])]["default"]
            if default is not None and int(a["principal"]) == 0 and int(a["interest"]) == 0:
                default["recovered"] = True
    on_time = 0
    late: list[LateItem] = []

    def classify(kind: str, key: int, due: int, repaid_at: int | None, closed: bool, line: int | None) -> None:
        nonlocal on_time
        if repaid_at is not None:
            lateness = days_late(repaid_at, due)
            if lateness == 0:
                on_time += 1
            else:
                late.append(LateItem(kind, key, due, lateness, False, line))
        elif not closed and due < as_of:
            late.append(LateItem(kind, key, due, days_late(as_of, due), True, line))

    for kind, book in (("loan", loans), ("prepayment", deals)):
        for key, item in sorted(book.items()):
            if kind == "prepayment" and not item["funded"]:
                continue
            classify(kind, key, item["maturity"], item["repaid_at"], item["closed"], None)
    for (line_id, tranche_id), t in sorted(tranches.items()):
        classify("credit_tranche", tranche_id, t["due"], t["repaid_at"], False, line_id)
    for fid, r in sorted(recourse.items()):
        defaults.append(DefaultItem("recourse", fid, r["at"], r["debt"], r["settled"]))
    for pid, d in sorted(prepay_defaults.items()):
        defaults.append(DefaultItem(d["kind"], pid, d["at"], d["amount"], d["recovered"]))
    for line_id, line in sorted(lines.items()):
        if line["default"] is not None:
            d = line["default"]
            defaults.append(DefaultItem("credit_line", line_id, d["at"], d["amount"], d["recovered"]))
    return BorrowerFacts(
        loans=len(loans), prepayments=sum(1 for d in deals.values() if d["funded"]), repaid_on_time=on_time,
        late=tuple(late), margin_calls=calls, margin_cures=min(cures, calls),
        recourse_exercised=len(recourse), recourse_settled=sum(1 for r in recourse.values() if r["settled"]),
        defaults=tuple(sorted(defaults, key=lambda d: (d.at, d.kind, d.id))),
        credit_lines=sum(1 for line in lines.values() if line["accepted"]), credit_tranches=len(tranches),
        credit_recovered_units=recovered_units,
    )


@dataclass(frozen=True, slots=True)
class DebtorShare:
    debtor: str
    confirmed: int
    volume_units: int
    share_bps: int


@dataclass(frozen=True, slots=True)
class SupplierFacts:
    """Receivables the participant issued to core enterprises."""

    confirmed: int = 0
    volume_confirmed_units: int = 0
    volume_12m_units: int = 0
    by_debtor: tuple[DebtorShare, ...] = ()
    concentration_bps: int | None = None  # the largest debtor's share of the confirmed volume
    disputes: int = 0
    disputes_upheld: int = 0
    rejected: int = 0


def supplier_factor(party: str, events: Sequence[Ev], as_of: int) -> SupplierFacts:
    """Receivables confirmed by each core enterprise, concentration on the largest one, disputes and rejections.
    A dispute is upheld when its resolution voided the receivable; a voided receivable adds no volume."""
    me = _addr(party)
    roots: dict[int, dict[str, Any]] = {}
    for ev in events:
        a = ev.args
        if ev.name in ("ReceivableRegistered", "ReceivableIssued") and _addr(a["supplier"]) == me:
            roots[int(a["root_id"])] = {"debtor": str(a["debtor"]), "face": int(a["face_value"]),
                                        "confirmed_at": ev.block_time if ev.name == "ReceivableIssued" else None,
                                        "voided": False}
    disputes = upheld = rejected = 0
    for ev in events:
        rid = int(ev.args.get("root_id", 0) or 0)
        if rid not in roots:
            continue
        if ev.name == "ReceivableConfirmed":
            roots[rid]["confirmed_at"] = ev.block_time
        elif ev.name == "ReceivableDisputed":
            disputes += 1
        elif ev.name == "ReceivableDisputeResolved" and int(ev.args["new_status"]) == _RECEIVABLE_VOIDED:
            upheld += 1
            roots[rid]["voided"] = True
        elif ev.name == "ReceivableRejected":
            rejected += 1
    per: dict[str, list[int]] = {}
    volume_12m = 0
    for r in roots.values():
        if r["confirmed_at"] is None or r["voided"]:
            continue
        entry = per.setdefault(r["debtor"], [0, 0])
        entry[0] += 1
        entry[1] += r["face"]
        if r["confirmed_at"] > as_of - YEAR:
            volume_12m += r["face"]
    total = sum(v for _, v in per.values())
    shares = tuple(sorted(
        (DebtorShare(d, n, v, v * 10_000 // total if total else 0) for d, (n, v) in per.items()),
        key=lambda s: (-s.volume_units, s.debtor)))
    return SupplierFacts(
        confirmed=sum(n for n, _ in per.values()), volume_confirmed_units=total, volume_12m_units=volume_12m,
        by_debtor=shares, concentration_bps=shares[0].share_bps if shares and total else None,
        disputes=disputes, disputes_upheld=upheld, rejected=rejected,
    )


#: Contracts whose events count as business activity (the registry's and attestations are others' doing).
ACTIVITY_CONTRACTS = frozenset({"Receivables", "PledgeLoans", "Prepayment", "SettlementToken", "WarehouseReceipts"})


@dataclass(frozen=True, slots=True)
class TenureFacts:
    first_activity: int | None = None
    last_activity: int | None = None
    tenure_days: int = 0
    months_active: int = 0  # distinct calendar months with activity


def tenure_factor(party: str, events: Sequence[Ev], as_of: int) -> TenureFacts:
    """First and last business activity naming the participant, and the months in which it was active."""
    me = _addr(party)
    times = [ev.block_time for ev in events if ev.contract in ACTIVITY_CONTRACTS
             and any(_addr(v) == me for v in ev.args.values() if isinstance(v, str))]
    if not times:
        return TenureFacts()
    first, last = min(times), max(times)
    return TenureFacts(first, last, (as_of - first) // DAY, len({month_of(t) for t in times}))


@dataclass(frozen=True, slots=True)
class MetricTrend:
    metric: str
    months: tuple[tuple[int, int | None], ...]  # (yyyymm, value or None), the last 12 complete months
    last_12m_total: int
    yoy_change_bps: int | None  # over months attested in both years; None without such a pair


@dataclass(frozen=True, slots=True)
class OperatingFacts:
    metrics: tuple[MetricTrend, ...] = ()


def operating_factor(figures: Iterable[Figure], as_of: int) -> OperatingFacts:
    """The last 12 complete months of each metric (before `as_of`'s month) and the year-on-year change: the sum
    over the months attested in both this window and the 12 months before it, compared month for month."""
    by_metric: dict[str, dict[int, int]] = {}
    for f in figures:
        by_metric.setdefault(f.metric, {})[f.period] = f.value
    end = add_months(month_of(as_of), -1)
    window = [add_months(end, -i) for i in range(11, -1, -1)]
    out = []
    for metric, values in sorted(by_metric.items()):
        recent = sum(values.get(p, 0) for p in window)
        pairs = [(values[p], values[add_months(p, -12)]) for p in window
                 if p in values and add_months(p, -12) in values]
        prior = sum(b for _, b in pairs)
        yoy = (sum(a for a, _ in pairs) - prior) * 10_000 // prior if pairs and prior else None
        out.append(MetricTrend(metric, tuple((p, values.get(p)) for p in window), recent, yoy))
    return OperatingFacts(tuple(out))


# ---------------------------------------------------------------------------------------------------- scorecard
@dataclass(frozen=True, slots=True)
class ScoreInputs:
    """What the scorecard reads; counts only, so its monotonicity is easy to state and test."""

    on_time: int = 0  # payables paid on time + loans/prepayments/credit tranches repaid on time
    late_1_7: int = 0  # late or overdue by 1-7 days
    late_8_30: int = 0
    late_over_30: int = 0
    defaults: int = 0  # including recovered ones
    defaults_recovered: int = 0
    margin_calls: int = 0
    margin_cures: int = 0
    supplier_confirmed: int = 0
    supplier_volume_units: int = 0
    concentration_bps: int | None = None
    disputes: int = 0
    disputes_upheld: int = 0
    rejected: int = 0
    months_active: int = 0
    yoy_bps: tuple[int, ...] = ()  # one per metric with a year-on-year change

    @property
    def late(self) -> int:
        return self.late_1_7 + self.late_8_30 + self.late_over_30


@dataclass(frozen=True, slots=True)
class FactorPoints:
    name: str
    points: int
    min: int
    max: int
    reason: str


@dataclass(frozen=True, slots=True)
class Score:
    version: str
    score: int
    grade: str
    factors: tuple[FactorPoints, ...]
    top_factors: tuple[str, ...]  # the factors that moved the score most (largest absolute points)
    lowered_by: tuple[str, ...]  # every factor that took points off, the heaviest first


BASE_POINTS = 350
GRADES = ((800, "A"), (680, "B"), (560, "C"), (440, "D"), (0, "E"))


def _clamp(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, v))


def score(x: ScoreInputs) -> Score:
    """Version scf-credit-2026.11-v2 of the scorecard: points per factor (each within [min, max]) added to the base
    of 350, clamped to 0-1000. (v2 kept v1's points and widened what the borrower factor feeds into the counts:
    credit-line tranches and defaults, enforced prepayment guarantees; see :data:`SCORECARD_VERSION`.)
    Every factor is monotone in its counts: more on-time repayments never lower a factor,
    more lateness, defaults, calls or disputes never raise one."""
    counted = x.on_time + x.late + x.defaults
    f: list[FactorPoints] = []
    f.append(FactorPoints("repayment_record", 200 * x.on_time // counted if counted else 0, 0, 200,
                          f"{x.on_time} of {counted} obligations paid on time" if counted else "no obligations yet"))
    f.append(FactorPoints("track_record_depth", min(10 * x.on_time, 100), 0, 100,
                          f"{x.on_time} on-time repayments, 10 points each"))
    lateness = 5 * x.late_1_7 + 15 * x.late_8_30 + 30 * x.late_over_30
    f.append(FactorPoints("lateness", -min(lateness, 150), -150, 0,
                          f"{x.late_1_7} late 1-7 days, {x.late_8_30} late 8-30 days, {x.late_over_30} over 30"))
    unrecovered = max(x.defaults - x.defaults_recovered, 0)
    recovered = x.defaults - unrecovered
    f.append(FactorPoints("defaults", -min(150 * unrecovered + 75 * recovered, 450), -450, 0,
                          f"{x.defaults} defaults, {recovered} recovered"))
    uncured = max(x.margin_calls - x.margin_cures, 0)
    f.append(FactorPoints("margin_calls", -min(20 * uncured + 5 * (x.margin_calls - uncured), 60), -60, 0,
                          f"{x.margin_calls} margin calls, {x.margin_calls - uncured} cured"))
    tiers = ((100_000_000, 60), (10_000_000, 40), (1_000_000, 20))
    volume_points = next((p for limit, p in tiers if x.supplier_volume_units >= limit), 0)
    f.append(FactorPoints("supplier_business", min(5 * x.supplier_confirmed, 60) + volume_points, 0, 120,
                          f"{x.supplier_confirmed} receivables confirmed by core enterprises"))
    conc = x.concentration_bps
    conc_points = 0 if conc is None or x.supplier_confirmed == 0 else (-40 if conc >= 9_000 else
                                                                      -20 if conc >= 7_000 else 0)
    f.append(FactorPoints("concentration", conc_points, -40, 0,
                          "no confirmed receivables" if conc is None else f"largest debtor {conc / 100:.2f}%"))
    upheld = min(x.disputes_upheld, x.disputes)
    f.append(FactorPoints("disputes", -min(30 * upheld + 10 * (x.disputes - upheld) + 5 * x.rejected, 120), -120,
                          0, f"{x.disputes} disputes ({upheld} upheld), {x.rejected} rejected"))
    f.append(FactorPoints("tenure", min(6 * x.months_active, 144), 0, 144, f"{x.months_active} months active"))
    trend = sum(20 if y >= 1_000 else 10 if y >= 0 else -20 if y <= -2_000 else 0 for y in x.yoy_bps)
    f.append(FactorPoints("operating_trend", _clamp(trend, -60, 60), -60, 60,
                          f"{len(x.yoy_bps)} attested metrics with a year-on-year change"))
    total = _clamp(BASE_POINTS + sum(p.points for p in f), 0, 1000)
    grade = next(g for floor, g in GRADES if total >= floor)
    top = tuple(p.name for p in sorted(f, key=lambda p: (-abs(p.points), p.name)) if p.points)[:3]
    lowered = tuple(p.name for p in sorted(f, key=lambda p: (p.points, p.name)) if p.points < 0)
    return Score(SCORECARD_VERSION, total, grade, tuple(f), top, lowered)


def score_inputs(debtor: DebtorFacts, borrower: BorrowerFacts, supplier: SupplierFacts, tenure: TenureFacts,
                 operating: OperatingFacts) -> ScoreInputs:
    late = [*debtor.late, *borrower.late]
    defaults = [*debtor.defaults, *borrower.defaults]
    return ScoreInputs(
        on_time=debtor.on_time + borrower.repaid_on_time,
        late_1_7=sum(1 for x in late if x.days_late <= 7),
        late_8_30=sum(1 for x in late if 7 < x.days_late <= 30),
        late_over_30=sum(1 for x in late if x.days_late > 30),
        defaults=len(defaults), defaults_recovered=sum(1 for d in defaults if d.recovered),
        margin_calls=borrower.margin_calls, margin_cures=borrower.margin_cures,
        supplier_confirmed=supplier.confirmed, supplier_volume_units=supplier.volume_confirmed_units,
        concentration_bps=supplier.concentration_bps, disputes=supplier.disputes,
        disputes_upheld=supplier.disputes_upheld, rejected=supplier.rejected, months_active=tenure.months_active,
        yoy_bps=tuple(m.yoy_change_bps for m in operating.metrics if m.yoy_change_bps is not None),
    )


# ---------------------------------------------------------------------------------------------------- limit
LIMIT_SHARE_BPS = {"A": 5_000, "B": 3_500, "C": 2_000, "D": 1_000, "E": 0}
LIMIT_RULE = ("limit = volume of the last 12 months (receivables confirmed as supplier + payables confirmed as "
              "debtor) x grade share (A 50%, B 35%, C 20%, D 10%, E 0%) x min(months active, 12) / 12, rounded down "
              "to whole currency units; 0 while an unrecovered default is on record")


@dataclass(frozen=True, slots=True)
class Limit:
    units: int
    volume_12m_units: int
    share_bps: int
    tenure_months: int
    rule: str = LIMIT_RULE


def suggested_limit(grade: str, volume_12m_units: int, months_active: int, unrecovered_defaults: int) -> Limit:
    share = 0 if unrecovered_defaults else LIMIT_SHARE_BPS[grade]
    months = min(months_active, 12)
    units = volume_12m_units * share * months // (10_000 * 12)
    return Limit(units - units % 100, volume_12m_units, share, months)


# ---------------------------------------------------------------------------------------------------- profile
@dataclass(frozen=True, slots=True)
class Profile:
    address: str
    as_of: int
    scorecard_version: str
    score: Score
    limit: Limit
    debtor: DebtorFacts
    borrower: BorrowerFacts
    supplier: SupplierFacts
    tenure: TenureFacts
    operating: OperatingFacts
    inputs: ScoreInputs = field(default_factory=ScoreInputs)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def build_profile(party: str, events: Sequence[Ev], figures: Iterable[Figure], as_of: int,
                  fragment_roots: Mapping[int, int] | None = None) -> Profile:
    """The profile of `party` at `as_of` from `events` (those at or before `as_of` are used) and verified figures."""
    usable = sorted((e for e in events if e.block_time <= as_of), key=lambda e: e.id)
    debtor = debtor_factor(party, usable, as_of, fragment_roots or {})
    borrower = borrower_factor(party, usable, as_of)
    supplier = supplier_factor(party, usable, as_of)
    tenure = tenure_factor(party, usable, as_of)
    operating = operating_factor(figures, as_of)
    inputs = score_inputs(debtor, borrower, supplier, tenure, operating)
    result = score(inputs)
    unrecovered = inputs.defaults - inputs.defaults_recovered
    limit = suggested_limit(result.grade, debtor.volume_12m_units + supplier.volume_12m_units,
                            tenure.months_active, unrecovered)
    return Profile(party, as_of, result.version, result, limit, debtor, borrower, supplier, tenure, operating,
                   inputs)
