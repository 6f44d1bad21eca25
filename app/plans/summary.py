"""The home dashboard's line about the next interview date: countdown and readiness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.plans import logic, queries
from app.study.days import StudyCalendar
from app.study.preferences import user_context
from app.study.user_cache import Until, cached_for_user


@dataclass(frozen=True)
class DateForecast:
    """What the clock cannot change about the next date until it passes."""

    date_id: int
    name: str
    at: datetime
    calendar: StudyCalendar
    readiness: float
    not_learned: int


@dataclass(frozen=True)
class NextInterview:
    forecast: DateForecast
    countdown: str
    days_left: int


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
    """The soonest interview date to come, with what FSRS predicts for it; None if none.

    The forecast is kept until a write or the date's passing changes it
    (``app.study.user_cache``); the countdown is the request's own.
    """
    forecast = cached_for_user(
        session,
        user_id,
        ("next interview", default_zone),
        now,
        lambda: _forecast(session, user_id, now, default_zone),
    )
    if forecast is None:
        return None
    calendar = forecast.calendar
    return NextInterview(
        forecast=forecast,
        countdown=countdown(forecast.at, now),
        days_left=(calendar.day_of(forecast.at) - calendar.day_of(now)).days,
    )


def _forecast(
    session: Session, user_id: int, now: datetime, default_zone: str | None
) -> Until[DateForecast | None]:
    row = queries.next_date(session, user_id, now)
    if row is None:  # until a date is added, a write
        return Until(None, until=None)
    ctx = user_context(session, user_id, default_zone)
    scope = queries.scope_of(row)
    result = logic.forecast(
        ctx.config, queries.scope_cards(session, user_id, scope), scope.weights, row.at
    )
    forecast = DateForecast(
        date_id=row.id,
        name=row.name,
        at=row.at,
        calendar=ctx.calendar,
        readiness=result.overall,
        not_learned=len(result.not_learned),
    )
    return Until(forecast, until=row.at)  # then the next date is the next one
