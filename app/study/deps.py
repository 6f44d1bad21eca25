"""Request dependencies of the study feature: the clock, the user, and their study context."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from app.accounts.deps import current_user_id
from app.db import SessionDep
from app.study.preferences import UserContext, user_context
from app.study.queue import Filters


def get_now() -> datetime:
    """The current time in UTC; tests override this dependency to simulate days of study."""
    return datetime.now(UTC)


def get_user_id(request: Request) -> int:
    """The studying user: the local user, or the signed-in one in multi-user mode."""
    return current_user_id(request)


def get_fuzzing() -> bool:
    """Whether intervals get FSRS fuzz (tests may turn it off for exact intervals)."""
    return True


NowDep = Annotated[datetime, Depends(get_now)]
UserIdDep = Annotated[int, Depends(get_user_id)]


def get_context(
    request: Request,
    session: SessionDep,
    user_id: UserIdDep,
    fuzzing: Annotated[bool, Depends(get_fuzzing)],
) -> UserContext:
    default_zone = getattr(request.app.state.settings, "timezone", None)
    return user_context(session, user_id, default_zone, enable_fuzzing=fuzzing)


ContextDep = Annotated[UserContext, Depends(get_context)]


def get_filters(
    topic: Annotated[str | None, Query(max_length=64)] = None,
    level: Annotated[str | None, Query(max_length=20)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
) -> Filters:
    return Filters(topic=topic or None, level=level or None, tag=tag or None)


FiltersDep = Annotated[Filters, Depends(get_filters)]
