"""Signed session cookies: ``<user id>.<expiry>.<HMAC-SHA256>``, verified without a lookup."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

COOKIE_NAME = "dlcards_session"


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(key: bytes, user_id: int, expires: datetime) -> str:
    """The cookie value that says ``user_id`` is signed in until ``expires``."""
    payload = f"{user_id}.{int(expires.timestamp())}"
    return f"{payload}.{_signature(key, payload)}"


def verify(key: bytes, value: str | None, now: datetime) -> int | None:
    """The signed-in user id, or None when the cookie is missing, forged or expired."""
    if not value or value.count(".") != 2:
        return None
    user_text, expiry_text, signature = value.split(".")
    payload = f"{user_text}.{expiry_text}"
    if not hmac.compare_digest(signature, _signature(key, payload)):
        return None
    if not (user_text.isdigit() and expiry_text.isdigit()):
        return None
    if int(expiry_text) <= now.timestamp():
        return None
    return int(user_text)


def expiry(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)
