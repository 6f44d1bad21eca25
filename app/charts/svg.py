"""The pieces every chart shares: the ``<svg>`` header, escaped text, axes, legend, clipping.

Margins are computed from the tick labels at the largest font a chart is drawn with (a phone's,
see the ``max-width: 600px`` rules of static/charts.css), so an axis title never overlaps a
tick label, whatever the numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from app.charts.scale import Frame

MAX_LINE_POINTS = 400  # about one point per 1.4 px: more are invisible and only cost time
MAX_MARKERS = 400
LEGEND_CHAR = 8.6  # width of a legend character: room for the 16 px labels of a phone
PAIR_WIDTH = 460  # a plot sharing a row (.plot-pair) keeps its text at full size
# Text boxes at the phone sizes of static/charts.css (tick 18 px, axis title 19 px).
TICK_CHAR = 10.8  # width of a tick-label character (0.6 em of 18 px)
TICK_HEIGHT = 18.0
TICK_GAP = 6.0  # between a tick label and the axis
AXIS_TITLE = 19.0  # height of an axis title's line
EDGE = 6.0  # between an axis title and the edge of the picture
TITLE_GAP = 4.0  # between the tick labels and the axis title beyond them


@dataclass(frozen=True)
class Margins:
    """Where the plot area sits inside the picture, and where the axis titles go."""

    left: float
    right: float
    bottom: float
    y_title_x: float  # the baseline of the rotated y-axis title
    x_tick_y: float  # the baseline of the x tick labels
    x_title_y: float  # the baseline of the x-axis title


def margins(
    width: float,
    height: float,
    *,
    y_ticks: Sequence[str],
    x_ticks: Sequence[str] = (),
    x_label: str = "",
    y_label: str = "",
) -> Margins:
    """Room for the tick labels, then the axis titles beyond them, so the two never meet."""
    widest = max((len(t) for t in y_ticks), default=1) * TICK_CHAR
    title_band = EDGE + AXIS_TITLE + TITLE_GAP if y_label else EDGE
    left = title_band + widest + TICK_GAP
    last_x = (len(x_ticks[-1]) * TICK_CHAR / 2) if x_ticks else 0.0
    right = width - max(14.0, last_x + 2)
    x_tick_y = TICK_GAP + TICK_HEIGHT * 0.8  # cap height below the axis
    below = x_tick_y + TICK_HEIGHT * 0.3 + (TITLE_GAP + AXIS_TITLE + EDGE if x_label else EDGE)
    bottom = height - below
    return Margins(
        left=left,
        right=right,
        bottom=bottom,
        y_title_x=EDGE + AXIS_TITLE * 0.8,
        x_tick_y=bottom + x_tick_y,
        x_title_y=height - EDGE - AXIS_TITLE * 0.2,
    )


def svg_open(
    kind: str,
    title: str,
    desc: str,
    width: float,
    height: float,
    *,
    css: str = "",
    extra: str = "",
) -> str:
    """The <svg> header with its text alternative (ids unique per kind, title and text);
    ``css`` adds classes, ``extra`` attributes."""
    digest = hashlib.blake2b(f"{kind}|{title}|{desc}".encode(), digest_size=5).hexdigest()
    uid = f"plot-{digest}"
    classes = f"plot plot-{kind} {css}".rstrip()
    return (
        f'<svg class="{classes}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width:g} {height:g}" aria-labelledby="{uid}-t {uid}-d" '
        f'preserveAspectRatio="xMidYMid meet"{extra}>'
        f'<title id="{uid}-t">{escape(title, quote=False)}</title>'
        f'<desc id="{uid}-d">{escape(desc, quote=False)}</desc>'
    )


def text(
    x: float, y: float, content: str, css: str, anchor: str = "middle", extra: str = ""
) -> str:
    return (
        f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>'
        f"{escape(content, quote=False)}</text>"
    )


# A legend entry: label, css class, dashed, series kind (line | markers | both | bar), marker.
LegendEntry = tuple[str, str, bool, str, str]


def legend(entries: list[LegendEntry], left: float, top: float, width: float) -> str:
    """Legend entries laid out in rows above the plot area, each with its line, dot or box."""
    parts, x, y = ['<g class="legend">'], left, top
    for label, css, dashed, kind, marker in entries:
        item_width = 30 + LEGEND_CHAR * len(label)
        if x + item_width > left + width and x > left:
            x, y = left, y + 18
        dash = ' class="dashed"' if dashed else ""
        line = f'<line{dash} x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 18:.1f}" y2="{y - 4:.1f}"/>'
        if kind == "bar":
            glyph = f'<rect x="{x + 3:.1f}" y="{y - 10:.1f}" width="12" height="12"/>'
        elif kind == "markers":  # a scatter's key is its marker, not a line
            glyph = marker_at(marker, x + 9, y - 4)
        elif kind == "both" and marker in MARKER_PATHS:  # a shape, not the default dot
            glyph = line + marker_at(marker, x + 9, y - 4)
        else:
            glyph = line
        parts.append(
            f'<g class="{css}">{glyph}{text(x + 23, y, label, "legend-label", "start")}</g>'
        )
        x += item_width + 10
    parts.append("</g>")
    return "".join(parts)


def legend_height(labels: list[str], width: float) -> float:
    """The height of the legend rows the labels need (0 without labels)."""
    if not labels:
        return 0.0
    rows, x = 1, 0.0
    for label in labels:
        item_width = 30 + LEGEND_CHAR * len(label) + 10
        if x + item_width > width and x > 0:
            rows, x = rows + 1, 0.0
        x += item_width
    return 18.0 * rows


def axes(
    frame: Frame,
    margin: Margins,
    xticks: Sequence[tuple[float, str]],
    yticks: Sequence[tuple[float, str]],
    *,
    x_label: str,
    y_label: str,
) -> str:
    """Grid lines, tick labels (value, text) and axis titles."""
    parts = ['<g class="axes">']
    for t, label in xticks:
        px = float(frame.px(np.array(t)))
        parts.append(
            f'<line class="grid" x1="{px:.1f}" y1="{frame.top:.1f}" x2="{px:.1f}" '
            f'y2="{frame.bottom:.1f}"/>'
        )
        parts.append(text(px, margin.x_tick_y, label, "tick"))
    for t, label in yticks:
        py = float(frame.py(np.array(t)))
        parts.append(
            f'<line class="grid" x1="{frame.left:.1f}" y1="{py:.1f}" x2="{frame.right:.1f}" '
            f'y2="{py:.1f}"/>'
        )
        parts.append(text(frame.left - TICK_GAP, py + 4, label, "tick", "end"))
    parts.append(
        f'<rect class="frame" x="{frame.left:.1f}" y="{frame.top:.1f}" '
        f'width="{frame.right - frame.left:.1f}" height="{frame.bottom - frame.top:.1f}"/>'
    )
    if x_label:
        parts.append(text((frame.left + frame.right) / 2, margin.x_title_y, x_label, "axis-label"))
    if y_label:
        cx, cy = margin.y_title_x, (frame.top + frame.bottom) / 2
        rotate = f' transform="rotate(-90 {cx:.1f} {cy:.1f})"'
        parts.append(text(cx, cy, y_label, "axis-label", extra=rotate))
    parts.append("</g>")
    return "".join(parts)


def repeat(template: str, columns: Sequence[np.ndarray]) -> str:
    """``template`` filled once per row of ``columns`` (one %-format call, not a Python loop)."""
    if not len(columns) or len(columns[0]) == 0:
        return ""
    values = np.column_stack(columns).ravel().tolist()
    return (template * len(columns[0])) % tuple(values)


def decimate(x: np.ndarray, y: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` evenly spaced points, the first and the last kept."""
    if x.size <= limit:
        return x, y
    keep = np.unique(np.linspace(0, x.size - 1, limit).round().astype(int))
    return x[keep], y[keep]


def clip_segments(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> str:
    """SVG path data of the polyline (x, y) in pixels, clipped to box (Liang-Barsky)."""
    finite = np.isfinite(x) & np.isfinite(y)
    pair = finite[:-1] & finite[1:]
    index = np.nonzero(pair)[0]
    if index.size == 0:
        return ""
    x0, y0, x1, y1 = x[index], y[index], x[index + 1], y[index + 1]
    dx, dy = x1 - x0, y1 - y0
    xmin, ymin, xmax, ymax = box
    t0, t1 = np.zeros_like(x0), np.ones_like(x0)
    keep = np.ones(x0.shape, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - xmin), (dx, xmax - x0), (-dy, y0 - ymin), (dy, ymax - y0)):
            r = q / p
            keep &= ~((p == 0) & (q < 0))
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
    keep &= t0 <= t1
    if not keep.any():
        return ""
    index, t0, t1 = index[keep], t0[keep], t1[keep]
    x0, y0, dx, dy = x0[keep], y0[keep], dx[keep], dy[keep]
    # A segment continues the previous one when it directly follows it and neither was cut.
    joined = np.zeros(index.shape, dtype=bool)
    joined[1:] = (index[1:] == index[:-1] + 1) & (t1[:-1] == 1) & (t0[1:] == 0)
    coords = np.column_stack([x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy])
    used = np.ones(coords.shape, dtype=bool)
    used[joined, :2] = False  # a joined segment starts where the previous one ended: no "M"
    template = "".join(np.where(joined, "L%.1f %.1f", "M%.1f %.1fL%.1f %.1f").tolist())
    return template % tuple(coords[used].tolist())


# Marker shapes as path data relative to the point (circles stay <circle>): a series is told
# apart by its shape as well as its colour, for readers who cannot tell the colours apart.
MARKER_PATHS = {
    "square": "m-3.2 -3.2h6.4v6.4h-6.4z",
    "triangle": "m0 -4.4l4 7h-8z",
    "diamond": "m0 -4.6l4.6 4.6l-4.6 4.6l-4.6 -4.6z",
}


def marker_at(marker: str, x: float, y: float) -> str:
    """One marker of the given shape centred at (x, y)."""
    if marker in MARKER_PATHS:
        return f'<path class="marker" d="M{x:.1f} {y:.1f}{MARKER_PATHS[marker]}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>'


def markers(
    px: np.ndarray, py: np.ndarray, box: tuple[float, float, float, float], marker: str = "circle"
) -> str:
    """The points inside the box, each drawn as ``marker``."""
    inside = (
        np.isfinite(px)
        & np.isfinite(py)
        & (px >= box[0])
        & (px <= box[2])
        & (py >= box[1])
        & (py <= box[3])
    )
    if marker in MARKER_PATHS:
        shape = MARKER_PATHS[marker].replace("%", "%%")
        return repeat(f'<path class="marker" d="M%.1f %.1f{shape}"/>', [px[inside], py[inside]])
    return repeat('<circle cx="%.1f" cy="%.1f" r="3"/>', [px[inside], py[inside]])
