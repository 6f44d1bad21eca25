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
from sqlalchemy import case, func, select
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


def _bin_sums(session: Session, ctx: UserContext) -> list[tuple[int, int, float, int]]:
    """(bin, answers, sum of predicted recall, answers recalled) of the latest review answers.

    The database computes each prediction from the stored ``elapsed_days`` (app.study.elapsed)
    and ``stability_before``, read newest first from the covering time index, and sums them per
    bin: ten rows come back instead of every answer (a third of the time at 50,000 answers).
    """
    decay, factor = forgetting_curve_constants(ctx.config.parameters)
    latest = (
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
        .subquery("latest")
    )
    elapsed = case((latest.c.elapsed_days > 0, latest.c.elapsed_days), else_=0)
    predicted = func.power(1.0 + factor * elapsed / latest.c.stability_before, decay)
    scored = select(predicted.label("p"), latest.c.rating).subquery("scored")
    bin_ = case(
        (func.floor(scored.c.p * BINS) >= BINS - 1, BINS - 1), else_=func.floor(scored.c.p * BINS)
    ).label("bin")
    rows = session.execute(
        select(
            bin_,
            func.count(),
            func.sum(scored.c.p),
            func.sum(case((scored.c.rating > int(Rating.Again), 1), else_=0)),
        ).group_by(bin_)
    ).all()
    return [(int(b), int(n), float(p), int(ok)) for b, n, p, ok in rows]


def calibration(session: Session, ctx: UserContext) -> dict[str, Any]:
    """The bins and RMSE(bins) of the user's review answers (empty when there are none)."""
    bins = [
        Bin(b / BINS, (b + 1) / BINS, count, predicted / count, recalled / count)
        for b, count, predicted, recalled in sorted(_bin_sums(session, ctx))
    ]
    total = sum(b.count for b in bins)
    rmse = (
        float(np.sqrt(sum(b.count * (b.predicted - b.actual) ** 2 for b in bins) / total))
        if total
        else None
    )
    return {"reviews": total, "rmse_bins": rmse, "bins": [asdict(b) for b in bins]}


def _answers(count: int) -> str:
    if count < MAX_REVIEWS:
        return f"{count} review answers"
    return f"the latest {count:,} review answers"


def calibration_chart(data: dict[str, Any]) -> Chart:
    """Predicted vs actual recall per bin, against the diagonal of a perfect fit."""
    bins = data["bins"]
    rmse = data["rmse_bins"]
    summary = (
        f"{_answers(data['reviews'])}; RMSE(bins) {100 * rmse:.1f} percentage points."
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
