"""The study feature's own request dependencies: the topic/level/tag filter of a queue, the
interview date whose weakest cards come first (``?interview_date=<id>``), and the scope a study
form posts back."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Form, Query
from starlette.concurrency import run_in_threadpool

from app.content.schema import LEVELS
from app.db import SessionDep
from app.deps import MAX_ROW_ID, NowDep, UserIdDep
from app.plans.queries import recall_target
from app.study.scope import Filters, StudyMode, StudyScope

# A topic, level or tag as the queue's filters carry it (empty: no filter). Anything else is a
# 422 before a query: PostgreSQL refuses a NUL character in a parameter.
ID_OR_EMPTY = r"^[a-z0-9-]*$"
LEVEL_OR_EMPTY = f"^({'|'.join(LEVELS)})?$"  # a level is one of a closed set

InterviewDateQuery = Annotated[
    int | None,
    Query(ge=1, le=MAX_ROW_ID, description="Study for this interview date: weakest first"),
]


async def get_filters(
    session: SessionDep,
    user_id: UserIdDep,
    now: NowDep,
    topic: Annotated[str | None, Query(max_length=64, pattern=ID_OR_EMPTY)] = None,
    level: Annotated[str | None, Query(max_length=20, pattern=LEVEL_OR_EMPTY)] = None,
    tag: Annotated[str | None, Query(max_length=100, pattern=ID_OR_EMPTY)] = None,
    interview_date: InterviewDateQuery = None,
) -> Filters:
    """The queue's filters; ``async`` with the database read in the threadpool, so a queue
    without an interview date costs no hand-off."""
    interview = None
    if interview_date:
        interview = await run_in_threadpool(recall_target, session, user_id, interview_date, now)
    return Filters(topic=topic or None, level=level or None, tag=tag or None, interview=interview)


FiltersDep = Annotated[Filters, Depends(get_filters)]
AheadQuery = Annotated[bool, Query(description="Study ahead: then the soonest-due cards")]


def mode_asked(mode: str | None, ahead: AheadQuery) -> str | None:
    """The mode a study GET asked for: ``?mode=cram`` wins over ``?ahead=1``."""
    return mode if mode == StudyMode.CRAM or not ahead else StudyMode.AHEAD


def form_filters(topic: str, level: str, tag: str) -> Filters:
    """The queue filters a study form posted back; text that cannot be one is no filter."""

    def kept(value: str, limit: int) -> str | None:
        return value if value and len(value) <= limit and re.fullmatch(ID_OR_EMPTY, value) else None

    return Filters(topic=kept(topic, 64), level=kept(level, 20), tag=kept(tag, 100))


async def form_scope(
    session: SessionDep,
    user_id: UserIdDep,
    now: NowDep,
    mode: Annotated[str, Form(max_length=10)] = "",
    topic: Annotated[str, Form(max_length=64, pattern=ID_OR_EMPTY)] = "",
    level: Annotated[str, Form(max_length=20, pattern=ID_OR_EMPTY)] = "",
    tag: Annotated[str, Form(max_length=100, pattern=ID_OR_EMPTY)] = "",
    interview_date: Annotated[str, Form(max_length=20)] = "",
) -> StudyScope:
    """The scope a study form was posted from (its hidden fields), to answer with the same."""
    filters = form_filters(topic, level, tag)
    date_id = int(interview_date) if interview_date.isdigit() else 0
    if 0 < date_id <= MAX_ROW_ID:
        target = await run_in_threadpool(recall_target, session, user_id, date_id, now)
        filters = replace(filters, interview=target)
    return StudyScope.of(filters, mode)


ScopeDep = Annotated[StudyScope, Depends(form_scope)]
