"""Interview dates in the progress backup: a round trip restores every date and which mock
interviews rehearsed it; importing twice keeps one copy (a date is its name and moment); a date
the API would refuse is refused by name with nothing written; version 1 backups still import."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import write
from app.export.progress import ImportRefused, export_progress, import_progress
from app.interview import service as iv
from app.interview.models import Interview
from app.models import ReviewLog
from app.plans import queries
from app.plans.logic import InterviewDateIn, parse_moment
from app.plans.models import InterviewDate
from tests.export.test_progress import T0, study_a_while
from tests.export.test_progress_interviews import LATER, USER, interview_once

EXPORTED = LATER + timedelta(hours=1)
IMPORTED = LATER + timedelta(hours=2)


def _set_date(session: Session, now: datetime, **fields: Any) -> InterviewDate:
    data = InterviewDateIn(**fields)
    return queries.create(session, USER, data, parse_moment(data.at, "UTC"), now)


def dated_progress(session: Session) -> None:
    """Two weeks of study; "Beta" (basics, weight 2, beginner cards, tagged neuron) passed on
    day 10 after one mock interview for it; "Acme" (basics 1, maths 3) still to come, with the
    graded interview of interview_once tied to it; "Whole bank" with no interview."""
    study_a_while(session)
    beta = _set_date(
        session, T0, name="Beta", at="2026-03-12T14:30:00+00:00",
        topics=[{"topic": "basics", "weight": 2}], levels=["beginner"], tags=["neuron"],
    )  # fmt: skip
    acme = _set_date(
        session, T0 + timedelta(days=3), name="Acme, ML engineer", at="2026-04-20",
        topics=[{"topic": "basics", "weight": 1}, {"topic": "maths", "weight": 3}],
    )  # fmt: skip
    _set_date(session, T0, name="Whole bank", at="2026-05-01")
    early = iv.start(
        session, USER, iv.InterviewSetup(interview_date_id=beta.id), T0 + timedelta(days=5),
        random.Random(1),
    )  # fmt: skip
    iv.end_early(session, early, T0 + timedelta(days=5, minutes=3))
    graded = interview_once(session)
    with write(session, USER):
        graded.interview_date_id = acme.id


def _dates(session: Session) -> list[tuple[Any, ...]]:
    session.rollback()
    return [
        (d.name, d.at, d.created_at, d.topics, d.levels, d.tags)
        for d in session.scalars(select(InterviewDate).order_by(InterviewDate.at))
    ]


def _links(session: Session) -> list[tuple[Any, ...]]:
    session.rollback()
    rows = session.execute(
        select(Interview.started_at, Interview.score, InterviewDate.name)
        .outerjoin(InterviewDate, InterviewDate.id == Interview.interview_date_id)
        .order_by(Interview.started_at)
    )
    return [tuple(row) for row in rows]


def _counts(session: Session) -> tuple[int, int, int]:
    session.rollback()
    return tuple(
        session.scalar(select(func.count()).select_from(table)) or 0
        for table in (InterviewDate, Interview, ReviewLog)
    )


def _backup(session: Session) -> dict[str, Any]:
    return json.loads(json.dumps(export_progress(session, USER, EXPORTED)))


def test_a_round_trip_restores_the_dates_and_which_interviews_rehearsed_them(
    loaded: Session, other_database: Callable[[], Session]
) -> None:
    dated_progress(loaded)
    backup = _backup(loaded)
    assert backup["version"] == 2
    assert [(d["name"], d["at"]) for d in backup["interview_dates"]] == [
        ("Beta", "2026-03-12T14:30:00Z"),
        ("Acme, ML engineer", "2026-04-20T09:00:00Z"),  # a date alone: 09:00 in the zone
        ("Whole bank", "2026-05-01T09:00:00Z"),
    ]
    assert backup["interview_dates"][0]["topics"] == [{"topic": "basics", "weight": 2.0}]
    assert [i["interview_date"] for i in backup["interviews"]] == [0, 1]
    fresh = other_database()
    import_progress(fresh, USER, backup, IMPORTED, "UTC")
    assert _dates(fresh) == _dates(loaded)
    assert _links(fresh) == _links(loaded)
    assert [name for *_, name in _links(fresh)] == ["Beta", "Acme, ML engineer"]


def test_importing_a_backup_twice_keeps_one_copy_of_each_date(
    loaded: Session, other_database: Callable[[], Session]
) -> None:
    """Written by another install, restored into the suite's database (PostgreSQL too)."""
    source = other_database()
    _set_date(source, T0, name="Acme", at="2026-04-20", topics=[{"topic": "maths", "weight": 2}])
    _set_date(source, T0, name="Acme", at="2026-04-27")  # same name, another moment: another date
    backup = _backup(source)
    fresh = loaded
    _set_date(fresh, T0, name="Mine only", at="2026-04-01")
    import_progress(fresh, USER, backup, IMPORTED, "UTC")
    import_progress(fresh, USER, backup, IMPORTED, "UTC")
    assert [(name, topics) for name, _, _, topics, *_ in _dates(fresh)] == [
        ("Mine only", []),
        ("Acme", [{"topic": "maths", "weight": 2.0}]),
        ("Acme", []),
    ]
    # The same name and moment again, with a new weight: the date is updated, not added.
    backup["interview_dates"][0]["topics"][0]["weight"] = 5
    import_progress(fresh, USER, backup, IMPORTED, "UTC")
    assert [topics for _, _, _, topics, *_ in _dates(fresh)][1] == [
        {"topic": "maths", "weight": 5.0}
    ]
    assert _counts(fresh)[0] == 3


def test_a_full_backup_imported_twice_is_refused_the_second_time_and_adds_no_date(
    loaded: Session, other_database: Callable[[], Session]
) -> None:
    dated_progress(loaded)
    backup = _backup(loaded)
    fresh = other_database()
    import_progress(fresh, USER, backup, IMPORTED, "UTC")
    before = _dates(fresh)
    with pytest.raises(ImportRefused, match="already holds"):
        import_progress(fresh, USER, backup, IMPORTED, "UTC")
    assert _dates(fresh) == before and _counts(fresh) == (3, 2, 10)


def _first(backup: dict[str, Any]) -> dict[str, Any]:
    return backup["interview_dates"][1]  # Acme, still to come


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda b: _first(b).update(at="2026-03-01T09:00:00Z", created_at=None),
            "interview_dates.1.at: the interview date must be in the future",
        ),
        (
            lambda b: _first(b).update(at="2026-03-05T09:00:00Z"),  # passed, set after it
            "interview_dates.1.at: the interview date must be in the future",
        ),
        (
            lambda b: _first(b).update(at="2029-01-01T09:00:00Z"),
            "interview_dates.1.at: the interview date must be within 730 days",
        ),
        (
            lambda b: _first(b)["topics"][1].update(topic="no-such-topic"),
            "interview_dates.1.topics.1.topic: unknown topic 'no-such-topic'",
        ),
        (
            lambda b: _first(b)["topics"][0].update(weight=-1),
            "interview_dates.1.topics.0.weight: Input should be greater than 0",
        ),
        (
            lambda b: _first(b)["topics"][0].update(topic="maths"),
            "interview_dates.1.topics.1.topic: topic 'maths' is listed twice",
        ),
        (lambda b: _first(b).update(tags=["no-card"]), "interview_dates.1.tags.0: no card has"),
        (lambda b: _first(b).update(levels=["expert"]), "interview_dates.1.levels.0"),
        (lambda b: _first(b).update(name="   "), "interview_dates.1.name: Value error, name must"),
        (lambda b: _first(b).update(name="Beta", at="2026-03-12T14:30:00Z"), "same name and at"),
        (lambda b: _first(b).update(created_at="2099-01-01T00:00:00Z"), "must lie between"),
        (lambda b: _first(b).update(colour="red"), "interview_dates.1.colour: Extra inputs"),
        (
            lambda b: b["interviews"][1].update(interview_date=3),
            "interviews.1.interview_date: no interview date 3 in this backup",
        ),
        (lambda b: b.update(version=1), "a version 1 backup holds no interview dates"),
    ],
)
def test_a_backup_with_a_bad_date_changes_nothing(
    loaded: Session,
    other_database: Callable[[], Session],
    change: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    dated_progress(loaded)
    broken = copy.deepcopy(_backup(loaded))
    change(broken)
    fresh = other_database()
    with pytest.raises(ImportRefused) as refused:
        import_progress(fresh, USER, broken, IMPORTED, "UTC")
    assert message in str(refused.value)
    assert _counts(fresh) == (0, 0, 0)


def test_a_version_1_backup_still_imports(
    loaded: Session, other_database: Callable[[], Session]
) -> None:
    """Written before interview dates: no ``interview_dates``, interviews without a date."""
    study_a_while(loaded)
    interview_once(loaded)
    backup = _backup(loaded)
    backup["version"] = 1
    del backup["interview_dates"]
    for interview in backup["interviews"]:
        del interview["interview_date"]
    fresh = other_database()
    assert import_progress(fresh, USER, backup, IMPORTED, "UTC") == 10
    assert _counts(fresh) == (0, 1, 10)
    assert [name for *_, name in _links(fresh)] == [None]
