"""NumPy arrays -> SVG strings, in a few milliseconds (matplotlib costs ~100x more per plot).

Every function returns one ``<svg>`` string with ``role="img"``, ``<title>``/``<desc>`` (the
text alternative), a ``viewBox`` (it scales to the container's width) and colours only via CSS
classes styled in ``static/demos.css`` (so dark mode works). Non-finite points are dropped and
lines are clipped to the plot area, so no NaN/inf ever reaches the SVG. Put the string in a
template with ``{{ svg | safe }}``; every text it contains is escaped here.

API
---
``Series(x, y, label, *, kind="line", css="", dashed=False)``
    One data series. ``kind``: ``"line"``, ``"markers"`` or ``"both"``. ``css`` overrides the
    colour class (default ``series-1``, ``series-2``, ... in order).
``Line(at, label="", css="")`` -- a vertical (``vlines``) or horizontal (``hlines``) reference.
``Region(x0, x1, label="", css="")`` -- a shaded x-interval (e.g. a saturated region).
``Mark(x, y, label="", css="")`` -- one highlighted point with an optional text label.

``line_plot(series, *, title, desc, x_label="", y_label="", log_y=False, x_range=None,
y_range=None, vlines=(), hlines=(), regions=(), marks=(), width=640, height=360) -> str``
    Several series on shared axes with "nice" ticks; ``log_y`` puts y on a log10 scale
    (non-positive values are dropped). Ranges default to the finite data, padded to ticks.
``bar_chart(labels, values, *, title, desc, y_label="", y_range=None, highlight=(),
value_labels=None, width=640, height=300) -> str``
    Vertical bars from 0; ``highlight`` holds indices drawn in the accent class;
    ``value_labels`` (default: the values, when there are at most 20 bars) are drawn on top.
``heatmap(z, x, y, *, title, desc, x_label="", y_label="", log=False, levels=8, paths=(),
marks=(), width=480, height=400) -> str``
    ``z`` has shape ``(len(y), len(x))``, sampled at the grid ``x`` (columns) and ``y`` (rows).
    Cells are shaded in 10 classes ``heat-0..heat-9`` with ``levels`` contour lines between;
    ``log=True`` shades by log(1 + z - min z) (for functions like Rosenbrock).
    ``paths`` are ``Series`` drawn on top (an optimizer's path), clipped to the map.
``heat_levels(values, *, log=False) -> np.ndarray[int]``
    Shade classes 0..9 for an HTML heat table (``class="heat-{{ level }}"``); NaN -> 0.
``nice_ticks(lo, hi, count=5) -> list[float]`` and ``fmt(value) -> str`` (compact numbers).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

HEAT_CLASSES = 10
MAX_LINE_POINTS = 400  # about one point per 1.4 px: more are invisible and only cost time
MAX_MARKERS = 400
LEGEND_CHAR = 8.6  # width of a legend character: room for the 16 px labels of a phone
PAIR_WIDTH = 460  # a plot sharing a row (.plot-pair) keeps its text at full size
FAR = 1e6  # data further than FAR ranges from the plot is clamped before clipping


@dataclass(frozen=True)
class Series:
    x: Sequence[float] | np.ndarray
    y: Sequence[float] | np.ndarray
    label: str = ""
    kind: str = "line"  # line | markers | both
    css: str = ""
    dashed: bool = False


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
    x: float
    y: float
    label: str = ""
    css: str = ""


# ---------------------------------------------------------------- numbers and ticks


def fmt(value: float) -> str:
    """A short label for a number: 0.25, 1200, 1e+06 -> "1e6", never "-0"."""
    if not math.isfinite(value):
        return ""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e4 or magnitude < 1e-3:
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{value:.4g}"


def _nice(value: float) -> float:
    """The number of the form 1, 2 or 5 times a power of ten closest to ``value``."""
    exponent = math.floor(math.log10(value))
    fraction = value / 10**exponent
    nice = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    return nice * 10**exponent


def _tick_step(lo: float, hi: float, count: int) -> float:
    return _nice((hi - lo) / max(count - 1, 1))


def nice_ticks(lo: float, hi: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """About ``count`` round tick values inside [lo, hi] (Heckbert's "nice numbers").

    ``integer``: whole-number ticks only (a step axis has no step 1.5).
    """
    lo, hi = _widen(lo, hi)
    step = _tick_step(lo, hi, count)
    if integer:
        step = max(step, 1.0)
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [_clean(k * step) for k in range(first, last + 1)]


def _clean(value: float) -> float:
    """Drop float noise (0.30000000000000004 -> 0.3) and negative zero."""
    return float(f"{value:.12g}") + 0.0


def _widen(lo: float, hi: float) -> tuple[float, float]:
    """A non-empty finite range."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    return lo, hi


def _padded_range(values: np.ndarray, count: int = 5) -> tuple[float, float]:
    """The range of the finite values, extended outward to the nearest ticks."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = _widen(float(finite.min()), float(finite.max()))
    step = _tick_step(lo, hi, count)
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step


def _log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks for a log10 axis whose range [lo, hi] is in decades."""
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if last - first <= 1:  # a decade or less: 1-2-5 subdivisions
        candidates = [math.log10(m) + d for d in range(first - 1, last + 2) for m in (1, 2, 5)]
        return [t for t in candidates if lo - 1e-9 <= t <= hi + 1e-9]
    stride = max(1, math.ceil((last - first + 1) / 8))
    return [float(d) for d in range(first, last + 1, stride)]


# ---------------------------------------------------------------- geometry


@dataclass(frozen=True)
class _Frame:
    """Maps data coordinates to pixels inside the plot area."""

    left: float
    top: float
    right: float
    bottom: float
    x_lo: float
    x_hi: float
    y_lo: float
    y_hi: float

    def px(self, x: np.ndarray) -> np.ndarray:
        return self.left + (x - self.x_lo) / (self.x_hi - self.x_lo) * (self.right - self.left)

    def py(self, y: np.ndarray) -> np.ndarray:
        return self.bottom - (y - self.y_lo) / (self.y_hi - self.y_lo) * (self.bottom - self.top)

    def clamp(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pull far-away points in (the visible angle barely changes) so pixels stay finite."""
        xs, ys = self.x_hi - self.x_lo, self.y_hi - self.y_lo
        return (
            np.clip(x, self.x_lo - FAR * xs, self.x_hi + FAR * xs),
            np.clip(y, self.y_lo - FAR * ys, self.y_hi + FAR * ys),
        )


def _repeat(template: str, columns: Sequence[np.ndarray]) -> str:
    """``template`` filled once per row of ``columns`` (one %-format call, not a Python loop)."""
    if not len(columns) or len(columns[0]) == 0:
        return ""
    values = np.column_stack(columns).ravel().tolist()
    return (template * len(columns[0])) % tuple(values)


def _decimate(x: np.ndarray, y: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    if x.size <= limit:
        return x, y
    keep = np.unique(np.linspace(0, x.size - 1, limit).round().astype(int))
    return x[keep], y[keep]


def _clip_segments(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> str:
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


# ---------------------------------------------------------------- svg pieces


def _svg_open(kind: str, title: str, desc: str, width: int, height: int) -> tuple[str, str]:
    """The <svg> header with its text alternative, and a stable id prefix for the plot."""
    digest = hashlib.blake2b(f"{kind}|{title}|{desc}".encode(), digest_size=5).hexdigest()
    uid = f"plot-{digest}"
    head = (
        f'<svg class="plot plot-{kind}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{uid}-t {uid}-d" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="{uid}-t">{escape(title, quote=False)}</title>'
        f'<desc id="{uid}-d">{escape(desc, quote=False)}</desc>'
    )
    return head, uid


def _text(x: float, y: float, text: str, css: str, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>'
        f"{escape(text, quote=False)}</text>"
    )


LegendEntry = tuple[str, str, bool, str]  # label, css class, dashed, series kind


def _legend(entries: list[LegendEntry], left: float, top: float, width: float) -> str:
    """Legend entries (label, css class, dashed, kind) laid out in rows above the plot area."""
    parts, x, y = ['<g class="legend">'], left, top
    for label, css, dashed, kind in entries:
        item_width = 30 + LEGEND_CHAR * len(label)
        if x + item_width > left + width and x > left:
            x, y = left, y + 18
        dash = ' class="dashed"' if dashed else ""
        glyph = (
            f'<circle cx="{x + 9:.1f}" cy="{y - 4:.1f}" r="3.5"/>'
            if kind == "markers"  # a scatter's key is a dot, not a line
            else f'<line{dash} x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 18:.1f}" y2="{y - 4:.1f}"/>'
        )
        parts.append(
            f'<g class="{css}">{glyph}{_text(x + 23, y, label, "legend-label", "start")}</g>'
        )
        x += item_width + 10
    parts.append("</g>")
    return "".join(parts)


def _legend_rows(labels: list[str], width: float) -> int:
    rows, x = 1, 0.0
    for label in labels:
        item_width = 30 + LEGEND_CHAR * len(label) + 10
        if x + item_width > width and x > 0:
            rows, x = rows + 1, 0.0
        x += item_width
    return rows


def _axes(
    frame: _Frame,
    xticks: list[float],
    yticks: list[float],
    *,
    log_y: bool,
    x_label: str,
    y_label: str,
    height: int,
) -> str:
    """Grid lines, tick labels and axis titles."""
    parts = ['<g class="axes">']
    for t in xticks:
        px = float(frame.px(np.array(t)))
        parts.append(
            f'<line class="grid" x1="{px:.1f}" y1="{frame.top:.1f}" x2="{px:.1f}" '
            f'y2="{frame.bottom:.1f}"/>'
        )
        parts.append(_text(px, frame.bottom + 16, fmt(t), "tick"))
    for t in yticks:
        py = float(frame.py(np.array(t)))
        label = fmt(10**t) if log_y else fmt(t)
        parts.append(
            f'<line class="grid" x1="{frame.left:.1f}" y1="{py:.1f}" x2="{frame.right:.1f}" '
            f'y2="{py:.1f}"/>'
        )
        parts.append(_text(frame.left - 6, py + 4, label, "tick", "end"))
    parts.append(
        f'<rect class="frame" x="{frame.left:.1f}" y="{frame.top:.1f}" '
        f'width="{frame.right - frame.left:.1f}" height="{frame.bottom - frame.top:.1f}"/>'
    )
    if x_label:
        parts.append(_text((frame.left + frame.right) / 2, height - 6, x_label, "axis-label"))
    if y_label:
        cy = (frame.top + frame.bottom) / 2
        parts.append(
            _text(14, cy, y_label, "axis-label", extra=f' transform="rotate(-90 14 {cy:.1f})"')
        )
    parts.append("</g>")
    return "".join(parts)


def _series_svg(frame: _Frame, s: Series, css: str, log_y: bool) -> str:
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
        lx, ly = _decimate(x, y, MAX_LINE_POINTS)
        d = _clip_segments(frame.px(lx), frame.py(ly), box)
        if d:
            dashed = ' class="dashed"' if s.dashed else ""
            parts.append(f'<path{dashed} d="{d}"/>')
    if s.kind in ("markers", "both"):
        mx, my = _decimate(x, y, MAX_MARKERS)
        parts.append(_markers(frame.px(mx), frame.py(my), box))
    parts.append("</g>")
    return "".join(parts)


def _markers(px: np.ndarray, py: np.ndarray, box: tuple[float, float, float, float]) -> str:
    inside = (
        np.isfinite(px)
        & np.isfinite(py)
        & (px >= box[0])
        & (px <= box[2])
        & (py >= box[1])
        & (py <= box[3])
    )
    return _repeat('<circle cx="%.1f" cy="%.1f" r="3"/>', [px[inside], py[inside]])


def _marks_svg(frame: _Frame, marks: Sequence[Mark], log_y: bool = False) -> str:
    parts = []
    for m in marks:
        y = math.log10(m.y) if log_y and m.y > 0 else (math.nan if log_y else m.y)
        if not (math.isfinite(m.x) and math.isfinite(y)):
            continue
        if not (frame.x_lo <= m.x <= frame.x_hi and frame.y_lo <= y <= frame.y_hi):
            continue
        px, py = float(frame.px(np.array(m.x))), float(frame.py(np.array(y)))
        parts.append(
            f'<g class="mark {m.css or "mark-default"}"><circle cx="{px:.1f}" cy="{py:.1f}" r="5"/>'
        )
        if m.label:
            anchor = "end" if px > (frame.left + frame.right) / 2 else "start"
            dx = -8 if anchor == "end" else 8
            parts.append(_text(px + dx, py - 8, m.label, "mark-label", anchor))
        parts.append("</g>")
    return "".join(parts)


def _series_range(series: Sequence[Series], axis: str, log: bool = False) -> np.ndarray:
    arrays = [np.asarray(getattr(s, axis), dtype=float).ravel() for s in series]
    values = np.concatenate(arrays) if arrays else np.array([])
    if log:
        values = values[values > 0]
        with np.errstate(divide="ignore"):
            values = np.log10(values)
    return values[np.isfinite(values)]


# ---------------------------------------------------------------- public plots


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
    labels = [s.label for s in series if s.label]
    legend_height = 18 * _legend_rows(labels, width - 72) if labels else 0
    left, right = 58.0, width - 14.0
    top, bottom = 12.0 + legend_height, height - (40.0 if x_label else 26.0)

    xs = _series_range(series, "x")
    if x_range is not None:
        x_lo, x_hi = _widen(*x_range)
    else:
        x_lo, x_hi = _widen(float(xs.min()), float(xs.max())) if xs.size else (0.0, 1.0)
    whole_x = bool(xs.size) and bool(np.all(xs == np.round(xs)))  # steps, layers, epochs
    if y_range is not None:
        lo, hi = y_range
        if log_y:
            lo, hi = math.log10(max(lo, 1e-300)), math.log10(max(hi, 1e-300))
        y_lo, y_hi = _widen(lo, hi)
    elif log_y:
        ys = _series_range(series, "y", log=True)
        y_lo, y_hi = _widen(math.floor(ys.min()), math.ceil(ys.max())) if ys.size else (0.0, 1.0)
    else:
        y_lo, y_hi = _padded_range(_series_range(series, "y"))

    frame = _Frame(left, top, right, bottom, x_lo, x_hi, y_lo, y_hi)
    head, uid = _svg_open("line", title, desc, width, height)
    parts = [head]
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
            parts.append(_text((pa + pb) / 2, top + 14, r.label, "region-label"))
        parts.append("</g>")
    yticks = _log_ticks(y_lo, y_hi) if log_y else nice_ticks(y_lo, y_hi)
    parts.append(
        _axes(
            frame,
            nice_ticks(x_lo, x_hi, 7, integer=whole_x),
            yticks,
            log_y=log_y,
            x_label=x_label,
            y_label=y_label,
            height=height,
        )
    )
    for line in vlines:
        if math.isfinite(line.at) and x_lo <= line.at <= x_hi:
            px = float(frame.px(np.array(line.at)))
            parts.append(
                f'<g class="refline {line.css}"><line x1="{px:.1f}" y1="{top:.1f}" '
                f'x2="{px:.1f}" y2="{bottom:.1f}"/>'
                + (
                    _text(px + 4, top + 28, line.label, "refline-label", "start")
                    if line.label
                    else ""
                )
                + "</g>"
            )
    for line in hlines:
        at = math.log10(line.at) if log_y and line.at > 0 else (math.nan if log_y else line.at)
        if math.isfinite(at) and y_lo <= at <= y_hi:
            py = float(frame.py(np.array(at)))
            parts.append(
                f'<g class="refline {line.css}"><line x1="{left:.1f}" y1="{py:.1f}" '
                f'x2="{right:.1f}" y2="{py:.1f}"/>'
                + (
                    _text(right - 4, py - 4, line.label, "refline-label", "end")
                    if line.label
                    else ""
                )
                + "</g>"
            )
    legend = []
    for i, s in enumerate(series):
        css = s.css or f"series-{i % 6 + 1}"
        parts.append(_series_svg(frame, s, css, log_y))
        if s.label:
            legend.append((s.label, css, s.dashed, s.kind))
    parts.append(_marks_svg(frame, marks, log_y))
    if legend:
        parts.append(_legend(legend, left, 22, right - left))
    parts.append("</svg>")
    return "".join(parts)


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
    """Vertical bars from zero with category labels; see the module docstring."""
    v = np.asarray(values, dtype=float).ravel()
    v = np.where(np.isfinite(v), v, 0.0)
    n = v.size
    if value_labels is None and n <= 20:
        value_labels = [fmt(float(a)) for a in v]
    if y_range is None:  # with 10% headroom for the value labels over the tallest bar
        room = 1.1 * v if value_labels else v
        y_lo, y_hi = _padded_range(np.concatenate([v, room, [0.0]]))
    else:
        y_lo, y_hi = _widen(*y_range)
    left, right, top, bottom = 58.0, width - 14.0, 14.0, height - (44.0 if y_label else 36.0)
    frame = _Frame(left, top, right, bottom, 0.0, float(max(n, 1)), y_lo, y_hi)
    head, _ = _svg_open("bar", title, desc, width, height)
    parts = [
        head,
        _axes(
            frame,
            [],
            nice_ticks(y_lo, y_hi),
            log_y=False,
            x_label="",
            y_label=y_label,
            height=height,
        ),
    ]
    slot = (right - left) / max(n, 1)
    bar = slot * 0.72
    if value_labels and max(len(t) for t in value_labels) * 6.0 > slot:
        value_labels = None  # they would overlap; each bar's <title> still has its value
    zero = float(frame.py(np.array(min(max(0.0, y_lo), y_hi))))
    tops = frame.py(np.clip(v, y_lo, y_hi))
    marked = set(highlight)
    label_every = max(1, math.ceil(n / 25))
    parts.append('<g class="bars">')
    for i in range(n):
        x = left + i * slot + (slot - bar) / 2
        y0, y1 = sorted((zero, float(tops[i])))
        css = "bar highlight" if i in marked else "bar"
        parts.append(
            f'<rect class="{css}" x="{x:.1f}" y="{y0:.1f}" width="{bar:.1f}" '
            f'height="{max(y1 - y0, 0.5):.1f}"><title>{escape(str(labels[i]), quote=False)}: '
            f"{fmt(float(v[i]))}</title></rect>"
        )
        cx = x + bar / 2
        if i < len(labels) and i % label_every == 0:
            parts.append(_text(cx, bottom + 15, str(labels[i]), "tick"))
        if value_labels is not None and i < len(value_labels):
            ty = y0 - 4 if v[i] >= 0 else y1 + 12
            parts.append(_text(cx, ty, value_labels[i], "bar-value"))
    parts.append("</g></svg>")
    return "".join(parts)


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


def _cells(shade: np.ndarray, frame: _Frame, gx: np.ndarray, gy: np.ndarray) -> str:
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
    body = _repeat(template, [shade[r, start], x0, y0, x1 - x0 + 0.3, y1 - y0 + 0.3])
    return f'<g class="cells">{body}</g>'


def _contours(z: np.ndarray, frame: _Frame, levels: int, log: bool) -> str:
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
            d.append(_repeat("M%.1f %.1fL%.1f %.1f", [x0, y0, x1, y1]))
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
    width: int = 480,
    height: int = 400,
) -> str:
    """A shaded 2-D function with contour lines and optional paths; see the module docstring."""
    z = np.asarray(z, dtype=float)
    gx, gy = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    left, right = 58.0, width - 14.0
    labels = [p.label for p in paths if p.label]
    top = 12.0 + (18 * _legend_rows(labels, width - 72) if labels else 0)
    bottom = height - (40.0 if x_label else 26.0)
    x_lo, x_hi = _widen(float(gx[0]), float(gx[-1]))
    y_lo, y_hi = _widen(float(gy[0]), float(gy[-1]))
    frame = _Frame(left, top, right, bottom, x_lo, x_hi, y_lo, y_hi)
    head, _ = _svg_open("heatmap", title, desc, width, height)
    parts = [head, _cells(heat_levels(z, log=log), frame, gx, gy), _contours(z, frame, levels, log)]
    parts.append(
        _axes(
            frame,
            nice_ticks(x_lo, x_hi, 6),
            nice_ticks(y_lo, y_hi, 6),
            log_y=False,
            x_label=x_label,
            y_label=y_label,
            height=height,
        )
    )
    legend = []
    for i, p in enumerate(paths):
        css = p.css or f"series-{i % 6 + 1}"
        parts.append(_series_svg(frame, p, css, False))
        if p.label:
            legend.append((p.label, css, p.dashed, p.kind))
    parts.append(_marks_svg(frame, marks))
    if legend:
        parts.append(_legend(legend, left, 22, right - left))
    parts.append("</svg>")
    return "".join(parts)
