"""Multi-user mode: every request but sign-in, sign-up and health needs a signed session.

The cookie's signature is checked first (a forged one costs no lookup), then its session row
in the shared database (so any app process answers any request, and a session ended by
sign-out or a password change is refused everywhere at once); the signed-in user id is put in
``request.state.user_id`` for :func:`app.accounts.deps.current_user_id`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from http.cookies import SimpleCookie
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from app.accounts import cookies, sessions
from app.accounts.secret import session_key

PUBLIC_PATHS = frozenset({"/login", "/signup", "/healthz", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def app_session_key(app: Starlette) -> bytes:
    """The signing key, read once per process (the setting, or the database's shared row)."""
    key = getattr(app.state, "session_key", None)
    if key is None:
        key = app.state.session_key = session_key(app.state.engine, app.state.settings.secret_key)
    return key


def signed_in_user(scope: Scope) -> int | None:
    """The user id of a valid session cookie on this request, else None."""
    key = app_session_key(scope["app"])
    raw = dict(scope["headers"]).get(b"cookie", b"").decode("latin-1")
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header signs nobody in
        return None
    morsel = jar.get(cookies.COOKIE_NAME)
    value = morsel.value if morsel else None
    user_id = cookies.verify(key, value, datetime.now(UTC))
    if user_id is None or value is None:
        return None
    return user_id if sessions.is_live(scope["app"].state.engine, user_id, value) else None


class RequireSignIn:
    """Sends visitors without a session to /login (pages) or answers 401 (API, writes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        user_id = signed_in_user(scope)
        scope.setdefault("state", {})["user_id"] = user_id
        if user_id is not None or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD") and not scope["path"].startswith("/api/"):
            target = scope["path"] + (
                "?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""
            )
            location = "/login?next=" + quote(target, safe="")
            await _respond(send, 303, b"", [(b"location", location.encode())])
            return
        await _respond(
            send,
            401,
            b'{"detail":"sign in first: POST /login"}',
            [(b"content-type", b"application/json")],
        )


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
