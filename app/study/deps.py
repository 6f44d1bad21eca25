"""The study feature's own request dependency: the topic/level/tag filter of a queue, and the
interview date whose weakest cards come first (``?interview_date=<id>``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.db import SessionDep
from app.deps import MAX_ROW_ID, NowDep, UserIdDep
from app.plans.queries import recall_target
from app.study.queue import Filters

InterviewDateQuery = Annotated[
    int | None,
    Query(ge=1, le=MAX_ROW_ID, description="Study for this interview date: weakest first"),
]


def get_filters(
    session: SessionDep,
    user_id: UserIdDep,
    now: NowDep,
    topic: Annotated[str | None, Query(max_length=64)] = None,
    level: Annotated[str | None, Query(max_length=20)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    interview_date: InterviewDateQuery = None,
) -> Filters:
    interview = recall_target(session, user_id, interview_date, now) if interview_date else None
    return Filters(topic=topic or None, level=level or None, tag=tag or None, interview=interview)


FiltersDep = Annotated[Filters, Depends(get_filters)]


def form_filters(topic: str, level: str, tag: str) -> Filters:
    """The queue filters a study form posted back (cut to the lengths the query allows)."""
    return Filters(topic=topic[:64] or None, level=level[:20] or None, tag=tag[:100] or None)
