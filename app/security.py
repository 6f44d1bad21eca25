"""Guards for a server that listens on a laptop: same-origin writes and a strict CSP.

Another website open in the same browser can send a form POST to 127.0.0.1; browsers mark
such requests with ``Origin`` and ``Sec-Fetch-Site``, so writes are refused unless they come
from this app's own pages. (The Host header is checked by Starlette's TrustedHostMiddleware
against DNS rebinding.)
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# Swagger UI boots from an inline script; only /docs gets that allowance.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'unsafe-inline'"
)

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def is_cross_site(headers: dict[str, str]) -> bool:
    """True when a browser says the request comes from another site or origin."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    if origin == "null":
        return True
    return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


class SameOriginMiddleware:
    """Refuse state-changing requests from other origins (403) and add security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["method"] in UNSAFE_METHODS and is_cross_site(headers):
            await _forbidden(send)
            return
        policy = (
            DOCS_CONTENT_SECURITY_POLICY if scope["path"] == "/docs" else (CONTENT_SECURITY_POLICY)
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"content-security-policy", policy.encode()),
                    *SECURITY_HEADERS,
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _forbidden(send: Send) -> None:
    body = b'{"detail":"cross-origin request refused: writes must come from this app\'s pages"}'
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
