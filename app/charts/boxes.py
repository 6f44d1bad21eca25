"""SVG pictures the other chart modules have no kind for: boxes in image coordinates.

lines.line_plot decimates long series to 400 points, which would cut box outlines apart, and
puts y upward; detection boxes need every corner and y growing downward as in an image.
Colours come from the shared ``series-N`` classes of static/charts.css, so dark mode works.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from app.charts.scale import fmt, nice_ticks
from app.charts.svg import svg_open


@dataclass(frozen=True)
class BoxGroup:
    """Boxes [x1, y1, x2, y2] drawn alike, with one optional label per box."""

    label: str
    boxes: Sequence[Sequence[float]]
    css: str = "series-1"
    dashed: bool = False
    texts: Sequence[str] = field(default_factory=tuple)


def boxes_svg(
    groups: Sequence[BoxGroup], *, title: str, desc: str, width: int = 480, height: int = 420
) -> str:
    """Outlined boxes on shared axes, origin top-left, with a legend row above."""
    xs = [v for g in groups for b in g.boxes for v in (b[0], b[2])]
    ys = [v for g in groups for b in g.boxes for v in (b[1], b[3])]
    if not xs:
        xs, ys = [0.0, 1.0], [0.0, 1.0]
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = min(ys), max(ys)
    pad = 0.05 * max(x_hi - x_lo, y_hi - y_lo, 1e-9)
    x_lo, x_hi, y_lo, y_hi = x_lo - pad, x_hi + pad, y_lo - pad, y_hi + pad
    left, top, right, bottom = 44.0, 34.0, width - 10.0, height - 24.0
    # one scale for both axes, so a square box looks square
    scale = min((right - left) / (x_hi - x_lo), (bottom - top) / (y_hi - y_lo))

    def px(x: float) -> float:
        return left + (x - x_lo) * scale

    def py(y: float) -> float:
        return top + (y - y_lo) * scale

    parts = [svg_open("boxes", title, desc, width, height), '<g class="axes">']
    for t in nice_ticks(x_lo, x_hi, 6):
        parts.append(
            f'<line class="grid" x1="{px(t):.1f}" y1="{top:.1f}" x2="{px(t):.1f}" '
            f'y2="{py(y_hi):.1f}"/><text class="tick" x="{px(t):.1f}" y="{top - 4:.1f}" '
            f'text-anchor="middle">{fmt(t)}</text>'
        )
    for t in nice_ticks(y_lo, y_hi, 6):
        parts.append(
            f'<line class="grid" x1="{left:.1f}" y1="{py(t):.1f}" x2="{px(x_hi):.1f}" '
            f'y2="{py(t):.1f}"/><text class="tick" x="{left - 6:.1f}" y="{py(t) + 4:.1f}" '
            f'text-anchor="end">{fmt(t)}</text>'
        )
    parts.append("</g>")
    legend_x = left
    for g in groups:
        dash = ' class="dashed"' if g.dashed else ""
        d = "".join(
            f"M{px(b[0]):.1f} {py(b[1]):.1f}H{px(b[2]):.1f}V{py(b[3]):.1f}H{px(b[0]):.1f}Z"
            for b in g.boxes
        )
        parts.append(f'<g class="series {g.css}"><path{dash} d="{d}"/>')
        for b, text in zip(g.boxes, g.texts, strict=False):
            parts.append(
                f'<text class="box-label" x="{px(b[0]) + 3:.1f}" y="{py(b[1]) + 12:.1f}" '
                f'font-size="11">{escape(text, quote=False)}</text>'
            )
        parts.append("</g>")
        if g.label:
            parts.append(
                f'<g class="legend {g.css}"><line{dash} x1="{legend_x:.1f}" y1="12" '
                f'x2="{legend_x + 18:.1f}" y2="12"/><text class="legend-label" '
                f'x="{legend_x + 23:.1f}" y="16">{escape(g.label, quote=False)}</text></g>'
            )
            legend_x += 40 + 7.2 * len(g.label)
    parts.append("</svg>")
    return "".join(parts)
