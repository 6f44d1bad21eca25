"""Fit FSRS parameters to a user's own answers with fsrs-rs (no torch), and compare log loss."""

from __future__ import annotations

import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

import numpy as np
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from fsrs_rs_python import FSRS, FSRSItem, FSRSReview
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import write
from app.models import ReviewLog
from app.study import hours
from app.study.days import StudyCalendar
from app.study.fit_log import ParameterFit
from app.study.preferences import UserContext, save_parameters, user_context
from app.study.rebuild import rebuild_user
from app.study.scheduler import LogKind

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


FIT_REVIEW_BUDGET = 2_000_000
"""Reviews, summed over its items, that one fit reads at most. Each item carries its card's
whole history up to the answer it predicts, so at a million answers the items held 40 million
reviews: 2.2 GB and 111 s in the server after a grade. Beyond it, a fixed random sample of
cards is kept with all their items, so short and long histories stay in their proportions."""


def timed_training_items(
    histories: Iterable[Sequence[tuple[int, datetime]]],
    calendar: StudyCalendar,
    budget: int = FIT_REVIEW_BUDGET,
) -> list[tuple[datetime, FSRSItem]]:
    """fsrs-rs items: for each answer on a later study day, the card's history up to it, for
    as many cards as fit ``budget`` reviews in all (all of them, but for a very long log).

    ``delta_t`` is the number of study days since the card's previous answer (0 on the first);
    each item comes with the time of its last answer, for a split by time. The histories are
    kept as numbers until the cards are chosen, so a long log costs megabytes, not gigabytes.
    """
    cards: list[tuple[array[int], array[int], array[int], array[float]]] = []
    for history in histories:
        # Per card: ratings and deltas; for each item, its length and the time it ends.
        ratings, deltas, lengths, ends = array("B"), array("l"), array("l"), array("d")
        previous = None
        for rating, at in history:
            day = calendar.day_of(at)
            delta = 0 if previous is None else (day - previous).days
            ratings.append(rating)
            deltas.append(delta)
            if delta > 0:
                lengths.append(len(ratings))
                ends.append(at.timestamp())
            previous = day
        if ends:
            cards.append((ratings, deltas, lengths, ends))
    kept, room = [], budget
    for card in np.random.default_rng(0).permutation(len(cards)).tolist():
        weight = sum(cards[card][2])  # the reviews its items hold
        if weight <= room:
            kept.append(card)
            room -= weight
    items = []
    for card in sorted(kept):
        ratings, deltas, lengths, ends = cards[card]
        reviews = [FSRSReview(r, d) for r, d in zip(ratings, deltas, strict=True)]
        for length, at in zip(lengths, ends, strict=True):
            items.append((datetime.fromtimestamp(at, UTC), FSRSItem(reviews[:length])))
    return items


def training_items(
    histories: Iterable[Sequence[tuple[int, datetime]]], calendar: StudyCalendar
) -> list[FSRSItem]:
    return [item for _, item in timed_training_items(histories, calendar)]


def user_histories(session: Session, ctx: UserContext) -> Iterator[list[tuple[int, datetime]]]:
    """Each card's non-cram answers, in the order they were given, read a card at a time."""
    rows = session.execute(
        select(ReviewLog.card_id, ReviewLog.rating, ReviewLog.reviewed_at)
        .where(ReviewLog.user_id == ctx.user_id, ReviewLog.kind != LogKind.CRAM)
        .order_by(ReviewLog.card_id, ReviewLog.id)
        .execution_options(yield_per=10_000)
    )
    for _, group in groupby(rows, key=lambda r: r.card_id):
        yield [(r.rating, r.reviewed_at) for r in group]


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


# Automatic optimization: re-fit in the background after every N new answers, keep the fit only
# when it predicts the later, held-out part of the user's history better (as the FSRS
# benchmark scores a model: log loss, and RMSE over bins).
HELD_OUT_SHARE = 0.2


def time_split(
    timed: list[tuple[datetime, FSRSItem]], held_out: float = HELD_OUT_SHARE
) -> tuple[list[FSRSItem], list[FSRSItem]]:
    """Items answered earlier to fit on, and the latest ``held_out`` share to score on."""
    ordered = [item for _, item in sorted(timed, key=lambda pair: pair[0])]
    cut = len(ordered) - max(1, round(len(ordered) * held_out))
    return ordered[:cut], ordered[cut:]


def answer_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(ReviewLog.user_id == user_id, ReviewLog.kind != LogKind.CRAM)
        )
        or 0
    )


LAST_FIT = (
    select(ParameterFit.fitted_at, ParameterFit.reviews)
    .where(ParameterFit.user_id == bindparam("user_id"))
    .order_by(ParameterFit.fitted_at.desc(), ParameterFit.id.desc())
    .limit(1)
)
START = datetime(1970, 1, 1, tzinfo=UTC)
REFIT_GROWTH = 10
"""A re-fit also waits for a tenth more answers than the last fit saw: at a million answers a
fit and the replay of the log it adopts take about 100 s, and 500 more answers change nothing."""


def answers_before_fit(session: Session, user_id: int, every: int) -> int:
    """How many more answers a re-fit waits for (0: it is due): ``every`` since the last
    automatic fit (or since the start), and a tenth of what that fit saw. Counted from
    ``review_hours``, an hour at a time; counting the log took 164 ms at a million answers."""
    last = session.execute(LAST_FIT, {"user_id": user_id}).first()
    since, seen = (last.fitted_at, last.reviews) if last else (START, 0)
    learn, review, relearn, *_ = hours.range_counts(session, user_id, [since, hours.FAR_FUTURE])[0]
    return max(0, max(every, seen // REFIT_GROWTH) - int(learn + review + relearn))


def auto_fit(session: Session, ctx: UserContext, now: datetime) -> ParameterFit | None:
    """Fit on the earlier answers, score old and new on the later ones, adopt only if better.

    None when the history is too short to fit (``MIN_TRAINING_ITEMS`` items to train on).
    """
    timed = timed_training_items(user_histories(session, ctx), ctx.calendar)
    train, test = time_split(timed)
    if len(train) < MIN_TRAINING_ITEMS:
        return None
    old = [float(p) for p in ctx.config.parameters]
    fitted = clip_to_fsrs_bounds(FSRS(old).compute_parameters(train))
    before, after = FSRS(old).evaluate(test), FSRS(fitted).evaluate(test)
    fit = ParameterFit(
        user_id=ctx.user_id, fitted_at=now, reviews=answer_count(session, ctx.user_id),
        train_items=len(train), test_items=len(test),
        old_log_loss=before.log_loss, new_log_loss=after.log_loss,
        old_rmse=before.rmse_bins, new_rmse=after.rmse_bins,
        adopted=after.log_loss < before.log_loss, parameters=fitted,
    )  # fmt: skip
    with write(session, ctx.user_id):
        session.add(fit)
        if fit.adopted:
            save_parameters(session, ctx.user_id, fitted)
    if fit.adopted:
        fresh = user_context(
            session, ctx.user_id, ctx.zone_name, enable_fuzzing=ctx.config.enable_fuzzing
        )
        rebuild_user(session, fresh, now=now)
    return fit


# Users whose automatic fit is running in this process. A fit over a long history takes a while;
# until it is logged every answer finds the user still due, and each started a fit of its own:
# at 1,000,000 logs, eight grading clients ran dozens at once (9 GB, the connection pool drained).
_fitting: set[int] = set()
_fitting_lock = threading.Lock()


@contextmanager
def first_fit(user_id: int) -> Iterator[bool]:
    """True for the one caller that may fit this user now; False while another fit runs."""
    with _fitting_lock:
        free = user_id not in _fitting
        _fitting.add(user_id)
    try:
        yield free
    finally:
        if free:
            with _fitting_lock:
                _fitting.discard(user_id)


class RefitTrigger:
    """After each grade, whether to re-fit in the background, asking the database only when
    this process's count of the answers still needed runs out. Asking after every grade (a
    session, two statements and a threadpool hand-off) cost 1.2 ms of a grade's 3.5 ms of CPU.
    Answers given through other processes are not counted here, so with several processes a
    fit comes later, never sooner, than ``every`` answers."""

    def __init__(self, every: int) -> None:
        self.every = every
        self._left: dict[int, int] = {}
        self._lock = threading.Lock()

    def answered(self, user_id: int) -> bool:
        """Count one answer; True when the database should be asked (``check``)."""
        if self.every <= 0:
            return False
        with self._lock:
            self._left[user_id] = left = self._left.get(user_id, 0) - 1
        return left <= 0

    def check(
        self, sessions: sessionmaker[Session], user_id: int, zone: str | None, now: datetime
    ) -> None:
        """Run after the answer's response is sent: re-fit when it is due, unless a fit of this
        user is already running."""
        with first_fit(user_id) as free:
            if not free:
                return
            with sessions() as session:
                left = answers_before_fit(session, user_id, self.every)
                if not left:
                    auto_fit(session, user_context(session, user_id, zone), now)
            with self._lock:
                self._left[user_id] = left


def recent_fits(session: Session, user_id: int, limit: int = 10) -> list[ParameterFit]:
    return list(
        session.scalars(
            select(ParameterFit)
            .where(ParameterFit.user_id == user_id)
            .order_by(ParameterFit.fitted_at.desc(), ParameterFit.id.desc())
            .limit(limit)
        )
    )
