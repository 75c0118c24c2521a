"""Filters' common parts, sorting, and keyset (cursor) pagination with stable next and previous cursors.

The cursor holds the sort it belongs to and the last row's sort value and id; the next page is everything strictly
after that row in (sort value, id) order, so rows inserted meanwhile never shift or repeat a page. A previous
cursor holds the first row of a page and a direction mark: its page is the `limit` rows strictly before that row,
read backwards and returned in the sort's order (the first page, when fewer rows are left).
"""

from __future__ import annotations

import base64
import binascii
import inspect
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlmodel import Session

from gateway.api.errors import FieldError

MAX_INT = 2**63 - 1
Address = Annotated[str, Query(pattern=r"^0x[0-9a-fA-F]{40}$", description="0x-prefixed address, any case")]
Units = Annotated[int, Query(ge=0, le=MAX_INT, description="amount in the smallest unit (cents)")]
Timestamp = Annotated[int, Query(ge=0, le=MAX_INT, description="unix seconds")]
#: A fragment id as input: the contract's integer (``65536``) or its human form ROOT.INDEX (``1.0``); responses
#: carry the integer, and people see ROOT.INDEX (CLI tables, the web app, the lineage story).
_INDEX = r"(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
FRAGMENT_ID_PATTERN = rf"^(?:[0-9]{{1,18}}|[1-9][0-9]{{0,11}}\.{_INDEX})$"
FRAGMENT_ID_DOC = "fragment id: the integer (65536) or ROOT.INDEX (1.0), which is root << 16 | index"


def fragment_id_of(value: str) -> int:
    """The integer of a fragment id given as ``65536`` or ``1.0`` (already matched by FRAGMENT_ID_PATTERN)."""
    if "." in value:
        root, index = value.split(".", 1)
        return (int(root) << 16) | int(index)
    return int(value)


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    cursor: str | None
    sort: str | None


async def page_params(  # async: pure, so no worker-thread hop
    limit: Annotated[int, Query(ge=1, le=500, description="rows per page")] = 50,
    cursor: Annotated[str | None, Query(max_length=512, pattern=r"^[A-Za-z0-9_\-=]+$",
                                        description="next_cursor of the previous page")] = None,
    sort: Annotated[str | None, Query(max_length=40, pattern=r"^-?[a-z_]+$",
                                      description="column to sort by; prefix '-' for descending")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor, sort=sort)


PageDep = Annotated[PageParams, Depends(page_params)]


def sorted_page(*keys: str) -> Any:
    """A page dependency whose ``sort`` declares its keys (each ascending, or descending with '-') as an enum in the
    OpenAPI document, so a client generator offers them and nothing else; the route's `paginate(sorts=...)` must
    have the same keys. Use: ``page: Annotated[PageParams, sorted_page("id", "due_date")]``."""
    allowed = [*keys, *(f"-{k}" for k in keys)]
    sort = inspect.Parameter(
        "sort", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
        annotation=Annotated[str, Query(pattern="^-?(" + "|".join(keys) + ")$", json_schema_extra={"enum": allowed},
                                        description="key to sort by: " + ", ".join(keys) +
                                        "; prefix '-' for descending")],
    )

    async def params(limit: int = 50, cursor: str | None = None, sort: str | None = None) -> PageParams:
        return PageParams(limit=limit, cursor=cursor, sort=sort)

    shared = inspect.signature(page_params, eval_str=True)  # limit and cursor exactly as every list route has them
    params.__signature__ = shared.replace(  # type: ignore[attr-defined]
        parameters=[shared.parameters["limit"], shared.parameters["cursor"], sort])
    return Depends(params)


BEFORE = "before"  # the mark of a previous-page cursor


def _encode(sort: str, value: Any, last_id: Any, before: bool = False) -> str:
    raw = [sort, value, last_id, BEFORE] if before else [sort, value, last_id]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode()


def _decode(cursor: str, sort: str, types: tuple[type, type]) -> tuple[Any, Any, bool]:
    """(sort value, id, whether the cursor points backwards)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) not in (3, 4) or (len(raw) == 4 and raw[3] != BEFORE):
            raise ValueError
        name, value, last_id = raw[:3]
    except (ValueError, TypeError, binascii.Error):
        raise FieldError(["query", "cursor"], "cursor is malformed: pass next_cursor back unchanged") from None
    if name != sort:
        raise FieldError(["query", "cursor"], f"cursor belongs to sort {name!r}, not {sort!r}")
    for v, t in ((value, types[0]), (last_id, types[1])):
        ok = isinstance(v, t) and not isinstance(v, bool) and (not isinstance(v, int) or abs(v) <= MAX_INT)
        if not ok:
            raise FieldError(["query", "cursor"], "cursor is malformed: pass next_cursor back unchanged")
    return value, last_id, len(raw) == 4


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    sorts: dict[str, ColumnElement[Any]],
    id_col: ColumnElement[Any],
    page: PageParams,
    default: str,
    count: int | None = None,
) -> tuple[list[Any], int, str | None, str | None]:
    """Rows of one page, the total count of the filtered set, the cursor of the next page (None at the end) and of
    the previous page (None on the first). `count`, when given, is the total the caller already knows (it must
    equal the filtered set's size)."""
    sort = page.sort or default
    name, descending = sort.lstrip("-"), sort.startswith("-")
    col = sorts.get(name)
    if col is None:
        raise FieldError(["query", "sort"], f"cannot sort by {name!r}; choose one of {sorted(sorts)}")
    if count is None:  # callers pass a count they can get from an index alone
        count = int(session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())
    backwards = False
    if page.cursor:
        value, last_id, backwards = _decode(page.cursor, sort, (col.type.python_type, id_col.type.python_type))
        after = descending != backwards  # the rows wanted sort below the cursor's row in the column's own order
        if col is id_col:
            stmt = stmt.where(id_col < last_id if after else id_col > last_id)
        elif after:
            stmt = stmt.where(or_(col < value, and_(col == value, id_col < last_id)))
        else:
            stmt = stmt.where(or_(col > value, and_(col == value, id_col > last_id)))
    reverse = descending != backwards
    order = [col.desc(), id_col.desc()] if reverse else [col.asc(), id_col.asc()]
    if col is id_col:
        order = order[:1]
    rows = list(session.execute(stmt.order_by(*order).limit(page.limit + 1)).all())
    more = len(rows) > page.limit  # beyond this page, in the direction read
    rows = rows[: page.limit]
    if backwards:
        rows.reverse()

    def key(row: Any) -> tuple[Any, Any]:
        return row._mapping[col], row._mapping[id_col]

    if not rows:
        return rows, count, None, None
    if backwards:  # came back from a later page: there is one after; one before if the read ran past this page
        return rows, count, _encode(sort, *key(rows[-1])), _encode(sort, *key(rows[0]), before=True) if more else None
    return (rows, count, _encode(sort, *key(rows[-1])) if more else None,
            _encode(sort, *key(rows[0]), before=True) if page.cursor else None)
