"""Bar charts: one value per category (``bar_chart``) or several stacked (``stacked_bars``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

from app.charts.scale import Frame, fmt, nice_ticks, padded_range, widen
from app.charts.svg import axes, legend, legend_height, margins, svg_open, text


def _frame(
    n: int,
    y_lo: float,
    y_hi: float,
    *,
    width: int,
    height: int,
    y_label: str,
    top: float,
) -> tuple[Frame, str, float]:
    """The frame of n category slots, its y axis drawn, and the baseline of the category labels."""
    yticks = [(t, fmt(t)) for t in nice_ticks(y_lo, y_hi)]
    margin = margins(width, height, y_ticks=[label for _, label in yticks], y_label=y_label)
    frame = Frame(margin.left, top, margin.right, margin.bottom, 0.0, float(max(n, 1)), y_lo, y_hi)
    return frame, axes(frame, margin, [], yticks, x_label="", y_label=y_label), margin.x_tick_y


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float] | np.ndarray,
    *,
    title: str,
    desc: str,
    y_label: str = "",
    y_range: tuple[float, float] | None = None,
    highlight: Sequence[int] = (),
    value_labels: Sequence[str] | None = None,
    width: int = 640,
    height: int = 300,
) -> str:
    """Vertical bars from zero; ``highlight`` indices use the accent class; ``value_labels``
    (default: the values, when there are at most 20 bars) are drawn on top."""
    v = np.asarray(values, dtype=float).ravel()
    v = np.where(np.isfinite(v), v, 0.0)
    n = v.size
    if value_labels is None and n <= 20:
        value_labels = [fmt(float(a)) for a in v]
    if y_range is None:  # with 10% headroom for the value labels over the tallest bar
        room = 1.1 * v if value_labels else v
        y_lo, y_hi = padded_range(np.concatenate([v, room, [0.0]]))
    else:
        y_lo, y_hi = widen(*y_range)
    frame, axis, label_y = _frame(
        n, y_lo, y_hi, width=width, height=height, y_label=y_label, top=14.0
    )
    parts = [svg_open("bar", title, desc, width, height), axis]
    slot = (frame.right - frame.left) / max(n, 1)
    bar = slot * 0.72
    if value_labels and max(len(t) for t in value_labels) * 6.0 > slot:
        value_labels = None  # they would overlap; each bar's <title> still has its value
    zero = float(frame.py(np.array(min(max(0.0, y_lo), y_hi))))
    tops = frame.py(np.clip(v, y_lo, y_hi))
    marked = set(highlight)
    label_every = max(1, math.ceil(n / 25))
    parts.append('<g class="bars">')
    for i in range(n):
        x = frame.left + i * slot + (slot - bar) / 2
        y0, y1 = sorted((zero, float(tops[i])))
        css = "bar highlight" if i in marked else "bar"
        parts.append(
            f'<rect class="{css}" x="{x:.1f}" y="{y0:.1f}" width="{bar:.1f}" '
            f'height="{max(y1 - y0, 0.5):.1f}"><title>{escape(str(labels[i]), quote=False)}: '
            f"{fmt(float(v[i]))}</title></rect>"
        )
        cx = x + bar / 2
        if i < len(labels) and i % label_every == 0:
            parts.append(text(cx, label_y, str(labels[i]), "tick"))
        if value_labels is not None and i < len(value_labels):
            ty = y0 - 4 if v[i] >= 0 else y1 + 12
            parts.append(text(cx, ty, value_labels[i], "bar-value"))
    parts.append("</g></svg>")
    return "".join(parts)


def stacked_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    classes: Mapping[str, str],
    *,
    title: str,
    desc: str,
    every: int = 1,
    width: int = 720,
    height: int = 240,
) -> str:
    """Bars per label stacked by series (answers per day by kind), every ``every``-th labelled;
    a legend names the series when there are several."""
    n = len(labels)
    totals = [sum(values[i] for values in series.values()) for i in range(n)]
    y_lo, y_hi = padded_range(np.array([0.0, float(max(totals, default=0)) or 1.0]))
    names = list(series) if len(series) > 1 else []
    top = 12.0 + legend_height(names, width - 72)
    frame, axis, label_y = _frame(n, y_lo, y_hi, width=width, height=height, y_label="", top=top)
    parts = [svg_open("bar", title, desc, width, height), axis, '<g class="bars">']
    slot = (frame.right - frame.left) / max(n, 1)
    bar = max(1.0, slot * 0.8)
    for i in range(n):
        x = frame.left + i * slot + (slot - bar) / 2
        base = 0.0
        for name, values in series.items():
            if values[i] <= 0:
                continue
            y0, y1 = float(frame.py(np.array(base + values[i]))), float(frame.py(np.array(base)))
            parts.append(
                f'<rect class="bar {classes[name]}" x="{x:.1f}" y="{y0:.1f}" width="{bar:.1f}" '
                f'height="{y1 - y0:.1f}"><title>{escape(labels[i], quote=False)}: {values[i]} '
                f"{escape(name, quote=False)}</title></rect>"
            )
            base += values[i]
        if i % every == 0:
            parts.append(text(x + bar / 2, label_y, labels[i], "tick"))
    parts.append("</g>")
    if names:
        entries = [(name, classes[name], False, "bar", "") for name in names]
        parts.append(legend(entries, frame.left, 22, frame.right - frame.left))
    parts.append("</svg>")
    return "".join(parts)
