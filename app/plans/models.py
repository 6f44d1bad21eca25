"""The interview dates table: a user's interview moments, each with the topics it covers.

``app.tables`` imports this module, so Alembic and the app see the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base, UTCDateTime


class TopicWeight(TypedDict):
    """One topic of an interview date and how much of the plan it takes."""

    topic: str
    weight: float


class InterviewDate(Base):
    """A day the user is preparing for: its moment, a name, and topic weights."""

    __tablename__ = "interview_dates"
    # The dashboard and the list read one user's dates in order of their moment.
    __table_args__ = (Index("ix_interview_dates_user_id_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Empty: the whole bank, every card weighing the same.
    topics: Mapped[list[TopicWeight]] = mapped_column(JSON, default=list)
    # Narrower scopes within those topics (empty: no limit): card levels, and tags of which a
    # card needs at least one.
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EasyDays(Base):
    """A user's easy days: per weekday (Monday first), the percent of the daily limits."""

    __tablename__ = "easy_days"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    percents: Mapped[list[int]] = mapped_column(JSON)
