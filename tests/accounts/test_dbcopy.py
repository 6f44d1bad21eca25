"""``dlcards db copy``: a laptop's history moves into another database intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.accounts.users import find_user
from app.cli import cli
from app.config import Settings
from app.db import make_engine, make_sessionmaker, migrate
from app.dbcopy import CopyError, copy_database
from app.models import ReviewLog, ReviewState, UserSettings
from app.study import hours, preferences, reviews
from app.study.models import ReviewHour
from app.study.rebuild import rebuild_user
from tests.factories import add_cards

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
STATE_FIELDS = (
    "card_id", "state", "step", "stability", "difficulty", "due", "last_review", "reps",
    "lapses", "suspended", "buried_until",
)  # fmt: skip


def _laptop(path: Path) -> str:
    """A SQLite database with a week of fuzzed reviews, a suspended card and own settings."""
    url = f"sqlite:///{path}"
    settings = Settings(_env_file=None, database_url=url)
    engine = make_engine(settings)
    migrate(settings, engine)
    with make_sessionmaker(engine)() as session:
        cards = add_cards(session, 12)
        preferences.save(
            session, 1, preferences.StudySettings(desired_retention=0.85, new_per_day=7)
        )
        session.commit()
        ctx = preferences.user_context(session, 1, "UTC")
        for n in range(60):
            now = T0 + timedelta(hours=3 * n)
            reviews.grade(session, ctx, cards[n % 12], 1 + n % 4, now, review_token=f"t{n}")
        reviews.set_suspended(session, ctx, cards[11], True, T0)
    engine.dispose()
    return url


def _hours(session: Session, user_id: int) -> list[tuple]:
    rows = session.scalars(
        select(ReviewHour).where(ReviewHour.user_id == user_id).order_by(ReviewHour.hour)
    )
    return [(r.hour, *(getattr(r, c) for c in hours.COLUMNS)) for r in rows]


def _states(session: Session, user_id: int) -> list[tuple]:
    rows = session.scalars(
        select(ReviewState).where(ReviewState.user_id == user_id).order_by(ReviewState.card_id)
    )
    return [tuple(getattr(r, f) for f in STATE_FIELDS) for r in rows]


def _logs(session: Session, user_id: int) -> list[tuple]:
    rows = session.scalars(
        select(ReviewLog).where(ReviewLog.user_id == user_id).order_by(ReviewLog.id)
    )
    return [(r.id, r.card_id, r.rating, r.reviewed_at, r.due_after, r.review_token) for r in rows]


def test_round_trip_keeps_every_review_and_rebuilds_the_same_states(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    laptop = _laptop(tmp_path / "laptop.db")
    report = copy_database(laptop, settings.database_url, as_user="ada")
    assert report.rows["review_logs"] == 60 and report.rows["cards"] == 12
    back = f"sqlite:///{tmp_path / 'back.db'}"
    copy_database(settings.database_url, back)

    source_engine = make_engine(Settings(_env_file=None, database_url=laptop))
    back_engine = make_engine(Settings(_env_file=None, database_url=back))
    with (
        Session(source_engine) as source,
        Session(engine) as shared,
        Session(back_engine) as returned,
    ):
        ada = find_user(shared, "ada")
        assert ada is not None and ada.id == report.local_user_id != 1
        assert _states(shared, 1) == [] and _logs(shared, 1) == []
        assert _states(shared, ada.id) == _states(source, 1)
        assert _logs(shared, ada.id) == _logs(source, 1)
        assert shared.get(UserSettings, ada.id).new_per_day == 7
        ctx = preferences.user_context(shared, ada.id, "UTC")
        rebuilt = rebuild_user(shared, ctx, write=False)
        assert rebuilt.reviews == 60 and rebuilt.mismatched == []
        # The answers per hour are the target's triggers' own count, each answer once.
        assert _hours(shared, ada.id) == _hours(source, 1) != []
        assert hours.drift(shared, ada.id) == 0
        # Back into SQLite: ada is now an account there too, with the same history.
        ada_back = find_user(returned, "ada")
        assert _states(returned, ada_back.id) == _states(source, 1)
        # Search works in the copy (SQLite's FTS table is filled from the copied cards).
        assert returned.scalar(text("SELECT count(*) FROM cards_fts")) == 12
    source_engine.dispose()
    back_engine.dispose()


def test_new_rows_after_a_copy_get_fresh_ids(tmp_path: Path, settings: Settings, engine) -> None:
    copy_database(_laptop(tmp_path / "laptop.db"), settings.database_url, as_user="ada")
    with make_sessionmaker(engine)() as session:
        ctx = preferences.user_context(session, 1, "UTC")
        result = reviews.grade(
            session, ctx, "basics-000", 3, T0 + timedelta(days=30), review_token="after-copy"
        )
        assert result.review_id == 61


def test_refuses_a_non_empty_target(tmp_path: Path) -> None:
    laptop = _laptop(tmp_path / "laptop.db")
    target = f"sqlite:///{tmp_path / 'target.db'}"
    copy_database(laptop, target)
    with pytest.raises(CopyError, match="not empty"):
        copy_database(laptop, target)
    with pytest.raises(CopyError, match="the name must be"):
        copy_database(laptop, f"sqlite:///{tmp_path / 'other.db'}", as_user="no spaces")


def test_cli_copies_and_reports(tmp_path: Path, settings: Settings, engine) -> None:
    laptop = _laptop(tmp_path / "laptop.db")
    runner = CliRunner()
    result = runner.invoke(
        cli, ["db", "copy", "--from", laptop, "--to", settings.database_url, "--as-user", "ada"]
    )
    assert result.exit_code == 0, result.output
    assert "copied and verified" in result.output and "review_logs 60" in result.output
    again = runner.invoke(cli, ["db", "copy", "--from", laptop, "--to", settings.database_url])
    assert again.exit_code == 1 and "Nothing copied" in again.output
    env = {"DLCARDS_DATABASE_URL": settings.database_url}
    passwd = runner.invoke(cli, ["users", "passwd", "ada"], input="a new password\n", env=env)
    assert passwd.exit_code == 0, passwd.output
