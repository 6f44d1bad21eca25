"""``dlcards export ...`` and ``dlcards import ...``: decks, CSV and progress backups."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import migrated_session
from app.export.anki import write_apkg
from app.export.anki_schedule import user_schedule
from app.export.bank import UnknownTopic, deck_name, export_cards
from app.export.card_import import (
    Format,
    ImportRefused,
    Outcome,
    import_file,
    plan_cards_folder,
    run_plan,
)
from app.export.csv_export import cards_csv
from app.export.progress import ImportRefused as BackupRefused
from app.export.progress import export_progress, import_progress, parse_backup
from app.models import LOCAL_USER_ID, Card, Topic
from app.progress import Progress, timed

export_app = typer.Typer(no_args_is_help=True)
import_app = typer.Typer(no_args_is_help=True)

TopicOption = Annotated[
    str | None, typer.Option("--topic", help="Only this topic (default: the whole bank).")
]
UserOption = Annotated[int, typer.Option("--user", help="Whose progress (default: local user).")]


@export_app.callback()
def export() -> None:
    """Export the bank (Anki deck, CSV) or your progress (JSON backup)."""


@import_app.callback()
def import_() -> None:
    """Import a progress backup made by dlcards export progress."""


def _cards(session: Session, topic: str | None, user: int = LOCAL_USER_ID) -> list[Card]:
    try:
        return export_cards(session, topic, user)
    except UnknownTopic as error:
        typer.echo(f"{error}; see the topics with dlcards content check", err=True)
        raise typer.Exit(1) from None


@export_app.command("anki")
def export_anki(
    out: Annotated[Path, typer.Argument(help="The .apkg file to write.")],
    topic: TopicOption = None,
    user: UserOption = LOCAL_USER_ID,
    schedule: Annotated[
        bool, typer.Option("--schedule", help="Carry your FSRS schedule and answers.")
    ] = False,
) -> None:
    """Write an Anki deck: question on the front; answer (MathJax math) and key points behind."""
    with migrated_session(Settings()) as session:
        cards = _cards(session, topic, user)
        states = user_schedule(session, user, [c.id for c in cards]) if schedule else None
        bar = Progress("writing notes", len(cards))
        try:
            count = write_apkg(cards, deck_name(topic), out, states, on_note=bar.advance)
        finally:
            bar.close()
    scheduled = f", {len(states.cards)} with their schedule" if states else ""
    typer.echo(f"wrote {count} note(s){scheduled} to {out}")


@export_app.command("csv")
def export_csv(
    out: Annotated[Path, typer.Argument(help="The .csv file to write.")],
    topic: TopicOption = None,
) -> None:
    """Write the cards as CSV (id, topic, level, question, answer, key points, tags, refs)."""
    with migrated_session(Settings()) as session:
        cards = _cards(session, topic)
        out.write_text(cards_csv(cards), encoding="utf-8", newline="")
    typer.echo(f"wrote {len(cards)} card(s) to {out}")


@export_app.command("progress")
def export_progress_command(
    out: Annotated[Path, typer.Argument(help="The .json backup to write.")],
    user: UserOption = LOCAL_USER_ID,
) -> None:
    """Write your review logs, settings and flags as a JSON backup."""
    with migrated_session(Settings()) as session:
        data = export_progress(session, user, datetime.now(UTC))
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    typer.echo(f"wrote {len(data['review_logs'])} review(s) to {out}")


@import_app.command("progress")
def import_progress_command(
    source: Annotated[Path, typer.Argument(help="A backup from dlcards export progress.")],
    user: UserOption = LOCAL_USER_ID,
) -> None:
    """Import a backup into a fresh install and rebuild the schedule (nothing changes on error)."""
    try:
        data = parse_backup(source.read_bytes())
    except (OSError, BackupRefused) as error:
        typer.echo(f"cannot read {source}: {error}; nothing was imported", err=True)
        raise typer.Exit(1) from None
    settings = Settings()
    try:
        with migrated_session(settings) as session:
            count = import_progress(session, user, data, datetime.now(UTC), settings.timezone)
    except BackupRefused as error:
        for problem in error.problems:
            typer.echo(f"{source}: {problem}", err=True)
        typer.echo("Nothing was imported.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"imported {count} review(s) from {source}; card states rebuilt from them")


def _import_cards(fmt: Format, source: Path, user: int, dry_run: bool) -> None:
    """Shared by ``dlcards import anki|csv|cards``: all or nothing, problems on stderr."""
    from app.cards.own import sync_all_users

    settings = Settings()
    bar: list[Progress] = []

    def advance(total: int) -> None:  # the number of cards is known once the file is read
        if not bar:
            bar.append(Progress("checking cards", total))
        bar[0].advance()

    try:
        with migrated_session(settings) as session, timed() as clock:
            sync_all_users(session, settings)
            if fmt == "cards" and source.is_dir():
                known = set(session.scalars(select(Topic.id)))
                plan = plan_cards_folder(source, known)
                created, reviews = run_plan(
                    session, settings, user, plan, dry_run=dry_run, on_draft=advance
                )
                outcome = Outcome(created, plan.skipped, reviews=reviews)
            else:
                raw = source.read_bytes()
                outcome = import_file(
                    session, settings, user, raw, fmt, dry_run=dry_run, filename=str(source),
                    on_draft=advance,
                )  # fmt: skip
    except OSError as error:
        _close(bar)
        typer.echo(f"cannot read {source}: {error.strerror}; nothing was imported", err=True)
        raise typer.Exit(1) from None
    except ImportRefused as error:
        _close(bar)
        for problem in error.problems:
            located = problem.startswith(f"{source}:")
            typer.echo(problem if located else f"{source}: {problem}", err=True)
        typer.echo("Nothing was imported.", err=True)
        raise typer.Exit(1) from None
    _close(bar)
    for where, reason in outcome.skipped:
        typer.echo(f"skipped {where}: {reason}")
    verb = "would create" if dry_run else "created"
    history = f", {outcome.reviews} answer(s) of review history" if outcome.reviews else ""
    typer.echo(
        f"{verb} {len(outcome.created)} card(s){history}, skipped {len(outcome.skipped)}"
        f" in {clock['elapsed']:.1f} s"
    )


def _close(bar: list[Progress]) -> None:
    for progress in bar:
        progress.close()


SourceArg = Annotated[Path, typer.Argument(help="The file (or, for cards, a folder).")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")]


@import_app.command("anki")
def import_anki_command(
    source: SourceArg, user: UserOption = LOCAL_USER_ID, dry_run: DryRunOption = False
) -> None:
    """Import the Basic notes of an Anki .apkg/.colpkg as own cards."""
    _import_cards("anki", source, user, dry_run)


@import_app.command("csv")
def import_csv_command(
    source: SourceArg, user: UserOption = LOCAL_USER_ID, dry_run: DryRunOption = False
) -> None:
    """Import a CSV/TSV as own cards (the header names the columns: question/front, answer…)."""
    _import_cards("csv", source, user, dry_run)


@import_app.command("cards")
def import_cards_command(
    source: SourceArg, user: UserOption = LOCAL_USER_ID, dry_run: DryRunOption = False
) -> None:
    """Import a folder or zip of Markdown card files as own cards."""
    _import_cards("cards", source, user, dry_run)
