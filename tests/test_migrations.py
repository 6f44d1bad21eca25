"""The schema comes only from Alembic, and the models agree with the migrations."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from app.db import alembic_config, include_object, schema_revision
from app.tables import metadata


def test_upgrade_empty_database_to_head(engine: Engine, settings) -> None:
    head = ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
    with engine.connect() as connection:
        assert schema_revision(connection) == head
    tables = set(inspect(engine).get_table_names())
    assert {"topics", "cards", "users", "review_states", "review_logs"} <= tables
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM users WHERE id = 1")).scalar() == "local"


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_object": include_object, "compare_type": True, "render_as_batch": True},
        )
        diff = compare_metadata(context, metadata)
    assert diff == []


@pytest.mark.sqlite_only
def test_sqlite_pragmas_are_set(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
