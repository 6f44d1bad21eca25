"""Creating accounts and checking passwords, shared by sign-up, sign-in and the CLI."""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import Password, SignInSession
from app.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.db import write
from app.errors import DomainError
from app.models import LOCAL_USER_ID, User
from app.orm import utcnow

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
NAME_RULE = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
RESERVED_NAMES = frozenset({"local"})  # the laptop user, who never signs in


class AccountError(DomainError, ValueError):
    """A refused account change, with a message for the form (``field`` names the input).

    The sign-up form shows it next to its field; the CLI prints it.
    """

    status_code = 422
    field: str

    def __init__(self, field: str, message: str, *, taken: bool = False) -> None:
        super().__init__(message, field=field)
        self.taken = taken  # the name belongs to an account already


def name_problem(name: str) -> str | None:
    if not NAME_PATTERN.fullmatch(name):
        return f"the name must be {NAME_RULE}"
    if name.lower() in RESERVED_NAMES:
        return f"the name {name!r} is reserved"
    return None


def find_user(session: Session, name: str) -> User | None:
    """The user of that name, compared case-insensitively (names are unique that way)."""
    return session.scalar(select(User).where(func.lower(User.name) == name.strip().lower()))


def create_user(session: Session, name: str, password: str) -> User:
    """Add an account with an Argon2 password hash; commits."""
    problem = name_problem(name)
    if problem:
        raise AccountError("name", problem)
    problem = password_problem(password)
    if problem:
        raise AccountError("password", problem)
    password_hash = hash_password(password)  # slow by design: before the write lock
    with write(session):
        if find_user(session, name) is not None:
            raise AccountError("name", f"the name {name!r} is taken", taken=True)
        user = User(name=name)
        session.add(user)
        try:
            session.flush()
            session.add(Password(user_id=user.id, hash=password_hash))
            session.flush()
        except IntegrityError:  # the same name was taken by a concurrent sign-up
            raise AccountError("name", f"the name {name!r} is taken", taken=True) from None
    return user


def set_password(session: Session, name: str, password: str) -> User:
    """Give an existing account a new password (e.g. one made by ``db copy --as-user``); commits.

    Every session of the account ends with it: a copied cookie stops working.
    """
    user = find_user(session, name)
    if user is None or user.id == LOCAL_USER_ID:
        raise AccountError("name", f"no account named {name!r}")
    problem = password_problem(password)
    if problem:
        raise AccountError("password", problem)
    password_hash = hash_password(password)
    with write(session):
        stored = session.get(Password, user.id)
        if stored is None:
            session.add(Password(user_id=user.id, hash=password_hash))
        else:
            stored.hash, stored.changed_at = password_hash, utcnow()
        session.execute(delete(SignInSession).where(SignInSession.user_id == user.id))
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user when name and password match, else None (the same cost either way)."""
    user = find_user(session, name)
    stored = session.get(Password, user.id) if user is not None else None
    if not verify_password(stored.hash if stored else None, password):
        return None
    assert user is not None and stored is not None
    if needs_rehash(stored.hash):
        password_hash = hash_password(password)
        with write(session):
            session.execute(
                update(Password).where(Password.user_id == user.id).values(hash=password_hash)
            )
    return user
