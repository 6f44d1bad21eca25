"""A user's personal note on any card: Markdown, rendered by the bank's renderer."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from app.accounts.deps import current_user_id
from app.cards.models import CardNote
from app.db import write
from app.markdown import render_markdown

MAX_NOTE_CHARS = 10_000


NOTE = select(CardNote.note_md).where(
    CardNote.user_id == bindparam("user_id"), CardNote.card_id == bindparam("card_id")
)  # built once: every card page reads it


def get_note(session: Session, user_id: int, card_id: str) -> str:
    return session.scalar(NOTE, {"user_id": user_id, "card_id": card_id}) or ""


def set_note(session: Session, user_id: int, card_id: str, text: str, now: datetime) -> None:
    """Store the note (an empty one deletes it). The caller checked the card and the length."""
    with write(session, user_id):
        text = text.strip()
        if not text:
            session.execute(
                delete(CardNote).where(CardNote.user_id == user_id, CardNote.card_id == card_id)
            )
        else:
            row = session.get(CardNote, (user_id, card_id))
            if row is None:
                session.add(
                    CardNote(user_id=user_id, card_id=card_id, note_md=text, updated_at=now)
                )
            else:
                row.note_md, row.updated_at = text, now


def card_note_html(request: Request, card_id: str) -> Markup:
    """The viewer's note as sanitized HTML, for templates of other features (the study card).

    A template global (installed by ``install``), so the study screen shows the note without
    an extra htmx request, which would count as the study form being busy.
    """
    with request.app.state.sessionmaker() as session:
        note = get_note(session, current_user_id(request), card_id)
    return Markup(render_markdown(note)) if note else Markup("")


def install(templates: Jinja2Templates) -> None:
    templates.env.globals["card_note_html"] = card_note_html
