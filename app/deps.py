"""Request dependencies every feature shares: the clock, the user, their study context, ids.

They live on the ground floor (they import settings, the database and accounts, no feature
routes), so cards, study, interviews and exports depend on them without depending on each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Request

from app.accounts.deps import current_user_id
from app.db import SessionDep, in_request
from app.study.preferences import UserContext, user_context

# The largest id a row can have: the id columns are INTEGER, 32-bit signed on PostgreSQL. A
# larger id in a path is a 422, never an out-of-range error from the driver.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id (1 … 2³¹ − 1)")]


# The dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in its
# threadpool, a hand-off that cost more than the work itself (get_context: see there).


async def get_now() -> datetime:
    """The current time in UTC; tests override this dependency to simulate days of study."""
    return datetime.now(UTC)


async def get_user_id(request: Request) -> int:
    """The studying user: the local user, or the signed-in one in multi-user mode."""
    return current_user_id(request)


async def get_fuzzing() -> bool:
    """Whether intervals get FSRS fuzz (tests may turn it off for exact intervals)."""
    return True


NowDep = Annotated[datetime, Depends(get_now)]
UserIdDep = Annotated[int, Depends(get_user_id)]


async def get_context(
    request: Request,
    session: SessionDep,
    user_id: UserIdDep,
    fuzzing: Annotated[bool, Depends(get_fuzzing)],
) -> UserContext:
    """The user's study context: one read of their settings row (``in_request``)."""
    settings = request.app.state.settings

    def read() -> UserContext:
        ctx = user_context(session, user_id, settings.timezone, enable_fuzzing=fuzzing)
        ctx.leech_threshold, ctx.leech_suspend = settings.leech_threshold, settings.leech_suspend
        return ctx

    return await in_request(session, read)


ContextDep = Annotated[UserContext, Depends(get_context)]


async def close_form_after(request: Request) -> AsyncIterator[None]:
    """Close the form a route read itself with ``request.form()`` once the request is done.

    FastAPI closes only the forms it parsed for a route's parameters; a multipart body sent to
    any other route would otherwise leave its uploaded parts in open temporary files.
    """
    try:
        yield
    finally:
        await request.close()
