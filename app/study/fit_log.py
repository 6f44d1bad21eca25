"""The table of automatic parameter fits: each fit, its held-out scores, and whether it was kept.

``app.tables`` imports this module, so Alembic and the app see the table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base, UTCDateTime


class ParameterFit(Base):
    """One background re-fit of a user's FSRS parameters, scored on the later part of history."""

    __tablename__ = "parameter_fits"
    # The settings page lists one user's fits newest first; the trigger reads the latest.
    __table_args__ = (Index("ix_parameter_fits_user_id_fitted_at", "user_id", "fitted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviews: Mapped[int] = mapped_column(Integer)  # the user's answers when it ran
    train_items: Mapped[int] = mapped_column(Integer)
    test_items: Mapped[int] = mapped_column(Integer)
    old_log_loss: Mapped[float] = mapped_column(Float)
    new_log_loss: Mapped[float] = mapped_column(Float)
    old_rmse: Mapped[float] = mapped_column(Float)
    new_rmse: Mapped[float] = mapped_column(Float)
    adopted: Mapped[bool] = mapped_column(Boolean)
    parameters: Mapped[list[float]] = mapped_column(JSON)  # the fitted ones, kept or not
