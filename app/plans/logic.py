"""Interview dates without a database: input rules, the forecast of recall on the day, the plan.

Everything FSRS computes comes from ``app.study.scheduler`` (the `fsrs` package): the recall a
card's stored state predicts at the interview's moment, and the states a simulated review gives.
Nothing here imports FastAPI or SQLAlchemy.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

from app.content.schema import KEBAB_PATTERN, Level
from app.plans.easy_days import NORMAL, EasyDaysIn, scaled
from app.study.days import StudyCalendar
from app.study.scheduler import (
    NEW_CARD,
    SCHEDULING_ERRORS,
    CardState,
    Rating,
    SchedulerConfig,
    State,
    retrievability,
    review,
)

MAX_NAME = 200
MAX_TOPICS = 100
MAX_TAGS = 50
MAX_WEIGHT = 100.0
MAX_DAYS_AHEAD = 730  # the plan simulates every day up to the date: two years at most
DATE_ONLY_HOUR = 9  # "2027-03-01" means 09:00 in the user's zone
MAX_BUDGET = 9999
MAX_MARGIN = 365
DEFAULT_MARGIN = 3
DEFAULT_TARGET = 0.9
MIN_TARGET, MAX_TARGET = 0.5, 0.99
CHART_POINTS = 120


class TopicWeight(BaseModel):
    """One topic an interview date covers, and how much it counts."""

    topic: str = Field(min_length=1, max_length=64, description="A topic id")
    weight: float = Field(1.0, gt=0, le=MAX_WEIGHT, allow_inf_nan=False)


class InterviewDateIn(BaseModel):
    """An interview date as the API and the form take it."""

    name: str = Field(min_length=1, max_length=MAX_NAME, examples=["Acme, ML engineer"])
    at: str = Field(
        min_length=10,
        max_length=40,
        description="ISO date (09:00 in your time zone) or date and time",
        examples=["2027-03-01", "2027-03-01T14:30", "2027-03-01T14:30:00+01:00"],
    )
    topics: list[TopicWeight] = Field(
        default_factory=list, max_length=MAX_TOPICS, description="Empty: the whole bank"
    )
    levels: list[Level] = Field(
        default_factory=list, max_length=3, description="Only cards of these levels; empty: all"
    )
    tags: list[Annotated[str, Field(pattern=KEBAB_PATTERN, max_length=64)]] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description="Only cards with at least one of these tags; empty: any",
    )

    @field_validator("name")
    @classmethod
    def _stripped(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()


@dataclass(frozen=True)
class Issue:
    """One refused input field, shaped like a FastAPI validation issue."""

    field: str
    message: str
    index: int | None = None

    def loc(self) -> list[str | int]:
        parts: list[str | int] = ["body", self.field]
        if self.index is not None:
            parts += [self.index, "topic"] if self.field == "topics" else [self.index]
        return parts


def parse_moment(text: str, zone: str) -> datetime:
    """An ISO date or date-time as a UTC instant; a date alone means 09:00 in ``zone``.

    Raises:
        ValueError: the text is neither.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            local = datetime.combine(day, time(DATE_ONLY_HOUR), tzinfo=ZoneInfo(zone))
        else:
            local = datetime.fromisoformat(text)
            if local.tzinfo is None:
                local = local.replace(tzinfo=ZoneInfo(zone))
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(
            f"{text!r} is not an ISO date (2027-03-01) or date and time (2027-03-01T14:30)"
        ) from None


def check(
    data: InterviewDateIn,
    now: datetime,
    zone: str,
    known_topics: Sequence[str],
    known_tags: Collection[str] = (),
) -> tuple[datetime | None, list[Issue]]:
    """The interview's moment, or the issues: a past or far moment, unknown or repeated topics,
    tags no card has."""
    issues: list[Issue] = []
    at: datetime | None = None
    try:
        at = parse_moment(data.at, zone)
    except ValueError as error:
        issues.append(Issue("at", str(error)))
    if at is not None and at <= now:
        issues.append(Issue("at", "the interview date must be in the future"))
    elif at is not None and at > now + timedelta(days=MAX_DAYS_AHEAD):
        issues.append(Issue("at", f"the interview date must be within {MAX_DAYS_AHEAD} days"))
    known, seen = set(known_topics), set()
    for i, item in enumerate(data.topics):
        if item.topic not in known:
            issues.append(Issue("topics", f"unknown topic {item.topic!r}", i))
        elif item.topic in seen:
            issues.append(Issue("topics", f"topic {item.topic!r} is listed twice", i))
        seen.add(item.topic)
    for i, tag in enumerate(data.tags):
        if tag not in known_tags:
            issues.append(Issue("tags", f"no card has the tag {tag!r}", i))
    return (at if not issues else None), issues


@dataclass(frozen=True)
class Scope:
    """Which cards an interview date covers: topics (with weights), levels, tags; empty: all."""

    weights: dict[str, float]
    levels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScopeCard:
    """A card an interview date covers, with the user's stored state of it."""

    card_id: str
    topic: str
    state: CardState
    suspended: bool = False

    @property
    def learned(self) -> bool:
        return not self.state.is_new


def recall_at(config: SchedulerConfig, state: CardState, at: datetime) -> float:
    """FSRS's probability of recalling the card at ``at`` if not reviewed before; 0 if new.

    A stored state fsrs cannot read (an older version's damage) counts as not known.
    """
    try:
        value = retrievability(config, state, at)
    except SCHEDULING_ERRORS:
        return 0.0
    return value if math.isfinite(value) else 0.0


def card_weights(cards: Sequence[ScopeCard], weights: dict[str, float]) -> list[float]:
    """Each card's share of the overall figure.

    With topic weights, a topic counts by its weight whatever its size (its cards share it);
    for the whole bank (no weights), every card counts the same.
    """
    if not weights:
        return [1.0] * len(cards)
    sizes: dict[str, int] = {}
    for c in cards:
        sizes[c.topic] = sizes.get(c.topic, 0) + 1
    return [weights.get(c.topic, 0.0) / sizes[c.topic] for c in cards]


def weighted_mean(values: Sequence[float], weights: Sequence[float]) -> float:
    total = sum(weights)
    return sum(v * w for v, w in zip(values, weights, strict=True)) / total if total else 0.0


@dataclass(frozen=True)
class TopicForecast:
    topic: str
    weight: float
    cards: int
    learned: int
    expected_recall: float


@dataclass(frozen=True)
class CardForecast:
    card_id: str
    topic: str
    retrievability: float
    learned: bool


@dataclass(frozen=True)
class Forecast:
    """Predicted recall at the interview's moment, per card, per topic (weakest first), overall."""

    at: datetime
    overall: float
    topics: list[TopicForecast]
    cards: list[CardForecast]

    @property
    def not_learned(self) -> list[CardForecast]:
        return [c for c in self.cards if not c.learned]


def forecast(
    config: SchedulerConfig, cards: Sequence[ScopeCard], weights: dict[str, float], at: datetime
) -> Forecast:
    """What the user would recall at ``at`` if they studied nothing more."""
    per_card = [
        CardForecast(c.card_id, c.topic, recall_at(config, c.state, at), c.learned) for c in cards
    ]
    by_topic: dict[str, list[CardForecast]] = {}
    for c in per_card:
        by_topic.setdefault(c.topic, []).append(c)
    topics = [
        TopicForecast(
            topic=topic,
            weight=weights.get(topic, float(len(members))) if weights else float(len(members)),
            cards=len(members),
            learned=sum(m.learned for m in members),
            expected_recall=sum(m.retrievability for m in members) / len(members),
        )
        for topic, members in by_topic.items()
    ]
    topics.sort(key=lambda t: (t.expected_recall, -t.weight, t.topic))
    overall = weighted_mean([c.retrievability for c in per_card], card_weights(cards, weights))
    return Forecast(at=at, overall=overall, topics=topics, cards=per_card)


# ---------------------------------------------------------------------------------------------
# The plan: new cards per day up to a margin before the date, then a final review pass.


class PlanRequest(BaseModel):
    """The choices of a plan: daily new-card budget, margin before the date, target recall."""

    budget: int = Field(20, ge=1, le=MAX_BUDGET, description="New cards per day")
    margin: int = Field(DEFAULT_MARGIN, ge=0, le=MAX_MARGIN, description="Days before the date")
    target: float = Field(
        DEFAULT_TARGET, ge=MIN_TARGET, le=MAX_TARGET, allow_inf_nan=False,
        description="Recall on the day below which the final pass reviews a card",
    )  # fmt: skip


@dataclass
class PlanDay:
    day: date
    moment: datetime
    new_cards: list[str]
    reviews: int = 0
    final_pass: list[str] | None = None
    recall_on_the_day: float = 0.0  # expected recall at the interview, after this day's work


@dataclass(frozen=True)
class Plan:
    request: PlanRequest
    learn_by: date | None  # the last day new cards are introduced (None: no day is left)
    to_learn: int  # in-scope cards never studied (suspended ones left out)
    planned: int  # of which the plan introduces before the margin
    needed_budget: int | None  # the smallest budget that learns them all in time (None: none)
    days: list[PlanDay]
    baseline: float  # expected recall on the day if nothing more is done
    expected: float  # ... if the plan is followed

    @property
    def fits(self) -> bool:
        return self.planned == self.to_learn


def study_moments(
    calendar: StudyCalendar, now: datetime, at: datetime
) -> list[tuple[date, datetime]]:
    """Each study day from today to the interview's, with the moment the plan studies on it.

    Today's work happens now, every later day at the same local time (a DST change keeps the
    hour; the 04:00 day start decides which study day it is). A day whose moment is not before
    the interview has no study.
    """
    today = calendar.day_of(now)
    local = now.astimezone(calendar.zone)
    moments = []
    for i in range((calendar.day_of(at) - today).days + 1):
        day = today + timedelta(days=i)
        wall = datetime.combine(local.date() + timedelta(days=i), local.time(), calendar.zone)
        moment = wall.astimezone(UTC)
        if moment < at:
            moments.append((day, moment))
    return moments


def _capacities(shares: Sequence[float], budget: int, done_today: int) -> list[int]:
    """New cards each day can take: the budget at the day's easy-day share, less today's."""
    room = [scaled(budget, share) for share in shares]
    return [max(0, r - done_today) if i == 0 else r for i, r in enumerate(room)]


def needed_budget(
    cards: int, days: int, done_today: int, shares: Sequence[float] | None = None
) -> int | None:
    """The smallest daily budget that introduces ``cards`` new cards in ``days`` days (each at
    its easy-day share; default: all normal)."""
    shares = [1.0] * days if shares is None else shares
    if cards == 0 or not any(shares):
        return None
    # Each day takes at most budget × share + 1 (rounded up): no smaller budget can do.
    budget = max(1, math.floor((cards - len(shares)) / sum(shares)))
    while sum(_capacities(shares, budget, done_today)) < cards:
        budget += 1
    return budget


def _learn(config: SchedulerConfig, state: CardState, at: datetime, key: str) -> CardState:
    """Answer Good at ``at`` and through every learning step until the card is in review."""
    moment = at
    state = review(config, state, Rating.Good, moment, key).after
    while state.state != State.Review and state.due is not None:
        moment = max(moment, state.due)
        state = review(config, state, Rating.Good, moment, key).after
    return state


def make_plan(
    config: SchedulerConfig,
    calendar: StudyCalendar,
    cards: Sequence[ScopeCard],
    weights: dict[str, float],
    now: datetime,
    at: datetime,
    request: PlanRequest,
    *,
    new_done_today: int = 0,
    easy: EasyDaysIn = NORMAL,
    review_limit: int | None = None,
) -> Plan:
    """Which new cards to introduce on which days, and what recall on the day that gives.

    The projection simulates every card with FSRS (the `fsrs` package, the user's parameters and
    desired retention, no fuzz): a new card is answered Good on its day and through its learning
    steps; a learned card is answered Good each day it falls due; on the last study day before
    the interview every card whose predicted recall on the day is below the target is reviewed.
    Easy days (``easy``) take their share of the budget and of ``review_limit`` (reviews beyond
    it wait for the next day); the last study day's final pass is not cut.
    """
    config = replace(config, enable_fuzzing=False)
    moments = study_moments(calendar, now, at)
    interview_day = calendar.day_of(at)
    last_new = interview_day - timedelta(days=request.margin)
    new_days = [i for i, (day, _) in enumerate(moments) if day <= last_new]
    order = {c.card_id: i for i, c in enumerate(cards)}
    fresh = sorted(
        (c for c in cards if not c.learned and not c.suspended),
        key=lambda c: (-weights.get(c.topic, 1.0), order[c.card_id]),
    )
    shares = [easy.share(moments[i][0]) for i in new_days]
    capacities = _capacities(shares, request.budget, new_done_today)
    assignment: dict[int, list[str]] = {}
    queue = iter(fresh)
    for i, room in zip(new_days, capacities, strict=True):
        assignment[i] = [c.card_id for _, c in zip(range(room), queue, strict=False)]
    planned = sum(len(ids) for ids in assignment.values())
    share = card_weights(cards, weights)
    states = {c.card_id: c.state for c in cards}
    recall = {c.card_id: recall_at(config, c.state, at) for c in cards}
    baseline = weighted_mean([recall[c.card_id] for c in cards], share)
    days: list[PlanDay] = []
    for i, (day, moment) in enumerate(moments):
        plan_day = PlanDay(day, moment, assignment.get(i, []))
        for card_id in plan_day.new_cards:
            states[card_id] = _learn(config, NEW_CARD, moment, card_id)
            recall[card_id] = recall_at(config, states[card_id], at)
        _, day_end = calendar.day_bounds(moment)
        until = min(day_end, at)
        review_room = None if review_limit is None else scaled(review_limit, easy.share(day))
        for c in cards:
            state = states[c.card_id]
            if c.suspended or state.is_new or c.card_id in plan_day.new_cards:
                continue
            if review_room is not None and plan_day.reviews >= review_room:
                break
            if state.due is not None and state.due < until:
                states[c.card_id] = _safe_learn(config, state, max(moment, state.due), c.card_id)
                recall[c.card_id] = recall_at(config, states[c.card_id], at)
                plan_day.reviews += 1
        if i == len(moments) - 1:
            plan_day.final_pass = [
                c.card_id
                for c in cards
                if not c.suspended
                and not states[c.card_id].is_new
                and recall[c.card_id] < request.target
            ]
            for card_id in plan_day.final_pass:
                states[card_id] = _safe_learn(config, states[card_id], moment, card_id)
                recall[card_id] = recall_at(config, states[card_id], at)
        plan_day.recall_on_the_day = weighted_mean([recall[c.card_id] for c in cards], share)
        days.append(plan_day)
    expected = days[-1].recall_on_the_day if days else baseline
    return Plan(
        request=request,
        learn_by=moments[new_days[-1]][0] if new_days else None,
        to_learn=len(fresh),
        planned=planned,
        needed_budget=needed_budget(len(fresh), len(new_days), new_done_today, shares),
        days=days,
        baseline=baseline,
        expected=expected,
    )


def _safe_learn(config: SchedulerConfig, state: CardState, at: datetime, key: str) -> CardState:
    """A simulated Good answer; a state fsrs cannot continue from stays as it is."""
    try:
        return _learn(config, state, at, key)
    except SCHEDULING_ERRORS:
        return state
