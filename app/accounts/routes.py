"""Sign-in, sign-up and sign-out pages (mounted only when DLCARDS_MULTI_USER=true)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import cookies, ratelimit, sessions
from app.accounts.middleware import app_session_key, signed_in_user
from app.accounts.users import AccountError, authenticate, create_user
from app.db import SessionDep
from app.web import render

router = APIRouter(tags=["accounts"])

WRONG_CREDENTIALS = "Wrong account name or password."
FormText = Annotated[str, Form(max_length=1024)]


def safe_next(target: str | None) -> str:
    """Only a path on this site is a place to return to after signing in."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _signed_in(request: Request, session: Session, user_id: int, target: str) -> Response:
    settings = request.app.state.settings
    now = datetime.now(UTC)
    expires = cookies.expiry(now, settings.session_days)
    value = cookies.sign(app_session_key(request.app), user_id, expires)
    sessions.start(session, user_id, value, now, expires)
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        cookies.COOKIE_NAME,
        value,
        max_age=settings.session_days * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )
    return response


def _login_page(
    request: Request, *, name: str = "", error: str | None = None, target: str = "/",
    status_code: int = 200,
) -> Response:  # fmt: skip
    context = {
        "name": name,
        "error": error,
        "next": safe_next(target),
        "signup": request.app.state.settings.signup,
    }
    return render(request, "accounts/login.html", context, status_code=status_code)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    """The sign-in form (already signed in: straight to where the visitor was going)."""
    if signed_in_user(request.scope) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, target=next)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form(max_length=100)],
    password: FormText,
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Sign in; a wrong name or password gets one message that does not say which."""
    now = datetime.now(UTC)
    address = client_address(request)
    refusal = ratelimit.attempt(session, name, address, now)
    if refusal is not None:
        return _login_page(request, name=name, error=refusal.message, target=next, status_code=429)
    user = authenticate(session, name, password)
    if user is None:  # the attempt stays counted as a failure
        return _login_page(
            request, name=name, error=WRONG_CREDENTIALS, target=next, status_code=401
        )
    ratelimit.clear_account(session, name)
    return _signed_in(request, session, user.id, next)


def _signup_allowed(request: Request) -> None:
    if not request.app.state.settings.signup:
        raise HTTPException(404, "sign-up is turned off: ask an administrator for an account")


@router.get("/signup")
def signup_form(request: Request) -> Response:
    """The form that creates an account."""
    _signup_allowed(request)
    return render(request, "accounts/signup.html", {"name": "", "errors": {}})


@router.post("/signup")
def signup(
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form(max_length=100)],
    password: FormText,
    confirm: FormText,
) -> Response:
    """Create an account and sign in to it."""
    _signup_allowed(request)
    now = datetime.now(UTC)
    address = client_address(request)
    refusal = ratelimit.check(session, name, address, now)
    if refusal is not None:
        context = {"name": name, "errors": {"name": refusal.message}}
        return render(request, "accounts/signup.html", context, status_code=429)
    errors: dict[str, str] = {}
    if password != confirm:
        errors["confirm"] = "the two passwords differ"
    else:
        try:
            user = create_user(session, name.strip(), password)
        except AccountError as error:
            errors[error.field] = error.message
            if error.taken:  # probing for names is limited like guessing passwords
                ratelimit.attempt(session, name, address, now)
    if errors:
        return render(
            request, "accounts/signup.html", {"name": name, "errors": errors}, status_code=422
        )
    return _signed_in(request, session, user.id, "/")


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    """Sign out: this session ends on the server, and its cookie leaves this browser."""
    value = request.cookies.get(cookies.COOKIE_NAME)
    if value:
        sessions.end(session, value)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        cookies.COOKIE_NAME,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.https,
    )
    return response
