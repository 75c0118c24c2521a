"""The indexer's only write path to the database.

One batch of blocks is applied in ONE transaction: the event log rows, their references, every projection change,
the change-log entries for blocks that are not final yet, the new block hashes and the checkpoint. A crash at any
point leaves the previous checkpoint and nothing after it, so a restart repeats the batch exactly once.

A rollback to block B (after a reorganisation) replays the change log above B newest first, deletes the events and
block hashes above B and moves the checkpoint back, also in one transaction. It is plain SQL, the same on SQLite and
PostgreSQL. The change log is pruned as blocks become final.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Boolean, Connection, Engine, Table, and_, bindparam, delete, func, insert, select, update
from sqlmodel import SQLModel

import gateway.models  # noqa: F401 - registers every table on the metadata used by rollbacks
from gateway.indexer.registry import HANDLERS, EventContext, HandlerRegistry, Trigger
from gateway.indexer.source import Header
from gateway.models.common import table_of
from gateway.models.events import EventLog, EventRef, event_id, first_event_id
from gateway.models.indexer import ChangeLog, IndexedBlock, IndexerState
from sdk.events import ContractEvent, LogRecord

Key = tuple[Any, ...]
INT64 = 2**63
_LOOKUPS: dict[tuple[str, str], tuple[str, list[str]]] = {}
Fault = Callable[[str], None]

_EVENTS = table_of(EventLog)
_REFS = table_of(EventRef)
_STATE = table_of(IndexerState)
_BLOCKS = table_of(IndexedBlock)
_CHANGES = table_of(ChangeLog)


@dataclass(frozen=True, slots=True)
class _TablePlan:
    """What the write path needs of a table, worked out once per model: no per-row SQLAlchemy lookups."""

    table: Table
    defaults: dict[str, Any]
    columns: frozenset[str]
    pk: tuple[str, ...]
    booleans: tuple[str, ...]


_PLANS: dict[Any, _TablePlan] = {}


def _plan(model: type[SQLModel] | Table) -> _TablePlan:
    plan = _PLANS.get(model)
    if plan is None:
        table = table_of(model)
        defaults = {} if isinstance(model, Table) else {
            name: f.default for name, f in model.model_fields.items()
            if f.default is not PydanticUndefined and name in table.c
        }
        plan = _PLANS[model] = _TablePlan(
            table, defaults, frozenset(table.c.keys()), tuple(c.name for c in table.primary_key.columns),
            tuple(name for name, c in table.c.items() if isinstance(c.type, Boolean)))
    return plan


#: Batches with at least this many events read their rows ahead on a networked database (see Store._discover).
DISCOVER_MIN_RECORDS = 32
#: Rows the store keeps between batches (see Store.cache_rows): about 1 KiB each.
ROW_CACHE_ROWS = 200_000
DISCOVER_WAVES = 3
_ROW_SQL: dict[tuple[str, str, tuple[str, ...], bool], str] = {}


#: PostgreSQL: groups of new rows at least this large go by COPY, smaller ones by one INSERT ... unnest.
COPY_MIN_ROWS = 16


def write_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, upsert: bool = False) -> int:
    """Insert `rows` (or, with `upsert`, insert-or-update them by primary key) in one statement per column set,
    on the transaction's own DBAPI connection (SQLAlchemy's per-row parameter processing bypassed).

    PostgreSQL: new rows by ``COPY t (cols) FROM STDIN`` (COPY_MIN_ROWS or more; psycopg streams them in its
    text format), upserts by ``INSERT INTO t (cols) SELECT * FROM unnest(%s::type[], ...) ON CONFLICT``, one array
    parameter per column, so the statement's text is the same for any number of rows (parsed and planned once, one
    round trip per table).
    SQLite: the driver's ``executemany`` (one prepared statement in a C loop, in process). Returns rows written."""
    if not rows:
        return 0
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    dialect = conn.dialect.name
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for columns, group in groups.items():
            if dialect == "postgresql" and not upsert and len(group) >= COPY_MIN_ROWS:
                names = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    for row in group:
                        copy.write_row([row[c] for c in columns])
                continue
            sql = _row_sql(conn, table, columns, upsert)
            if dialect == "postgresql":
                cursor.execute(sql, [[row[c] for row in group] for c in columns])
            else:
                cursor.executemany(sql, [tuple(row[c] for c in columns) for row in group])
    finally:
        cursor.close()
    return len(rows)


def _pg_type(conn: Connection, table: Table, column: str) -> str:
    return str(table.c[column].type.compile(dialect=conn.dialect))


def _row_sql(conn: Connection, table: Table, columns: tuple[str, ...], upsert: bool) -> str:
    dialect = conn.dialect.name
    key = (dialect, table.name, columns, upsert)
    cached = _ROW_SQL.get(key)
    if cached is None:
        names = ", ".join(f'"{c}"' for c in columns)
        if dialect == "postgresql":
            arrays = ", ".join(f"%s::{_pg_type(conn, table, c)}[]" for c in columns)
            source = f"SELECT * FROM unnest({arrays})"
        else:
            source = "VALUES (" + ", ".join("?" * len(columns)) + ")"
        conflict = ""
        if upsert:
            pk = [c.name for c in table.primary_key.columns]
            rest = [c for c in columns if c not in pk]
            target = ", ".join(f'"{c}"' for c in pk)
            conflict = (f" ON CONFLICT ({target}) DO UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in rest)
                        if rest else f" ON CONFLICT ({target}) DO NOTHING")
        cached = _ROW_SQL[key] = f'INSERT INTO "{table.name}" ({names}) {source}{conflict}'
    return cached


class ProjectionError(RuntimeError):
    """An event cannot be applied to the projections (e.g. it changes an entity no event created)."""


class CheckpointMoved(RuntimeError):
    """The checkpoint changed under this writer: another indexer is writing to the same database."""


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)  # IntEnum -> int
    return value


def event_args(event: ContractEvent) -> str:
    return json.dumps({name: _json_value(getattr(event, name)) for name in event.FIELDS}, separators=(",", ":"))


class UnitOfWork:
    """Projection rows read and changed while applying one batch. Rows are plain dicts; changes are written by
    :meth:`flush`. The first change of a row in each unfinalized block records the row's previous value."""

    def __init__(self, conn: Connection, final_block: int, triggers: Mapping[str, Sequence[Trigger]] | None = None,
                 *, discover: bool = False, known: Mapping[tuple[str, Key], dict[str, Any] | None] | None = None,
                 complete: bool = False) -> None:
        self._conn = conn
        self._complete = complete  # `known` holds every row in the database: a key it lacks has none
        #: Rows as committed by earlier batches (Store's cache): read instead of the database.
        self._known = known or {}
        #: Discovery mode (see :meth:`Store.apply`): a miss is recorded in `wanted` and read as "no row".
        self.discover = discover
        self.wanted: dict[str, set[Key]] = {}
        self.misses = 0
        self.lookups = 0  # rows read from the database one by one
        self._triggers = triggers or {}
        self.final_block = final_block
        self.block = 0
        self._rows: dict[tuple[str, Key], dict[str, Any] | None] = {}
        self._existed: dict[tuple[str, Key], bool] = {}
        self._dirty: dict[str, dict[Key, None]] = {}
        self._tables: dict[str, Table] = {}
        self._captured: set[tuple[int, str, Key]] = set()
        self._changes: list[dict[str, Any]] = []
        self._defaults: dict[str, dict[str, Any]] = {}
        self._plans: dict[str, _TablePlan] = {}
        self._cursor: Any = None
        self._sqlite = conn.dialect.name == "sqlite"

    # ------------------------------------------------------------------ reads
    def _table(self, model: type[SQLModel] | Table) -> Table:
        plan = _plan(model)
        table = plan.table
        if table.name not in self._tables:
            self._tables[table.name] = table
            self._plans[table.name] = plan
        if table.name not in self._defaults and not isinstance(model, Table):
            self._defaults[table.name] = plan.defaults
        return table

    @staticmethod
    def _key(key: Any) -> Key:
        return tuple(key) if isinstance(key, tuple) else (key,)

    def _load(self, table: Table, key: Key) -> dict[str, Any] | None:
        slot = (table.name, key)
        if slot in self._rows:
            return self._rows[slot]
        if slot in self._known:
            known = self._known[slot]
            value = None if known is None else dict(known)
            self._rows[slot] = value
            self._existed[slot] = value is not None
            return value
        if self._complete:
            self._rows[slot] = None
            self._existed[slot] = False
            return None
        if self.discover:
            self.misses += 1
            self.wanted.setdefault(table.name, set()).add(key)
            self._rows[slot] = None
            self._existed[slot] = False
            return None
        sql, columns = self._lookup_sql(table)
        self.lookups += 1
        if self._cursor is None:  # the transaction's own DBAPI cursor: SQLAlchemy's result set-up costs more
            self._cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]  # than a lookup
        self._cursor.execute(sql, key)
        found = self._cursor.fetchone()
        value = dict(zip(columns, found, strict=True)) if found is not None else None
        if value is not None and self._sqlite:  # the raw driver returns 0/1 for booleans on SQLite
            for name in self._plans[table.name].booleans:
                if value[name] is not None:
                    value[name] = bool(value[name])
        self._rows[slot] = value
        self._existed[slot] = value is not None
        return value

    def _lookup_sql(self, table: Table) -> tuple[str, list[str]]:
        """SELECT by primary key as driver SQL: building a SQLAlchemy statement per row costs ~0.5 ms."""
        cached = _LOOKUPS.get((self._conn.dialect.name, table.name))
        if cached is None:
            mark = "?" if self._conn.dialect.paramstyle == "qmark" else "%s"
            columns = list(table.c.keys())
            where = " AND ".join(f'"{c.name}" = {mark}' for c in table.primary_key.columns)
            cached = (f'SELECT {", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)} FROM "{table.name}" '
                      f"WHERE {where}", columns)
            _LOOKUPS[(self._conn.dialect.name, table.name)] = cached
        return cached

    def fetch_many(self, wanted: Mapping[str, Iterable[Key]]) -> dict[tuple[str, Key], dict[str, Any] | None]:
        """The rows of many primary keys per table (None where there is none): one query per table on PostgreSQL
        (keys passed as arrays), row-value IN lists on SQLite."""
        out: dict[tuple[str, Key], dict[str, Any] | None] = {}
        for name, keys in wanted.items():
            table = self._table(SQLModel.metadata.tables[name])
            missing = list(keys)
            if not missing:
                continue
            plan = self._plans[name]
            pk = plan.pk
            columns = list(table.c.keys())
            select_list = ", ".join(f'"{c}"' for c in columns)
            targets = ", ".join(f'"{c}"' for c in pk)
            if self._cursor is None:
                self._cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            found = {}
            if self._sqlite:  # row values in chunks that stay under SQLite's 999 parameters
                per = 999 // len(pk)
                for start in range(0, len(missing), per):
                    chunk = missing[start : start + per]
                    one = "(" + ", ".join("?" * len(pk)) + ")"
                    where = (f"({targets}) IN (VALUES {', '.join([one] * len(chunk))})" if len(pk) > 1
                             else f"{targets} IN ({', '.join('?' * len(chunk))})")
                    self._cursor.execute(f'SELECT {select_list} FROM "{name}" WHERE {where}',
                                         [v for k in chunk for v in k])
                    for values in self._cursor.fetchall():
                        row = dict(zip(columns, values, strict=True))
                        for b in plan.booleans:
                            if row[b] is not None:
                                row[b] = bool(row[b])
                        found[tuple(row[c] for c in pk)] = row
            else:
                arrays = ", ".join(f"%s::{_pg_type(self._conn, table, c)}[]" for c in pk)
                sql = (f'SELECT {select_list} FROM "{name}" WHERE ({targets}) IN (SELECT * FROM unnest({arrays}))'
                       if len(pk) > 1 else f'SELECT {select_list} FROM "{name}" WHERE {targets} = ANY({arrays})')
                self._cursor.execute(sql, [[k[i] for k in missing] for i in range(len(pk))])
                for values in self._cursor.fetchall():
                    row = dict(zip(columns, values, strict=True))
                    found[tuple(row[c] for c in pk)] = row
            for k in missing:
                out[(name, k)] = found.get(k)
        return out

    def seed(self, rows: Mapping[tuple[str, Key], dict[str, Any] | None]) -> None:
        """Take rows read ahead (by :meth:`fetch_many`) as this unit of work's view of the database."""
        for slot, row in rows.items():
            if slot not in self._rows:
                self._rows[slot] = None if row is None else dict(row)
                self._existed[slot] = row is not None

    def prefetch(self, model: type[SQLModel] | Table, keys: Iterable[Any]) -> None:
        """Load many single-column-key rows in one query (an optimisation for large batches)."""
        table = self._table(model)
        (pk,) = table.primary_key.columns
        missing = [k for k in {self._key(k) for k in keys} if (table.name, k) not in self._rows]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            found = {(r[pk.name],): dict(r) for r in self._conn.execute(
                select(table).where(pk.in_([k[0] for k in chunk]))).mappings()}
            for k in chunk:
                self._rows[(table.name, k)] = found.get(k)
                self._existed[(table.name, k)] = k in found

    def get(self, model: type[SQLModel] | Table, key: Any) -> dict[str, Any] | None:
        """The row with primary key `key` (a value, or a tuple for composite keys), or None. A copy."""
        row = self._load(self._table(model), self._key(key))
        return dict(row) if row is not None else None

    def require(self, model: type[SQLModel] | Table, key: Any) -> dict[str, Any]:
        row = self.get(model, key)
        if row is None:
            raise ProjectionError(f"{table_of(model).name} {key!r} does not exist (block {self.block})")
        return row

    # ------------------------------------------------------------------ writes
    def _capture(self, table: Table, key: Key, old: dict[str, Any] | None) -> None:
        if self.block <= self.final_block:
            return
        marker = (self.block, table.name, key)
        if marker in self._captured:
            return
        self._captured.add(marker)
        self._changes.append({
            "block_number": self.block,
            "table_name": table.name,
            "row_key": json.dumps(list(key)),
            "old_row": None if old is None else json.dumps(old, sort_keys=True),
        })

    def put(self, model: type[SQLModel] | Table, row: Mapping[str, Any]) -> dict[str, Any]:
        """Insert or replace a whole row. Missing columns take the model's defaults."""
        table = self._table(model)
        full = {**self._defaults.get(table.name, {}), **row}
        plan = self._plans[table.name]
        unknown = full.keys() - plan.columns
        if unknown:
            raise ProjectionError(f"{table.name} has no columns {sorted(unknown)}")
        for column, value in full.items():
            if self.discover:
                break
            if type(value) is int and not -INT64 <= value < INT64:
                raise ProjectionError(
                    f"{table.name}.{column} = {value} (block {self.block}) is outside the 64-bit range the gateway "
                    "stores; amounts above 92,233,720,368,547,758.07 units are not supported"
                )
        key = tuple(full[c] for c in plan.pk)
        old = self._load(table, key)
        self._capture(table, key, old)
        self._rows[(table.name, key)] = full
        self._dirty.setdefault(table.name, {})[key] = None
        for trigger in self._triggers.get(table.name, ()):
            trigger(self, old, full)
        return dict(full)

    def insert(self, model: type[SQLModel] | Table, row: Mapping[str, Any]) -> dict[str, Any]:
        """Add a row the caller knows is new (an entity an event creates): no lookup. A duplicate key fails the
        batch at flush, as it should: the event stream would be inconsistent."""
        table = self._table(model)
        key = tuple(row[c] for c in self._plans[table.name].pk if c in row)
        if (table.name, key) in self._rows:
            return self.put(model, row)
        self._rows[(table.name, key)] = None
        self._existed[(table.name, key)] = False
        return self.put(model, row)

    def update(self, model: type[SQLModel] | Table, key: Any, **changes: Any) -> dict[str, Any]:
        """Change some columns of an existing row; the row must exist."""
        row = self.require(model, key)
        row.update(changes)
        return self.put(model, row)

    def delete(self, model: type[SQLModel] | Table, key: Any) -> None:
        table = self._table(model)
        k = self._key(key)
        old = self._load(table, k)
        if old is None:
            return
        self._capture(table, k, old)
        self._rows[(table.name, k)] = None
        self._dirty.setdefault(table.name, {})[k] = None
        for trigger in self._triggers.get(table.name, ()):
            trigger(self, old, None)

    @property
    def rows(self) -> dict[tuple[str, Key], dict[str, Any] | None]:
        """Every row this unit of work read or wrote, as it stands (None: no such row)."""
        return self._rows

    def close(self) -> None:
        """Release the lookup cursor (flush does it)."""
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None

    def flush(self) -> int:
        """Write every changed row and the change log; returns the number of rows written. Per table: one
        statement for the deletions, then multi-row upserts for changed rows and multi-row inserts for new ones
        (:func:`write_rows`); a new row whose key exists after all fails the batch, as it should."""
        self.close()
        written = 0
        for name, keys in self._dirty.items():
            table = self._tables[name]
            pk = list(table.primary_key.columns)
            inserts, updates, deletes = [], [], []
            for key in keys:
                row = self._rows[(name, key)]
                existed = self._existed[(name, key)]
                if row is None:
                    if existed:
                        deletes.append({f"k_{c.name}": v for c, v in zip(pk, key, strict=True)})
                elif existed:
                    updates.append(row)
                else:
                    inserts.append(row)
            if deletes:
                where = and_(*(c == bindparam(f"k_{c.name}") for c in pk))
                self._conn.execute(delete(table).where(where), deletes)
            written += write_rows(self._conn, table, updates, upsert=True) + write_rows(self._conn, table, inserts)
            written += len(deletes)
        write_rows(self._conn, _CHANGES, self._changes)
        return written


@dataclass(frozen=True, slots=True)
class Checkpoint:
    chain_id: int
    deployment_key: str
    start_block: int
    head_block: int
    head_hash: str
    head_time: int
    final_block: int
    events_total: int
    halted_reason: str | None


@dataclass(slots=True)
class Batch:
    """Blocks first..last of the canonical chain, their decoded logs, and the headers the indexer read."""

    first: int
    last: int
    parent_hash: str  # the hash block `first` builds on: must be the checkpoint's
    records: Sequence[LogRecord]
    headers: Mapping[int, Header]  # at least `last` and every block from the node's final block on
    times: Mapping[int, int]  # block number -> timestamp, for every block with a record
    final_block: int  # the node's final block when the batch was read
    contracts: Mapping[str, str]  # address -> contract name


class Store:
    """Reads and writes the indexer's tables. `fault` is called at named points (tests inject crashes there)."""

    def __init__(self, engine: Engine, handlers: HandlerRegistry = HANDLERS, fault: Fault | None = None,
                 read_ahead: bool | None = None) -> None:
        self.engine = engine
        #: Read a batch's rows ahead (see :meth:`_discover`): None = on a networked database (PostgreSQL) only,
        #: where each lookup is a round trip; SQLite answers one in microseconds, in process.
        self.read_ahead = read_ahead
        #: Projection rows as this store last committed them, kept across batches (at most `cache_rows`; 0: off).
        #: The indexer is the only writer of these tables, so a row it wrote is the row in the database as long as
        #: the checkpoint is the one it wrote: the cache is dropped whenever the checkpoint is not (another writer,
        #: a rollback) and whenever a batch fails.
        self.cache_rows = ROW_CACHE_ROWS
        self._cache: dict[tuple[str, Key], dict[str, Any] | None] = {}
        self._cache_head: tuple[int, str] | None = None
        self._last_lookups = 0
        #: The cache holds every projection row in the database (it started from an empty index and was never
        #: dropped): a key it lacks has no row, no lookup needed. A backfill from scratch reads nothing back.
        self._complete = False
        self.handlers = handlers
        self.fault: Fault = fault or (lambda point: None)
        #: Counts this store's commits that changed the index (batches and rollbacks): the API's caches of indexed
        #: rows (gateway.api.auth) hold only while it stays the same.
        self.generation = 0

    # ------------------------------------------------------------------ state
    def checkpoint(self) -> Checkpoint | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_STATE).where(_STATE.c.id == 1)).mappings().first()
        if row is None:
            return None
        return Checkpoint(**{k: row[k] for k in Checkpoint.__slots__})

    def initialize(self, chain_id: int, deployment_key: str, start_block: int, parent: Header) -> Checkpoint:
        """Start indexing at `start_block`; `parent` is the block before it (treated as final)."""
        with self.engine.begin() as conn:
            conn.execute(insert(_STATE).values(
                id=1, chain_id=chain_id, deployment_key=deployment_key, start_block=start_block,
                head_block=parent.number, head_hash=parent.hash, head_time=parent.timestamp,
                final_block=parent.number, events_total=0, status="starting", heartbeat_at=int(time.time()),
            ))
            conn.execute(insert(_BLOCKS).values(number=parent.number, hash=parent.hash,
                                                parent_hash=parent.parent_hash, timestamp=parent.timestamp))
        cp = self.checkpoint()
        assert cp is not None
        return cp

    def block_hashes(self, first: int, last: int) -> dict[int, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_BLOCKS.c.number, _BLOCKS.c.hash)
                                .where(_BLOCKS.c.number >= first, _BLOCKS.c.number <= last))
            return {int(n): str(h) for n, h in rows}

    def heartbeat(self, **status: Any) -> None:
        """Record the indexer's view of the node for /health (outside any batch)."""
        status["heartbeat_at"] = int(time.time())
        with self.engine.begin() as conn:
            conn.execute(update(_STATE).where(_STATE.c.id == 1).values(**status))

    # ------------------------------------------------------------------ batches
    def apply(self, batch: Batch) -> int:
        """Apply one batch and move the checkpoint to its last block, atomically. Returns events written."""
        self.fault("start")
        if self._cache_head != (batch.first - 1, batch.parent_hash):
            self._cache.clear()
            self._complete = False
        try:
            written, uow = self._apply(batch)
        except BaseException:
            self._cache.clear()
            self._cache_head = None
            self._complete = False
            raise
        self.generation += 1
        self._last_lookups = uow.lookups
        if self.cache_rows > 0:
            if len(self._cache) + len(uow.rows) > self.cache_rows:
                self._cache.clear()  # bounded memory: start again rather than track recency
                self._complete = False
            self._cache.update(uow.rows)
            self._cache_head = (batch.last, batch.headers[batch.last].hash)
        self.fault("committed")
        return written

    def _apply(self, batch: Batch) -> tuple[int, UnitOfWork]:
        with self.engine.begin() as conn:
            if not self._cache and self.cache_rows > 0:  # no event indexed yet: every projection table is empty,
                total = conn.execute(select(_STATE.c.events_total).where(_STATE.c.id == 1)).scalar()
                self._complete = total == 0  # so the cache will hold every row there is
            uow = UnitOfWork(conn, batch.final_block, self.handlers.triggers, known=self._cache,
                             complete=self._complete)
            ahead = conn.dialect.name != "sqlite" if self.read_ahead is None else self.read_ahead
            # Only when the cache is cold, or the last batch still read many rows one by one (a restart over an
            # index this process did not build): a warm cache already holds what a batch reads.
            cold = not self._complete and (not self._cache or self._last_lookups >= DISCOVER_MIN_RECORDS)
            if ahead and cold and len(batch.records) >= DISCOVER_MIN_RECORDS:
                uow.seed(self._discover(conn, batch))
            events: list[dict[str, Any]] = []
            refs: list[dict[str, Any]] = []
            for rec in batch.records:
                eid = event_id(rec.block_number, rec.log_index)
                block_time = batch.times[rec.block_number]
                ctx = EventContext(batch.contracts[rec.address], rec.address, rec.block_number, block_time,
                                   rec.tx_hash, rec.log_index, eid)
                uow.block = rec.block_number
                self.handlers.apply(uow, rec.event, ctx)
                events.append({
                    "id": eid, "block_number": rec.block_number, "block_hash": rec.block_hash,
                    "block_time": block_time, "tx_hash": rec.tx_hash, "log_index": rec.log_index,
                    "contract": ctx.contract, "address": rec.address, "name": rec.event.NAME,
                    "args": event_args(rec.event),
                })
                refs.extend({"kind": k, "ref": r, "event_id": eid} for k, r in ctx.refs)
            self.fault("handled")
            write_rows(conn, _EVENTS, events)
            self.fault("events")
            write_rows(conn, _REFS, refs)
            uow.flush()
            self.fault("projections")
            last = batch.headers[batch.last]
            blocks = [
                {"number": h.number, "hash": h.hash, "parent_hash": h.parent_hash, "timestamp": h.timestamp}
                for n, h in sorted(batch.headers.items())
                if batch.first <= n <= batch.last and (n >= batch.final_block or n == batch.last)
            ]
            write_rows(conn, _BLOCKS, blocks)
            cp = conn.execute(select(_STATE.c.final_block).where(_STATE.c.id == 1)).scalar_one()
            new_final = max(int(cp), min(batch.final_block, batch.last))
            moved = conn.execute(
                update(_STATE)
                .where(_STATE.c.id == 1, _STATE.c.head_block == batch.first - 1,
                       _STATE.c.head_hash == batch.parent_hash)
                .values(head_block=batch.last, head_hash=last.hash, head_time=last.timestamp,
                        final_block=new_final, events_total=_STATE.c.events_total + len(events))
            )
            if moved.rowcount != 1:
                raise CheckpointMoved(f"checkpoint is no longer block {batch.first - 1}: is another indexer running?")
            conn.execute(delete(_CHANGES).where(_CHANGES.c.block_number <= new_final))
            conn.execute(delete(_BLOCKS).where(_BLOCKS.c.number < min(new_final, batch.last)))
            self.fault("commit")
        return len(events), uow

    def _discover(self, conn: Connection, batch: Batch) -> dict[tuple[str, Key], dict[str, Any] | None]:
        """The rows a batch's handlers will read, found by running them on throwaway units of work that read
        nothing (a miss is recorded and taken as "no row"), in up to DISCOVER_WAVES waves: each wave reads its
        misses in one query per table, and the next runs with those rows (revealing keys that only a row names).
        Over a network each lookup is a round trip; this turns thousands into a few queries. Whatever is still
        missed is looked up one by one in the real pass, and any error here is the real pass's to raise: nothing of
        these passes is kept but the rows read."""
        fetched: dict[tuple[str, Key], dict[str, Any] | None] = {}
        records = list(batch.records)
        for _ in range(DISCOVER_WAVES):
            probe = UnitOfWork(conn, batch.final_block, self.handlers.triggers, discover=True, known=self._cache)
            probe.seed(fetched)
            missed: list[LogRecord] = []  # the next wave re-runs only the events that missed a row in this one
            for rec in records:
                before = probe.misses
                ctx = EventContext(batch.contracts[rec.address], rec.address, rec.block_number,
                                   batch.times[rec.block_number], rec.tx_hash, rec.log_index,
                                   event_id(rec.block_number, rec.log_index))
                probe.block = rec.block_number
                try:
                    self.handlers.apply(probe, rec.event, ctx)
                except Exception:  # noqa: BLE001 - discovery only: the real pass raises what matters
                    pass
                if probe.misses > before:
                    missed.append(rec)
            if not probe.wanted:
                break
            fetched.update(probe.fetch_many(probe.wanted))
            probe.close()
            records = missed
        return fetched

    def rollback(self, to: Header) -> int:
        """Undo every block above `to` (which stays); returns the number of events removed."""
        self._cache.clear()
        self._cache_head = None
        self._complete = False
        with self.engine.begin() as conn:
            entries = conn.execute(
                select(_CHANGES).where(_CHANGES.c.block_number > to.number).order_by(_CHANGES.c.id.desc())
            ).mappings().all()
            for entry in entries:
                table = SQLModel.metadata.tables[entry["table_name"]]
                pk = list(table.primary_key.columns)
                key = json.loads(entry["row_key"])
                conn.execute(delete(table).where(and_(*(c == v for c, v in zip(pk, key, strict=True)))))
                if entry["old_row"] is not None:
                    conn.execute(insert(table).values(**json.loads(entry["old_row"])))
            first_gone = first_event_id(to.number + 1)
            removed = int(conn.execute(select(func.count()).select_from(_EVENTS)
                                       .where(_EVENTS.c.id >= first_gone)).scalar_one())
            conn.execute(delete(_REFS).where(_REFS.c.event_id >= first_gone))
            conn.execute(delete(_EVENTS).where(_EVENTS.c.id >= first_gone))
            conn.execute(delete(_CHANGES).where(_CHANGES.c.block_number > to.number))
            conn.execute(delete(_BLOCKS).where(_BLOCKS.c.number >= to.number))
            conn.execute(insert(_BLOCKS).values(number=to.number, hash=to.hash, parent_hash=to.parent_hash,
                                                timestamp=to.timestamp))
            conn.execute(update(_STATE).where(_STATE.c.id == 1).values(
                head_block=to.number, head_hash=to.hash, head_time=to.timestamp,
                events_total=_STATE.c.events_total - removed,
            ))
        self.generation += 1  # after the commit: a reader never caches the old rows under the new generation
        return removed
