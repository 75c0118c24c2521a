"""The write API: prepare an unsigned transaction, sign it anywhere, submit it, follow it; and a live event stream.

These are the only routes that reach the node: the dry run and estimate of ``prepare``, the relay of ``POST /v1/tx``
and the receipt of ``GET /v1/tx/{hash}``. The gateway never holds a key: it builds unsigned transactions and relays
transactions that their senders signed.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from enum import IntEnum
from typing import Annotated, Any, TypeVar

import anyio.to_thread
import rlp
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import StreamingResponse
from hexbytes import HexBytes
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from gateway.api import scoping
from gateway.api.actions import Action, ParamError, actions, is_money, is_time, multicalls
from gateway.api.deps import (
    AppContext,
    ContextDep,
    CurrentParty,
    Party,
    SessionDep,
    closing_session,
    ledger_now,
    refusal,
)
from gateway.api.errors import FieldError
from gateway.api.names import party_names
from gateway.api.routes.events import to_public
from gateway.models.common import table_of
from gateway.models.events import EventLog, EventPublic
from gateway.models.indexer import IndexerState
from gateway.models.participants import Participant, PartyName
from gateway.models.tx import TxSubmission
from sdk.chain import RpcChain
from sdk.display import party_label, short_address
from sdk.errors import (
    ChainConnectionError,
    ContractError,
    ContractRevert,
    TransactionError,
    decode_revert,
    revert_data_from_exception,
)
from sdk.money import format_grouped
from sdk.story import fragment_ref

router = APIRouter(tags=["write"])
E = table_of(EventLog).c
S = table_of(TxSubmission).c
T = TypeVar("T")
HASH_PATTERN = r"^0x[0-9a-fA-F]{64}$"


# ---------------------------------------------------------------------------------------------- the node
def node_of(ctx: AppContext) -> Any:
    """The chain the gateway relays to: the embedded chain handed to create_app, or settings.chain_url."""
    if ctx.node is None:
        with _connect_lock:
            if ctx.node is None:
                if ctx.settings.is_embedded:
                    raise FieldError([], "this gateway has no node to relay to", 503, "unavailable")
                try:
                    ctx.node = RpcChain(ctx.settings.chain_url, timeout=ctx.settings.rpc_timeout)
                except ChainConnectionError as exc:
                    raise _unavailable(exc) from None
    return ctx.node


_connect_lock = threading.Lock()


def _on_node(ctx: AppContext, work: Callable[[Any], T]) -> T:
    node = node_of(ctx)
    with ctx.node_lock or nullcontext():
        try:
            return work(node)
        except FieldError:
            raise
        except ChainConnectionError as exc:
            raise _unavailable(exc) from None
        except Exception as exc:  # the node answered something unexpected: say so, never a 500
            raise FieldError([], f"the node failed: {str(exc)[:300]}", 502, "bad_gateway") from None


def _unavailable(exc: Exception) -> FieldError:
    return FieldError([], f"the node is unavailable: {exc}", 503, "unavailable", {"Retry-After": "5"})


# ---------------------------------------------------------------------------------------------- shapes
class PrepareRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    action: str = PydanticField(max_length=64, examples=["receivable.confirm"])
    params: dict[str, Any] | list[dict[str, Any]] = PydanticField(
        default_factory=dict, examples=[{"root_id": 1}],
        description="the action's parameters; a list of them makes one batch transaction (contracts with multicall)")
    sender: str | None = PydanticField(default=None, alias="from", description="the signer: your address")


class UnsignedTx(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    sender: str = PydanticField(alias="from")
    to: str
    data: str
    value: int = 0
    gas: int | None
    nonce: int
    chainId: int  # noqa: N815 - the wire name
    maxFeePerGas: int | None = None  # noqa: N815
    maxPriorityFeePerGas: int | None = None  # noqa: N815
    gasPrice: int | None = None  # noqa: N815
    type: int = 2


class DecodedError(BaseModel):
    error: str
    fields: dict[str, Any]
    message: str


class Prepared(BaseModel):
    action: str
    contract: str
    function: str
    params: dict[str, Any] | list[dict[str, Any]]
    tx: UnsignedTx
    summary: list[str]
    parties: list[PartyName] = PydanticField(
        default=[], description="every address in params, with its display name: the sender first")
    would_revert: DecodedError | None = None


class SubmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    raw: str = PydanticField(max_length=262_144, description="the signed transaction, 0x-hex")


class Submitted(BaseModel):
    tx_hash: str
    sender: str
    to: str
    nonce: int
    status: str = "submitted"


class TxStatus(BaseModel):
    tx_hash: str
    status: str = PydanticField(description="pending, mined, indexed or reverted")
    block_number: int | None = None
    gas_used: int | None = None
    events: list[EventPublic] = []
    error: DecodedError | None = None


class ActionDoc(BaseModel):
    action: str
    contract: str
    function: str
    params: dict[str, str]


# ---------------------------------------------------------------------------------------------- helpers
def _json(value: Any) -> Any:
    if isinstance(value, IntEnum):
        return value.name
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def decoded(err: ContractRevert) -> DecodedError:
    fields = err.fields if isinstance(err, ContractError) else {
        k: getattr(err, k) for k in ("message", "code", "data") if hasattr(err, k)}
    return DecodedError(error=type(err).__name__, fields=_json(fields), message=str(err))


#: Summaries are read by people: money in its human form, thousands grouped (1234567 -> '12,345.67').
format_units = format_grouped


def _party_name(session: Session, address: str, me: str) -> str:
    """"you", a participant by its display name ("Acme Steel (0x1234…abcd)"), or a short address."""
    if address == me:
        return "you"
    row = session.get(Participant, to_checksum_address(address))
    if row is None:
        return short_address(address)
    return party_label(address, row.name) if row.name else f"{short_address(address)} (participant)"


def _addresses(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [a for v in value.values() for a in _addresses(v)]
    if isinstance(value, list | tuple):
        return [a for v in value for a in _addresses(v)]
    return [value] if isinstance(value, str) and value.startswith("0x") and len(value) == 42 else []


def _show(session: Session, me: str, name: str, value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(session, me, k, v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(session, me, name, v) for v in value) + "]"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, bytes):
        text = value.rstrip(b"\0")
        return repr(text.decode()) if text and text.isascii() and text.decode().isprintable() else "0x" + value.hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return _party_name(session, value, me)
    if isinstance(value, int):
        if name.endswith("bps"):
            return f"{value / 100:.2f}%"
        if is_money(name):
            return format_units(value) if value < 2**128 else "unlimited"
        if is_time(name) and 10**9 <= value < 2**40:
            return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M UTC")
        if name == "fragment_id":
            return fragment_ref(value)  # its human form, ROOT.INDEX
        return f"{value:,}" if not name.endswith("id") else str(value)
    return str(value)


#: who pays what, where the verb makes it plain (parameter names as the ABI has them, snake case)
_PAYS = {"token.transfer": "value", "receivable.repay": "amount", "receivable.repay_recourse": "amount",
         "prepayment.repay": "principal", "prepayment.repay_debt": "amount", "credit_line.repay": "amount",
         "loan.repay": "amount", "loan.repay_and_release": "amount"}
_RECEIVES = {"credit_line.draw": ("amount", "payee")}


def summarise(session: Session, me: str, action: str, contract: str, function: str,
              params: dict[str, Any]) -> list[str]:
    lines = [f"{contract}.{function}: " + ", ".join(
        f"{k.replace('_', ' ')} {_show(session, me, k, v)}" for k, v in params.items())]
    if action in _PAYS:
        lines.append(f"you pay {format_units(params[_PAYS[action]])}")
    if action in _RECEIVES:
        amount, payee = _RECEIVES[action]
        lines.append(f"{_party_name(session, params[payee], me)} receives {format_units(params[amount])}")
    if action == "receivable.discount":
        lines.append(f"you pay at most {format_units(params['max_price'])} for the fragment")
    if action == "token.approve":
        lines.append(f"{_party_name(session, params['spender'], me)} may move up to "
                     f"{_show(session, me, 'value', params['value'])} of your balance")
    return lines


def _contracts(ctx: AppContext) -> dict[str, str]:
    return {to_checksum_address(a): n for n, a in ctx.deployment.contracts.items()}


# ---------------------------------------------------------------------------------------------- routes
@router.get("/tx/actions", response_model=list[ActionDoc], summary="The actions POST /v1/tx/prepare knows")
def list_actions() -> list[ActionDoc]:
    return [ActionDoc(action=a.name, contract=a.contract, function=a.function, params=a.params_doc())
            for a in actions().values()]


@router.post("/tx/prepare", response_model=Prepared, response_model_by_alias=True,
             summary="An unsigned transaction for an action, its summary, and the error a dry run hits now")
def prepare(body: PrepareRequest, party: CurrentParty, ctx: ContextDep, session: SessionDep) -> Prepared:
    action = actions().get(body.action)
    if action is None:
        raise FieldError(["body", "action"], f"unknown action {body.action!r}: GET /v1/tx/actions lists them")
    if body.sender is not None and body.sender.lower() != party.address.lower():
        raise FieldError(["body", "from"], "must be the signed-in party's address (or left out)")
    to = ctx.deployment.contracts.get(action.contract)
    if to is None:
        raise FieldError(["body", "action"], f"{action.contract} is not part of this deployment")
    sender = party.address
    if isinstance(body.params, list):
        data, batch = _batch(action, body.params)
        params: Any = batch
        summary = [line for item in batch for line in
                   summarise(session, sender, action.name, action.contract, action.function, item)]
        summary.insert(0, f"one transaction, {len(batch)} × {action.name}")
    else:
        try:
            data, params = action.encode(body.params)
        except ParamError as exc:
            raise FieldError(exc.loc, exc.msg) from None
        summary = summarise(session, sender, action.name, action.contract, action.function, params)

    def dry_run(node: Any) -> tuple[int, dict[str, int], DecodedError | None, int | None]:
        nonce = int(node.w3.eth.get_transaction_count(sender, "pending"))
        fees = node.fee_params()
        try:
            node.call(to, data, sender)
            gas = node.estimate_gas(sender, to, data) * 6 // 5 + 10_000
        except ContractRevert as err:
            return nonce, fees, decoded(err), None
        except TransactionError as err:  # a failure without revert data (e.g. out of gas at any limit)
            return nonce, fees, DecodedError(error="TransactionError", fields={}, message=str(err)), None
        return nonce, fees, None, gas

    nonce, fees, error, gas = _on_node(ctx, dry_run)
    tx = UnsignedTx.model_validate({"from": sender, "to": to, "data": "0x" + data.hex(), "gas": gas, "nonce": nonce,
                                    "chainId": ctx.deployment.chain_id,
                                    "type": 2 if "maxFeePerGas" in fees else 0, **fees})
    return Prepared(action=action.name, contract=action.contract, function=action.function, params=_json(params),
                    tx=tx, summary=summary, parties=party_names(session, [sender, *_addresses(params)]),
                    would_revert=error)


MAX_BATCH = 50


def _batch(action: Action, items: list[dict[str, Any]]) -> tuple[bytes, list[dict[str, Any]]]:
    """One multicall of `action` per item (each call keeps the signer as msg.sender)."""
    if not any(a.contract == action.contract and a.function == "multicall" for a in multicalls()):
        raise FieldError(["body", "params"], f"{action.contract} has no batch (multicall): give one object")
    if not 1 <= len(items) <= MAX_BATCH:
        raise FieldError(["body", "params"], f"a batch has 1 to {MAX_BATCH} items")
    calls, out = [], []
    for n, item in enumerate(items):
        try:
            data, params = action.encode(item)
        except ParamError as exc:
            raise FieldError(["body", "params", n, *exc.loc[2:]], exc.msg) from None
        calls.append(data)
        out.append(params)
    return function_signature_to_4byte_selector("multicall(bytes[])") + abi_encode(["bytes[]"], [calls]), out


def decode_raw(raw_hex: str) -> tuple[bytes, dict[str, Any], str]:
    """The raw bytes, the transaction's fields (nonce, to, chainId) and its sender, or a 422 naming ``raw``."""
    loc: list[str | int] = ["body", "raw"]
    text = raw_hex.strip()
    if not text.startswith("0x"):
        raise FieldError(loc, "must be 0x-prefixed hex of a signed transaction")
    try:
        raw = bytes.fromhex(text[2:])
    except ValueError:
        raise FieldError(loc, "must be 0x-prefixed hex of a signed transaction") from None
    if not raw:
        raise FieldError(loc, "is empty")
    try:
        if raw[0] <= 0x7F:
            fields = dict(TypedTransaction.from_bytes(HexBytes(raw)).as_dict())
        else:
            items = rlp.decode(raw)
            nonce, _, _, to, _, _, v = items[:7]
            v_int = int.from_bytes(v, "big")
            fields = {"nonce": int.from_bytes(nonce, "big"), "to": to,
                      "chainId": (v_int - 35) // 2 if v_int >= 35 else None}
        sender = Account.recover_transaction(raw)
    except Exception as exc:
        raise FieldError(loc, f"is not a signed transaction: {str(exc)[:200]}") from None
    return raw, fields, to_checksum_address(sender)


@router.post("/tx", response_model=Submitted,
             summary="Relay a signed transaction (to a contract of the deployment, from an active participant)")
def submit(body: SubmitRequest, ctx: ContextDep, session: SessionDep) -> Submitted:
    raw, fields, sender = decode_raw(body.raw)
    tx_hash = "0x" + keccak(raw).hex()
    to_raw = fields.get("to")
    to = to_checksum_address(to_raw) if to_raw else None
    nonce = int(fields.get("nonce") or 0)
    known = session.get(TxSubmission, tx_hash)
    if known is not None:  # idempotent: the same bytes, the same answer (no second count against the limit)
        return Submitted(tx_hash=tx_hash, sender=known.sender, to=known.target, nonce=known.nonce)
    chain_id = fields.get("chainId")
    if chain_id is not None and int(chain_id) != ctx.deployment.chain_id:
        raise FieldError(["body", "raw"], f"signed for chain {chain_id}; this ledger is on chain "
                         f"{ctx.deployment.chain_id}")
    if to is None or to not in _contracts(ctx):
        raise FieldError(["body", "raw"], f"its target {to or '(contract creation)'} is not a contract of this "
                         "deployment", 403, "forbidden")
    reason = refusal(session.get(Participant, sender), ledger_now(session, ctx))
    if reason is not None:
        raise FieldError(["body", "raw"], f"sender {sender}: {reason}", 403, "forbidden")
    now = ctx.now()
    window = ctx.settings.tx_rate_window_seconds
    count, oldest = session.execute(
        select(func.count(), func.min(S.submitted_at)).where(S.sender == sender, S.submitted_at > now - window)
    ).one()
    if count >= ctx.settings.tx_rate_limit:
        retry = max(1, int(oldest or now) + window - now)
        raise FieldError(["body", "raw"], f"sender {sender} relayed {count} transactions in the last {window} s "
                         f"(limit {ctx.settings.tx_rate_limit}): retry after {retry} s", 429, "rate_limited",
                         {"Retry-After": str(retry)})

    def relay(node: Any) -> None:
        try:
            node._send_raw(raw)
        except ChainConnectionError:
            raise
        except Exception as exc:
            text = str(exc).lower()
            if any(words in text for words in ("already known", "already imported", "known transaction")):
                return
            data = revert_data_from_exception(exc)
            if data is not None:
                err = decoded(decode_revert(data))
                raise FieldError(["body", "raw"], f"the transaction reverts: {err.message}", 422,
                                 "reverted") from None
            status = 409 if "nonce" in text else 422
            raise FieldError(["body", "raw"], f"the node refused it: {str(exc)[:300]}", status,
                             "refused") from None

    _on_node(ctx, relay)
    session.add(TxSubmission(tx_hash=tx_hash, sender=sender, target=to, nonce=nonce, submitted_at=now))
    try:
        session.commit()
    except IntegrityError:  # the same bytes, relayed by a concurrent request
        session.rollback()
    return Submitted(tx_hash=tx_hash, sender=sender, to=to, nonce=nonce)


@router.get("/tx/{tx_hash}", response_model=TxStatus, summary="pending, mined, indexed or reverted")
def read_tx(tx_hash: Annotated[str, Path(pattern=HASH_PATTERN)], party: CurrentParty, ctx: ContextDep,
            session: SessionDep) -> TxStatus:
    tx_hash = tx_hash.lower()

    def look(node: Any) -> tuple[Any, Any, DecodedError | None]:
        receipt = node._get_receipt(tx_hash)
        tx = None
        try:
            tx = node.w3.eth.get_transaction(tx_hash)
        except Exception as exc:
            if type(exc).__name__ != "TransactionNotFound":
                raise
        error = None
        if receipt is not None and int(receipt["status"]) == 0 and tx is not None:
            call = {"from": tx["from"], "to": tx["to"], "data": tx["input"], "value": tx["value"]}
            try:
                node.w3.eth.call(call, block_identifier=max(int(receipt["blockNumber"]) - 1, 0))
            except Exception as exc:
                data = revert_data_from_exception(exc)
                error = decoded(decode_revert(data or b""))
        return receipt, tx, error

    receipt, tx, error = _on_node(ctx, look)
    if receipt is None:
        if tx is None and session.get(TxSubmission, tx_hash) is None:
            raise FieldError(["path", "tx_hash"], f"no transaction {tx_hash} is known to the node", 404,
                             "not_found")
        return TxStatus(tx_hash=tx_hash, status="pending")
    block = int(receipt["blockNumber"])
    out = TxStatus(tx_hash=tx_hash, status="mined", block_number=block, gas_used=int(receipt["gasUsed"]))
    if int(receipt["status"]) == 0:
        out.status = "reverted"
        out.error = error
        return out
    head = session.execute(select(table_of(IndexerState).c.head_block)).scalar()
    if head is not None and head >= block:
        out.status = "indexed"
        stmt = select(table_of(EventLog)).where(E.tx_hash == tx_hash).order_by(E.id)
        sender = to_checksum_address(tx["from"]) if tx is not None else None
        if sender != party.address:
            stmt = stmt.where(scoping.events(party))
        out.events = [to_public(r) for r in session.execute(stmt)]
    return out


# ---------------------------------------------------------------------------------------------- the stream
class _Streams:
    def __init__(self) -> None:
        self.open = 0
        self.lock = threading.Lock()


_streams = _Streams()


def _events_after(ctx: AppContext, party: Party, cursor: int, limit: int = 200) -> list[Any]:
    with closing_session(ctx.reader) as session:
        stmt = (select(table_of(EventLog)).where(E.id > cursor, scoping.events(party)).order_by(E.id)
                .limit(limit))
        return list(session.execute(stmt))


def _head_event_id(ctx: AppContext) -> int:
    with closing_session(ctx.reader) as session:
        return int(session.execute(select(func.max(E.id))).scalar() or 0)


@router.get("/stream", summary="Server-sent events: your scoped events as they are indexed",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def stream(
    request: Request,
    party: CurrentParty,
    ctx: ContextDep,
    last_event_id: Annotated[str | None, Header(pattern=r"^[0-9]{1,20}$")] = None,
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1, description="resume after this event id")] = None,
    max_seconds: Annotated[float | None, Query(gt=0, le=3_600)] = None,
) -> StreamingResponse:
    if _streams.open >= ctx.settings.max_streams:
        raise FieldError([], f"too many open streams ({_streams.open}): retry later", 503, "unavailable",
                         {"Retry-After": str(ctx.settings.retry_after_seconds)})
    if after is not None:
        cursor = after
    elif last_event_id is not None:
        cursor = int(last_event_id)
    else:
        cursor = await anyio.to_thread.run_sync(_head_event_id, ctx)
    duration = min(max_seconds or ctx.settings.stream_max_seconds, ctx.settings.stream_max_seconds)
    listener = ctx.listener
    wakeups = ctx.metrics.stream_wakeups

    def poll() -> float:
        """Between reads: long when the indexer's NOTIFY wakes us (PostgreSQL); short on SQLite, while the LISTEN
        connection is down, and with a read replica (a notification may arrive before the replica has the rows)."""
        if listener is not None and listener.listening and not ctx.has_read_replica:
            return ctx.settings.stream_notify_poll_interval
        return ctx.settings.stream_poll_interval

    async def events() -> AsyncIterator[str]:
        nonlocal cursor
        deadline = time.monotonic() + duration
        quiet_since = time.monotonic()
        waiter = listener.subscribe() if listener is not None else None
        with _streams.lock:
            _streams.open += 1
        try:
            yield f"retry: 1000\n: stream of {party.address} after event {cursor}\n\n"
            while time.monotonic() < deadline:
                if await request.is_disconnected():
                    return
                if waiter is not None:
                    waiter.clear()  # a commit from now on wakes the wait below
                rows = await anyio.to_thread.run_sync(_events_after, ctx, party, cursor)
                for row in rows:
                    event = to_public(row)
                    cursor = event.id
                    yield f"id: {event.id}\nevent: {event.name}\ndata: {event.model_dump_json()}\n\n"
                if rows:
                    quiet_since = time.monotonic()
                    continue
                if time.monotonic() - quiet_since > 15:
                    quiet_since = time.monotonic()
                    yield ": keep-alive\n\n"
                wait = min(poll(), 15.0, max(0.0, deadline - time.monotonic()))
                if waiter is None:
                    await asyncio.sleep(wait)
                    wakeups.labels("poll").inc()
                else:
                    wakeups.labels("notify" if await waiter.wait(wait) else "poll").inc()
            yield "event: end\ndata: {\"reconnect\": true}\n\n"
        finally:
            if waiter is not None:
                waiter.close()
            with _streams.lock:
                _streams.open -= 1

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

