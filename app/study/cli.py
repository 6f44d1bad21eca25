"""``dlcards study ...``: maintenance of study data from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from app.config import Settings
from app.db import migrated_session
from app.progress import Progress, timed
from app.study.preferences import user_context
from app.study.rebuild import rebuild_all, reviewed_cards

study_app = typer.Typer(no_args_is_help=True)


@study_app.callback()
def study() -> None:
    """Spaced-repetition data: rebuild card states from the review log."""


@study_app.command("rebuild")
def rebuild(
    check: Annotated[
        bool, typer.Option("--check", help="Only compare; exit 1 if a stored state differs.")
    ] = False,
    reschedule: Annotated[
        bool,
        typer.Option(
            "--reschedule",
            help="Replay every answer under the current settings, due dates included.",
        ),
    ] = False,
) -> None:
    """Recompute every card state from review_logs alone (memory states with current FSRS
    parameters; states, steps and due dates as logged unless --reschedule)."""
    settings = Settings()
    with migrated_session(settings) as session, timed() as clock:
        progress = Progress("replaying cards", reviewed_cards(session))
        try:
            report = rebuild_all(
                session,
                lambda s, user_id: user_context(s, user_id, settings.timezone),
                write=not check,
                reschedule=reschedule,
                on_card=progress.advance,
            )
        finally:
            progress.close()
    verb = "differ from" if check else "rewritten from"
    typer.echo(
        f"{report.users} user(s), {report.cards} card(s), {report.reviews} answer(s) replayed; "
        f"{len(report.mismatched)} stored state(s) {verb} the log ({clock['elapsed']:.1f} s)."
    )
    drifted_hours = sum(n for _, n in report.hour_drift)
    if report.elapsed_drift or drifted_hours:
        typer.echo(
            f"{report.elapsed_drift} answer(s)' elapsed_days and {drifted_hours} hour(s) of "
            f"review_hours {verb} a recount of the log."
        )
    for user_id, problem in report.parameter_problems:
        typer.echo(
            f"  user {user_id}: stored FSRS parameters refused ({problem}); defaults used",
            err=True,
        )
    for user_id, card_id, reason in report.broken[:20]:
        typer.echo(f"  user {user_id}: {card_id}: cannot be replayed: {reason}", err=True)
    if report.broken:
        typer.echo(f"{len(report.broken)} card(s) could not be replayed (kept).", err=True)
    if check and report.mismatched:
        for user_id, card_id in report.mismatched[:20]:
            typer.echo(f"  user {user_id}: {card_id}", err=True)
    drift = report.elapsed_drift or report.hour_drift
    if check and (report.mismatched or report.broken or report.parameter_problems or drift):
        raise typer.Exit(1)
