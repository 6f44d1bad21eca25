"""How long the workload projection on /settings takes (numbers printed, not asserted).

A synthetic collection: MAX_CARDS reviewed cards (stability 1-200 days, last reviewed in the
last month) and 435 unstudied ones (the bank's size), default parameters and limits, each
horizon of the page, a cold cache. Usage: python -m bench.workload
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from app.study.days import StudyCalendar
from app.study.scheduler import CardState, SchedulerConfig, State
from app.study.workload import DAYS, MAX_CARDS, RETENTIONS, Collection, simulate

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)


def collection(reviewed: int, unstudied: int) -> Collection:
    rng = random.Random(1)
    cards = []
    for i in range(reviewed):
        stability = rng.uniform(1, 200)
        last = NOW - timedelta(days=rng.uniform(0, 30))
        due = last + timedelta(days=max(1, round(stability)))
        state = CardState(State.Review, None, stability, rng.uniform(2, 9), due, last, 5, 0)
        cards.append((f"card-{i:05d}", state))
    return Collection(tuple(cards), reviewed, unstudied, new_limit=20, review_limit=200)


def main() -> None:
    calendar = StudyCalendar.of("Europe/Paris")
    data = collection(MAX_CARDS, 435)
    print(f"{MAX_CARDS} reviewed + 435 unstudied cards, {len(RETENTIONS)} retentions")
    for days in DAYS:
        started = time.perf_counter()
        result = simulate(SchedulerConfig(), calendar, data, NOW, days)
        seconds = time.perf_counter() - started
        low, high = result.points[0], result.points[-1]
        print(
            f"{days:4d} days: {seconds:6.2f} s   reviews/day {low.reviews_per_day:6.1f} at "
            f"{low.desired_retention} .. {high.reviews_per_day:6.1f} at {high.desired_retention}"
        )


if __name__ == "__main__":
    main()
