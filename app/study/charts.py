"""Small server-rendered SVG charts for /stats, each with the table it is drawn from.

Colours come from CSS classes (``series-1`` ...) that study.css maps to the theme's
variables, so the charts follow light and dark mode; text uses ``currentColor``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from markupsafe import Markup

WIDTH, HEIGHT = 720, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 8, 10, 30
CELL = 12
KIND_SERIES = {"learn": "series-1", "review": "series-3", "relearn": "series-2", "cram": "series-4"}


@dataclass(frozen=True)
class Chart:
    """An accessible SVG and the same numbers as a table (shown to screen readers and on demand)."""

    slug: str
    title: str
    description: str
    svg: Markup
    header: list[str]
    rows: list[list[str]]


def _svg(slug: str, title: str, description: str, body: str, width: int, height: int) -> Markup:
    return Markup(
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{slug}-title {slug}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{slug}-title">{escape(title)}</title>'
        f'<desc id="{slug}-desc">{escape(description)}</desc>{body}</svg>'
    )


def _nice_max(value: float) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 x 10^k)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _axis(top: int) -> str:
    parts = []
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    for fraction in (0, 0.5, 1):
        y = PAD_TOP + plot_h * (1 - fraction)
        label = f"{top * fraction:g}"
        parts.append(
            f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" '
            f'y2="{y:.1f}"/><text class="axis" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{label}</text>'
        )
    return "".join(parts)


def stacked_bars(
    slug: str,
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[int]],
    classes: dict[str, str],
    every: int = 1,
) -> Chart:
    """Bars per label, stacked by series (e.g. answers per day by kind)."""
    n = len(labels)
    totals = [sum(values[i] for values in series.values()) for i in range(n)]
    top = _nice_max(max(totals, default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(n, 1)
    bar_w = max(1.0, step * 0.8)
    parts = [_axis(top)]
    for i in range(n):
        x = PAD_LEFT + i * step + (step - bar_w) / 2
        base = 0.0
        for name, values in series.items():
            if values[i] <= 0:
                continue
            h = plot_h * values[i] / top
            y = PAD_TOP + plot_h - base - h
            parts.append(
                f'<rect class="{classes[name]}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}"><title>{escape(labels[i])}: {values[i]} {name}</title></rect>'
            )
            base += h
        if i % every == 0:
            parts.append(
                f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{HEIGHT - 10}" '
                f'text-anchor="middle">{escape(labels[i])}</text>'
            )
    legend = " ".join(f"{name}: {sum(values)}" for name, values in series.items())
    description = f"{title}. Totals: {legend}."
    header = ["", *series.keys()]
    rows = [[labels[i], *(str(values[i]) for values in series.values())] for i in range(n)]
    return Chart(
        slug,
        title,
        description,
        _svg(slug, title, description, "".join(parts), WIDTH, HEIGHT),
        header,
        rows,
    )


def bars(
    slug: str, title: str, values: dict[str, int], css: str = "series-1", every: int = 1
) -> Chart:
    """One series of bars with a label under each (every ``every``-th label)."""
    labels = list(values)
    chart = stacked_bars(
        slug, title, labels, {"count": list(values.values())}, {"count": css}, every
    )
    return Chart(slug, title, chart.description, chart.svg, ["", "cards"], chart.rows)


def calendar_heatmap(slug: str, title: str, days: Sequence[date], counts: Sequence[int]) -> Chart:
    """A year of study days as weekly columns, darker for more answers."""
    first_weekday = days[0].weekday() if days else 0
    top = max(counts, default=0)
    parts = []
    for i, (day, count) in enumerate(zip(days, counts, strict=True)):
        column, row = divmod(i + first_weekday, 7)
        level = 0 if count == 0 else 1 + min(3, int(4 * count / (top + 1)))
        parts.append(
            f'<rect class="heat-{level}" x="{30 + column * (CELL + 2)}" y="{row * (CELL + 2)}" '
            f'width="{CELL}" height="{CELL}" rx="2"><title>{day.isoformat()}: {count}</title>'
            "</rect>"
        )
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
        parts.append(f'<text class="axis" x="0" y="{row * (CELL + 2) + 10}">{name}</text>')
    width = 30 + (len(days) // 7 + 2) * (CELL + 2)
    height = 7 * (CELL + 2)
    studied = sum(1 for c in counts if c)
    description = f"{title}: {studied} of {len(days)} days with answers."
    rows = [[d.isoformat(), str(c)] for d, c in zip(days, counts, strict=True) if c]
    return Chart(
        slug,
        title,
        description,
        _svg(slug, title, description, "".join(parts), width, height),
        ["day", "answers"],
        rows,
    )


def stats_charts(data: dict[str, Any]) -> list[Chart]:
    """The charts of /stats, from ``stats.study_stats`` numbers."""
    per_day = data["reviews_per_day"]
    kinds = ("learn", "review", "relearn", "cram")
    day_labels = [d["day"][5:] for d in per_day]
    forecast = {d["day"][5:]: d["due"] for d in data["forecast"]}
    calendar = data["calendar"]
    return [
        stacked_bars(
            "reviews",
            f"Answers per day, last {data['range_days']} days",
            day_labels,
            {k: [d[k] for d in per_day] for k in kinds},
            KIND_SERIES,
            every=max(1, len(per_day) // 10),
        ),
        bars("forecast", "Cards due per day, next 30 days", forecast, "series-6", every=3),
        bars("states", "Cards by state", data["card_counts"], "series-1"),
        bars("intervals", "Review intervals", data["intervals"], "series-3"),
        bars(
            "stability", "Stability (days until recall drops to 90%)", data["stability"], "series-4"
        ),
        bars("difficulty", "Difficulty (1 easy to 10 hard)", data["difficulty"], "series-2"),
        calendar_heatmap(
            "calendar",
            "Study days, last 365 days",
            [date.fromisoformat(d["day"]) for d in calendar],
            [d["count"] for d in calendar],
        ),
    ]
