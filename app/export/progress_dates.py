"""Interview dates in the progress backup (format version 2): each date with its scope, and which
mock interviews rehearsed it.

A date's identity is its name and moment (``name`` + ``at``): importing a date that this user
already has under the same name and moment replaces that row's scope (topics, weights, levels,
tags) instead of adding a second one, so importing one backup twice leaves one copy of each date.
Other dates of the user are kept. A mock interview names its date by the date's place in the
backup's ``interview_dates`` (database ids change on import).

Each date is checked by the rules the API applies (``app.plans.logic.check``): known topics,
positive weights, tags some card has. A date still to come must be within the API's horizon; a
date already passed is history, accepted only when it was set (``created_at``) before its moment,
as every date made by the API was. ``app.export.progress`` validates and writes these with the
rest of the backup, all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.schema import KEBAB_PATTERN, Level
from app.export.progress_interviews import InterviewEntry
from app.plans import logic, queries
from app.plans.models import InterviewDate

MAX_DATES = 1000
UtcTime = Annotated[AwareDatetime, Field(description="ISO 8601 with a UTC offset")]
Tag = Annotated[str, Field(pattern=KEBAB_PATTERN, max_length=64)]


class InterviewDateEntry(BaseModel):
    """One interview date: its name, moment and scope, and when it was set."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=logic.MAX_NAME)
    at: UtcTime
    created_at: UtcTime | None = Field(
        None, description="When it was set; a date already passed needs one before `at`"
    )
    topics: list[logic.TopicWeight] = Field(default_factory=list, max_length=logic.MAX_TOPICS)
    levels: list[Level] = Field(default_factory=list, max_length=3)
    tags: list[Tag] = Field(default_factory=list, max_length=logic.MAX_TAGS)

    def as_input(self) -> logic.InterviewDateIn:
        """The date as the API takes it (raises ValidationError where the API would refuse)."""
        return logic.InterviewDateIn(
            name=self.name,
            at=self.at.isoformat(),
            topics=self.topics,
            levels=self.levels,
            tags=self.tags,
        )

    def reference(self, now: datetime) -> datetime:
        """The clock the date is checked against: now for a date still to come (or one passed
        that was never in the future when set, which "now" then refuses as past); for history,
        a moment before it within the API's horizon, so only its topics and tags are checked."""
        if self.at > now or self.created_at is None or self.created_at >= self.at:
            return now
        return max(self.created_at, self.at - timedelta(days=logic.MAX_DAYS_AHEAD))


def export_dates(session: Session, user_id: int) -> tuple[list[InterviewDateEntry], dict[int, int]]:
    """The user's dates in order of their moment, and each row id's place among them."""
    rows = queries.list_dates(session, user_id)
    entries = [
        InterviewDateEntry(
            name=row.name,
            at=row.at,
            created_at=row.created_at,
            topics=[
                logic.TopicWeight(topic=t, weight=w) for t, w in queries.weights_of(row).items()
            ],
            levels=list(row.levels or ()),  # type: ignore[arg-type]
            tags=list(row.tags or ()),
        )
        for row in rows
    ]
    return entries, {row.id: n for n, row in enumerate(rows)}


def date_problems(
    session: Session,
    user_id: int,
    dates: Sequence[InterviewDateEntry],
    interviews: Sequence[InterviewEntry],
    now: datetime,
) -> list[str]:
    """Every date the API would refuse, a name and moment listed twice, an interview naming a
    date the backup does not hold; each as ``interview_dates.N.field: problem``."""
    problems: list[str] = []
    topic_ids = queries.topic_ids(session)
    tags = queries.known_tags(session, user_id) if any(d.tags for d in dates) else set()
    seen: dict[tuple[str, datetime], int] = {}
    for n, entry in enumerate(dates):
        where = f"interview_dates.{n}"
        try:
            data = entry.as_input()
        except ValidationError as error:
            problems += [
                f"{where}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
            ]
            continue
        _, issues = logic.check(data, entry.reference(now), "UTC", topic_ids, tags)
        problems += [
            f"{where}.{'.'.join(str(p) for p in i.loc()[1:])}: {i.message}" for i in issues
        ]
        key = (data.name, entry.at)
        if key in seen:
            problems.append(f"{where}: the same name and at as interview_dates.{seen[key]}")
        seen.setdefault(key, n)
    for n, interview in enumerate(interviews):
        if interview.interview_date is not None and interview.interview_date >= len(dates):
            problems.append(
                f"interviews.{n}.interview_date: no interview date {interview.interview_date} "
                "in this backup"
            )
    return problems


def add_dates(
    session: Session, user_id: int, dates: Sequence[InterviewDateEntry], now: datetime
) -> list[int]:
    """Add the dates, or update the user's date of the same name and moment (the caller's
    transaction); returns each entry's row id."""
    existing = {
        (row.name, row.at): row
        for row in session.scalars(select(InterviewDate).where(InterviewDate.user_id == user_id))
    }
    ids = []
    for entry in dates:
        data = entry.as_input()
        row = existing.get((data.name, entry.at))
        if row is None:
            row = InterviewDate(user_id=user_id, name=data.name, at=entry.at)
            row.created_at = entry.created_at or now
            session.add(row)
            existing[(data.name, entry.at)] = row
        row.topics = queries.topics_json(data)
        row.levels, row.tags = list(data.levels), list(data.tags)
        session.flush()
        ids.append(row.id)
    return ids
