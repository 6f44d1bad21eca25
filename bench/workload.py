"""How long the workload projection on /settings takes (numbers printed, not asserted).

Synthetic collections (stability 1-200 days, last reviewed in the last month), default
parameters and limits (20 new cards, 200 reviews a day), each horizon the page links to, all
ten retentions, a cold cache: the bank's size (435 cards, 400 of them reviewed), and a large
imported collection (5,000 reviewed + 2,000 unstudied) that is projected on a sample of
MAX_CARDS. Usage: python -m bench.workload
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
    return Collection(tuple(cards), unstudied, new_limit=20, review_limit=200)


def main() -> None:
    calendar = StudyCalendar.of("Europe/Paris")
    print(f"{len(RETENTIONS)} retentions, at most {MAX_CARDS} cards simulated")
    for reviewed, unstudied in ((400, 35), (5000, 2000)):
        data = collection(reviewed, unstudied)
        print(f"{reviewed} reviewed + {unstudied} unstudied cards:")
        for days in DAYS:
            simulate.cache_clear()
            started = time.perf_counter()
            result = simulate(SchedulerConfig(), calendar, data, NOW, days)
            seconds = time.perf_counter() - started
            low, high = result.points[0], result.points[-1]
            print(
                f"  {days:3d} days: {seconds:5.2f} s  ({result.simulated_cards} reviewed cards "
                f"simulated, {result.fraction:.0%})  reviews/day {low.reviews_per_day:6.1f} "
                f"at {low.desired_retention} .. {high.reviews_per_day:6.1f} at 0.97"
            )


if __name__ == "__main__":
    main()
