"""The mock interview: pick questions, time each answer, mark it, summarise, schedule reviews.

Time is always passed in (``now``), so tests run a whole interview on a simulated clock: a
question's deadline is ``shown_at + seconds_per_question``; an answer that arrives after the
deadline (plus a short grace for the network and the countdown's own submit) is kept for the
record but marked over time, with no key point covered until the user flips a mark.

An interview can rehearse one of the user's interview dates: its questions then come from the
date's scope (``app.plans.queries.scope_cards``), weighted as the date's forecast weighs them.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.answers.checks import Checklist, check_card, checklist
from app.answers.matcher import MAX_ANSWER_CHARS
from app.cards.visibility import visible_to
from app.content.schema import Level
from app.db import write
from app.deps import MAX_ROW_ID
from app.errors import DomainError
from app.interview.models import Interview, InterviewQuestion
from app.models import Card
from app.plans import logic as plan_logic
from app.plans import queries as plan_queries
from app.plans.models import InterviewDate
from app.problems import service as problems
from app.study import reviews
from app.study.preferences import UserContext

MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 5, 20, 5
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 30, 1800, 120
GRACE = timedelta(seconds=10)
WEAKEST_SHOWN = 3
STRONG_SCORE = 0.8  # topics at or above this are not listed as weak


class InterviewSetup(BaseModel):
    """What the user picks before starting (validated for the form and the JSON API alike)."""

    model_config = ConfigDict(extra="forbid")

    topics: list[str] = Field(default_factory=list, max_length=100, description="empty: all")
    level: Level | None = None
    questions: int = Field(DEFAULT_QUESTIONS, ge=MIN_QUESTIONS, le=MAX_QUESTIONS)
    seconds_per_question: int = Field(DEFAULT_SECONDS, ge=MIN_SECONDS, le=MAX_SECONDS)
    interview_date_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ROW_ID,
        description="One of your interview dates still to come: the questions come from its "
        "scope (its topics by weight, levels and tags; leave topics and level empty); "
        "empty: none",
    )


class InterviewError(DomainError):
    """A refused interview action (409 unless raised with another ``status_code``)."""

    status_code = 409


def _candidates(session: Session, setup: InterviewSetup, user_id: int) -> list[str]:
    query = select(Card.id).where(visible_to(user_id)).order_by(Card.position, Card.id)
    if setup.topics:
        query = query.where(Card.topic_id.in_(setup.topics))
    if setup.level:
        query = query.where(Card.level == setup.level)
    return list(session.scalars(query))


def _interview_date(
    session: Session, user_id: int, setup: InterviewSetup, now: datetime
) -> InterviewDate:
    """The date the interview rehearses; a 422 naming the field for one that is not the user's,
    has passed, or is combined with topics or a level of its own."""
    date_id = setup.interview_date_id
    assert date_id is not None
    row = plan_queries.find_date(session, user_id, date_id)
    if row is None:
        raise InterviewError(f"you have no interview date {date_id}", 422, "interview_date_id")
    if row.at <= now:
        message = f"the interview date {row.name!r} has passed"
        raise InterviewError(message, 422, "interview_date_id")
    for field, value in (("topics", setup.topics), ("level", setup.level)):
        if value:
            message = f"the interview date {row.name!r} sets the topics and level; leave {field}"
            message += " empty"
            raise InterviewError(message, 422, field)
    return row


def weighted_sample(
    rng: random.Random, items: Sequence[str], weights: Sequence[float], k: int
) -> list[str]:
    """``k`` distinct items, each drawn with probability proportional to its weight."""
    generator = np.random.default_rng(rng.getrandbits(64))
    p = np.asarray(weights, dtype=float)
    picked = generator.choice(len(items), size=min(k, len(items)), replace=False, p=p / p.sum())
    return [items[i] for i in picked]


def _date_questions(
    session: Session, user_id: int, row: InterviewDate, k: int, rng: random.Random
) -> list[str]:
    """Up to ``k`` cards of the date's scope, a topic drawn as often as its weight says, whatever
    its size: its cards share the weight, as in the date's readiness figure (``card_weights``)."""
    scope = plan_queries.scope_of(row)
    cards = plan_queries.scope_cards(session, user_id, scope)
    if not cards:
        raise InterviewError(f"no card is in the scope of {row.name!r}", 422, "interview_date_id")
    weights = plan_logic.card_weights(cards, scope.weights)
    return weighted_sample(rng, [c.card_id for c in cards], weights, k)


def start(
    session: Session, user_id: int, setup: InterviewSetup, now: datetime, rng: random.Random
) -> Interview:
    """Create an interview of up to ``setup.questions`` random cards matching the filters, or
    drawn from the chosen interview date's scope."""
    with write(session, user_id):
        date = None
        if setup.interview_date_id is not None:
            date = _interview_date(session, user_id, setup, now)
            chosen = _date_questions(session, user_id, date, setup.questions, rng)
        else:
            cards = _candidates(session, setup, user_id)
            if not cards:
                raise InterviewError("no card matches these topics and level", 422)
            chosen = rng.sample(cards, min(setup.questions, len(cards)))
        interview = Interview(
            user_id=user_id,
            started_at=now,
            topics=sorted(plan_queries.weights_of(date) if date else set(setup.topics)),
            level=setup.level,
            seconds_per_question=setup.seconds_per_question,
            interview_date_id=date.id if date else None,
        )
        interview.questions = [
            InterviewQuestion(position=i, card_id=card_id, timed_out=False)
            for i, card_id in enumerate(chosen, start=1)
        ]
        session.add(interview)
        return interview


def get_interview(session: Session, user_id: int, interview_id: int) -> Interview:
    """The user's interview, or 404."""
    interview = session.get(Interview, interview_id)
    if interview is None or interview.user_id != user_id:
        raise InterviewError(f"no interview {interview_id}", 404)
    return interview


def current_question(interview: Interview) -> InterviewQuestion | None:
    """The first question not answered yet (None when the interview is over)."""
    return next((q for q in interview.questions if q.answered_at is None), None)


def deadline(interview: Interview, question: InterviewQuestion) -> datetime | None:
    if question.shown_at is None:
        return None
    return question.shown_at + timedelta(seconds=interview.seconds_per_question)


def show(session: Session, interview: Interview, now: datetime) -> InterviewQuestion | None:
    """The current question; its clock starts the first time it is shown."""
    question = current_question(interview)
    if question is not None and question.shown_at is None:
        with write(session, interview.user_id):
            question.shown_at = now
    return question


def answer(
    session: Session, interview: Interview, position: int, text: str, now: datetime
) -> InterviewQuestion:
    """Record the answer to the current question (late answers are kept, marked over time)."""
    question = current_question(interview)
    if question is None:
        raise InterviewError("this interview is over")
    if position != question.position:
        raise InterviewError(
            f"question {position} is not the current one (question {question.position} is)"
        )
    text = text[:MAX_ANSWER_CHARS]
    with write(session, interview.user_id):
        shown_at = question.shown_at or now
        due = shown_at + timedelta(seconds=interview.seconds_per_question)
        question.shown_at = shown_at
        question.answered_at = now
        question.answer_text = text
        question.timed_out = now > due + GRACE
        card = session.get(Card, question.card_id)
        assert card is not None
        if card.problem:  # a "compute" question: checked exactly against the drawn numbers
            marks = problems.interview_marks(card, interview.id, question.position, text)
        else:
            marks = [p.covered for p in check_card(card, text).points]
        question.marks = [False] * len(marks) if question.timed_out else marks
        if current_question(interview) is None:
            _finish(interview, now)
        return question


def end_early(session: Session, interview: Interview, now: datetime) -> None:
    """Stop now: every question not answered yet counts as skipped (nothing covered)."""
    with write(session, interview.user_id):
        for question in interview.questions:
            if question.answered_at is None:
                card = session.get(Card, question.card_id)
                question.shown_at = question.shown_at or now
                question.answered_at = now
                question.answer_text = ""
                question.marks = [False] * len(card.key_points if card else [])
        _finish(interview, now)


def _share(marks: list[bool] | None) -> float:
    return sum(marks) / len(marks) if marks else 0.0


def _finish(interview: Interview, now: datetime) -> None:
    interview.finished_at = interview.finished_at or now
    shares = [_share(q.marks) for q in interview.questions]
    interview.score = sum(shares) / len(shares) if shares else 0.0


def time_taken(interview: Interview, question: InterviewQuestion) -> timedelta | None:
    """From showing to answering, at most the time allowed."""
    if question.shown_at is None or question.answered_at is None:
        return None
    limit = timedelta(seconds=interview.seconds_per_question)
    return min(question.answered_at - question.shown_at, limit)


@dataclass(frozen=True)
class QuestionSummary:
    question: InterviewQuestion
    card: Card
    checklist: Checklist
    time_taken: timedelta | None

    @property
    def score(self) -> float:
        return self.checklist.share


@dataclass(frozen=True)
class TopicSummary:
    topic: str
    score: float
    questions: int
    cards: list[Card]


@dataclass(frozen=True)
class Summary:
    interview: Interview
    questions: list[QuestionSummary]
    topics: list[TopicSummary]  # by topic name
    weakest: list[TopicSummary]  # lowest score first, below STRONG_SCORE

    @property
    def score(self) -> float:
        scores = [q.score for q in self.questions]
        return sum(scores) / len(scores) if scores else 0.0


def summarize(session: Session, interview: Interview) -> Summary:
    """Every answered question with its checklist and time, and scores per topic."""
    rows = []
    for question in interview.questions:
        if question.answered_at is None:
            continue
        card = session.get(Card, question.card_id)
        assert card is not None
        items = checklist(card, question.answer_text or "", question.marks)
        rows.append(QuestionSummary(question, card, items, time_taken(interview, question)))
    by_topic: dict[str, list[QuestionSummary]] = defaultdict(list)
    for row in rows:
        by_topic[row.card.topic_id].append(row)
    topics = [
        TopicSummary(
            topic,
            sum(r.score for r in group) / len(group),
            len(group),
            [r.card for r in group],
        )
        for topic, group in sorted(by_topic.items())
    ]
    weakest = sorted(
        (t for t in topics if t.score < STRONG_SCORE), key=lambda t: (t.score, t.topic)
    )
    return Summary(interview, rows, topics, weakest[:WEAKEST_SHOWN])


def save_marks(session: Session, interview: Interview, marks: dict[int, list[bool]]) -> None:
    """Store the user's flipped marks (by question position) and the interview's new score."""
    with write(session, interview.user_id):
        for question in interview.questions:
            new = marks.get(question.position)
            if new is not None and question.marks is not None and len(new) == len(question.marks):
                question.marks = list(new)
        if interview.finished_at is not None:
            _finish(interview, interview.finished_at)


@dataclass(frozen=True)
class Scheduled:
    """What scheduling did: reviews recorded, and questions skipped with the reason."""

    recorded: list[reviews.ReviewResult]
    skipped: list[tuple[int, str]]


def review_token(interview: Interview, question: InterviewQuestion) -> str:
    """One token per question, so scheduling twice records each review once."""
    return f"interview-{interview.id}-{question.position}"


def schedule(
    session: Session,
    ctx: UserContext,
    interview: Interview,
    ratings: dict[int, int],
    now: datetime,
) -> Scheduled:
    """Record the confirmed grades as FSRS reviews (with the typed answers and times)."""
    if interview.finished_at is None:
        raise InterviewError("finish the interview before scheduling its reviews")
    recorded, skipped = [], []
    for question in interview.questions:
        rating = ratings.get(question.position)
        if rating is None:
            continue
        taken = time_taken(interview, question)
        try:
            result = reviews.grade(
                session,
                ctx,
                question.card_id,
                rating,
                now,
                review_token=review_token(interview, question),
                duration_ms=int(taken.total_seconds() * 1000) if taken else None,
                answer_text=question.answer_text,
            )
        except reviews.StudyError as error:
            skipped.append((question.position, error.message))
            continue
        recorded.append(result)
        with write(session, interview.user_id):
            question.rating, question.review_id = result.rating, result.review_id
    with write(session, interview.user_id):
        interview.scheduled_at = interview.scheduled_at or now
    return Scheduled(recorded, skipped)


def history(session: Session, user_id: int) -> list[Interview]:
    """The user's finished interviews, oldest first."""
    return list(
        session.scalars(
            select(Interview)
            .where(Interview.user_id == user_id, Interview.finished_at.is_not(None))
            .order_by(Interview.started_at, Interview.id)
        )
    )


def unfinished(session: Session, user_id: int) -> Interview | None:
    """The user's latest interview still in progress, to offer resuming it."""
    return session.scalars(
        select(Interview)
        .where(Interview.user_id == user_id, Interview.finished_at.is_(None))
        .order_by(Interview.started_at.desc(), Interview.id.desc())
        .limit(1)
    ).first()


def tied_to(session: Session, user_id: int, date_id: int) -> list[Interview]:
    """The user's interviews that rehearsed this interview date, oldest first."""
    return list(
        session.scalars(
            select(Interview)
            .where(Interview.user_id == user_id, Interview.interview_date_id == date_id)
            .order_by(Interview.started_at, Interview.id)
        )
    )
