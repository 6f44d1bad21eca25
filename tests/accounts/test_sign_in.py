"""Multi-user mode: sign-up, sign-in, sign-out, the gate on every page, rate limits."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts import ratelimit
from app.accounts.models import AppSecret, LoginFailure, Password
from app.accounts.routes import WRONG_CREDENTIALS
from app.main import create_app
from app.models import User
from tests.accounts.conftest import PASSWORD


def test_local_mode_has_no_login(client: TestClient) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/login").status_code == 404
    assert client.get("/api/study/next").status_code == 200
    assert "Sign out" not in client.get("/").text


def test_pages_need_sign_in(anon: TestClient) -> None:
    response = anon.get("/study?topic=basics")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fstudy%3Ftopic%3Dbasics"
    assert anon.get("/api/study/next").status_code == 401
    assert anon.post("/api/reviews", json={}).status_code == 401
    assert anon.get("/docs").status_code == 303
    assert anon.get("/healthz").status_code == 200
    assert anon.get("/static/app.css").status_code == 200
    page = anon.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.text


def test_signup_signs_in_with_a_safe_cookie(anon: TestClient, session) -> None:
    response = anon.post(
        "/signup", data={"name": "ada", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie
    home = anon.get("/")
    assert home.status_code == 200 and "Sign out" in home.text
    user = session.scalar(select(User).where(User.name == "ada"))
    assert user is not None and user.id != 1
    assert session.get(Password, user.id).hash.startswith("$argon2id$")


def test_secure_cookie_over_https(settings) -> None:
    app = create_app(settings.model_copy(update={"multi_user": True, "https": True}))
    with TestClient(app, base_url="https://testserver") as client:
        response = client.post(
            "/signup",
            data={"name": "ada", "password": PASSWORD, "confirm": PASSWORD},
            follow_redirects=False,
        )
    assert "secure" in response.headers["set-cookie"].lower()


def test_signup_refusals(anon: TestClient) -> None:
    def signup(name: str, password: str = PASSWORD, confirm: str = PASSWORD):
        return anon.post("/signup", data={"name": name, "password": password, "confirm": confirm})

    assert signup("ada").status_code == 303
    anon.cookies.clear()
    taken = signup("ADA")
    assert taken.status_code == 422 and "is taken" in taken.text
    assert "reserved" in signup("local").text
    assert "at least 8" in signup("bob", "short", "short").text
    assert "differ" in signup("bob", PASSWORD, PASSWORD + "x").text
    assert "the name must be" in signup("bad name!").text


def test_signup_can_be_turned_off(settings) -> None:
    app = create_app(settings.model_copy(update={"multi_user": True, "signup": False}))
    with TestClient(app) as client:
        assert client.get("/signup").status_code == 404
        response = client.post("/signup", data={"name": "a", "password": "x", "confirm": "x"})
        assert response.status_code == 404
        assert "/signup" not in client.get("/login").text


def test_wrong_password_and_unknown_account_get_the_same_answer(member, anon) -> None:
    member("ada")
    wrong = anon.post("/login", data={"name": "ada", "password": "wrong password"})
    unknown = anon.post("/login", data={"name": "nobody", "password": "wrong password"})
    assert wrong.status_code == unknown.status_code == 401
    assert WRONG_CREDENTIALS in wrong.text and WRONG_CREDENTIALS in unknown.text
    # (static URLs' fingerprints are hex and may hold "ada": compare the pages without them)
    def page(response, name: str) -> str:
        return re.sub(r"\?v=[0-9a-f]+", "", response.text).replace(name, "X")

    assert page(wrong, "ada") == page(unknown, "nobody")
    assert "set-cookie" not in wrong.headers


def test_login_goes_to_next_and_logout_ends_the_session(member, anon) -> None:
    member("ada")
    response = anon.post(
        "/login", data={"name": "Ada", "password": PASSWORD, "next": "/stats"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/stats"
    assert anon.get("/stats").status_code == 200
    assert anon.get("/login?next=/settings").headers["location"] == "/settings"
    out = anon.post("/logout")
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert anon.get("/stats").status_code == 303


def test_next_never_leaves_the_site(member, anon) -> None:
    member("ada")
    for target in ("https://evil.test/", "//evil.test/", "/\\evil.test"):
        response = anon.post("/login", data={"name": "ada", "password": PASSWORD, "next": target})
        assert response.headers["location"] == "/"
        anon.cookies.clear()


def test_forged_cookie_is_refused(member, anon) -> None:
    ada = member("ada")
    value = ada.cookies.get("dlcards_session")
    user, expiry, signature = value.split(".")
    anon.cookies.set("dlcards_session", f"1.{expiry}.{signature}")
    assert anon.get("/api/study/next").status_code == 401


def test_account_rate_limit_counts_in_the_database(member, anon, session) -> None:
    member("ada")
    for _ in range(ratelimit.MAX_FAILURES_PER_ACCOUNT):
        assert anon.post("/login", data={"name": "ada", "password": "nope nope"}).status_code == 401
    blocked = anon.post("/login", data={"name": "ada", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed sign-ins for this account name. Try again in 15 minutes." in (
        blocked.text
    )
    # An unknown name is limited the same way, so the limit reveals nothing.
    for _ in range(ratelimit.MAX_FAILURES_PER_ACCOUNT):
        anon.post("/login", data={"name": "ghost", "password": "nope nope"})
    assert anon.post("/login", data={"name": "ghost", "password": "x"}).status_code == 429
    rows = session.scalar(select(func.count()).select_from(LoginFailure))
    assert rows == 2 * ratelimit.MAX_FAILURES_PER_ACCOUNT


def test_address_rate_limit(member, anon) -> None:
    member("ada")
    for i in range(ratelimit.MAX_FAILURES_PER_ADDRESS):
        anon.post("/login", data={"name": f"guess{i}", "password": "nope nope"})
    blocked = anon.post("/login", data={"name": "ada", "password": PASSWORD})
    assert blocked.status_code == 429 and "your address" in blocked.text


def test_success_forgives_the_account_failures(member, anon) -> None:
    member("ada")
    for _ in range(ratelimit.MAX_FAILURES_PER_ACCOUNT - 1):
        anon.post("/login", data={"name": "ada", "password": "nope nope"})
    assert anon.post("/login", data={"name": "ada", "password": PASSWORD}).status_code == 303
    anon.cookies.clear()
    for _ in range(ratelimit.MAX_FAILURES_PER_ACCOUNT - 1):
        assert anon.post("/login", data={"name": "ada", "password": "nope"}).status_code == 401


def test_generated_secret_is_shared_by_every_process(group_settings, member, session) -> None:
    ada = member("ada")
    secrets = session.scalars(select(AppSecret.value)).all()
    assert len(secrets) == 1 and len(secrets[0]) >= 48
    with TestClient(create_app(group_settings)) as other_process:
        other_process.cookies.set("dlcards_session", ada.cookies.get("dlcards_session"))
        assert other_process.get("/api/study/next").status_code == 200


def test_configured_secret_key_signs_cookies(group_settings, session) -> None:
    keyed = group_settings.model_copy(update={"secret_key": "a configured key"})
    with TestClient(create_app(keyed), follow_redirects=False) as client:
        response = client.post(
            "/signup", data={"name": "ada", "password": PASSWORD, "confirm": PASSWORD}
        )
        assert response.status_code == 303
        assert client.get("/api/study/next").status_code == 200
    assert session.scalars(select(AppSecret)).all() == []
