"""Fit FSRS parameters to a user's own answers with fsrs-rs (no torch), and compare log loss."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from fsrs_rs_python import FSRS, FSRSItem, FSRSReview
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ReviewLog
from app.study.days import StudyCalendar
from app.study.preferences import UserContext
from app.study.scheduler import CRAM

MIN_TRAINING_ITEMS = 400
"""Answers given on a later study day than the card's previous answer, needed to optimize."""


@dataclass(frozen=True)
class Optimization:
    """Either fitted parameters with old and new log loss, or how many more answers to give."""

    items: int
    needed: int
    old_parameters: list[float]
    new_parameters: list[float] | None = None
    old_log_loss: float | None = None
    new_log_loss: float | None = None

    @property
    def enough_history(self) -> bool:
        return self.needed == 0

    @property
    def message(self) -> str:
        if not self.enough_history:
            return (
                f"Optimizing needs at least {MIN_TRAINING_ITEMS} answers given on a later day "
                f"than the card's previous one; you have {self.items}, so {self.needed} more "
                "are needed."
            )
        return (
            f"Fitted to {self.items} answers: log loss {self.old_log_loss:.4f} with the "
            f"current parameters, {self.new_log_loss:.4f} with the new ones."
        )


def training_items(
    histories: Iterable[Sequence[tuple[int, datetime]]], calendar: StudyCalendar
) -> list[FSRSItem]:
    """fsrs-rs items: for each answer on a later study day, the card's history up to it.

    ``delta_t`` is the number of study days since the card's previous answer (0 on the first).
    """
    items = []
    for history in histories:
        reviews: list[FSRSReview] = []
        previous = None
        for rating, at in history:
            day = calendar.day_of(at)
            delta = 0 if previous is None else (day - previous).days
            reviews.append(FSRSReview(rating, delta))
            if delta > 0:
                items.append(FSRSItem(list(reviews)))
            previous = day
    return items


def user_histories(session: Session, ctx: UserContext) -> list[list[tuple[int, datetime]]]:
    """Each card's non-cram answers, in the order they were given."""
    rows = session.execute(
        select(ReviewLog.card_id, ReviewLog.rating, ReviewLog.reviewed_at)
        .where(ReviewLog.user_id == ctx.user_id, ReviewLog.kind != CRAM)
        .order_by(ReviewLog.card_id, ReviewLog.id)
    )
    by_card = groupby(rows, key=lambda r: r.card_id)
    return [[(r.rating, r.reviewed_at) for r in group] for _, group in by_card]


def clip_to_fsrs_bounds(parameters: Sequence[float]) -> list[float]:
    """Keep fitted values inside the ranges the fsrs scheduler accepts."""
    return [
        min(max(float(p), low), high)
        for p, low, high in zip(
            parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True
        )
    ]


def optimize(items: list[FSRSItem], current: Sequence[float]) -> Optimization:
    """Fit parameters to ``items`` when there are enough, and evaluate old and new."""
    old = [float(p) for p in current]
    needed = max(0, MIN_TRAINING_ITEMS - len(items))
    if needed:
        return Optimization(items=len(items), needed=needed, old_parameters=old)
    fitted = clip_to_fsrs_bounds(FSRS(old).compute_parameters(items))
    return Optimization(
        items=len(items),
        needed=0,
        old_parameters=old,
        new_parameters=fitted,
        old_log_loss=FSRS(old).evaluate(items).log_loss,
        new_log_loss=FSRS(fitted).evaluate(items).log_loss,
    )


def optimize_user(session: Session, ctx: UserContext) -> Optimization:
    return optimize(
        training_items(user_histories(session, ctx), ctx.calendar), ctx.config.parameters
    )


def parse_parameters(text: str) -> list[float]:
    """Parameters posted back from the confirm form: 21 comma-separated numbers in bounds."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError("parameters must be comma-separated numbers") from None
    if len(values) != len(LOWER_BOUNDS_PARAMETERS):
        raise ValueError(f"expected {len(LOWER_BOUNDS_PARAMETERS)} parameters, got {len(values)}")
    if clip_to_fsrs_bounds(values) != values:
        raise ValueError("a parameter is outside the range FSRS accepts")
    return values
