"""The home dashboard's line about the next interview date: countdown and readiness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.plans import logic, queries
from app.plans.models import InterviewDate
from app.study.preferences import user_context


@dataclass(frozen=True)
class NextInterview:
    row: InterviewDate
    countdown: str
    days_left: int
    readiness: float
    not_learned: int


def countdown(at: datetime, now: datetime) -> str:
    """'in 12 days, 3 hours', 'in 5 hours, 20 minutes', or 'passed'."""
    seconds = (at - now).total_seconds()
    if seconds <= 0:
        return "passed"
    days, hours = int(seconds // 86400), int(seconds % 86400 // 3600)
    if days:
        return f"in {days} day{'s' * (days != 1)}, {hours} hour{'s' * (hours != 1)}"
    minutes = int(seconds % 3600 // 60)
    return f"in {hours} hour{'s' * (hours != 1)}, {minutes} minute{'s' * (minutes != 1)}"


def next_interview(
    session: Session, user_id: int, now: datetime, *, default_zone: str | None = None
) -> NextInterview | None:
    """The soonest interview date to come, with what FSRS predicts for it; None if none."""
    row = queries.next_date(session, user_id, now)
    if row is None:
        return None
    ctx = user_context(session, user_id, default_zone)
    scope = queries.scope_of(row)
    result = logic.forecast(
        ctx.config, queries.scope_cards(session, user_id, scope), scope.weights, row.at
    )
    return NextInterview(
        row=row,
        countdown=countdown(row.at, now),
        days_left=(ctx.calendar.day_of(row.at) - ctx.calendar.day_of(now)).days,
        readiness=result.overall,
        not_learned=len(result.not_learned),
    )
