"""The charts of /stats, drawn by app.charts from ``stats.study_stats`` numbers, each with the
table it is drawn from."""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup

from app.charts.bars import stacked_bars
from app.charts.figure import Chart
from app.charts.heat import calendar_heatmap
from app.study.scheduler import LogKind

KIND_SERIES: dict[str, str] = {
    LogKind.LEARN: "series-1",
    LogKind.REVIEW: "series-3",
    LogKind.RELEARN: "series-2",
    LogKind.CRAM: "series-4",
}


def _stacked(
    slug: str,
    title: str,
    labels: list[str],
    series: dict[str, list[int]],
    classes: dict[str, str],
    every: int = 1,
) -> Chart:
    """Bars per label, stacked by series, and the table of the same counts."""
    totals = " ".join(f"{name}: {sum(values)}" for name, values in series.items())
    description = f"{title}. Totals: {totals}."
    svg = stacked_bars(labels, series, classes, title=title, desc=description, every=every)
    rows = [
        [labels[i], *(str(values[i]) for values in series.values())] for i in range(len(labels))
    ]
    return Chart(slug, title, description, Markup(svg), ["", *series.keys()], rows)


def _bars(slug: str, title: str, values: dict[str, int], css: str, every: int = 1) -> Chart:
    """One series of counts, as bars with a label under each ``every``-th."""
    chart = _stacked(
        slug, title, list(values), {"count": list(values.values())}, {"count": css}, every
    )
    return Chart(slug, title, chart.description, chart.svg, ["", "cards"], chart.rows)


def _calendar(slug: str, title: str, days: list[date], counts: list[int]) -> Chart:
    studied = sum(1 for c in counts if c)
    description = f"{title}: {studied} of {len(days)} days with answers."
    svg = calendar_heatmap(days, counts, title=title, desc=description)
    rows = [[d.isoformat(), str(c)] for d, c in zip(days, counts, strict=True) if c]
    return Chart(slug, title, description, Markup(svg), ["day", "answers"], rows)


def stats_charts(data: dict[str, Any]) -> list[Chart]:
    """The charts of /stats, from ``stats.study_stats`` numbers."""
    per_day = data["reviews_per_day"]
    kinds = tuple(LogKind)
    forecast = {d["day"][5:]: d["due"] for d in data["forecast"]}
    calendar = data["calendar"]
    return [
        _stacked(
            "reviews",
            f"Answers per day, last {data['range_days']} days",
            [d["day"][5:] for d in per_day],
            {k: [d[k] for d in per_day] for k in kinds},
            KIND_SERIES,
            every=max(1, len(per_day) // 10),
        ),
        _bars("forecast", "Cards due per day, next 30 days", forecast, "series-6", every=3),
        _bars("states", "Cards by state", data["card_counts"], "series-1"),
        _bars("intervals", "Review intervals", data["intervals"], "series-3"),
        _bars(
            "stability", "Stability (days until recall drops to 90%)", data["stability"], "series-4"
        ),
        _bars("difficulty", "Difficulty (1 easy to 10 hard)", data["difficulty"], "series-2"),
        _calendar(
            "calendar",
            "Study days, last 365 days",
            [date.fromisoformat(d["day"]) for d in calendar],
            [d["count"] for d in calendar],
        ),
    ]
