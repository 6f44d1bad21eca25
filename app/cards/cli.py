"""``dlcards content reports``: problem reports as ``path: card-id: reason: comment`` lines."""

from __future__ import annotations

import typer

from app.cards.reports import list_reports, report_line
from app.config import Settings
from app.db import migrated_session


def content_reports() -> None:
    """Print every user's problem reports, newest first, for the bank's maintainers."""
    with migrated_session(Settings()) as session:
        rows = list_reports(session)
        for report, card in rows:
            typer.echo(report_line(report, card))
    if not rows:
        typer.echo("no reports", err=True)
