"""Easy days (as in Anki 24.11): weekdays with a reduced share of the daily study load.

Anki's easy days live in its load balancer, which picks each review's day from the fuzz range;
neither `fsrs` (py-fsrs 6.3: a Scheduler with fuzz, no weekday notion) nor `fsrs-rs-python`
(0.9.3: its simulator takes one learn and one review limit for every day) has them. So they
are load shaping here, outside FSRS: on a day at ``p`` %, the study queue serves at most ``p`` %
of the new-card and review limits (reviews left over wait for the next day, and FSRS schedules
a late review as it does any other), the plan to an interview date introduces ``p`` % of its
budget that day, and the workload projection on /settings (``app.study.workload``) gives each
simulated day the same share. FSRS's intervals are never changed.
"""

from __future__ import annotations

import math
from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app.plans.models import EasyDays

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Percent = Field(100, ge=0, le=100, description="Share of the daily limits, in percent")


class EasyDaysIn(BaseModel):
    """The share of the daily limits each weekday gets, in percent (100: a normal day)."""

    model_config = ConfigDict(extra="forbid")

    monday: int = Percent
    tuesday: int = Percent
    wednesday: int = Percent
    thursday: int = Percent
    friday: int = Percent
    saturday: int = Percent
    sunday: int = Percent

    def percents(self) -> list[int]:
        return [getattr(self, day) for day in WEEKDAYS]

    def share(self, day: date) -> float:
        """The share of the limits on ``day`` (a study day, 0.0 to 1.0)."""
        return self.percents()[day.weekday()] / 100

    @property
    def mean_share(self) -> float:
        return sum(self.percents()) / 700


NORMAL = EasyDaysIn()


def scaled(limit: int, share: float) -> int:
    """A daily limit on a day at ``share``: rounded up, so a reduced day still has some work."""
    return math.ceil(limit * share)


def load(session: Session, user_id: int) -> EasyDaysIn:
    """The user's easy days; every day normal when none were saved."""
    row = session.get(EasyDays, user_id)
    return of_percents(None if row is None else row.percents)


def of_percents(percents: list[int] | None) -> EasyDaysIn:
    """The easy days a stored row's percents give; every day normal without a row."""
    if percents is None:
        return NORMAL
    return EasyDaysIn(**dict(zip(WEEKDAYS, percents, strict=True)))


def save(session: Session, user_id: int, days: EasyDaysIn) -> None:
    """Store validated easy days (the caller holds the write lock and commits)."""
    row = session.get(EasyDays, user_id)
    if row is None:
        session.add(EasyDays(user_id=user_id, percents=days.percents()))
    else:
        row.percents = days.percents()
