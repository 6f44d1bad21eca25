"""Workload vs desired retention ("Help me decide"): fsrs-rs's simulator at each retention.

For desired retention from 0.70 to 0.97, FSRS's own simulator (``fsrs_rs_python.simulate``)
studies a collection the size of the user's bank with their parameters, daily limits and
steps, and reports reviews per day and cards memorized after N days. The simulator is seeded,
so the same inputs give the same numbers; results are cached per input.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import fsrs_rs_python
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.charts.lines import Line, Series, line_plot
from app.charts.svg import PAIR_WIDTH
from app.models import Card
from app.study.preferences import UserContext

RETENTIONS = (0.70, 0.75, 0.80, 0.85, 0.88, 0.90, 0.92, 0.94, 0.95, 0.97)
DAYS = (30, 90, 180, 365)
DEFAULT_DAYS = 180
SEED = 42
NO_TIME_LIMIT = 1e9  # seconds a day: only the card limits bound the simulated study


@dataclass(frozen=True)
class WorkloadPoint:
    desired_retention: float
    reviews_per_day: float  # answers to cards already learned, averaged over the days
    new_per_day: float
    minutes_per_day: float  # the simulator's default answer times
    memorized: float  # expected cards recalled (sum of retrievability) on the last day


@dataclass(frozen=True)
class Workload:
    days: int
    deck_size: int
    new_limit: int
    review_limit: int
    points: tuple[WorkloadPoint, ...]


@lru_cache(maxsize=32)
def simulate(
    parameters: tuple[float, ...],
    deck_size: int,
    days: int,
    new_limit: int,
    review_limit: int,
    learning_steps: int,
    relearning_steps: int,
    maximum_interval: int,
) -> Workload:
    """Simulate ``days`` days of study at each desired retention of ``RETENTIONS``."""
    config = fsrs_rs_python.default_simulator_config()
    config.deck_size = deck_size
    config.learn_span = days
    config.learn_limit = new_limit
    config.review_limit = review_limit
    config.max_cost_perday = NO_TIME_LIMIT
    config.max_ivl = float(maximum_interval)
    config.learning_step_count = learning_steps
    config.relearning_step_count = relearning_steps
    points = []
    for retention in RETENTIONS if deck_size else ():
        result = fsrs_rs_python.simulate(list(parameters), retention, config, SEED)
        points.append(
            WorkloadPoint(
                desired_retention=retention,
                reviews_per_day=sum(result.review_cnt_per_day) / days,
                new_per_day=sum(result.learn_cnt_per_day) / days,
                minutes_per_day=sum(result.cost_per_day) / days / 60,
                memorized=float(result.memorized_cnt_per_day[-1]),
            )
        )
    return Workload(days, deck_size, new_limit, review_limit, tuple(points))


def user_workload(session: Session, ctx: UserContext, days: int = DEFAULT_DAYS) -> Workload:
    """The simulation for this user: their parameters, limits, steps and bank size."""
    deck_size = session.scalar(select(func.count()).where(Card.retired.is_(False))) or 0
    settings = ctx.settings
    return simulate(
        tuple(ctx.config.parameters),
        deck_size,
        days,
        settings.new_per_day,
        settings.reviews_per_day,
        len(settings.learning_steps_minutes),
        len(settings.relearning_steps_minutes),
        settings.maximum_interval_days,
    )


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
