"""A user's personal note on any card: Markdown, rendered by the bank's renderer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.cards.models import CardNote
from app.db import begin_write

MAX_NOTE_CHARS = 10_000


def get_note(session: Session, user_id: int, card_id: str) -> str:
    note = session.get(CardNote, (user_id, card_id))
    return note.note_md if note else ""


def set_note(session: Session, user_id: int, card_id: str, text: str, now: datetime) -> None:
    """Store the note (an empty one deletes it). The caller checked the card and the length."""
    begin_write(session, user_id)
    text = text.strip()
    if not text:
        session.execute(
            delete(CardNote).where(CardNote.user_id == user_id, CardNote.card_id == card_id)
        )
    else:
        row = session.get(CardNote, (user_id, card_id))
        if row is None:
            session.add(CardNote(user_id=user_id, card_id=card_id, note_md=text, updated_at=now))
        else:
            row.note_md, row.updated_at = text, now
    session.commit()
