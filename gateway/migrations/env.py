"""Alembic environment. Programmatic use (gateway.core.db.migrate) hands over an engine; the command line reads
SCF_GATEWAY_DATABASE_URL."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, Engine
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import gateway.models  # noqa: F401 - registers the tables
from gateway.core.config import Settings
from gateway.core.db import engine_from_settings

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render SQLModel's AutoString as a plain String, so revisions don't import sqlmodel."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})"
    return False


def run_migrations() -> None:
    given: Connection | None = config.attributes.get("connection")  # holds the migration lock (PostgreSQL)
    if given is not None:
        _run(given)
        return
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        engine = engine_from_settings(Settings())
    with engine.connect() as connection:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                      render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: point SCF_GATEWAY_DATABASE_URL at the database")
run_migrations()
