"""Matrices as pictures (SVG cell grids) and as heat-shaded tables, for the grid-shaped demos.

heat.heatmap draws a sampled 2-D function with axes and contours; images, feature maps and
attention weights need one square per entry, row 0 on top, and an outlined window instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from app.charts.heat import heat_levels
from app.charts.scale import fmt
from app.charts.svg import svg_open

MAX_TOOLTIPS = 400  # a value tooltip per cell up to 20 × 20; beyond, the SVG only grows


def grid_svg(
    z: Sequence[Sequence[float]] | np.ndarray,
    *,
    title: str,
    desc: str,
    outlines: Sequence[tuple[int, int, int, int, bool]] = (),
    max_side: float = 240.0,
) -> str:
    """One shaded square per entry; ``outlines`` are (row, col, rows, cols, dashed) boxes."""
    values = np.asarray(z, dtype=float)
    rows, cols = values.shape
    cell = min(max_side / max(rows, cols), 36.0)
    width, height = cols * cell + 2, rows * cell + 2
    # The inline width keeps the picture's own size instead of the column's (svg.plot is 100%).
    size = (
        f' width="{width:.0f}" height="{height:.0f}" '
        f'style="width: {width:.0f}px; max-width: 100%; height: auto"'
    )
    parts = [svg_open("grid", title, desc, round(width, 1), round(height, 1), extra=size)]
    parts.append('<g class="cells">')
    levels = heat_levels(values)
    tooltips = rows * cols <= MAX_TOOLTIPS
    for r in range(rows):
        for c in range(cols):
            tip = f"<title>({r}, {c}): {fmt(float(values[r, c]))}</title>" if tooltips else ""
            parts.append(
                f'<rect class="heat-{levels[r, c]}" x="{1 + c * cell:.1f}" y="{1 + r * cell:.1f}" '
                f'width="{cell + 0.3:.1f}" height="{cell + 0.3:.1f}">{tip}</rect>'
            )
    parts.append("</g>")
    for r, c, h, w, dashed in outlines:
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        parts.append(
            f'<rect x="{1 + c * cell:.1f}" y="{1 + r * cell:.1f}" width="{w * cell:.1f}" '
            f'height="{h * cell:.1f}" fill="none" stroke="currentColor" stroke-width="2"{dash}/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def heat_table(
    z: Sequence[Sequence[float]] | np.ndarray, *, blank: np.ndarray | None = None
) -> list[list[dict[str, Any]]]:
    """Rows of cells {text, level} for an HTML table; ``blank`` entries show as "−"."""
    values = np.asarray(z, dtype=float)
    levels = heat_levels(values)
    return [
        [
            {"text": "−", "level": 0}
            if blank is not None and blank[r, c]
            else {"text": fmt(float(values[r, c])), "level": int(levels[r, c])}
            for c in range(values.shape[1])
        ]
        for r in range(values.shape[0])
    ]
