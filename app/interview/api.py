"""JSON API of mock interviews (mirrors the pages; listed at /docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from app.answers.checks import checklist_json
from app.answers.matcher import MAX_ANSWER_CHARS
from app.db import SessionDep
from app.deps import ContextDep, NowDep, RowId, UserIdDep
from app.interview import service as iv
from app.interview.deps import RngDep
from app.interview.models import Interview
from app.models import Card

router = APIRouter(prefix="/api", tags=["interview"])


class AnswerIn(BaseModel):
    position: int = Field(ge=1, le=iv.MAX_QUESTIONS)
    answer: str = Field("", max_length=MAX_ANSWER_CHARS)


class ScheduleIn(BaseModel):
    ratings: dict[int, int] = Field(description="question position -> confirmed grade 1..4")
    marks: dict[int, list[bool]] = Field(default_factory=dict, description="flipped marks")


def _interview(session: SessionDep, user_id: int, interview_id: RowId) -> Interview:
    return iv.get_interview(session, user_id, interview_id)


class InterviewDateRef(BaseModel):
    id: int
    name: str
    url: str


class InterviewOut(BaseModel):
    id: int
    started_at: datetime
    finished_at: datetime | None
    topics: list[str] = Field(description="Empty: every topic")
    level: str | None
    questions: int
    seconds_per_question: int
    score: float | None = Field(description="Mean share of key points covered, once finished")
    scheduled: bool
    interview_date: InterviewDateRef | None = Field(
        description="The interview date it rehearsed (null: none, or the date was deleted)"
    )
    url: str


def interview_out(interview: Interview) -> InterviewOut:
    date = interview.interview_date
    return InterviewOut(
        id=interview.id,
        started_at=interview.started_at,
        finished_at=interview.finished_at,
        topics=interview.topics,
        level=interview.level,
        questions=len(interview.questions),
        seconds_per_question=interview.seconds_per_question,
        score=interview.score,
        scheduled=interview.scheduled_at is not None,
        interview_date=(
            InterviewDateRef(id=date.id, name=date.name, url=f"/interview-dates/{date.id}")
            if date is not None
            else None
        ),
        url=f"/interview/{interview.id}",
    )


def interview_json(interview: Interview) -> dict[str, Any]:
    return interview_out(interview).model_dump(mode="json")


INVALID_SETUP: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "A field is invalid (``detail[].loc`` names it): an interview date that "
        "is not yours or has passed, no card matching the topics and level"
    }
}


@router.post("/interviews", status_code=201, responses=INVALID_SETUP)
def create_interview(
    session: SessionDep, user_id: UserIdDep, now: NowDep, rng: RngDep, setup: iv.InterviewSetup
) -> InterviewOut:
    """Start a mock interview of random cards from the chosen topics and level, or from one of
    your interview dates (its topics drawn by weight)."""
    interview = iv.start(session, user_id, setup, now, rng)
    return interview_out(interview)


@router.get("/interviews")
def list_interviews(session: SessionDep, user_id: UserIdDep) -> list[InterviewOut]:
    """Finished interviews, oldest first, with their scores and interview dates."""
    return [interview_out(i) for i in iv.history(session, user_id)]


@router.get("/interviews/{interview_id}")
def current(
    session: SessionDep, user_id: UserIdDep, now: NowDep, interview_id: RowId
) -> dict[str, Any]:
    """The interview and its current question (whose clock starts now if not started)."""
    interview = _interview(session, user_id, interview_id)
    question = iv.show(session, interview, now)
    body = interview_json(interview)
    if question is None:
        return {**body, "current": None}
    card = session.get(Card, question.card_id)
    assert card is not None
    due = iv.deadline(interview, question)
    assert due is not None
    return {
        **body,
        "current": {
            "position": question.position,
            "card_id": card.id,
            "question": card.question,
            "deadline": due.isoformat(),
            "seconds_left": max(0.0, (due - now).total_seconds()),
        },
    }


@router.post("/interviews/{interview_id}/answers")
def post_answer(
    session: SessionDep, user_id: UserIdDep, now: NowDep, interview_id: RowId, body: AnswerIn
) -> dict[str, Any]:
    """Answer the current question; after the deadline it is kept but marked over time."""
    interview = _interview(session, user_id, interview_id)
    question = iv.answer(session, interview, body.position, body.answer, now)
    taken = iv.time_taken(interview, question)
    return {
        "position": question.position,
        "timed_out": question.timed_out,
        "marks": question.marks,
        "seconds_taken": taken.total_seconds() if taken else None,
        "finished": interview.finished_at is not None,
    }


@router.get("/interviews/{interview_id}/summary")
def summary(session: SessionDep, user_id: UserIdDep, interview_id: RowId) -> dict[str, Any]:
    """Scores per question and per topic, the weakest topics, and each checklist."""
    interview = _interview(session, user_id, interview_id)
    result = iv.summarize(session, interview)
    return {
        **interview_json(interview),
        "score": result.score,
        "questions": [
            {
                "position": q.question.position,
                "card_id": q.card.id,
                "topic": q.card.topic_id,
                "answer": q.question.answer_text,
                "timed_out": q.question.timed_out,
                "seconds_taken": q.time_taken.total_seconds() if q.time_taken else None,
                "score": q.score,
                "rating": q.question.rating,
                "checklist": checklist_json(q.checklist),
            }
            for q in result.questions
        ],
        "topics": [
            {"topic": t.topic, "score": t.score, "questions": t.questions} for t in result.topics
        ],
        "weakest": [
            {"topic": t.topic, "score": t.score, "url": f"/topics/{t.topic}"}
            for t in result.weakest
        ],
    }


@router.post("/interviews/{interview_id}/schedule")
def schedule(
    session: SessionDep, ctx: ContextDep, now: NowDep, interview_id: RowId, body: ScheduleIn
) -> dict[str, Any]:
    """Record the confirmed grades (and flipped marks) as FSRS reviews, once per question."""
    interview = _interview(session, ctx.user_id, interview_id)
    if any(r not in (1, 2, 3, 4) for r in body.ratings.values()):
        raise HTTPException(422, "ratings must be 1 (Again) to 4 (Easy)")
    if body.marks:
        iv.save_marks(session, interview, body.marks)
    result = iv.schedule(session, ctx, interview, body.ratings, now)
    return {
        "recorded": [r.as_json() for r in result.recorded],
        "skipped": [{"position": p, "reason": m} for p, m in result.skipped],
    }
