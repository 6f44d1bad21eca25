"""Signed session cookies: ``<user id>.<expiry>.<nonce>~<HMAC-SHA256>``.

The signature is checked without a lookup (a forgery costs nothing); the random nonce makes
every sign-in's cookie distinct, so each is its own revocable session (app/accounts/sessions.py)
even when one user signs in twice within a second.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

COOKIE_NAME = "dlcards_session"


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(key: bytes, user_id: int, expires: datetime) -> str:
    """A new cookie value that says ``user_id`` is signed in until ``expires``."""
    payload = f"{user_id}.{int(expires.timestamp())}"
    nonce = secrets.token_urlsafe(12)  # URL-safe base64: never "." or "~"
    return f"{payload}.{nonce}~{_signature(key, f'{payload}.{nonce}')}"


def verify(key: bytes, value: str | None, now: datetime) -> int | None:
    """The signed-in user id, or None when the cookie is missing, forged or expired."""
    if not value or value.count(".") != 2:
        return None
    user_text, expiry_text, signed = value.split(".")
    nonce, _, signature = signed.partition("~")
    payload = f"{user_text}.{expiry_text}.{nonce}"
    if not signature or not hmac.compare_digest(signature, _signature(key, payload)):
        return None
    if not (user_text.isdigit() and expiry_text.isdigit()):
        return None
    if int(expiry_text) <= now.timestamp():
        return None
    return int(user_text)


def expiry(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)
