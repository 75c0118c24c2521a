"""What falls due, and when: the core enterprise's maturity calendar of what it owes (with repay) and the bank's
maturity ladder of what it will collect, with its exposure against the limit it set per core enterprise.

Everything is read from the indexed tables, grouped by due date in SQL and bucketed here by week or month.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from gateway.api.deps import ContextDep, CurrentParty, SessionDep, ledger_now
from gateway.api.errors import FieldError
from gateway.models.common import table_of
from gateway.models.creditlines import CreditLine, CreditTranche
from gateway.models.receivables import Exposure, Financing, Fragment, Receivable
from gateway.models.warehouse import Loan
from gateway.web import charts
from gateway.web.views import _render
from sdk.generated.enums import FinancingStatus, LoanStatus, ReceivableStatus, Role

router = APIRouter(include_in_schema=False)
By = Annotated[str, Query(pattern="^(week|month)$", description="bucket by week or by month")]
WEEKS, MONTHS = 13, 12
MONTH_ROWS, OVERDUE_ROWS = 500, 100  # payables listed at most (earliest first); the totals count them all
OVERDUE, LATER = "Overdue", "Later"


def periods(now: int, by: str) -> list[tuple[str, int, int]]:
    """(label, start, end) of the buckets from the one holding `now`: 13 weeks (Monday to Sunday, UTC) or
    12 calendar months."""
    today = datetime.fromtimestamp(now, UTC).date()
    out: list[tuple[str, int, int]] = []
    if by == "week":
        start = today - timedelta(days=today.weekday())
        for _ in range(WEEKS):
            end = start + timedelta(days=7)
            out.append((f"w/c {start:%d %b}", _ts(start), _ts(end)))
            start = end
    else:
        start = today.replace(day=1)
        for _ in range(MONTHS):
            end = (start + timedelta(days=32)).replace(day=1)
            out.append((f"{start:%b %y}", _ts(start), _ts(end)))
            start = end
    return out


def _ts(d: date) -> int:
    return int(datetime.combine(d, datetime.min.time(), UTC).timestamp())


def bucket(items: Iterable[tuple[int, str, int]], now: int, by: str) -> list[tuple[str, dict[str, int]]]:
    """Amounts (due date, series, cents) summed per bucket: overdue first (due before now), then each period,
    then what falls due later. Empty overdue and later buckets are left out."""
    spans = periods(now, by)
    sums: dict[str, dict[str, int]] = {label: {} for label in (OVERDUE, *(s[0] for s in spans), LATER)}
    for due, series, units in items:
        if due < now:
            label = OVERDUE
        else:
            label = next((name for name, start, end in spans if start <= due < end), LATER)
        sums[label][series] = sums[label].get(series, 0) + int(units)
    return [(label, values) for label, values in sums.items() if values or label not in (OVERDUE, LATER)]


def _by(value: str | None) -> str:
    return value or "week"


# ------------------------------------------------------------------------------------------------ core enterprise
@router.get("/web/view/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                  by: By = "week",
                  month: Annotated[str | None, Query(max_length=7, description="YYYY-MM")] = None) -> HTMLResponse:
    """The core enterprise's payables by due date: a ladder of what falls due, and the month's calendar with
    repay. Only receivables it owes (debtor), confirmed and not fully repaid."""
    if not party.has(Role.CORE_ENTERPRISE):
        raise FieldError(["path"], "the maturity calendar is a core enterprise's (what it owes)", 403, "forbidden")
    now = ledger_now(session, ctx)
    shown = _month(month, now)
    R = table_of(Receivable).c
    outstanding = R.face_units - R.repaid_units
    owed = (R.debtor == party.address, R.status == int(ReceivableStatus.CONFIRMED), outstanding > 0)
    per_day = session.execute(select(R.due_date, func.sum(outstanding)).where(*owed).group_by(R.due_date)).all()
    ladder = bucket(((d, "owed", u) for d, u in per_day), now, by)
    start = _ts(shown)
    end = _ts((shown + timedelta(days=32)).replace(day=1))
    in_month = (*owed, R.due_date >= start, R.due_date < end)
    rows = session.execute(select(R.id, R.supplier, R.face_units, R.repaid_units, R.due_date, outstanding.label("left"))
                           .where(*in_month).order_by(R.due_date, R.id).limit(MONTH_ROWS)).all()
    month_count, month_total = session.execute(select(func.count(), func.coalesce(func.sum(outstanding), 0))
                                               .where(*in_month)).one()
    earlier = (*owed, R.due_date < min(now, start))
    overdue = session.execute(select(R.id, R.supplier, R.face_units, R.repaid_units, R.due_date,
                                     outstanding.label("left"))
                              .where(*earlier).order_by(R.due_date, R.id).limit(OVERDUE_ROWS)).all()
    overdue_count = session.execute(select(func.count()).where(*earlier)).scalar_one()
    # overdue before the month shown; the month's own overdue rows are marked in its calendar
    days: dict[int, list[Any]] = {}
    for r in rows:
        days.setdefault(r.due_date - r.due_date % 86_400, []).append(r)
    total = sum(int(u) for _, u in per_day)
    chart = charts.ladder(f"What you owe, by {by}", ladder, [charts.Series("owed", "Owed")],
                          desc=f"{charts.money(total)} owed in all; the largest {by} "
                               f"{charts.money(max((sum(v.values()) for _, v in ladder), default=0))}.")
    prev_month = (shown - timedelta(days=1)).replace(day=1)
    next_month = (shown + timedelta(days=32)).replace(day=1)
    return _render(request, "view_calendar.html", party, session, ctx, {
        "chart": chart, "by": by, "days": sorted(days.items()), "overdue": overdue, "total": total,
        "month": shown, "month_total": int(month_total), "month_count": month_count, "overdue_count": overdue_count,
        "shown_count": len(rows),
        "prev": f"{prev_month:%Y-%m}",
        "next": f"{next_month:%Y-%m}", "receivables": ctx.deployment.contracts.get("Receivables")})


def _month(value: str | None, now: int) -> date:
    if not value:
        return datetime.fromtimestamp(now, UTC).date().replace(day=1)
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise FieldError(["query", "month"], f"{value!r} is not a month (YYYY-MM)") from None


# ------------------------------------------------------------------------------------------------ bank
SERIES = [charts.Series("discounts", "Discounted receivables"), charts.Series("tranches", "Credit-line tranches"),
          charts.Series("loans", "Pledge loans")]


def ladder_items(session: Any, bank: str) -> list[tuple[int, str, int]]:
    """(due date, series, cents) of what `bank` is owed: face value not yet paid out of funded discounts at the
    receivable's due date, principal of open credit-line tranches at their due date, principal of open pledge
    loans at maturity."""
    FI, F = table_of(Financing).c, table_of(Fragment).c
    T, CL, L = table_of(CreditTranche).c, table_of(CreditLine).c, table_of(Loan).c
    items: list[tuple[int, str, int]] = []
    for due, units in session.execute(
            select(F.due_date, func.sum(F.value_units - F.paid_units)).join(table_of(Fragment), F.id == FI.fragment_id)
            .where(FI.bank == bank, FI.status == int(FinancingStatus.FUNDED)).group_by(F.due_date)):
        items.append((due, "discounts", int(units)))
    for due, units in session.execute(
            select(T.due, func.sum(T.principal_units)).join(table_of(CreditLine), CL.id == T.line_id)
            .where(CL.bank == bank, T.principal_units > 0).group_by(T.due)):
        items.append((due, "tranches", int(units)))
    for due, units in session.execute(
            select(L.maturity, func.sum(L.principal_units))
            .where(L.bank == bank, L.status.in_((int(LoanStatus.ACTIVE), int(LoanStatus.MARGIN_CALLED))))
            .group_by(L.maturity)):
        items.append((due, "loans", int(units)))
    return items


@router.get("/web/view/ladder", response_class=HTMLResponse)
def ladder_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                by: By = "week") -> HTMLResponse:
    """The bank's maturity ladder (what it will collect, per week or month) and its exposure against the limit
    it set per core enterprise."""
    from gateway.web import Names

    if not party.has(Role.BANK):
        raise FieldError(["path"], "the maturity ladder is a bank's (what it will collect)", 403, "forbidden")
    now = ledger_now(session, ctx)
    items = ladder_items(session, party.address)
    ladder = bucket(items, now, by)
    total = sum(u for _, _, u in items)
    used = {s.key for s in SERIES if any(k == s.key for _, k, _ in items)}
    series = [s for s in SERIES if s.key in used] or SERIES[:1]
    late = sum(ladder[0][1].values()) if ladder and ladder[0][0] == OVERDUE else 0
    chart = charts.ladder(f"Maturity ladder, by {by}", ladder, series,
                          desc=f"{charts.money(total)} to collect; {charts.money(late)} of it overdue.")
    X = table_of(Exposure).c
    label = Names(session)
    exposures = session.execute(select(X.debtor, X.used_units, X.limit_units).where(X.bank == party.address)
                                .order_by(X.used_units.desc(), X.debtor)).all()
    exposure_chart = charts.against_limit(
        "Exposure against limit, per core enterprise",
        [(label(e.debtor), int(e.used_units), int(e.limit_units)) for e in exposures],
        desc=f"{len(exposures)} core enterprises; "
             f"{sum(1 for e in exposures if e.limit_units and e.used_units > e.limit_units)} above their limit, "
             f"{sum(1 for e in exposures if e.limit_units and e.used_units * 10 >= e.limit_units * 8)} at 80% or more."
    ) if exposures else None
    return _render(request, "view_ladder.html", party, session, ctx, {
        "chart": chart, "by": by, "total": total, "buckets": ladder, "series": series,
        "exposure_chart": exposure_chart, "exposures": exposures})
