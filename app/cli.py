"""The ``dlcards`` command line (Typer); ``python -m app`` runs the same."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from app.accounts.cli import users_app
from app.cards.cli import content_reports
from app.config import Settings
from app.content.parse import read_bank
from app.content.sync import ContentError, sync_bank
from app.db import make_engine, migrated_session
from app.dbcopy import db_app
from app.export.cli import export_app, import_app
from app.progress import timed
from app.study.cli import study_app

cli = typer.Typer(help="dlcards: deep-learning interview flashcards.", no_args_is_help=True)
content_app = typer.Typer(help="Validate and load the question bank.", no_args_is_help=True)
cli.add_typer(content_app, name="content")
content_app.command("reports")(content_reports)
cli.add_typer(users_app, name="users")
cli.add_typer(db_app, name="db")
cli.add_typer(study_app, name="study")
cli.add_typer(export_app, name="export")
cli.add_typer(import_app, name="import")


def _content_dir(path: Path | None, settings: Settings) -> Path:
    return path if path is not None else settings.content_dir


@content_app.command("check")
def content_check(
    path: Annotated[Path | None, typer.Argument(help="Content folder (default: settings).")] = None,
) -> None:
    """Validate every card file; print each problem as path:line: field: message."""
    settings = Settings()
    bank = read_bank(_content_dir(path, settings))
    for problem in bank.problems:
        typer.echo(str(problem), err=True)
    if bank.problems:
        typer.echo(f"{len(bank.problems)} problem(s) in the bank.", err=True)
        raise typer.Exit(1)
    topics = {c.front.topic for c in bank.cards}
    typer.echo(f"ok: {len(bank.cards)} cards in {len(topics)} topics, no problems.")


@content_app.command("load")
def content_load(
    path: Annotated[Path | None, typer.Argument(help="Content folder (default: settings).")] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Load the valid cards, report the rest.")
    ] = False,
) -> None:
    """Migrate the database and sync the bank into it (only what changed is written)."""
    settings = Settings()
    with timed() as clock:
        bank = read_bank(_content_dir(path, settings))
    typer.echo(f"read {len(bank.cards)} card file(s) in {clock['elapsed']:.1f} s", err=True)
    try:
        with migrated_session(settings) as session, timed() as clock:
            report = sync_bank(session, bank, skip_invalid=skip_invalid)
    except ContentError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        typer.echo("Nothing loaded: fix the files above or use --skip-invalid.", err=True)
        raise typer.Exit(1) from None
    for problem in bank.problems:
        typer.echo(f"skipped: {problem}", err=True)
    typer.echo(f"loaded: {report} in {clock['elapsed']:.1f} s")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address (default DLCARDS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default DLCARDS_PORT).")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="App processes (uvicorn workers); for PostgreSQL.")
    ] = 1,
) -> None:
    """Migrate, load the bank, and serve the app with uvicorn (in several processes if asked)."""
    import uvicorn

    from app.main import create_app, prepare_database

    settings = Settings()
    if host:
        settings.host = host
    if port:
        settings.port = port
    engine = make_engine(settings)
    try:
        prepare_database(settings, engine)
    except ContentError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        typer.echo(
            "The question bank has invalid files; the server was not started. "
            "Fix them (dlcards content check) or run dlcards content load --skip-invalid.",
            err=True,
        )
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"database: {settings.database_url_shown}; question bank: {settings.content_dir}")
    typer.echo(f"dlcards is serving on http://{settings.host}:{settings.port}/")
    if workers == 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
        return
    # Worker processes import the app factory and read the same DLCARDS_* settings; the bank
    # was loaded once above, so they skip it.
    os.environ["DLCARDS_LOAD_CONTENT_ON_START"] = "false"
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level="info",
    )


def main() -> None:
    cli()
