"""Sessions that can be revoked, a rate limit that holds under a concurrent burst, and sign-up
probing limited like password guessing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.accounts import ratelimit
from app.accounts.models import LoginFailure, SignInSession
from app.accounts.users import set_password
from app.cli import cli
from app.db import make_sessionmaker
from tests.accounts.conftest import PASSWORD

COOKIE = "dlcards_session"
NEW_PASSWORD = "another horse battery"


def replay(anon, value: str, url: str = "/api/study/next") -> int:
    """The status a copied cookie gets on its own (a fresh cookie jar)."""
    anon.cookies.clear()
    anon.cookies.set(COOKIE, value)
    return anon.get(url).status_code


def test_a_copied_cookie_stops_working_after_sign_out(member, anon) -> None:
    ada = member("ada")
    copied = ada.cookies.get(COOKIE)
    assert replay(anon, copied) == 200
    assert ada.post("/logout").status_code == 303
    assert replay(anon, copied) == 401


def test_sign_out_ends_only_that_session(member, anon, session: Session) -> None:
    ada = member("ada")
    laptop = ada.cookies.get(COOKIE)
    anon.post("/login", data={"name": "ada", "password": PASSWORD})
    phone = anon.cookies.get(COOKIE)
    assert phone != laptop
    assert session.scalar(select(func.count()).select_from(SignInSession)) == 2
    ada.post("/logout")
    assert replay(anon, phone) == 200 and replay(anon, laptop) == 401


def test_a_password_change_ends_every_session(member, anon, session: Session) -> None:
    ada = member("ada")
    copied = ada.cookies.get(COOKIE)
    set_password(session, "ada", NEW_PASSWORD)
    assert replay(anon, copied) == 401
    anon.cookies.clear()
    assert anon.post("/login", data={"name": "ada", "password": NEW_PASSWORD}).status_code == 303


def test_the_admin_command_ends_every_session_of_a_user(
    member, anon, group_settings, monkeypatch
) -> None:
    ada, bob = member("ada"), member("bob")
    for name, value in group_settings.model_dump(mode="json").items():
        if value is not None and not isinstance(value, (list, dict)):
            monkeypatch.setenv(f"DLCARDS_{name.upper()}", str(value))
    result = CliRunner().invoke(cli, ["users", "sign-out", "ada"])
    assert result.exit_code == 0 and "ended 1 session(s) of 'ada'" in result.output
    assert replay(anon, ada.cookies.get(COOKIE)) == 401
    assert replay(anon, bob.cookies.get(COOKIE)) == 200
    unknown = CliRunner().invoke(cli, ["users", "sign-out", "nobody"])
    assert unknown.exit_code == 1 and "No account named 'nobody'" in unknown.output


def test_thirty_concurrent_attempts_get_at_most_the_limit_through(engine: Engine) -> None:
    """Each thread has its own session, as concurrent requests do; SQLite and PostgreSQL."""
    make = make_sessionmaker(engine)
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    allowed: list[bool] = []
    start = threading.Barrier(30)

    def try_once(i: int) -> None:
        with make() as session:
            start.wait()
            allowed.append(ratelimit.attempt(session, "ada", f"10.0.0.{i}", now) is None)

    threads = [threading.Thread(target=try_once, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == ratelimit.MAX_FAILURES_PER_ACCOUNT
    with make() as session:
        counted = session.scalar(select(func.count()).select_from(LoginFailure))
    assert counted == ratelimit.MAX_FAILURES_PER_ACCOUNT


def test_probing_sign_up_for_taken_names_is_limited(member, anon) -> None:
    member("ada")
    anon.cookies.clear()
    for _ in range(ratelimit.MAX_FAILURES_PER_ACCOUNT):
        taken = anon.post(
            "/signup", data={"name": "ada", "password": PASSWORD, "confirm": PASSWORD}
        )
        assert taken.status_code == 422
    blocked = anon.post("/signup", data={"name": "ada", "password": PASSWORD, "confirm": PASSWORD})
    assert blocked.status_code == 429 and "Too many" in blocked.text
