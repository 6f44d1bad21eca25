"""Password hashes and signed session cookies, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.accounts import cookies
from app.accounts.passwords import hash_password, password_problem, verify_password

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
KEY = b"k" * 32


def test_argon2id_hash_verifies_only_its_password() -> None:
    stored = hash_password("s3cret-pass")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "s3cret-pass")
    assert not verify_password(stored, "s3cret-pasS")
    assert not verify_password(None, "s3cret-pass")  # unknown account
    assert not verify_password("not a hash", "s3cret-pass")


def test_password_length_rules() -> None:
    assert password_problem("short") == "the password must have at least 8 characters"
    assert password_problem("x" * 8) is None
    assert password_problem("x" * 1025) is not None


def test_cookie_round_trip_and_refusals() -> None:
    value = cookies.sign(KEY, 42, NOW + timedelta(days=1))
    assert cookies.verify(KEY, value, NOW) == 42
    assert cookies.verify(KEY, value, NOW + timedelta(days=1)) is None  # expired
    assert cookies.verify(b"other key", value, NOW) is None
    user, expiry, signature = value.split(".")
    assert cookies.verify(KEY, f"43.{expiry}.{signature}", NOW) is None  # forged user id
    assert cookies.verify(KEY, f"{user}.{int(expiry) + 999}.{signature}", NOW) is None
    for junk in (None, "", "42", "a.b.c", "1.2.3.4"):
        assert cookies.verify(KEY, junk, NOW) is None
