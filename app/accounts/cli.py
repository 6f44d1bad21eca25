"""``dlcards users add|passwd|sign-out NAME``: accounts from the command line."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from app.accounts import sessions
from app.accounts.users import AccountError, create_user, find_user, set_password
from app.config import Settings
from app.db import migrated_session

users_app = typer.Typer(help="Accounts of a study-group server.", no_args_is_help=True)


def _read_password() -> str:
    """Prompted twice on a terminal; otherwise the first line of standard input."""
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@users_app.command("add")
def users_add(name: Annotated[str, typer.Argument(help="The new account's name.")]) -> None:
    """Create an account (password prompted twice, or read from stdin when piped)."""
    password = _read_password()
    try:
        with migrated_session(Settings()) as session:
            user = create_user(session, name, password)
    except AccountError as error:
        typer.echo(f"No account created: {error.message}.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created account {user.name!r} (id {user.id})")


@users_app.command("passwd")
def users_passwd(name: Annotated[str, typer.Argument(help="The account's name.")]) -> None:
    """Set an account's password (prompted twice, or read from stdin when piped)."""
    password = _read_password()
    try:
        with migrated_session(Settings()) as session:
            user = set_password(session, name, password)
    except AccountError as error:
        typer.echo(f"Password not changed: {error.message}.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"password set for {user.name!r}; its sessions were ended")


@users_app.command("sign-out")
def users_sign_out(name: Annotated[str, typer.Argument(help="The account's name.")]) -> None:
    """End every session of an account (each browser must sign in again)."""
    with migrated_session(Settings()) as session:
        user = find_user(session, name)
        if user is None:
            typer.echo(f"No account named {name!r}.", err=True)
            raise typer.Exit(1)
        ended = sessions.end_all(session, user.id)
    typer.echo(f"ended {ended} session(s) of {user.name!r}")
