"""Study tables beyond the review state and log: today's extra new-card allowances and the
answers per hour.

``app.tables`` imports this module, so Alembic and the app see these tables.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base

ALL_TOPICS = ""  # the topic_id of an allowance that applies to every topic


class NewCardAllowance(Base):
    """Extra new cards a user asked for on one study day ("learn 10 more today").

    One row per user, study day and topic (``ALL_TOPICS`` for every topic); the queue adds
    the day's rows to the new-card limit, so the allowance ends with the day by itself.
    """

    __tablename__ = "new_card_allowances"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    topic_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    extra: Mapped[int] = mapped_column(Integer)


class ReviewHour(Base):
    """A user's answers in one UTC hour, by kind: what /stats and the dashboard count.

    Triggers on ``review_logs`` (migration d8f3a1c5e927) keep these rows in the transaction
    that inserts, deletes or changes a log row, whatever code does it; a row with no answer
    left is deleted. Hours are UTC (``hour`` is seconds since 1970 // 3600) so the user's time
    zone and rollover hour stay free to change: ``app.study.hours`` folds hours into days.
    """

    __tablename__ = "review_hours"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    learn: Mapped[int] = mapped_column(Integer)
    review: Mapped[int] = mapped_column(Integer)
    relearn: Mapped[int] = mapped_column(Integer)
    cram: Mapped[int] = mapped_column(Integer)
    review_passed: Mapped[int] = mapped_column(Integer)  # review answers rated above Again
