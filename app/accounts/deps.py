"""The user a request acts for: the local user, or the signed-in one in multi-user mode."""

from __future__ import annotations

from fastapi import HTTPException, Request

from app.models import LOCAL_USER_ID


def current_user_id(request: Request) -> int:
    """The local user in local mode; the session's user in multi-user mode (else 401)."""
    if not request.app.state.settings.multi_user:
        return LOCAL_USER_ID
    user_id = getattr(request.state, "user_id", None)
    if user_id is None:
        raise HTTPException(401, "sign in first")
    return int(user_id)
