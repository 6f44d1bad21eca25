"""The core tables every feature reads: the bank (topics, cards), users, review states and logs.

Feature tables live next to their feature (``app/<feature>/models.py``); ``app.tables``
gathers them all. The schema is created only by the Alembic migrations in ``migrations/``;
a test checks that these classes and the migrations agree.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base, UTCDateTime, utcnow

LOCAL_USER_ID = 1


class BankRevision(Base):
    """One row whose ``n`` moves with every write to ``cards`` or ``topics``, by triggers
    (migration e3a7c1f9b254): what ``app.cards.bank_cache`` keeps is valid while it stands.

    ``loaded_from`` and ``loaded_at``: the fingerprint of the files the last start-up load
    read, and the revision it left (``app.content.fingerprint``).
    """

    __tablename__ = "bank_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
    loaded_from: Mapped[str | None] = mapped_column(String(64), nullable=True)
    loaded_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Card(Base):
    __tablename__ = "cards"
    # Which cards a user sees, per topic and level, and a card's neighbours, without reading
    # the rows (their answers push these columns into overflow pages on SQLite).
    __table_args__ = (
        Index("ix_cards_listing", "retired", "topic_id", "position", "owner_id", "level", "id"),
        # The card's side of a join from its review state or log (due counts, /stats by topic).
        Index("ix_cards_id_retired_topic_id", "id", "retired", "topic_id"),
        # The next new card: the first unseen one in bank order, found without a sort.
        Index("ix_cards_new_order", "retired", "position", "id", "owner_id", "topic_id", "level"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer_md: Mapped[str] = mapped_column(Text)
    answer_html: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(20))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    follow_ups: Mapped[list[str]] = mapped_column(JSON, default=list)
    demos: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    synonyms: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    # per key point, the wrong statements that mark it contradicted (app/answers/)
    key_point_confusions: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A practice problem's spec (generator, ranges, question template); None for a plain card.
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    source_path: Mapped[str] = mapped_column(String(500), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: a bank card, seen by everyone; else the user whose own card this is (app.cards.own).
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True, default=None
    )


def _first_revision() -> int:
    return secrets.randbits(52)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moves with every write to the user's study data, by triggers (migration f6b1d9e3a482):
    # what ``app.study.user_cache`` keeps is valid while it stands. From a random number, so a
    # user made again under the same id does not start at a revision that was cached.
    revision: Mapped[int] = mapped_column(
        BigInteger, default=_first_revision, server_default="0"
    )


class UserSettings(Base):
    """Per-user study settings and FSRS configuration."""

    __tablename__ = "user_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    desired_retention: Mapped[float] = mapped_column(Float, default=0.9)
    new_per_day: Mapped[int] = mapped_column(Integer, default=20)
    reviews_per_day: Mapped[int] = mapped_column(Integer, default=200)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    day_starts_at_hour: Mapped[int] = mapped_column(Integer, default=4)
    learning_steps_minutes: Mapped[list[float]] = mapped_column(JSON, default=lambda: [1, 10])
    relearning_steps_minutes: Mapped[list[float]] = mapped_column(JSON, default=lambda: [10])
    maximum_interval_days: Mapped[int] = mapped_column(Integer, default=36500)
    fsrs_parameters: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    # The order new cards come in (app.study.preferences.NEW_CARD_ORDERS).
    new_card_order: Mapped[str] = mapped_column(String(20), default="bank")


class ReviewState(Base):
    """A user's current FSRS state of one card; derivable from review_logs alone."""

    __tablename__ = "review_states"
    # The study queue reads one user's due cards in due order, and counts them by state from
    # an index that holds every column its conditions read.
    __table_args__ = (
        Index("ix_review_states_user_id_due", "user_id", "due"),
        Index(
            "ix_review_states_queue",
            "user_id",
            "state",
            "due",
            "reps",
            "suspended",
            "buried_until",
            "card_id",
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"), primary_key=True)
    state: Mapped[int] = mapped_column(Integer)  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    due: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    buried_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReviewLog(Base):
    """One answer to one card: append-only; every state can be rebuilt from these rows."""

    __tablename__ = "review_logs"
    __table_args__ = (
        UniqueConstraint("user_id", "review_token"),
        # /stats scans one user's recent logs by time (topic retention, calibration): the
        # columns it reads ride in the index, so a million-row log is never read row by row.
        Index(
            "ix_review_logs_user_id_reviewed_at",
            "user_id",
            "reviewed_at",
            "kind",
            "rating",
            "card_id",
            "state_before",
            "stability_before",
            "elapsed_days",
        ),
        # One card's answers in time order: the elapsed_days triggers seek a card's previous
        # and next answer (without it, SQLite walked the user's whole log back in time).
        Index("ix_review_logs_card_id_user_id_reviewed_at", "card_id", "user_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"))
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(10))  # learn | review | relearn | cram
    review_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    step_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    due_before: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    state_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    step_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability_after: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty_after: Mapped[float | None] = mapped_column(Float, nullable=True)
    due_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answer_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A practice problem's draw: {"seed", "params", "correct"}, next to the typed answer_text.
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Whole days since the same card's previous non-cram answer (in reviewed_at, id order), as
    # the fsrs package counts them; NULL for a card's first answer and for cram answers.
    # Kept by app.study.elapsed; calibration reads it instead of a window over the whole log.
    elapsed_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
