"""Projection handlers, registered per event type.

A handler turns one decoded event into changes of projection rows through the :class:`~gateway.indexer.store.UnitOfWork`
it is given; it never runs SQL itself. New contracts get their projections by registering handlers here::

    @HANDLERS.on(ReceivableConfirmed, contract="Receivables", asset="receivable")
    def _confirmed(uow: UnitOfWork, ev: ReceivableConfirmed, ctx: EventContext) -> None:
        uow.update(Receivable, ev.id, status=int(ev.new_status), updated_block=ctx.block_number)

Every event is written to the event log whether or not a handler exists. Each address field of an event becomes a
``party`` reference (what the /v1/events scoping uses); ``asset=`` adds a reference to the entity the event's first
field identifies, and a handler may add more with :meth:`EventContext.ref`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sdk.events import ContractEvent

if TYPE_CHECKING:
    from gateway.indexer.store import UnitOfWork

E = TypeVar("E", bound=ContractEvent)
Handler = Callable[["UnitOfWork", Any, "EventContext"], None]
#: trigger(uow, old_row_or_None, new_row_or_None), run when a row of its table changes
Trigger = Callable[["UnitOfWork", "dict[str, Any] | None", "dict[str, Any] | None"], None]
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


@dataclass(slots=True)
class EventContext:
    """Where an event happened, and the references it will be filed under."""

    contract: str
    address: str
    block_number: int
    block_time: int
    tx_hash: str
    log_index: int
    event_id: int
    refs: set[tuple[str, str]] = field(default_factory=set)

    def ref(self, kind: str, key: object) -> None:
        """File the event under an asset (``receivable``, ``receipt``...) or, with kind ``party``, an address."""
        text = str(key)
        if kind == "party" and text == ZERO_ADDRESS:
            return
        self.refs.add((kind, text))


@dataclass(frozen=True, slots=True)
class _Spec:
    contract: str | None
    handler: Handler | None
    asset: str | None


class HandlerRegistry:
    def __init__(self) -> None:
        self._specs: dict[type[ContractEvent], list[_Spec]] = {}
        self._address_fields: dict[type[ContractEvent], tuple[str, ...]] = {}
        self.triggers: dict[str, list[Trigger]] = {}

    def trigger(self, table: str) -> Callable[[Trigger], Trigger]:
        """Register a function run whenever a row of `table` changes (derived projections, e.g. summaries)."""

        def deco(fn: Trigger) -> Trigger:
            self.triggers.setdefault(table, []).append(fn)
            return fn

        return deco

    def on(
        self, event: type[E], *, contract: str | None = None, asset: str | None = None
    ) -> Callable[[Callable[[UnitOfWork, E, EventContext], None]], Callable[[UnitOfWork, E, EventContext], None]]:
        """Register a handler for `event` (from `contract` only, when given)."""

        def deco(fn: Callable[[UnitOfWork, E, EventContext], None]) -> Callable[[UnitOfWork, E, EventContext], None]:
            self._specs.setdefault(event, []).append(_Spec(contract, fn, asset))
            return fn

        return deco

    def asset(self, event: type[ContractEvent], kind: str, *, contract: str | None = None) -> None:
        """File `event` under the asset its first field identifies, without a projection change."""
        self._specs.setdefault(event, []).append(_Spec(contract, None, kind))

    def handled(self) -> set[type[ContractEvent]]:
        return {e for e, specs in self._specs.items() if any(s.handler for s in specs)}

    def apply(self, uow: UnitOfWork, event: ContractEvent, ctx: EventContext) -> None:
        cls = type(event)
        fields = self._address_fields.get(cls)
        if fields is None:
            fields = tuple(f for f, t in zip(cls.FIELDS, cls.ABI_TYPES, strict=True) if t == "address")
            self._address_fields[cls] = fields
        for name in fields:
            ctx.ref("party", getattr(event, name))
        for spec in self._specs.get(cls, ()):
            if spec.contract is not None and spec.contract != ctx.contract:
                continue
            if spec.asset is not None:
                ctx.ref(spec.asset, getattr(event, cls.FIELDS[0]))
            if spec.handler is not None:
                spec.handler(uow, event, ctx)


#: The gateway's handlers; importing gateway.indexer.handlers fills it.
HANDLERS = HandlerRegistry()
