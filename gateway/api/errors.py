"""Errors as JSON naming the field and the problem, in FastAPI's validation-error shape::

    {"detail": [{"loc": ["query", "cursor"], "msg": "cursor belongs to sort 'id'", "type": "value_error"}]}
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException


class FieldError(HTTPException):
    def __init__(self, loc: list[str | int], msg: str, status_code: int = 422, kind: str = "value_error",
                 headers: dict[str, str] | None = None) -> None:
        detail: list[dict[str, Any]] = [{"loc": loc, "msg": msg, "type": kind}]
        super().__init__(status_code=status_code, detail=detail, headers=headers)


def not_found(what: str, key: object) -> HTTPException:
    """Out of scope and nonexistent look the same, so existence doesn't leak."""
    return FieldError(["path", what], f"no {what} {key} is visible to you", status_code=404, kind="not_found")
