"""The schema comes from Alembic migrations, and they match the SQLModel tables exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

import gateway.models  # noqa: F401
from gateway.core.db import current_revision, downgrade, head_revision, migrate, require_current_schema


def test_migrations_build_exactly_the_models(db: Engine) -> None:
    with db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []
    assert current_revision(db) == head_revision()
    require_current_schema(db)


def test_downgrade_to_base_and_upgrade_again(db: Engine) -> None:
    downgrade(db, "base")
    assert set(inspect(db).get_table_names()) <= {"alembic_version"}
    migrate(db)
    assert set(SQLModel.metadata.tables) <= set(inspect(db).get_table_names())
