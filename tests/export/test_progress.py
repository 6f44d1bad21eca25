"""Progress backup: export -> import into an empty database gives identical review states;
malformed or mismatched files are refused with a clear message and nothing changed."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.export.progress import ImportRefused, export_progress, import_progress
from app.models import LOCAL_USER_ID, ReviewLog, ReviewState, UserSettings
from app.study import preferences, reviews
from app.study.preferences import StudySettings, user_context
from app.study.rebuild import rebuild_user
from app.study.scope import StudyMode

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USER = LOCAL_USER_ID
STATE_COLUMNS = (
    "card_id", "state", "step", "stability", "difficulty", "due", "last_review", "reps",
    "lapses", "suspended", "buried_until",
)  # fmt: skip


def study_a_while(session: Session) -> None:
    """Two weeks of answers on the fixture bank, a cram answer, a suspended card."""
    preferences.save(session, USER, StudySettings(desired_retention=0.85, new_per_day=7))
    session.commit()
    ctx = user_context(session, USER, "UTC")
    plan = [
        (0, "what-is-a-neuron", 3),
        (0, "softmax-shift", 1),
        (0, "softmax-shift", 3),
        (1, "what-is-a-neuron", 3),
        (1, "softmax-shift", 2),
        (4, "what-is-a-neuron", 1),
        (4, "what-is-a-neuron", 3),
        (13, "softmax-shift", 4),
    ]
    for n, (day, card, rating) in enumerate(plan):
        now = T0 + timedelta(days=day, minutes=11 * n)
        reviews.grade(session, ctx, card, rating, now, review_token=f"t{n}", duration_ms=900 + n)
    reviews.grade(
        session,
        ctx,
        "softmax-shift",
        3,
        T0 + timedelta(days=14),
        review_token="c",
        mode=StudyMode.CRAM,
    )
    reviews.set_suspended(session, ctx, "perceptron-limits", True, T0 + timedelta(days=14))


def states(session: Session) -> list[tuple[Any, ...]]:
    rows = session.scalars(select(ReviewState).order_by(ReviewState.card_id))
    return [tuple(getattr(r, c) for c in STATE_COLUMNS) for r in rows]


def logs(session: Session) -> list[tuple[Any, ...]]:
    rows = session.scalars(select(ReviewLog).order_by(ReviewLog.id))
    return [(r.card_id, r.rating, r.reviewed_at, r.kind, r.due_after, r.duration_ms) for r in rows]


def test_export_import_rebuild_gives_identical_states(
    loaded: Session, other_database: Callable[[], Session]
) -> None:
    study_a_while(loaded)
    backup = json.loads(json.dumps(export_progress(loaded, USER, T0 + timedelta(days=15))))
    assert backup["format"] == "dlcards-progress" and backup["version"] == 2
    assert len(backup["review_logs"]) == 9
    fresh = other_database()
    assert import_progress(fresh, USER, backup, T0 + timedelta(days=16), "UTC") == 9
    assert states(fresh) == states(loaded)
    assert logs(fresh) == logs(loaded)
    assert preferences.load(fresh, USER) == preferences.load(loaded, USER)
    # and `dlcards study rebuild` finds nothing to change
    report = rebuild_user(fresh, user_context(fresh, USER, "UTC"), write=False)
    assert report.mismatched == [] and report.reviews == 8


def _counts(session: Session) -> tuple[int, int, int]:
    session.rollback()
    return (
        session.scalar(select(func.count()).select_from(ReviewLog)) or 0,
        session.scalar(select(func.count()).select_from(ReviewState)) or 0,
        session.scalar(select(func.count()).select_from(UserSettings)) or 0,
    )


def _broken(backup: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    copied = copy.deepcopy(backup)
    change(copied)
    return copied


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.update(format="anki"), "not a dlcards progress backup"),
        (lambda b: b.update(version=3), "backup version 3 is not supported"),
        (lambda b: b["review_logs"][3].update(rating=5), "review_logs.3.rating"),
        (
            lambda b: b["review_logs"][0].update(reviewed_at="2026-03-02T09:00:00"),
            "review_logs.0.reviewed_at: Input should have timezone info",
        ),
        (lambda b: b["review_logs"][1].pop("kind"), "review_logs.1.kind: Field required"),
        (lambda b: b["settings"].update(desired_retention=2), "settings.desired_retention"),
        (lambda b: b["review_logs"][2].update(card_id="not-in-this-bank"), "not-in-this-bank"),
        (lambda b: b.update(extra="x"), "extra: Extra inputs are not permitted"),
        (lambda b: b["review_logs"][1].update(review_token="t0"), "share one review_token"),
    ],
)
def test_malformed_or_mismatched_backup_changes_nothing(
    loaded: Session,
    other_database: Callable[[], Session],
    change: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    study_a_while(loaded)
    backup = json.loads(json.dumps(export_progress(loaded, USER, T0 + timedelta(days=16))))
    fresh = other_database()
    with pytest.raises(ImportRefused) as refused:
        import_progress(fresh, USER, _broken(backup, change), T0 + timedelta(days=16), "UTC")
    assert message in str(refused.value)
    assert _counts(fresh) == (0, 0, 0)


def test_import_into_a_database_with_progress_is_refused(loaded: Session) -> None:
    study_a_while(loaded)
    backup = export_progress(loaded, USER, T0 + timedelta(days=16))
    before = _counts(loaded)
    with pytest.raises(ImportRefused, match="already holds 9 review"):
        import_progress(loaded, USER, backup, T0 + timedelta(days=16), "UTC")
    assert _counts(loaded) == before


def test_not_an_object_is_refused(loaded: Session) -> None:
    with pytest.raises(ImportRefused, match="not a dlcards progress backup"):
        import_progress(loaded, USER, [1, 2, 3], T0)
