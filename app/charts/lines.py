"""Line and scatter plots: several series on shared axes, with reference lines and marks.

``line_plot(series, *, title, desc, x_label, y_label, log_y, x_range, y_range, vlines,
hlines, regions, marks, width, height)`` draws ``Series`` on "nice" ticks; ``log_y`` puts y on
a log10 scale (non-positive values are dropped); ranges default to the finite data, padded to
ticks. ``Line`` is a vertical or horizontal reference, ``Region`` a shaded x-interval, ``Mark``
one highlighted point with a label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.charts.scale import Frame, fmt, log_ticks, nice_ticks, padded_range, widen
from app.charts.svg import (
    MAX_LINE_POINTS,
    MAX_MARKERS,
    LegendEntry,
    axes,
    clip_segments,
    decimate,
    legend,
    legend_height,
    margins,
    markers,
    svg_open,
    text,
)


@dataclass(frozen=True)
class Series:
    """One data series; ``kind`` is line, markers or both; ``css`` overrides the colour class
    (default series-1, series-2, ... in order); ``marker`` is circle, square, triangle or
    diamond; ``max_markers`` thins the markers of a long path to evenly spaced ones."""

    x: Sequence[float] | np.ndarray
    y: Sequence[float] | np.ndarray
    label: str = ""
    kind: str = "line"  # line | markers | both
    css: str = ""
    dashed: bool = False
    marker: str = "circle"
    max_markers: int = MAX_MARKERS


@dataclass(frozen=True)
class Line:
    at: float
    label: str = ""
    css: str = ""


@dataclass(frozen=True)
class Region:
    x0: float
    x1: float
    label: str = ""
    css: str = ""


@dataclass(frozen=True)
class Mark:
    """A highlighted point; ``shape`` is circle, or a symbol (star, cross) that no series uses."""

    x: float
    y: float
    label: str = ""
    css: str = ""
    shape: str = "circle"


# Colour and marker pairs for paths a reader must tell apart: Okabe and Ito's colour-blind-safe
# colours (cb-N in charts.css), each with its own marker shape, so even grey print separates them.
DISTINCT = (("cb-1", "circle"), ("cb-2", "square"), ("cb-3", "triangle"), ("cb-4", "diamond"))


def distinct(i: int) -> tuple[str, str]:
    """The colour class and marker of the i-th of several paths."""
    return DISTINCT[i % len(DISTINCT)]


MARK_PATHS = {  # larger than series markers, outlined: a point of interest, not data
    "star": "m0 -8l2.4 5l5.4 .6l-4 3.7l1.1 5.4l-4.9 -2.7l-4.9 2.7l1.1 -5.4l-4 -3.7l5.4 -.6z",
    "cross": "m-6 -6l12 12m0 -12l-12 12",
}


def series_svg(frame: Frame, s: Series, css: str, log_y: bool = False) -> str:
    """One series as a clipped path and/or markers inside the frame."""
    x = np.asarray(s.x, dtype=float).ravel()
    y = np.asarray(s.y, dtype=float).ravel()
    n = min(x.size, y.size)
    x, y = x[:n], y[:n]
    if log_y:
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.where(y > 0, np.log10(np.where(y > 0, y, 1.0)), np.nan)
    x, y = frame.clamp(x, y)
    box = (frame.left - 1, frame.top - 1, frame.right + 1, frame.bottom + 1)
    parts = [f'<g class="series {css}">']
    if s.kind in ("line", "both"):
        lx, ly = decimate(x, y, MAX_LINE_POINTS)
        d = clip_segments(frame.px(lx), frame.py(ly), box)
        if d:
            dashed = ' class="dashed"' if s.dashed else ""
            parts.append(f'<path{dashed} d="{d}"/>')
    if s.kind in ("markers", "both"):
        mx, my = decimate(x, y, min(s.max_markers, MAX_MARKERS))
        parts.append(markers(frame.px(mx), frame.py(my), box, s.marker))
    parts.append("</g>")
    return "".join(parts)


def marks_svg(frame: Frame, marks: Sequence[Mark], log_y: bool = False) -> str:
    """Each mark inside the frame as a dot (or its symbol) with its label beside it."""
    parts = []
    for m in marks:
        y = math.log10(m.y) if log_y and m.y > 0 else (math.nan if log_y else m.y)
        if not (math.isfinite(m.x) and math.isfinite(y)):
            continue
        if not (frame.x_lo <= m.x <= frame.x_hi and frame.y_lo <= y <= frame.y_hi):
            continue
        px, py = float(frame.px(np.array(m.x))), float(frame.py(np.array(y)))
        shape = (
            f'<path d="M{px:.1f} {py:.1f}{MARK_PATHS[m.shape]}"/>'
            if m.shape in MARK_PATHS
            else f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5"/>'
        )
        parts.append(f'<g class="mark {m.css or "mark-default"} mark-{m.shape}">{shape}')
        if m.label:
            anchor = "end" if px > (frame.left + frame.right) / 2 else "start"
            dx = -9 if anchor == "end" else 9
            parts.append(text(px + dx, py - 9, m.label, "mark-label", anchor))
        parts.append("</g>")
    return "".join(parts)


def paths_and_legend(
    frame: Frame, series: Sequence[Series], log_y: bool = False
) -> tuple[list[str], list[LegendEntry]]:
    """Every series drawn in its colour class, and the legend entries of the labelled ones."""
    drawn, entries = [], []
    for i, s in enumerate(series):
        css = s.css or f"series-{i % 6 + 1}"
        drawn.append(series_svg(frame, s, css, log_y))
        if s.label:
            entries.append((s.label, css, s.dashed, s.kind, s.marker))
    return drawn, entries


def _series_range(series: Sequence[Series], axis: str, log: bool = False) -> np.ndarray:
    arrays = [np.asarray(getattr(s, axis), dtype=float).ravel() for s in series]
    values = np.concatenate(arrays) if arrays else np.array([])
    if log:
        values = values[values > 0]
        with np.errstate(divide="ignore"):
            values = np.log10(values)
    return values[np.isfinite(values)]


def _y_range(
    series: Sequence[Series], y_range: tuple[float, float] | None, log_y: bool
) -> tuple[float, float]:
    if y_range is not None:
        lo, hi = y_range
        if log_y:
            lo, hi = math.log10(max(lo, 1e-300)), math.log10(max(hi, 1e-300))
        return widen(lo, hi)
    if log_y:
        ys = _series_range(series, "y", log=True)
        return widen(math.floor(ys.min()), math.ceil(ys.max())) if ys.size else (0.0, 1.0)
    return padded_range(_series_range(series, "y"))


def line_plot(
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    x_label: str = "",
    y_label: str = "",
    log_y: bool = False,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    vlines: Sequence[Line] = (),
    hlines: Sequence[Line] = (),
    regions: Sequence[Region] = (),
    marks: Sequence[Mark] = (),
    width: int = 640,
    height: int = 360,
) -> str:
    """Several series on shared axes; see the module docstring."""
    xs = _series_range(series, "x")
    if x_range is not None:
        x_lo, x_hi = widen(*x_range)
    else:
        x_lo, x_hi = widen(float(xs.min()), float(xs.max())) if xs.size else (0.0, 1.0)
    whole_x = bool(xs.size) and bool(np.all(xs == np.round(xs)))  # steps, layers, epochs
    y_lo, y_hi = _y_range(series, y_range, log_y)
    yvalues = log_ticks(y_lo, y_hi) if log_y else nice_ticks(y_lo, y_hi)
    yticks = [(t, fmt(10**t) if log_y else fmt(t)) for t in yvalues]
    xticks = [(t, fmt(t)) for t in nice_ticks(x_lo, x_hi, 7, integer=whole_x)]
    margin = margins(
        width,
        height,
        y_ticks=[label for _, label in yticks],
        x_ticks=[label for _, label in xticks],
        x_label=x_label,
        y_label=y_label,
    )
    left, right, bottom = margin.left, margin.right, margin.bottom
    top = 12.0 + legend_height([s.label for s in series if s.label], right - left)
    frame = Frame(left, top, right, bottom, x_lo, x_hi, y_lo, y_hi)
    parts = [svg_open("line", title, desc, width, height)]
    for r in regions:
        a, b = sorted((max(r.x0, x_lo), min(r.x1, x_hi)))
        if not (math.isfinite(a) and math.isfinite(b)) or r.x1 < x_lo or r.x0 > x_hi:
            continue
        pa, pb = float(frame.px(np.array(a))), float(frame.px(np.array(b)))
        parts.append(
            f'<g class="region {r.css}"><rect x="{pa:.1f}" y="{top:.1f}" '
            f'width="{max(pb - pa, 0.5):.1f}" height="{bottom - top:.1f}"/>'
        )
        if r.label:
            parts.append(text((pa + pb) / 2, top + 14, r.label, "region-label"))
        parts.append("</g>")
    parts.append(axes(frame, margin, xticks, yticks, x_label=x_label, y_label=y_label))
    for line in vlines:
        if math.isfinite(line.at) and x_lo <= line.at <= x_hi:
            px = float(frame.px(np.array(line.at)))
            label = (
                text(px + 4, top + 28, line.label, "refline-label", "start") if line.label else ""
            )
            parts.append(
                f'<g class="refline {line.css}"><line x1="{px:.1f}" y1="{top:.1f}" '
                f'x2="{px:.1f}" y2="{bottom:.1f}"/>{label}</g>'
            )
    for line in hlines:
        at = math.log10(line.at) if log_y and line.at > 0 else (math.nan if log_y else line.at)
        if math.isfinite(at) and y_lo <= at <= y_hi:
            py = float(frame.py(np.array(at)))
            label = (
                text(right - 4, py - 4, line.label, "refline-label", "end") if line.label else ""
            )
            parts.append(
                f'<g class="refline {line.css}"><line x1="{left:.1f}" y1="{py:.1f}" '
                f'x2="{right:.1f}" y2="{py:.1f}"/>{label}</g>'
            )
    drawn, entries = paths_and_legend(frame, series, log_y)
    parts.extend(drawn)
    parts.append(marks_svg(frame, marks, log_y))
    if entries:
        parts.append(legend(entries, left, 22, right - left))
    parts.append("</svg>")
    return "".join(parts)
