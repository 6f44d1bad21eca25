"""The schema comes only from Alembic, and the models agree with the migrations."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from app.db import alembic_config, include_object, make_engine, schema_revision
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


def test_tying_interviews_to_dates_keeps_existing_interviews(settings) -> None:
    """The migration that adds ``interviews.interview_date_id`` copies the table on SQLite;
    the interviews and their questions (which refer to them) survive it, tied to no date."""
    config = alembic_config(settings)
    engine = make_engine(settings)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "d8f3a1c5e927")
            connection.execute(
                text(
                    "INSERT INTO topics (id, title, description, position) VALUES ('t', 'T', '', 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO cards (id, topic_id, question, answer_md, answer_html, level,"
                    ' tags, key_points, follow_ups, demos, "references", synonyms, aliases,'
                    " source_path, content_hash, position, retired, updated_at)"
                    " VALUES ('c', 't', 'Q?', 'A', 'A', 'beginner', '[]', '[]', '[]', '[]', '[]',"
                    " '[]', '[]', 'x.yaml', 'h', 1, false, '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO interviews (id, user_id, started_at, topics,"
                    " seconds_per_question) VALUES (7, 1, '2026-01-01 00:00:00', '[]', 60)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO interview_questions (id, interview_id, position, card_id,"
                    " timed_out) VALUES (3, 7, 1, 'c', false)"
                )
            )
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with engine.connect() as connection:
            assert connection.execute(
                text("SELECT id, interview_date_id FROM interviews")
            ).all() == [(7, None)]
            assert connection.execute(
                text("SELECT id, interview_id, card_id FROM interview_questions")
            ).all() == [(3, 7, "c")]
    finally:
        engine.dispose()
