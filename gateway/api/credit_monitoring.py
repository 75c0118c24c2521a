"""Credit lines in /v1/positions and /v1/alerts: utilisation, tranche maturity and the monitoring alerts.

Kept apart from the other products' positions and alerts: the routes call `credit_line_positions` and
`credit_line_alerts` once each. Alerts are one per line and kind (several tranches of a line falling due together
make one alert, with their total), so (asset, kind) keeps the alerts' order total.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from gateway.api import scoping
from gateway.models.common import money, table_of
from gateway.models.creditlines import (
    CreditLine,
    CreditLinePositionPublic,
    CreditPledge,
    CreditTranche,
    CreditTrancheBucketPublic,
)
from gateway.models.positions import AlertPublic
from gateway.models.receivables import Receivable
from sdk.types import CreditLineStatus, CreditPledgeStatus, ReceivableStatus

DAY = 86_400
BUCKETS = ((30, "0-30d"), (60, "31-60d"), (90, "61-90d"), (180, "91-180d"))
BUCKET_ORDER = ("overdue", *(name for _, name in BUCKETS), ">180d")
#: Lines that can still be drawn or owe something: positions show them, alerts watch them.
WATCHED = (int(CreditLineStatus.OPEN), int(CreditLineStatus.FROZEN))
POSITIONED = (int(CreditLineStatus.OFFERED), *WATCHED, int(CreditLineStatus.DEFAULTED))
CREDIT_KINDS = ("credit_tranche_due", "credit_tranche_overdue", "credit_line_near_limit", "credit_line_expiring",
                "credit_pledge_impaired")

L = table_of(CreditLine).c
T = table_of(CreditTranche).c


def _bucket(due: int, now: int) -> str:
    if due < now:  # the contract's rule: a tranche is overdue once now > due
        return "overdue"
    for days, name in BUCKETS:
        if due <= now + days * DAY:
            return name
    return ">180d"


def _outstanding(session: Session, line_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """(due, principal) of every outstanding tranche, per line."""
    out: dict[int, list[tuple[int, int]]] = {i: [] for i in line_ids}
    if line_ids:
        for line_id, due, principal in session.execute(
            select(T.line_id, T.due, T.principal_units).where(T.line_id.in_(line_ids), T.principal_units > 0)
        ):
            out[int(line_id)].append((int(due), int(principal)))
    return out


def _pledged(session: Session, line_ids: list[int]) -> dict[int, tuple[int, int | None]]:
    """(unpaid pledged value, earliest due date of those receivables) per line, over standing pledges."""
    p = table_of(CreditPledge).c
    out: dict[int, tuple[int, int | None]] = {}
    if line_ids:
        for line_id, unpaid, due in session.execute(
            select(p.line_id, func.sum(p.value_units - p.collected_units), func.min(p.due_date))
            .where(p.line_id.in_(line_ids), p.status == int(CreditPledgeStatus.PLEDGED),
                   p.collected_units < p.value_units).group_by(p.line_id)
        ):
            out[int(line_id)] = (int(unpaid), int(due))
    return out


def credit_line_positions(session: Session, who: str, now: int) -> list[CreditLinePositionPublic]:
    """Lines `who` lends on or borrows on (offered, open, frozen or defaulted), by line id."""
    rows = [r._mapping for r in session.execute(
        select(table_of(CreditLine)).where(or_(L.bank == who, L.borrower == who), L.status.in_(POSITIONED))
        .order_by(L.id))]
    tranches = _outstanding(session, [m["id"] for m in rows])
    pledged = _pledged(session, [m["id"] for m in rows])
    out = []
    for m in rows:
        limit, used = int(m["limit_units"]), int(m["principal_units"])
        live = m["status"] in (int(CreditLineStatus.OFFERED), *WATCHED)
        available = max(limit - used, 0) if live else 0
        buckets: dict[str, list[int]] = {}
        for due, principal in tranches[m["id"]]:
            b = buckets.setdefault(_bucket(due, now), [0, 0])
            b[0] += 1
            b[1] += principal
        dues = [due for due, _ in tranches[m["id"]]]
        overdue = sum(p for due, p in tranches[m["id"]] if due < now)
        lender = m["bank"] == who
        out.append(CreditLinePositionPublic(
            line_id=m["id"], role="lender" if lender else "borrower",
            counterparty=m["borrower"] if lender else m["bank"],
            status=CreditLineStatus(m["status"]).name.lower(), limit=money(limit), limit_units=limit,
            used=money(used), used_units=used, available=money(available), available_units=available,
            utilisation_bps=used * 10_000 // limit if limit else 0,
            interest_recorded=money(m["interest_units"]), interest_recorded_units=m["interest_units"],
            next_due=min(dues) if dues else None, overdue_units=overdue, expiry=m["expiry"],
            days_to_expiry=max(m["expiry"] - now + DAY - 1, 0) // DAY,
            tranches=[CreditTrancheBucketPublic(bucket=name, count=buckets[name][0],
                                                outstanding=money(buckets[name][1]),
                                                outstanding_units=buckets[name][1])
                      for name in BUCKET_ORDER if name in buckets],
            pledged_units=pledged.get(m["id"], (0, None))[0], next_pledge_due=pledged.get(m["id"], (0, None))[1],
        ))
    return out


def _alert(kind: str, severity: str, line_id: int, message: str, due_at: int | None, units: int) -> AlertPublic:
    return AlertPublic(kind=kind, severity=severity, asset_type="credit_line", asset_id=line_id, message=message,
                       due_at=due_at, amount=money(units), amount_units=units)


def credit_line_alerts(session: Session, party: Any, now: int, horizon: int,
                       near_limit_bps: int) -> list[AlertPublic]:
    """Alerts on the open and frozen lines the party lends or borrows on (the regulator: all of them):
    - credit_tranche_due: tranches falling due from now to the horizon (amount: their principal);
    - credit_tranche_overdue: tranches past their due date (amount: their principal; the surcharge runs);
    - credit_line_near_limit: principal outstanding at or above `near_limit_bps` of the limit;
    - credit_line_expiring: the availability window ends within the horizon (amount: the principal still owed);
    - credit_pledge_impaired: a receivable pledged to the line, still unpaid, is disputed, voided or overdue, so
      the self-repayment the line counts on is late or gone (amount: its unpaid pledged value).
    """
    rows = [r._mapping for r in session.execute(
        select(L.id, L.limit_units, L.principal_units, L.expiry).where(
            scoping.credit_lines(party), L.status.in_(WATCHED)).order_by(L.id))]
    tranches = _outstanding(session, [m["id"] for m in rows])
    out: list[AlertPublic] = []
    for m in rows:
        line_id, limit, used, expiry = int(m["id"]), int(m["limit_units"]), int(m["principal_units"]), int(m["expiry"])
        late = [(due, p) for due, p in tranches[line_id] if due < now]
        soon = [(due, p) for due, p in tranches[line_id] if now <= due <= horizon]
        if late:
            units = sum(p for _, p in late)
            out.append(_alert("credit_tranche_overdue", "critical", line_id,
                              f"credit line {line_id}: {len(late)} tranche(s) overdue, {money(units)} unpaid",
                              min(d for d, _ in late), units))
        if soon:
            units = sum(p for _, p in soon)
            first = min(d for d, _ in soon)
            out.append(_alert("credit_tranche_due", "warning", line_id,
                              f"credit line {line_id}: {len(soon)} tranche(s), {money(units)}, fall due within "
                              f"{(horizon - now) // DAY} days, the first in {(first - now + DAY - 1) // DAY} days",
                              first, units))
        if limit and used * 10_000 >= limit * near_limit_bps:
            out.append(_alert("credit_line_near_limit", "warning", line_id,
                              f"credit line {line_id} is {used * 10_000 // limit / 100:.2f}% used "
                              f"({money(max(limit - used, 0))} available)", None, used))
        if now <= expiry <= horizon:
            out.append(_alert("credit_line_expiring", "info" if used == 0 else "warning", line_id,
                              f"credit line {line_id} expires in {(expiry - now + DAY - 1) // DAY} days",
                              expiry, used))
    out += _impaired_pledges(session, [m["id"] for m in rows], now)
    return out


def _impaired_pledges(session: Session, line_ids: list[int], now: int) -> list[AlertPublic]:
    """One alert per line whose standing pledges include an unpaid receivable that is disputed, voided or overdue."""
    if not line_ids:
        return []
    p, r = table_of(CreditPledge).c, table_of(Receivable).c
    trouble: dict[int, tuple[int, int, list[str]]] = {}
    for line_id, fragment_id, unpaid, status, due, repaid, face in session.execute(
        select(p.line_id, p.fragment_id, p.value_units - p.collected_units, r.status, r.due_date, r.repaid_units,
               r.face_units)
        .join(table_of(Receivable), r.id == p.fragment_id // 65_536)  # a fragment id is root << 16 | index
        .where(p.line_id.in_(line_ids), p.status == int(CreditPledgeStatus.PLEDGED),
               p.collected_units < p.value_units)
        .order_by(p.line_id, p.fragment_id)
    ):
        if status == int(ReceivableStatus.DISPUTED):
            why = "disputed"
        elif status == int(ReceivableStatus.VOIDED):
            why = "voided"
        elif status == int(ReceivableStatus.CONFIRMED) and due < now and repaid < face:
            why = "overdue"
        else:
            continue
        units, first, reasons = trouble.get(int(line_id), (0, int(due), []))
        trouble[int(line_id)] = (units + int(unpaid), min(first, int(due)),
                                 [*reasons, f"receivable {int(fragment_id) >> 16} {why}"])
    return [_alert("credit_pledge_impaired", "critical", line_id,
                   f"credit line {line_id}: pledged {', '.join(reasons)}; {money(units)} of its self-repayment is "
                   f"late or gone", due, units)
            for line_id, (units, due, reasons) in sorted(trouble.items())]
