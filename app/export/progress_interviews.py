"""Mock interviews in the progress backup: each interview, its questions, answers and marks.

A question's confirmed grade went into the review log; the backup names that answer by its
place in the backup's ``review_logs`` (database ids change on import), and the import checks
that the answer it names is of the same card. ``app.export.progress`` validates and writes these
with the rest of the backup, all or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.answers.matcher import MAX_ANSWER_CHARS
from app.content.schema import KEBAB_PATTERN, Level
from app.interview.models import Interview, InterviewQuestion
from app.interview.service import MAX_QUESTIONS, MAX_SECONDS, MIN_SECONDS

MAX_INTERVIEWS = 10_000
MAX_MARKS = 100  # key points a question may be marked on
UtcTime = Annotated[AwareDatetime, Field(description="ISO 8601 with a UTC offset")]
CardId = Annotated[str, Field(pattern=KEBAB_PATTERN, max_length=100)]
TopicId = Annotated[str, Field(pattern=KEBAB_PATTERN, max_length=64)]


class QuestionEntry(BaseModel):
    """One question as it was asked, answered and marked."""

    model_config = ConfigDict(extra="forbid")

    position: int = Field(ge=1, le=MAX_QUESTIONS)
    card_id: CardId
    shown_at: UtcTime | None = None
    answered_at: UtcTime | None = None
    answer_text: str | None = Field(None, max_length=MAX_ANSWER_CHARS)
    timed_out: bool = False
    marks: list[bool] | None = Field(None, max_length=MAX_MARKS)
    rating: int | None = Field(None, ge=1, le=4)
    review_log: int | None = Field(
        None, ge=0, description="Index in review_logs of the answer this question's grade made"
    )


class InterviewEntry(BaseModel):
    """One mock interview: its choices, its moments, its score and its questions in order."""

    model_config = ConfigDict(extra="forbid")

    started_at: UtcTime
    finished_at: UtcTime | None = None
    scheduled_at: UtcTime | None = None
    topics: list[TopicId] = Field(default_factory=list, max_length=100)
    level: Level | None = None
    seconds_per_question: int = Field(ge=MIN_SECONDS, le=MAX_SECONDS)
    score: float | None = Field(None, ge=0, le=1)
    questions: list[QuestionEntry] = Field(min_length=1, max_length=MAX_QUESTIONS)
    interview_date: int | None = Field(
        None, ge=0, description="Index in interview_dates of the date it rehearsed (version 2)"
    )

    @model_validator(mode="after")
    def _positions_in_order(self) -> InterviewEntry:
        positions = [q.position for q in self.questions]
        if positions != list(range(1, len(positions) + 1)):
            raise ValueError(f"question positions must be 1, 2, … in order (got {positions})")
        if self.finished_at is not None and self.finished_at < self.started_at:
            raise ValueError("finished_at is before started_at")
        return self


def export_interviews(
    session: Session, user_id: int, log_index: Mapping[int, int], date_index: Mapping[int, int]
) -> list[InterviewEntry]:
    """The user's interviews, oldest first; ``log_index`` maps a review_logs id to its place in
    the backup, ``date_index`` an interview date's id to its place."""
    interviews = session.scalars(
        select(Interview)
        .where(Interview.user_id == user_id)
        .order_by(Interview.started_at, Interview.id)
    )
    return [
        InterviewEntry(
            started_at=i.started_at,
            finished_at=i.finished_at,
            scheduled_at=i.scheduled_at,
            topics=list(i.topics),
            level=i.level,
            seconds_per_question=i.seconds_per_question,
            score=i.score,
            interview_date=(
                date_index[i.interview_date_id] if i.interview_date_id is not None else None
            ),
            questions=[
                QuestionEntry(
                    position=q.position,
                    card_id=q.card_id,
                    shown_at=q.shown_at,
                    answered_at=q.answered_at,
                    answer_text=q.answer_text,
                    timed_out=q.timed_out,
                    marks=q.marks,
                    rating=q.rating,
                    review_log=log_index.get(q.review_id) if q.review_id is not None else None,
                )
                for q in i.questions
            ],
        )
        for i in interviews
    ]


def interview_problems(interviews: Sequence[InterviewEntry], log_cards: Sequence[str]) -> list[str]:
    """What ties an interview to the rest of the backup wrongly: a review_log out of range or of
    another card."""
    problems = []
    for n, interview in enumerate(interviews):
        for q in interview.questions:
            if q.review_log is None:
                continue
            where = f"interviews.{n}.questions.{q.position - 1}.review_log"
            if q.review_log >= len(log_cards):
                problems.append(f"{where}: no review log {q.review_log} in this backup")
            elif log_cards[q.review_log] != q.card_id:
                problems.append(
                    f"{where}: review log {q.review_log} is of {log_cards[q.review_log]!r}, "
                    f"not of {q.card_id!r}"
                )
    return problems


def cited_cards(interviews: Sequence[InterviewEntry]) -> set[str]:
    return {q.card_id for i in interviews for q in i.questions}


def cited_topics(interviews: Sequence[InterviewEntry]) -> set[str]:
    return {t for i in interviews for t in i.topics}


def add_interviews(
    session: Session,
    user_id: int,
    interviews: Sequence[InterviewEntry],
    log_ids: Sequence[int],
    date_ids: Sequence[int],
) -> None:
    """Add the interviews (the caller's transaction); ``log_ids`` are the imported logs' ids,
    ``date_ids`` the imported interview dates' ids."""
    for entry in interviews:
        interview = Interview(
            user_id=user_id,
            started_at=entry.started_at,
            finished_at=entry.finished_at,
            scheduled_at=entry.scheduled_at,
            topics=list(entry.topics),
            level=entry.level,
            seconds_per_question=entry.seconds_per_question,
            score=entry.score,
            interview_date_id=(
                date_ids[entry.interview_date] if entry.interview_date is not None else None
            ),
        )
        interview.questions = [
            InterviewQuestion(
                position=q.position,
                card_id=q.card_id,
                shown_at=q.shown_at,
                answered_at=q.answered_at,
                answer_text=q.answer_text,
                timed_out=q.timed_out,
                marks=q.marks,
                rating=q.rating,
                review_id=log_ids[q.review_log] if q.review_log is not None else None,
            )
            for q in entry.questions
        ]
        session.add(interview)


def moments(interviews: Sequence[InterviewEntry]) -> list[datetime]:
    """Every moment the interviews name, for the backup's range check."""
    found: list[datetime | None] = []
    for i in interviews:
        found += [i.started_at, i.finished_at, i.scheduled_at]
        found += [m for q in i.questions for m in (q.shown_at, q.answered_at)]
    return [m for m in found if m is not None]
