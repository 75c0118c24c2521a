"""Discount quotes: each bank publishes its rate per core enterprise (gateway configuration: the contracts have no
offer to the market), and a holder asks what every bank would pay for a fragment today.

A quote reads only the database: the bank's published terms, its exposure limit on the debtor as the chain set it
(``setExposureLimit``, indexed), and the fragment. The price is the contract's own arithmetic, in integers::

    days  = ceil((due_date - now) / 86_400)                   # a started day counts as a whole day
    price = value * (3_650_000 - rate_bps * days) // 3_650_000   # rounded down: the fraction of a cent stays
                                                              # with the bank (sdk.receivables.discount_price)
    discount = value - price
    effective annual rate = discount * 365 * 10_000 // (price * days)   # basis points, rounded down

so the price quoted is the price the bank pays if it funds on the same day (it only rises as days pass).
"""

from __future__ import annotations

from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from gateway.api import scoping
from gateway.api.deps import ContextDep, CurrentParty, SessionDep, ledger_now
from gateway.api.errors import FieldError, not_found
from gateway.api.pagination import FRAGMENT_ID_DOC, FRAGMENT_ID_PATTERN, Address, fragment_id_of
from gateway.models.common import money, table_of
from gateway.models.participants import Participant
from gateway.models.quotes import (
    DiscountTerms,
    DiscountTermsIn,
    DiscountTermsListPublic,
    DiscountTermsPublic,
    QuotePublic,
    QuotesPublic,
)
from gateway.models.receivables import Exposure, Fragment
from sdk.types import FragmentStatus, ParticipantStatus, Role, roles_from_mask

router = APIRouter(tags=["quotes"])
DT = table_of(DiscountTerms).c
F = table_of(Fragment).c
X = table_of(Exposure).c
P = table_of(Participant).c
DAY = 86_400
BPS_DAYS_PER_YEAR = 3_650_000  # 365 days x 10,000 bps, as the contract has it
FragmentIdPath = Annotated[str, Path(pattern=FRAGMENT_ID_PATTERN, description=FRAGMENT_ID_DOC, examples=["1.0"])]


def percent(bps: int) -> str:
    return f"{bps // 100}.{bps % 100:02d}%"


def days_to_maturity(due_date: int, now: int) -> int:
    """Whole days from `now` to `due_date`, rounded up; 0 once due (the contract's count)."""
    return (due_date - now + DAY - 1) // DAY if due_date > now else 0


def price_of(value: int, rate_bps: int, days: int) -> int | None:
    """The contract's price, or None where it reverts (the rate would discount the whole value)."""
    if not 0 <= rate_bps <= 10_000 or rate_bps * days >= BPS_DAYS_PER_YEAR:
        return None
    return value * (BPS_DAYS_PER_YEAR - rate_bps * days) // BPS_DAYS_PER_YEAR


def effective_rate_bps(value: int, price: int, days: int) -> int:
    """What the discount costs the seller a year, on the money received: discount / price x 365 / days."""
    if days == 0 or price == 0:
        return 0
    return (value - price) * 365 * 10_000 // (price * days)


def terms_public(m: Any) -> DiscountTermsPublic:
    return DiscountTermsPublic(bank=m["bank"], debtor=m["debtor"], rate_bps=m["rate_bps"],
                               rate=percent(m["rate_bps"]), max_days=m["max_days"],
                               with_recourse=m["with_recourse"], updated_at=m["updated_at"])


def _active(session: Any, address: str, role: Role) -> bool:
    row = session.get(Participant, address)
    return (row is not None and row.status == int(ParticipantStatus.ACTIVE)
            and role in roles_from_mask(row.roles))


# ------------------------------------------------------------------------------------------ terms
@router.get("/discount-terms", response_model=DiscountTermsListPublic,
            summary="Banks' published discount rates per core enterprise (any participant may read them)")
def read_discount_terms(party: CurrentParty, session: SessionDep, bank: Address | None = None,
                        debtor: Address | None = None) -> DiscountTermsListPublic:
    stmt = select(table_of(DiscountTerms)).order_by(DT.debtor, DT.rate_bps, DT.bank)
    if bank is not None:
        stmt = stmt.where(DT.bank == to_checksum_address(bank))
    if debtor is not None:
        stmt = stmt.where(DT.debtor == to_checksum_address(debtor))
    data = [terms_public(r._mapping) for r in session.execute(stmt)]
    return DiscountTermsListPublic(data=data, count=len(data))


@router.put("/discount-terms/{debtor}", response_model=DiscountTermsPublic,
            summary="Publish (or change) your bank's discount rate for a core enterprise's receivables")
def publish_discount_terms(debtor: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")], body: DiscountTermsIn,
                           party: CurrentParty, session: SessionDep, ctx: ContextDep) -> DiscountTermsPublic:
    if not party.has(Role.BANK):
        raise FieldError(["path"], "only a bank publishes discount terms", 403, "forbidden")
    who = to_checksum_address(debtor)
    if not _active(session, who, Role.CORE_ENTERPRISE):
        raise FieldError(["path", "debtor"], f"{who} is not an active core enterprise")
    row = session.get(DiscountTerms, (party.address, who))
    if row is None:
        row = DiscountTerms(bank=party.address, debtor=who, rate_bps=body.rate_bps, max_days=body.max_days,
                            with_recourse=body.with_recourse, updated_at=ctx.now())
    else:
        row.rate_bps, row.max_days, row.with_recourse = body.rate_bps, body.max_days, body.with_recourse
        row.updated_at = ctx.now()
    session.add(row)
    session.commit()
    return terms_public(row.model_dump())


@router.delete("/discount-terms/{debtor}", response_model=DiscountTermsPublic,
               summary="Withdraw your bank's discount terms for a core enterprise (answers the terms withdrawn)")
def withdraw_discount_terms(debtor: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")], party: CurrentParty,
                            session: SessionDep) -> DiscountTermsPublic:
    row = session.get(DiscountTerms, (party.address, to_checksum_address(debtor)))
    if row is None:
        raise not_found("discount terms", debtor)
    withdrawn = terms_public(row.model_dump())
    session.delete(row)
    session.commit()
    return withdrawn


# ------------------------------------------------------------------------------------------ quotes
def quotes_for(session: Any, fragment: Any, now: int, exclude: str | None = None) -> list[QuotePublic]:
    """Every bank's quote for `fragment` (a fragment row's mapping) at `now`, best price first."""
    days = days_to_maturity(fragment["due_date"], now)
    value = int(fragment["value_units"])
    terms = session.execute(
        select(DT.bank, DT.rate_bps, DT.max_days, DT.with_recourse, X.limit_units, X.used_units, P.status, P.roles)
        .join(table_of(Participant), P.address == DT.bank)
        .outerjoin(table_of(Exposure), (X.bank == DT.bank) & (X.debtor == DT.debtor))
        .where(DT.debtor == fragment["debtor"])).all()
    out = []
    for t in terms:
        if t.bank == exclude or t.status != int(ParticipantStatus.ACTIVE) or Role.BANK not in roles_from_mask(t.roles):
            continue
        price = price_of(value, t.rate_bps, days)
        room = max(int(t.limit_units or 0) - int(t.used_units or 0), 0)
        reason = None
        if days == 0:
            reason = "the fragment has matured"
        elif price is None or price == 0:
            reason = f"{percent(t.rate_bps)} over {days} days would discount the whole value"
        elif days > t.max_days:
            reason = f"{days} days to maturity; this bank takes at most {t.max_days}"
        elif value > room:
            reason = "beyond this bank's exposure limit on the debtor"
        price = price or 0
        out.append(QuotePublic(
            bank=t.bank, rate_bps=t.rate_bps, rate=percent(t.rate_bps), with_recourse=t.with_recourse,
            days_to_maturity=days, price=money(price), price_units=price, discount=money(value - price),
            discount_units=value - price, effective_rate_bps=effective_rate_bps(value, price, days),
            effective_rate=percent(effective_rate_bps(value, price, days)), available=reason is None,
            reason=reason))
    out.sort(key=lambda q: (not q.available, -q.price_units, q.bank))
    return out


@router.get("/fragments/{fragment_id}/quotes", response_model=QuotesPublic,
            summary="What each bank that publishes terms for the debtor would pay for a fragment today")
def read_fragment_quotes(fragment_id: FragmentIdPath, party: CurrentParty, session: SessionDep,
                         ctx: ContextDep,
                         at: Annotated[int | None, Query(ge=0, le=2**40, description="price at this time "
                                                         "(unix seconds) instead of now")] = None) -> QuotesPublic:
    key = fragment_id_of(fragment_id)
    row = session.execute(select(table_of(Fragment)).where(F.id == key, scoping.fragments(party))).first()
    if row is None:
        raise not_found("fragment", fragment_id)
    m = row._mapping
    if m["status"] != int(FragmentStatus.ACTIVE):
        raise FieldError(["path", "fragment_id"], f"fragment {fragment_id} is "
                         f"{FragmentStatus(m['status']).name.lower()}; only an active fragment can be discounted",
                         409, "conflict")
    now = max(at, 0) if at is not None else ledger_now(session, ctx)
    data = quotes_for(session, m, now, exclude=m["holder"])
    return QuotesPublic(fragment_id=key, debtor=m["debtor"], holder=m["holder"], value=money(m["value_units"]),
                        value_units=m["value_units"], due_date=m["due_date"], priced_at=now, data=data,
                        count=len(data))
