"""Gateway fixtures. Databases are SQLite files by default; with SCF_TEST_DATABASE_URL (e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test) each one is a fresh PostgreSQL schema, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gateway.core.db import make_engine, migrate

PG_URL = os.environ.get("SCF_TEST_DATABASE_URL")


@pytest.fixture()
def make_db(tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """Make fresh, migrated databases (as many as a test needs)."""
    made: list[tuple[Engine, str | None]] = []

    def make() -> Engine:
        if PG_URL:
            schema = f"scf_test_{uuid.uuid4().hex[:16]}"
            engine = make_engine(PG_URL, schema)
        else:
            schema = None
            engine = make_engine(f"sqlite:///{tmp_path / f'gateway-{len(made)}.sqlite'}")
        made.append((engine, schema))
        engine.scf_schema = schema  # type: ignore[attr-defined] - for tests that start another process
        migrate(engine)
        return engine

    yield make
    for engine, schema in made:
        engine.dispose()
        if schema:
            admin = make_engine(PG_URL or "")
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()


@pytest.fixture()
def db(make_db: Callable[[], Engine]) -> Engine:
    return make_db()


from tests.gateway.api_fixtures import api  # noqa: E402,F401 - fixture
