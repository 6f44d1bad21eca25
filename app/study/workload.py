"""Workload vs desired retention ("Help me decide"), projected from the user's own collection.

For each desired retention from 0.70 to 0.97 the projection starts from the user's cards as
they are now — every reviewed, unsuspended card's FSRS state (stability, difficulty, due, last
review) and the unstudied cards the queue would introduce — and steps through the next N study
days with the user's parameters and steps: the `fsrs` package's Scheduler (desired retention r,
no fuzz) schedules every answer and gives the retrievability that decides it. Each day, at the
time of day the user is studying now (or when a card falls due later that day), it answers the
cards due that day, most overdue first: learning steps without limit, reviews up to the review
limit (the rest wait for the next day); then it introduces new cards up to the new-card limit.
Both limits take the day's easy-day share, as the study queue applies them, and today's are
less what was done today.
(fsrs-rs-python 0.9.3's ``simulate`` cannot start there: it studies a fresh deck and takes no
existing cards; only its ``optimal_retention`` takes cards, and it returns one number.)

Recall is a seeded draw, not an expected value: a card's k-th simulated review is recalled when
a uniform number fixed by (card, k) is below fsrs's retrievability then. An expected-value
method would have to follow both outcomes of every review, a tree of states per card; seeded
draws keep one state per card, give the same numbers on every run, and give every retention
the same draws (common random numbers), so the differences between retentions come from the
retention, not from luck. A recalled card is answered Good, a forgotten one Again; learning and
relearning steps are answered Good. Memorized is the sum of fsrs's retrievability over every
card at the end of the horizon (a card never studied counts 0).

When more than ``MAX_CARDS`` cards would be simulated (the reviewed ones and the unstudied ones
the new-card limit lets in over the horizon), a fixed sample of ``MAX_CARDS`` is: the same
fraction of the reviewed cards (those whose card id hashes lowest), of the unstudied cards and
of the daily limits, and the counts are scaled back; the page says so. Results are cached per
collection state and hour.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

import fsrs
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.charts.lines import Line, Series, line_plot
from app.charts.svg import PAIR_WIDTH
from app.models import Card, ReviewState
from app.plans import easy_days
from app.plans.logic import study_moments
from app.study import queue, store
from app.study.days import StudyCalendar
from app.study.preferences import UserContext
from app.study.scheduler import (
    SCHEDULING_ERRORS,
    CardState,
    Rating,
    SchedulerConfig,
    State,
    fsrs_scheduler,
    fuzz_unit,
    retrievability,
    review,
    to_fsrs_card,
)
from app.study.scope import Filters

RETENTIONS = (0.70, 0.75, 0.80, 0.85, 0.88, 0.90, 0.92, 0.94, 0.95, 0.97)
DAYS = (30, 90, 180, 365)  # the horizons the settings page links to
MAX_DAYS = 365  # any horizon up to this one can be asked for
DEFAULT_DAYS = 90  # 0.07 s for the bank's 435 cards, 0.24 s for 1,000 (bench/workload.py)
MAX_CARDS = 1000  # cards simulated; a larger collection is sampled
METHOD = (
    "Simulated with FSRS (the fsrs package) from your cards as they are now: each reviewed "
    "card's stability, difficulty, due date and last review, plus your unstudied cards "
    "introduced at your new-card limit. Day by day, the cards due are reviewed up to your "
    "review limit (most overdue first; the rest wait a day), both limits at your easy days' "
    "share. A review is recalled when a seeded draw falls below the recall fsrs predicts for "
    "it (then answered Good, else Again), so the same collection always gives the same "
    "numbers. Memorized: the sum of each card's predicted recall at the end."
)


@dataclass(frozen=True)
class Collection:
    """What the projection starts from; hashable, so a result is cached per collection."""

    reviewed: tuple[tuple[str, CardState], ...]  # (card id, state), in card id order
    unstudied: int  # new cards the queue would introduce
    new_limit: int
    review_limit: int
    easy_percents: tuple[int, ...] = (100,) * 7  # Monday first
    new_done_today: int = 0
    reviews_done_today: int = 0


@dataclass(frozen=True)
class WorkloadPoint:
    desired_retention: float
    reviews_per_day: float  # answers to cards due for review, averaged over the days
    new_per_day: float
    memorized: float  # expected cards recalled (sum of retrievability) at the end
    reviews_by_day: tuple[float, ...]


@dataclass(frozen=True)
class Workload:
    days: int
    start: datetime
    end: datetime  # when "memorized" is counted
    reviewed_cards: int
    simulated_cards: int  # of the reviewed cards (fewer: a sample)
    unstudied_cards: int
    fraction: float  # of the collection and limits simulated (1.0: all of it)
    new_limit: int
    review_limit: int
    easy_percents: tuple[int, ...]
    points: tuple[WorkloadPoint, ...]

    @property
    def sampled(self) -> bool:
        return self.fraction < 1.0


@dataclass(frozen=True)
class _Day:
    moment: datetime  # when the day's work is done
    end: datetime  # reviews due before this are the day's
    new_room: int
    review_room: int


def _rooms(limit: int, shares: Sequence[float], done_today: int, fraction: float) -> list[int]:
    """Each day's limit at its easy-day share (today's less what is done), times ``fraction``
    accrued day by day, so a sample gets its share of whole cards over the days."""
    rooms, accrued, spent = [], 0.0, 0
    for i, share in enumerate(shares):
        allowed = easy_days.scaled(limit, share) - (done_today if i == 0 else 0)
        accrued += max(0, allowed) * fraction
        rooms.append(math.floor(accrued + 1e-9) - spent)
        spent += rooms[-1]
    return rooms


def _through_steps(
    scheduler: fsrs.Scheduler, card: fsrs.Card, at: datetime, until: datetime
) -> fsrs.Card:
    """Answer Good to every learning or relearning step that falls due before ``until``."""
    while card.state != State.Review and card.due < until:
        at = max(at, card.due)
        card, _ = scheduler.review_card(card, Rating.Good, review_datetime=at)
    return card


def _project(
    scheduler: fsrs.Scheduler,
    reviewed: Sequence[tuple[str, CardState]],
    unstudied: int,
    days: Sequence[_Day],
    end: datetime,
) -> tuple[list[int], list[int], float]:
    """Reviews and new cards per day, and the sum of retrievability at ``end``."""
    keys = [card_id for card_id, _ in reviewed]
    cards = [to_fsrs_card(state, end) for _, state in reviewed]  # none is new
    draws = [0] * len(cards)
    due = [(card.due, i) for i, card in enumerate(cards)]
    heapq.heapify(due)
    left = unstudied
    reviews_by_day, new_by_day = [], []
    for day in days:
        todays: list[tuple[datetime, int]] = []
        while due and due[0][0] < day.end:
            todays.append(heapq.heappop(due))
        reviews = 0
        for when, i in todays:
            card, at = cards[i], max(day.moment, when)
            if card.state == State.Review:
                if reviews >= day.review_room:
                    heapq.heappush(due, (when, i))  # waits for the next day
                    continue
                recalled = fuzz_unit(f"recall:{keys[i]}", draws[i]) < (
                    scheduler.get_card_retrievability(card, at)
                )
                draws[i] += 1
                reviews += 1
                card, _ = scheduler.review_card(
                    card, Rating.Good if recalled else Rating.Again, review_datetime=at
                )
            cards[i] = _through_steps(scheduler, card, at, day.end)
            heapq.heappush(due, (cards[i].due, i))
        introduced = min(day.new_room, left)
        left -= introduced
        for _ in range(introduced):
            card, _ = scheduler.review_card(
                fsrs.Card(card_id=0, due=day.moment), Rating.Good, review_datetime=day.moment
            )
            keys.append(f"new:{len(keys)}")
            cards.append(_through_steps(scheduler, card, day.moment, day.end))
            draws.append(0)
            heapq.heappush(due, (cards[-1].due, len(cards) - 1))
        reviews_by_day.append(reviews)
        new_by_day.append(introduced)
    memorized = sum(scheduler.get_card_retrievability(card, end) for card in cards)
    return reviews_by_day, new_by_day, memorized


@lru_cache(maxsize=16)
def simulate(
    config: SchedulerConfig,
    calendar: StudyCalendar,
    collection: Collection,
    start: datetime,
    days: int,
    retentions: tuple[float, ...] = RETENTIONS,
) -> Workload:
    """Project ``days`` days of study from ``start`` at each desired retention."""
    end = start + timedelta(days=days)
    moments = study_moments(calendar, start, end)
    shares = [collection.easy_percents[day.weekday()] / 100 for day, _ in moments]
    reachable = min(collection.unstudied, sum(_rooms(collection.new_limit, shares, 0, 1.0)))
    fraction = min(1.0, MAX_CARDS / max(1, len(collection.reviewed) + reachable))
    sample = _sample(collection.reviewed, fraction)
    unstudied = round(collection.unstudied * fraction)
    new_rooms = _rooms(collection.new_limit, shares, collection.new_done_today, fraction)
    review_rooms = _rooms(collection.review_limit, shares, collection.reviews_done_today, fraction)
    plan = [
        _Day(moment, min(calendar.day_bounds(moment)[1], end), new_room, review_room)
        for (_, moment), new_room, review_room in zip(moments, new_rooms, review_rooms, strict=True)
    ]
    points = []
    for retention in retentions if sample or unstudied else ():
        scheduler = fsrs_scheduler(replace(config, desired_retention=retention))
        reviews, new, memorized = _project(scheduler, sample, unstudied, plan, end)
        points.append(
            WorkloadPoint(
                desired_retention=retention,
                reviews_per_day=sum(reviews) / fraction / days,
                new_per_day=sum(new) / fraction / days,
                memorized=memorized / fraction,
                reviews_by_day=tuple(r / fraction for r in reviews),
            )
        )
    return Workload(
        days=days,
        start=start,
        end=end,
        reviewed_cards=len(collection.reviewed),
        simulated_cards=len(sample),
        unstudied_cards=collection.unstudied,
        fraction=fraction,
        new_limit=collection.new_limit,
        review_limit=collection.review_limit,
        easy_percents=collection.easy_percents,
        points=tuple(points),
    )


def _sample(
    reviewed: tuple[tuple[str, CardState], ...], fraction: float
) -> tuple[tuple[str, CardState], ...]:
    """``fraction`` of the cards, always the same ones: those whose id hashes lowest."""
    if fraction == 1.0:
        return reviewed
    keep = round(len(reviewed) * fraction)
    by_hash = sorted(reviewed, key=lambda card: hashlib.blake2b(card[0].encode()).digest())
    return tuple(by_hash[:keep])


def _schedulable(config: SchedulerConfig, state: CardState, card_id: str, now: datetime) -> bool:
    """fsrs gives this state a finite recall and can grade it (what the projection asks)."""
    try:
        review(config, state, Rating.Good, now, card_id)
        return math.isfinite(retrievability(config, state, now))
    except SCHEDULING_ERRORS:
        return False


def user_collection(session: Session, ctx: UserContext, now: datetime) -> Collection:
    """The user's reviewed, unsuspended cards, unstudied cards, limits, easy days and today's
    usage.

    A stored state fsrs cannot continue from (an older version's damage) is left out, as
    study passes it over.
    """
    rows = session.execute(
        select(Card.id, ReviewState)
        .join(ReviewState, and_(ReviewState.card_id == Card.id, ReviewState.user_id == ctx.user_id))
        .where(ReviewState.reps > 0, ReviewState.suspended.is_(False), Card.retired.is_(False))
        .order_by(Card.id)
    )
    states = ((card_id, store.card_state(row)) for card_id, row in rows)
    reviewed = [(card_id, s) for card_id, s in states if _schedulable(ctx.config, s, card_id, now)]
    usage = queue.usage_today(session, ctx, now)
    return Collection(
        reviewed=tuple(reviewed),
        unstudied=queue.new_count(session, ctx, Filters(), now),
        new_limit=ctx.settings.new_per_day,
        review_limit=ctx.settings.reviews_per_day,
        easy_percents=tuple(easy_days.load(session, ctx.user_id).percents()),
        new_done_today=usage.new_done,
        reviews_done_today=usage.reviews_done,
    )


def user_workload(
    session: Session,
    ctx: UserContext,
    now: datetime,
    days: int = DEFAULT_DAYS,
    retentions: tuple[float, ...] = RETENTIONS,
) -> Workload:
    """The projection for this user from the start of this hour, or of today's study day if
    later (so an unchanged collection is simulated once an hour, and today stays today)."""
    start = max(now.replace(minute=0, second=0, microsecond=0), ctx.calendar.day_bounds(now)[0])
    collection = user_collection(session, ctx, now)
    return simulate(ctx.config, ctx.calendar, collection, start, days, retentions)


def workload_charts(workload: Workload, current: float) -> list[str]:
    """Reviews per day and cards memorized against desired retention, the current one marked."""
    if not workload.points:
        return []
    x = [100 * p.desired_retention for p in workload.points]
    mark = [Line(100 * current, "yours")]
    reviews = line_plot(
        [Series(x, [p.reviews_per_day for p in workload.points], "reviews / day", kind="both")],
        title="Reviews per day",
        desc=f"Average reviews per day over {workload.days} days at each desired retention.",
        x_label="desired retention (%)",
        y_label="reviews per day",
        vlines=mark,
        width=PAIR_WIDTH,
    )
    memorized = line_plot(
        [Series(x, [p.memorized for p in workload.points], "memorized", kind="both")],
        title="Cards memorized",
        desc=f"Expected cards recalled after {workload.days} days at each desired retention.",
        x_label="desired retention (%)",
        y_label="cards memorized",
        vlines=mark,
        width=PAIR_WIDTH,
    )
    return [reviews, memorized]
