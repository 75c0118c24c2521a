"""Read what a credit profile is computed from: the participant's events in the event log, the events of the
assets it is party to, and the attested figures whose openings the gateway verified. Nothing else is read, so a
fresh re-index (plus the same uploaded openings) yields the same profile."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from gateway.models.attestations import Attestation, AttestationOpening
from gateway.models.common import table_of
from gateway.models.creditlines import CREDIT_LINE_ASSET
from gateway.models.events import EventLog, EventRef
from gateway.models.receivables import Fragment
from gateway.profile.credit import Ev, Figure, Profile, build_profile
from sdk.attestations import commitment
from sdk.errors import LedgerValueError

#: Contracts whose events feed the profile.
PROFILE_CONTRACTS = ("Receivables", "PledgeLoans", "Prepayment", "SettlementToken", "WarehouseReceipts",
                     "CreditLines")


def _rows(session: Session, where: Any, as_of: int) -> list[Ev]:
    log = table_of(EventLog).c
    stmt = (select(log.id, log.contract, log.name, log.block_time, log.args)
            .where(where, log.block_time <= as_of, log.contract.in_(PROFILE_CONTRACTS)).order_by(log.id))
    return [Ev(int(i), c, n, int(t), json.loads(a)) for i, c, n, t, a in session.execute(stmt)]


def load_events(session: Session, party: str, as_of: int) -> list[Ev]:
    """Events naming `party`, plus every event of the receivables, loans, prepayments and credit lines it is a party
    to (a dispute, a margin-call cure or a tranche repayment does not name the supplier or borrower)."""
    log = table_of(EventLog).c
    ref = table_of(EventRef).c
    named = _rows(session, log.id.in_(select(ref.event_id).where(ref.kind == "party", ref.ref == party)), as_of)
    assets: dict[str, set[str]] = {"receivable": set(), "loan": set(), "prepayment": set(), CREDIT_LINE_ASSET: set()}
    for ev in named:
        a = ev.args
        if ev.name in ("ReceivableRegistered", "ReceivableIssued"):
            assets["receivable"].add(str(a["root_id"]))
        elif ev.name == "LoanOpened":
            assets["loan"].add(str(a["loan_id"]))
        elif ev.name == "PrepaymentProposed":
            assets["prepayment"].add(str(a["id"]))
        elif ev.name == "CreditLineOpened":
            assets[CREDIT_LINE_ASSET].add(str(a["line_id"]))
    conditions = [and_(ref.kind == kind, ref.ref.in_(sorted(keys))) for kind, keys in assets.items() if keys]
    if not conditions:
        return named
    seen = {ev.id for ev in named}
    more = _rows(session, log.id.in_(select(ref.event_id).where(or_(*conditions))), as_of)
    return sorted([*named, *(ev for ev in more if ev.id not in seen)], key=lambda e: e.id)


def fragment_roots(session: Session, fragment_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(fragment_ids))
    if not ids:
        return {}
    f = table_of(Fragment).c
    return {int(i): int(r) for i, r in session.execute(select(f.id, f.root_id).where(f.id.in_(ids)))}


def load_figures(session: Session, subject: str, as_of: int) -> list[Figure]:
    """The attested figures of `subject` current at `as_of` (not yet superseded then) whose uploaded opening
    matches the commitment; for a (metric, month) attested by several providers, the latest attestation."""
    a = table_of(Attestation).c
    o = table_of(AttestationOpening).c
    rows = session.execute(
        select(a.id, a.metric, a.period, a.commitment, a.superseded_by, o.value, o.salt)
        .join(table_of(AttestationOpening), o.attestation_id == a.id, isouter=True)
        .where(a.subject == subject, a.attested_at <= as_of).order_by(a.id)
    ).all()
    posted = {int(r.id) for r in rows}
    latest: dict[tuple[str, int], Figure] = {}
    for r in rows:
        if r.superseded_by and int(r.superseded_by) in posted:
            continue  # corrected at or before as_of
        if r.value is None or not opens(r.commitment, r.value, r.salt):
            continue  # no verified opening: the gateway can't read it
        latest[(r.metric, int(r.period))] = Figure(r.metric, int(r.period), int(r.value), int(r.id))
    return sorted(latest.values(), key=lambda f: (f.metric, f.period))


def opens(commit_hex: str, value: str | int, salt_hex: str) -> bool:
    """Whether (value, salt) opens the commitment."""
    try:
        return "0x" + commitment(int(value), bytes.fromhex(salt_hex.removeprefix("0x"))).hex() == commit_hex.lower()
    except (ValueError, LedgerValueError):
        return False


def profile_of(session: Session, party: str, as_of: int) -> Profile:
    events = load_events(session, party, as_of)
    roots = fragment_roots(session, (int(e.args["fragment_id"]) for e in events if e.name == "FragmentDefaulted"))
    return build_profile(party, events, load_figures(session, party, as_of), as_of, roots)
