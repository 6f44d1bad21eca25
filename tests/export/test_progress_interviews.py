"""Mock interviews in the progress backup: a round trip keeps every answer, mark and grade (tied
to the same review), and a backup whose interviews do not fit is refused with nothing written."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.export.progress import ImportRefused, export_progress, import_progress
from app.interview import service as iv
from app.interview.models import Interview, InterviewQuestion
from app.models import LOCAL_USER_ID, ReviewLog
from app.study.preferences import user_context
from tests.export.test_progress import T0, study_a_while

USER = LOCAL_USER_ID
LATER = T0 + timedelta(days=20)


def interview_once(session: Session) -> Interview:
    """A five-question interview on the 3-card fixture bank, answered, one mark flipped, graded."""
    setup = iv.InterviewSetup(topics=["basics"], questions=5, seconds_per_question=60)
    interview = iv.start(session, USER, setup, LATER, random.Random(3))
    for n, question in enumerate(list(interview.questions)):
        iv.show(session, interview, LATER + timedelta(minutes=n))
        text = "a weighted sum of the inputs plus a bias" if n == 0 else "no idea"
        iv.answer(
            session, interview, question.position, text, LATER + timedelta(minutes=n, seconds=40)
        )
    first = interview.questions[0]
    assert first.marks is not None
    iv.save_marks(session, interview, {1: [not m for m in first.marks]})
    ctx = user_context(session, USER, "UTC")
    iv.schedule(session, ctx, interview, {1: 3}, LATER + timedelta(minutes=10))
    return interview


def _interviews(session: Session) -> list[tuple[Any, ...]]:
    session.expire_all()
    rows = []
    for i in session.scalars(select(Interview).order_by(Interview.id)):
        questions = []
        for q in i.questions:
            log = session.get(ReviewLog, q.review_id) if q.review_id else None
            graded = (log.card_id, log.rating, log.reviewed_at) if log else None
            questions.append(
                (q.position, q.card_id, q.shown_at, q.answered_at, q.answer_text, q.timed_out,
                 q.marks, q.rating, graded)
            )  # fmt: skip
        rows.append(
            (i.started_at, i.finished_at, i.scheduled_at, i.topics, i.level,
             i.seconds_per_question, i.score, questions)
        )  # fmt: skip
    return rows


def test_interviews_round_trip_with_their_marks_and_the_review_each_grade_made(
    loaded: Session, other_database: Callable[[], Session]
) -> None:
    study_a_while(loaded)
    interview_once(loaded)
    backup = json.loads(json.dumps(export_progress(loaded, USER, LATER + timedelta(hours=1))))
    [entry] = backup["interviews"]
    assert len(entry["questions"]) == 2  # the topic has two cards
    graded = entry["questions"][0]
    assert graded["rating"] == 3 and graded["review_log"] == 9  # after the 9 earlier answers
    assert backup["review_logs"][9]["card_id"] == graded["card_id"]
    fresh = other_database()
    assert import_progress(fresh, USER, backup, LATER + timedelta(hours=2), "UTC") == 10
    assert _interviews(fresh) == _interviews(loaded)
    assert _interviews(fresh)[0][6] == pytest.approx(entry["score"])


def _counts(session: Session) -> tuple[int, int]:
    session.rollback()
    return (
        session.scalar(select(func.count()).select_from(ReviewLog)) or 0,
        session.scalar(select(func.count()).select_from(InterviewQuestion)) or 0,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e["questions"][0].update(review_log=99), "no review log 99 in this backup"),
        (lambda e: e["questions"][0].update(review_log=1), "review log 1 is of 'softmax-shift'"),
        (lambda e: e["questions"][1].update(position=5), "positions must be 1, 2"),
        (lambda e: e["questions"][0].update(card_id="not-in-this-bank"), "not-in-this-bank"),
        (lambda e: e.update(topics=["no-such-topic"]), "topic(s) not in this question bank"),
        (lambda e: e.update(score=1.5), "interviews.0.score"),
        (lambda e: e.update(seconds_per_question=5), "interviews.0.seconds_per_question"),
        (lambda e: e["questions"][0].update(marks="yes"), "interviews.0.questions.0.marks"),
        (lambda e: e.update(scheduled_at="2099-01-01T00:00:00Z"), "must lie between"),
        (lambda e: e.update(started_at="2099-01-01T00:00:00Z"), "finished_at is before"),
        (lambda e: e.update(questions=[]), "interviews.0.questions"),
    ],
)
def test_a_backup_whose_interviews_do_not_fit_changes_nothing(
    loaded: Session,
    other_database: Callable[[], Session],
    change: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    study_a_while(loaded)
    interview_once(loaded)
    backup = json.loads(json.dumps(export_progress(loaded, USER, LATER + timedelta(hours=1))))
    broken = copy.deepcopy(backup)
    change(broken["interviews"][0])
    fresh = other_database()
    with pytest.raises(ImportRefused) as refused:
        import_progress(fresh, USER, broken, LATER + timedelta(hours=2), "UTC")
    assert message in str(refused.value)
    assert _counts(fresh) == (0, 0)


def test_an_older_backup_without_interviews_still_imports(
    loaded: Session, other_database: Callable[[], Session]
) -> None:
    study_a_while(loaded)
    backup = json.loads(json.dumps(export_progress(loaded, USER, T0 + timedelta(days=15))))
    del backup["interviews"]
    fresh = other_database()
    assert import_progress(fresh, USER, backup, T0 + timedelta(days=16), "UTC") == 9
    assert _counts(fresh) == (9, 0)
