"""Calibration: does FSRS's predicted recall match how often the user actually recalled?

Every answer to a card in review state had a predicted recall: the retrievability of the state
before it (its stability) after the whole days elapsed since the card's previous answer, as the
`fsrs` package counts them. Answers are binned by that prediction; per bin the mean prediction
is set against the share answered Hard, Good or Easy, and RMSE(bins) weighs each bin by its
answers, as the FSRS benchmark does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.charts.figure import Chart
from app.charts.lines import Series, line_plot
from app.models import ReviewLog
from app.study.preferences import UserContext
from app.study.scheduler import LogKind, Rating, State, forgetting_curve_constants

BINS = 10
MAX_REVIEWS = 50_000  # the latest answers: enough for every bin, bounded for a million logs


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    predicted: float
    actual: float


def predicted_and_actual(session: Session, ctx: UserContext) -> tuple[np.ndarray, np.ndarray]:
    """Predicted recall and outcome (1 recalled, 0 forgotten) of the latest review answers.

    Reads the stored ``elapsed_days`` (app.study.elapsed) from the covering time index, newest
    first, instead of recomputing each card's previous answer over the whole log.
    """
    rows = session.execute(
        select(ReviewLog.elapsed_days, ReviewLog.stability_before, ReviewLog.rating)
        .where(
            ReviewLog.user_id == ctx.user_id,
            ReviewLog.kind != LogKind.CRAM,
            ReviewLog.state_before == int(State.Review),
            ReviewLog.elapsed_days.is_not(None),
            ReviewLog.stability_before > 0,
        )
        .order_by(ReviewLog.reviewed_at.desc())
        .limit(MAX_REVIEWS)
    ).all()
    if not rows:
        return np.zeros(0), np.zeros(0)
    elapsed, stability, rating = np.array([tuple(row) for row in rows], dtype=float).T
    decay, factor = forgetting_curve_constants(ctx.config.parameters)
    predicted = (1.0 + factor * np.maximum(0.0, elapsed) / stability) ** decay
    keep = np.isfinite(predicted)
    return predicted[keep], (rating[keep] > int(Rating.Again)).astype(float)


def calibration(session: Session, ctx: UserContext) -> dict[str, Any]:
    """The bins and RMSE(bins) of the user's review answers (empty when there are none)."""
    predicted, actual = predicted_and_actual(session, ctx)
    index = np.minimum((predicted * BINS).astype(int), BINS - 1)
    bins = []
    for b in range(BINS):
        members = index == b
        count = int(members.sum())
        if count:
            bins.append(
                Bin(b / BINS, (b + 1) / BINS, count, float(predicted[members].mean()),
                    float(actual[members].mean()))
            )  # fmt: skip
    total = sum(b.count for b in bins)
    rmse = (
        float(np.sqrt(sum(b.count * (b.predicted - b.actual) ** 2 for b in bins) / total))
        if total
        else None
    )
    return {"reviews": total, "rmse_bins": rmse, "bins": [asdict(b) for b in bins]}


def calibration_chart(data: dict[str, Any]) -> Chart:
    """Predicted vs actual recall per bin, against the diagonal of a perfect fit."""
    bins = data["bins"]
    rmse = data["rmse_bins"]
    summary = (
        f"{data['reviews']} review answers; RMSE(bins) {100 * rmse:.1f} percentage points."
        if rmse is not None
        else "No review answers yet."
    )
    svg = line_plot(
        [
            Series([0, 100], [0, 100], "perfect calibration", css="series-8", dashed=True),
            Series(
                [100 * b["predicted"] for b in bins],
                [100 * b["actual"] for b in bins],
                "your answers",
                kind="both",
                css="series-5",
            ),
        ],
        title="Calibration: predicted vs actual recall",
        desc=summary,
        x_label="predicted recall (%)",
        y_label="actual recall (%)",
        x_range=(0, 100),
        y_range=(0, 100),
    )
    return Chart(
        slug="calibration",
        title="Calibration: predicted vs actual recall",
        description=summary,
        svg=Markup(svg),
        header=["Predicted", "Answers", "Mean predicted", "Actual"],
        rows=[
            [
                f"{100 * b['low']:.0f}–{100 * b['high']:.0f}%",
                str(b["count"]),
                f"{100 * b['predicted']:.1f}%",
                f"{100 * b['actual']:.1f}%",
            ]
            for b in bins
        ],
    )
