"""``review_states`` rows as scheduler :class:`CardState` values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from app.db import read_connection
from app.models import ReviewState
from app.study.scheduler import NEW_CARD, CardState, State


def card_state(row: ReviewState | Row[Any] | None) -> CardState:
    """The scheduler's view of a row; no row, or a row never reviewed, is a new card."""
    if row is None or row.reps == 0:
        return NEW_CARD
    return CardState(
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=row.due,
        last_review=row.last_review,
        reps=row.reps,
        lapses=row.lapses,
    )


def get_row(session: Session, user_id: int, card_id: str) -> ReviewState | None:
    return session.get(ReviewState, (user_id, card_id))


STATE_ROW = select(*ReviewState.__table__.c).where(
    ReviewState.user_id == bindparam("user_id"), ReviewState.card_id == bindparam("card_id")
)


def read_state(session: Session, user_id: int, card_id: str) -> CardState:
    """A card's state for a read (a preview), from its row's plain values."""
    params = {"user_id": user_id, "card_id": card_id}
    return card_state(read_connection(session).execute(STATE_ROW, params).first())


def ensure_row(session: Session, user_id: int, card_id: str, now: datetime) -> ReviewState:
    """The card's row, creating a "new card" row (reps 0) to hold a suspend or bury flag."""
    row = get_row(session, user_id, card_id)
    if row is None:
        row = ReviewState(user_id=user_id, card_id=card_id, suspended=False, buried_until=None)
        set_new(row, now)
        session.add(row)
    return row


def set_new(row: ReviewState, now: datetime) -> None:
    """Reset a row to a never-reviewed card, keeping its suspend and bury flags."""
    row.state = int(State.Learning)
    row.step = 0
    row.stability = None
    row.difficulty = None
    row.due = now
    row.last_review = None
    row.reps = 0
    row.lapses = 0


def write_state(row: ReviewState, state: CardState) -> None:
    """Copy a reviewed card's scheduling state into its row."""
    assert state.state is not None and state.due is not None
    row.state = int(state.state)
    row.step = state.step
    row.stability = state.stability
    row.difficulty = state.difficulty
    row.due = state.due
    row.last_review = state.last_review
    row.reps = state.reps
    row.lapses = state.lapses


def is_new_row_removable(row: ReviewState) -> bool:
    """A never-reviewed row with no flag carries no information and can be deleted."""
    return row.reps == 0 and not row.suspended and row.buried_until is None
