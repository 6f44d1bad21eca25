"""Shaded 2-D pictures: a sampled function with contours (``heatmap``), shade classes for heat
tables (``heat_levels``) and a year of study days (``calendar_heatmap``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from app.charts.lines import Mark, Series, marks_svg, paths_and_legend
from app.charts.scale import Frame, fmt, nice_ticks, widen
from app.charts.svg import axes, legend, legend_height, margins, repeat, svg_open, text

HEAT_CLASSES = 10


def heat_levels(values: Sequence[float] | np.ndarray, *, log: bool = False) -> np.ndarray:
    """Shade class 0..9 of every value, scaled between the finite min and max (NaN -> 0)."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    if not finite.any():
        return np.zeros(v.shape, dtype=int)
    lo = float(v[finite].min())
    if log:
        v = np.log1p(np.where(finite, v - lo, 0.0))
        lo = 0.0
    hi = float(v[finite].max())
    if hi - lo <= 0:
        return np.where(finite & (v != 0), HEAT_CLASSES - 1, 0).astype(int)
    scaled = np.where(finite, (v - lo) / (hi - lo), 0.0)
    return np.clip((scaled * HEAT_CLASSES).astype(int), 0, HEAT_CLASSES - 1)


def _cells(shade: np.ndarray, frame: Frame, gx: np.ndarray, gy: np.ndarray) -> str:
    """Shaded cells centred on the grid points; equal neighbours in a row merge into one rect."""
    rows, cols = shade.shape
    cell_w = (frame.right - frame.left) / max(cols - 1, 1)
    cell_h = (frame.bottom - frame.top) / max(rows - 1, 1)
    new_run = np.ones(shade.shape, dtype=bool)
    new_run[:, 1:] = shade[:, 1:] != shade[:, :-1]
    r, start = np.nonzero(new_run)
    end = np.append(start[1:], cols)  # the next run's start, or the row's end
    end = np.where(np.append(r[1:], -1) == r, end, cols) - 1
    cx, cy = frame.px(gx), frame.py(gy)
    x0 = np.maximum(cx[start] - cell_w / 2, frame.left)
    x1 = np.minimum(cx[end] + cell_w / 2, frame.right)
    y0 = np.maximum(cy[r] - cell_h / 2, frame.top)
    y1 = np.minimum(cy[r] + cell_h / 2, frame.bottom)
    template = '<rect class="heat-%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>'
    body = repeat(template, [shade[r, start], x0, y0, x1 - x0 + 0.3, y1 - y0 + 0.3])
    return f'<g class="cells">{body}</g>'


def _contours(z: np.ndarray, frame: Frame, levels: int, log: bool) -> str:
    """``levels`` contour lines evenly spaced between the (log-scaled) min and max of z."""
    finite = np.isfinite(z)
    if levels <= 0 or not finite.any():
        return ""
    scaled = np.log1p(np.where(finite, z - z[finite].min(), 0.0)) if log else z
    lo, hi = float(scaled[finite].min()), float(scaled[finite].max())
    scaled = np.where(finite, scaled, lo)
    rows, cols = z.shape
    col_px = (frame.right - frame.left) / max(cols - 1, 1)  # grid index -> pixels
    row_px = (frame.bottom - frame.top) / max(rows - 1, 1)
    d = []
    for level in np.linspace(lo, hi, levels + 2)[1:-1]:
        seg = _contour_segments(scaled, float(level))
        if seg.size:
            x0, x1 = frame.left + seg[:, 0] * col_px, frame.left + seg[:, 2] * col_px
            y0, y1 = frame.bottom - seg[:, 1] * row_px, frame.bottom - seg[:, 3] * row_px
            d.append(repeat("M%.1f %.1fL%.1f %.1f", [x0, y0, x1, y1]))
    return f'<path class="contour" d="{"".join(d)}"/>' if d else ""


def _contour_segments(z: np.ndarray, level: float) -> np.ndarray:
    """Marching squares: (k, 4) array of segments (col0, row0, col1, row1) in grid units."""
    a, b = z[:-1, :-1], z[:-1, 1:]  # corners: a (r, c), b (r, c+1), c (r+1, c+1), d (r+1, c)
    c, d = z[1:, 1:], z[1:, :-1]
    rows, cols = np.indices(a.shape, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        edges = [  # (crosses, col, row) for the edges a-b, b-c, c-d, d-a
            ((a - level) * (b - level) < 0, cols + (level - a) / (b - a), rows),
            ((b - level) * (c - level) < 0, cols + 1, rows + (level - b) / (c - b)),
            ((c - level) * (d - level) < 0, cols + 1 - (level - c) / (d - c), rows + 1),
            ((d - level) * (a - level) < 0, cols, rows + 1 - (level - d) / (a - d)),
        ]
    crosses = np.stack([e[0] for e in edges], axis=-1).reshape(-1, 4)
    px = np.stack([e[1] for e in edges], axis=-1).reshape(-1, 4)
    py = np.stack([e[2] for e in edges], axis=-1).reshape(-1, 4)
    count = crosses.sum(axis=1)
    segments = []
    two = np.nonzero(count == 2)[0]
    if two.size:
        first = np.argmax(crosses[two], axis=1)
        last = 3 - np.argmax(crosses[two][:, ::-1], axis=1)
        segments.append(
            np.stack([px[two, first], py[two, first], px[two, last], py[two, last]], axis=1)
        )
    four = np.nonzero(count == 4)[0]
    for e0, e1 in ((0, 1), (2, 3)):  # saddle cells: pair the edges in a fixed way
        if four.size:
            segments.append(
                np.stack([px[four, e0], py[four, e0], px[four, e1], py[four, e1]], axis=1)
            )
    return np.concatenate(segments) if segments else np.empty((0, 4))


def heatmap(
    z: np.ndarray,
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    *,
    title: str,
    desc: str,
    x_label: str = "",
    y_label: str = "",
    log: bool = False,
    levels: int = 8,
    paths: Sequence[Series] = (),
    marks: Sequence[Mark] = (),
    tone: str = "",
    width: int = 480,
    height: int = 400,
) -> str:
    """A shaded 2-D function with contour lines and optional paths on top.

    ``z`` has shape ``(len(y), len(x))``, sampled at the grid ``x`` (columns) and ``y`` (rows),
    shaded in 10 classes ``heat-0..heat-9``; ``log=True`` shades by log(1 + z - min z) (for
    functions like Rosenbrock). ``paths`` are ``Series`` drawn on top (an optimizer's path),
    clipped to the map. ``tone="grey"`` shades in greys, so coloured paths stand out.
    """
    z = np.asarray(z, dtype=float)
    gx, gy = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    x_lo, x_hi = widen(float(gx[0]), float(gx[-1]))
    y_lo, y_hi = widen(float(gy[0]), float(gy[-1]))
    xticks = [(t, fmt(t)) for t in nice_ticks(x_lo, x_hi, 6)]
    yticks = [(t, fmt(t)) for t in nice_ticks(y_lo, y_hi, 6)]
    margin = margins(
        width,
        height,
        y_ticks=[label for _, label in yticks],
        x_ticks=[label for _, label in xticks],
        x_label=x_label,
        y_label=y_label,
    )
    top = 12.0 + legend_height([p.label for p in paths if p.label], margin.right - margin.left)
    frame = Frame(margin.left, top, margin.right, margin.bottom, x_lo, x_hi, y_lo, y_hi)
    parts = [
        svg_open("heatmap", title, desc, width, height, css=f"tone-{tone}" if tone else ""),
        _cells(heat_levels(z, log=log), frame, gx, gy),
        _contours(z, frame, levels, log),
        axes(frame, margin, xticks, yticks, x_label=x_label, y_label=y_label),
    ]
    drawn, entries = paths_and_legend(frame, paths)
    parts.extend(drawn)
    parts.append(marks_svg(frame, marks))
    if entries:
        parts.append(legend(entries, frame.left, 22, frame.right - frame.left))
    parts.append("</svg>")
    return "".join(parts)


CELL = 12  # a calendar day's square


def calendar_heatmap(days: Sequence[date], counts: Sequence[int], *, title: str, desc: str) -> str:
    """Days as weekly columns (Monday on top), shaded by count; a day without any is "empty"."""
    first_weekday = days[0].weekday() if days else 0
    top = max(counts, default=0)
    parts = []
    for i, (day, count) in enumerate(zip(days, counts, strict=True)):
        column, row = divmod(i + first_weekday, 7)
        css = f"heat-{1 + min(8, 9 * count // (top + 1))}" if count else "empty"
        parts.append(
            f'<rect class="{css}" x="{34 + column * (CELL + 2)}" y="{row * (CELL + 2)}" '
            f'width="{CELL}" height="{CELL}" rx="2"><title>{day.isoformat()}: {count}</title>'
            "</rect>"
        )
    labels = "".join(
        text(0, row * (CELL + 2) + 10, name, "tick", "start")
        for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
    )
    width = 34 + (len(days) // 7 + 2) * (CELL + 2)
    height = 7 * (CELL + 2)
    head = svg_open("calendar", title, desc, width, height)
    return f'{head}<g class="axes">{labels}</g><g class="cells">{"".join(parts)}</g></svg>'
