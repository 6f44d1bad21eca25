"""Tables of the mock interview: one row per interview, one per question asked in it.

``app.tables`` imports this module, so Alembic and the app see these tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.content.schema import Level
from app.orm import Base, UTCDateTime

if TYPE_CHECKING:  # the table is joined by name; only the type checker needs the class
    from app.plans.models import InterviewDate


class Interview(Base):
    """A timed mock interview: its choices, and when it started, finished and was scheduled."""

    __tablename__ = "interviews"
    # History lists one user's interviews newest first; a date's page lists those tied to it.
    __table_args__ = (
        Index("ix_interviews_user_id_started_at", "user_id", "started_at"),
        Index("ix_interviews_interview_date_id", "interview_date_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every topic
    level: Mapped[Level | None] = mapped_column(String(20), nullable=True)  # None: every level
    seconds_per_question: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)  # mean share covered
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The interview date it rehearsed (its scope gave the questions); deleting the date keeps
    # the interview, untied.
    interview_date_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview_dates.id", ondelete="SET NULL"), nullable=True
    )

    interview_date: Mapped[InterviewDate | None] = relationship("InterviewDate")

    questions: Mapped[list[InterviewQuestion]] = relationship(
        back_populates="interview", order_by="InterviewQuestion.position"
    )


class InterviewQuestion(Base):
    """One question of an interview: when it was shown and answered, the answer and its marks."""

    __tablename__ = "interview_questions"
    __table_args__ = (UniqueConstraint("interview_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"))
    position: Mapped[int] = mapped_column(Integer)  # 1-based order of asking
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"))
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answer_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    marks: Mapped[list[bool] | None] = mapped_column(JSON, nullable=True)  # per key point
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the confirmed grade
    review_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # its review_logs row

    interview: Mapped[Interview] = relationship(back_populates="questions")
