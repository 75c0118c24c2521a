"""Errors as JSON naming the field and the problem, in FastAPI's validation-error shape::

    {"detail": [{"loc": ["query", "cursor"], "msg": "cursor belongs to sort 'id'", "type": "value_error"}]}
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, Field

#: Every `type` an error body can carry, by the HTTP status that goes with it.
ERROR_TYPES: dict[str, str] = {
    "value_error": "422 (or 400): a parameter or body field is invalid; `loc` names it",
    "missing": "422: a required parameter or field is absent",
    "unauthorized": "401: no token, or a token that is expired, malformed or for a participant no longer active",
    "forbidden": "403: signed in, but this participant may not do this",
    "not_found": "404: nothing there that you may see (out of scope and nonexistent look the same)",
    "method_not_allowed": "405: the path exists, not with this HTTP method",
    "conflict": "409: the request conflicts with the current state",
    "rate_limited": "429: too many requests from this client; retry after `Retry-After` seconds",
    "unavailable": "503: the gateway is at capacity, shutting down, or its database is busy; retry after `Retry-After`",
    "internal": "500: a bug; the gateway's log has the traceback",
}
_TYPE_BY_STATUS = {400: "value_error", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                   405: "method_not_allowed", 409: "conflict", 422: "value_error", 429: "rate_limited",
                   503: "unavailable"}


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description="where the problem is: ['query', 'cursor'], ['body', 'signature'], …")
    msg: str = Field(description="what is wrong, and what to do where there is an obvious step")
    type: str = Field(description="one of: " + ", ".join(ERROR_TYPES))


class ErrorBody(BaseModel):
    """The one shape of every error the gateway answers, whatever its status."""

    detail: list[ErrorItem]


def error_type(status: int) -> str:
    return _TYPE_BY_STATUS.get(status, "internal" if status >= 500 else "value_error")


#: The error responses any /v1 route can give, for the OpenAPI document.
COMMON_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "not signed in, or the token is no longer valid"},
    404: {"model": ErrorBody, "description": "nothing there that you may see"},
    422: {"model": ErrorBody, "description": "a parameter is invalid; `loc` names it"},
    503: {"model": ErrorBody, "description": "at capacity or the database is busy: retry after `Retry-After`"},
}


class FieldError(HTTPException):
    def __init__(self, loc: list[str | int], msg: str, status_code: int = 422, kind: str = "value_error",
                 headers: dict[str, str] | None = None) -> None:
        detail: list[dict[str, Any]] = [{"loc": loc, "msg": msg, "type": kind}]
        super().__init__(status_code=status_code, detail=detail, headers=headers)


def not_found(what: str, key: object) -> HTTPException:
    """Out of scope and nonexistent look the same, so existence doesn't leak."""
    return FieldError(["path", what], f"no {what} {key} is visible to you", status_code=404, kind="not_found")
