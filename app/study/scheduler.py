"""The FSRS scheduler (the `fsrs` package) behind a small, pure, UTC-only interface.

Nothing here imports FastAPI or SQLAlchemy: a card's scheduling state goes in as a
:class:`CardState`, a new one comes out, so the maths is tested in microseconds and replayed
from the review log by ``rebuild``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

import fsrs
from fsrs.scheduler import DEFAULT_PARAMETERS, FUZZ_RANGES

Rating = fsrs.Rating
State = fsrs.State

RATINGS = (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)
RATING_LABELS = {
    Rating.Again: "Again",
    Rating.Hard: "Hard",
    Rating.Good: "Good",
    Rating.Easy: "Easy",
}


class LogKind(StrEnum):
    """What one ``review_logs`` row records (its ``kind`` column holds these strings): an
    answer to a card in each FSRS state, or a cram answer that left the schedule alone."""

    LEARN = "learn"
    REVIEW = "review"
    RELEARN = "relearn"
    CRAM = "cram"


KIND_BY_STATE = {
    None: LogKind.LEARN,
    State.Learning: LogKind.LEARN,
    State.Review: LogKind.REVIEW,
    State.Relearning: LogKind.RELEARN,
}
# What fsrs raises for a state it cannot continue from (a missing stability read back from a
# stored NaN, a due date past year 9999): study passes such a card over, rebuild reports it.
SCHEDULING_ERRORS = (ValueError, OverflowError, ArithmeticError, TypeError, AssertionError)


@dataclass(frozen=True)
class SchedulerConfig:
    """One user's scheduler configuration (the fields of ``user_settings`` FSRS reads)."""

    desired_retention: float = 0.9
    learning_steps_minutes: tuple[float, ...] = (1.0, 10.0)
    relearning_steps_minutes: tuple[float, ...] = (10.0,)
    maximum_interval_days: int = 36500
    parameters: tuple[float, ...] = tuple(DEFAULT_PARAMETERS)
    enable_fuzzing: bool = True


@dataclass(frozen=True)
class CardState:
    """A card's scheduling state; ``state is None`` means the card has never been reviewed."""

    state: State | None = None
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    @property
    def is_new(self) -> bool:
        return self.state is None


NEW_CARD = CardState()


@dataclass(frozen=True)
class Outcome:
    """The result of one grade: the new state, its interval and the log kind."""

    before: CardState
    after: CardState
    rating: Rating
    reviewed_at: datetime
    kind: LogKind
    interval: timedelta = field(init=False)

    def __post_init__(self) -> None:
        assert self.after.due is not None
        object.__setattr__(self, "interval", self.after.due - self.reviewed_at)


def fuzzed_days(days: int, unit: float, maximum: int) -> int:
    """FSRS's fuzz of a review interval, with the uniform draw ``unit`` given.

    The fsrs package draws from the global ``random``; a fixed draw per (card, repetition)
    makes the previewed interval equal the one given on grading, and makes replays
    reproducible (Anki seeds its fuzz from the card id and repetition count the same way).
    The range is fsrs 6.3's (FUZZ_RANGES, rounding included).
    """
    if days < 2.5:
        return days
    delta = 1.0 + sum(
        r["factor"] * max(min(float(days), r["end"]) - r["start"], 0.0) for r in FUZZ_RANGES
    )
    high = min(round(days + delta), maximum)
    low = min(max(2, round(days - delta)), high)
    return min(round(unit * (high - low + 1) + low), maximum)


def parameters_problem(parameters: Sequence[float]) -> str | None:
    """Why ``fsrs`` would refuse these parameters (count, NaN, bounds), or None if it accepts them.

    The package's own check decides, so the bounds are always the ones the scheduler uses.
    """
    try:
        fsrs.Scheduler(parameters=tuple(float(p) for p in parameters))
    except (ValueError, TypeError, OverflowError) as error:
        first, *details = [line.strip() for line in str(error).splitlines() if line.strip()]
        shown = "; ".join(details[:3]) + ("; …" if len(details) > 3 else "")
        return f"{first.rstrip(':')}: {shown}" if shown else first
    return None


@lru_cache(maxsize=64)
def fsrs_scheduler(config: SchedulerConfig) -> fsrs.Scheduler:
    # Fuzz is applied by review() itself, from a fixed draw (see fuzzed_days).
    return fsrs.Scheduler(
        parameters=config.parameters,
        desired_retention=config.desired_retention,
        learning_steps=[timedelta(minutes=m) for m in config.learning_steps_minutes],
        relearning_steps=[timedelta(minutes=m) for m in config.relearning_steps_minutes],
        maximum_interval=config.maximum_interval_days,
        enable_fuzzing=False,
    )


def fuzz_unit(fuzz_key: str, reps: int) -> float:
    """A uniform number in [0, 1) fixed by the card's key and its repetition count."""
    digest = hashlib.blake2b(f"{fuzz_key}:{reps}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _require_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass timezone-aware UTC datetimes")
    return moment.astimezone(UTC)


def to_fsrs_card(current: CardState, now: datetime) -> fsrs.Card:
    """The `fsrs` package's card for a state (a new card is due ``now``)."""
    if current.state is None:
        return fsrs.Card(card_id=0, due=now)
    return fsrs.Card(
        card_id=0,
        state=current.state,
        step=current.step,
        stability=current.stability,
        difficulty=current.difficulty,
        due=current.due,
        last_review=current.last_review,
    )


def review(
    config: SchedulerConfig, current: CardState, rating: int, now: datetime, fuzz_key: str
) -> Outcome:
    """Grade a card at ``now`` (UTC).

    Args:
        config: the user's scheduler configuration.
        current: the card's state before the answer (``NEW_CARD`` for a new card).
        rating: 1..4 (Again, Hard, Good, Easy).
        now: the time of the answer, timezone-aware.
        fuzz_key: stable per user and card; with ``current.reps`` it fixes the fuzz draw.

    Returns:
        The outcome: state before and after, interval, and the log kind.
    """
    rating = Rating(rating)
    now = _require_utc(now)
    card, _ = fsrs_scheduler(config).review_card(
        to_fsrs_card(current, now), rating, review_datetime=now
    )
    if config.enable_fuzzing and card.state == State.Review:
        # As fsrs does with fuzzing on: the whole-day review interval gets fuzzed.
        days = (card.due - now).days
        unit = fuzz_unit(fuzz_key, current.reps)
        card.due = now + timedelta(days=fuzzed_days(days, unit, config.maximum_interval_days))
    lapse = current.state == State.Review and rating == Rating.Again
    after = CardState(
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=current.reps + 1,
        lapses=current.lapses + int(lapse),
    )
    return Outcome(current, after, rating, now, KIND_BY_STATE[current.state])


def preview(
    config: SchedulerConfig, current: CardState, now: datetime, fuzz_key: str
) -> dict[Rating, timedelta]:
    """The interval each of the four grades would give this card now."""
    return {r: review(config, current, r, now, fuzz_key).interval for r in RATINGS}


def retrievability(config: SchedulerConfig, current: CardState, now: datetime) -> float:
    """FSRS's predicted probability of recall now (0 for a new card)."""
    if current.state is None:
        return 0.0
    card = to_fsrs_card(current, now)
    return float(fsrs_scheduler(config).get_card_retrievability(card, _require_utc(now)))


def forgetting_curve_constants(parameters: Sequence[float]) -> tuple[float, float]:
    """(decay, factor) of FSRS-6's power forgetting curve R = (1 + factor * t / S) ** decay."""
    decay = -parameters[20]
    return decay, 0.9 ** (1 / decay) - 1


def format_interval(interval: timedelta) -> str:
    """Anki's short interval label: 45s, 1m, 10m, 1.5h, 3d, 2.4mo, 1.1y."""
    seconds = interval.total_seconds()
    if seconds < 60:
        return f"{max(0, round(seconds))}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{_one_decimal(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{_one_decimal(days / 30)}mo"
    return f"{_one_decimal(days / 365)}y"


def _one_decimal(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
