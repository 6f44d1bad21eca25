"""Hostile progress backups: every field out of range, wrong type or damaged is refused before
anything is written (the database is unchanged row for row), and a state already broken in a
database (written by an older version) is reported, never a crash."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.export.progress import ImportRefused, export_progress, import_progress
from app.models import ReviewLog, ReviewState, UserSettings
from app.study import preferences
from app.study.preferences import user_context
from app.study.rebuild import rebuild_user
from tests.export.test_progress import T0, USER, study_a_while

NOW = T0 + timedelta(days=16)
GOOD_PARAMETERS = list(preferences.SchedulerConfig().parameters)


def everything(session: Session) -> list[tuple[Any, ...]]:
    """Every row of the tables an import writes, for a row-level before/after comparison."""
    rows: list[tuple[Any, ...]] = []
    for table in (ReviewLog, ReviewState, UserSettings):
        columns = [c.key for c in table.__mapper__.column_attrs]
        for row in session.scalars(select(table)):
            rows.append((table.__name__, *(getattr(row, c) for c in columns)))
    return sorted(rows, key=repr)


@pytest.fixture
def backup(loaded: Session) -> dict[str, Any]:
    study_a_while(loaded)
    data = json.loads(json.dumps(export_progress(loaded, USER, NOW)))
    data["fsrs_parameters"] = list(GOOD_PARAMETERS)
    return data


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets one field, named by its JSON path ("review_logs.0.rating")."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value

    return change


HOSTILE = [
    ("fsrs_parameters.0", float("nan"), "NaN or Infinity"),
    ("fsrs_parameters.0", float("inf"), "NaN or Infinity"),
    ("fsrs_parameters.0", 0.0, "fsrs_parameters"),
    ("fsrs_parameters.0", 1e308, "fsrs_parameters"),
    ("fsrs_parameters.4", -1.0, "fsrs_parameters"),
    ("fsrs_parameters", [0.5] * 20, "fsrs_parameters"),
    ("fsrs_parameters", "0.5", "fsrs_parameters"),
    ("review_logs.0.reviewed_at", "9999-12-31T00:00:00Z", "review_logs.0.reviewed_at"),
    ("review_logs.0.reviewed_at", "1970-01-01T00:00:00Z", "review_logs.0.reviewed_at"),
    ("review_logs.0.reviewed_at", 1772442000, "review_logs.0.reviewed_at"),
    ("review_logs.0.due_after", "9999-12-31T00:00:00Z", "review_logs.0.due_after"),
    ("review_logs.0.rating", "3", "review_logs.0.rating"),
    ("review_logs.0.rating", 3.0, "review_logs.0.rating"),
    ("review_logs.0.rating", 0, "review_logs.0.rating"),
    ("review_logs.0.duration_ms", 2**63, "review_logs.0.duration_ms"),
    ("review_logs.0.duration_ms", -1, "review_logs.0.duration_ms"),
    ("review_logs.0.step_before", 2**63, "review_logs.0.step_before"),
    ("review_logs.0.step_after", -1, "review_logs.0.step_after"),
    ("review_logs.0.stability_after", 0.0, "review_logs.0.stability_after"),
    ("review_logs.0.stability_after", 1e300, "review_logs.0.stability_after"),
    ("review_logs.0.difficulty_after", 11.0, "review_logs.0.difficulty_after"),
    ("review_logs.0.state_after", 7, "review_logs.0.state_after"),
    ("review_logs.0.kind", "forgot", "review_logs.0.kind"),
    ("review_logs.0.card_id", "../../etc/passwd", "review_logs.0.card_id"),
    ("review_logs.0.card_id", "x" * 101, "review_logs.0.card_id"),
    ("review_logs.0.answer_text", "a" * 20_001, "review_logs.0.answer_text"),
    ("review_logs.0.review_token", "t" * 65, "review_logs.0.review_token"),
    ("review_logs.0", [1, 2], "review_logs.0"),
    ("review_logs", {"a": 1}, "review_logs"),
    ("flags.0.suspended", "yes", "flags.0.suspended"),
    ("flags.0.buried_until", "9999-12-31T00:00:00Z", "flags.0.buried_until"),
    ("settings.new_per_day", 2**63, "settings.new_per_day"),
    ("settings.desired_retention", "0.9", "settings.desired_retention"),
    ("settings.timezone", "Mars/Olympus", "settings.timezone"),
    ("exported_at", "9999-12-31T00:00:00Z", "exported_at"),
]


@pytest.mark.parametrize(("path", "value", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_field_is_refused_and_nothing_is_written(
    backup: dict[str, Any],
    other_database: Callable[[], Session],
    path: str,
    value: Any,
    message: str,
) -> None:
    fresh = other_database()
    before = everything(fresh)
    _set(path, value)(backup)
    with pytest.raises(ImportRefused) as refused:
        import_progress(fresh, USER, backup, NOW, "UTC")
    assert message in str(refused.value)
    fresh.rollback()
    assert everything(fresh) == before


def test_the_problem_names_the_value_and_what_was_expected(
    backup: dict[str, Any], other_database: Callable[[], Session]
) -> None:
    backup["review_logs"][2]["rating"] = 9
    with pytest.raises(ImportRefused) as refused:
        import_progress(other_database(), USER, backup, NOW, "UTC")
    assert refused.value.problems == [
        "review_logs.2.rating: Input should be less than or equal to 4 (got 9)"
    ]


def test_a_good_backup_still_imports_after_a_refused_one(
    backup: dict[str, Any], other_database: Callable[[], Session]
) -> None:
    fresh = other_database()
    bad = json.loads(json.dumps(backup))
    bad["fsrs_parameters"][0] = 1e308
    with pytest.raises(ImportRefused):
        import_progress(fresh, USER, bad, NOW, "UTC")
    fresh.rollback()
    assert import_progress(fresh, USER, backup, NOW, "UTC") == 9
    assert preferences.fsrs_parameters(fresh, USER) == GOOD_PARAMETERS
    report = rebuild_user(fresh, user_context(fresh, USER, "UTC"), write=False)
    assert report.mismatched == [] and report.broken == []


def test_stored_parameters_out_of_bounds_fall_back_to_the_defaults(loaded: Session) -> None:
    study_a_while(loaded)
    preferences.save_parameters(loaded, USER, [1000.0] * 21)  # PostgreSQL JSON holds no NaN
    loaded.commit()
    ctx = user_context(loaded, USER, "UTC")
    assert "out of bounds" in (ctx.parameters_problem or "")
    assert ctx.config.parameters == preferences.SchedulerConfig().parameters
    report = rebuild_user(loaded, ctx, write=False)
    assert report.parameter_problems and report.cards == 2


def test_a_broken_log_row_is_reported_by_rebuild_not_raised(loaded: Session) -> None:
    study_a_while(loaded)
    loaded.add(
        ReviewLog(
            user_id=USER,
            card_id="perceptron-limits",
            rating=4,  # Easy: an interval of days past year 9999
            reviewed_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
            kind="learn",
        )
    )
    loaded.commit()
    before = everything(loaded)
    report = rebuild_user(loaded, user_context(loaded, USER, "UTC"), write=True)
    assert [(card, "9999" in reason) for _, card, reason in report.broken] == [
        ("perceptron-limits", True)
    ]
    assert report.cards == 2  # the other cards were replayed
    assert everything(loaded) == before  # nothing differed, the broken card kept as stored

