"""Notes and problem reports a user attaches to any card (bank or own).

``app.tables`` imports this module, so Alembic and the app see the tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base, UTCDateTime


class CardNote(Base):
    """A user's personal note (Markdown) on one card; one note per user and card."""

    __tablename__ = "card_notes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"), primary_key=True)
    note_md: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CardReport(Base):
    """ "Report a problem": a reason and a comment, kept for the people who maintain a bank."""

    __tablename__ = "card_reports"
    __table_args__ = (Index("ix_card_reports_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # app.cards.reports.Reason
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
