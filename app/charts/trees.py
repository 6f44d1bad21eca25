"""A search tree as SVG (beam search): one column per step, one node per hypothesis.

Same conventions as the rest of app.charts: one ``<svg>`` with role="img", ``<title>`` and
``<desc>``, a viewBox, colours only through CSS classes (series-N), every text escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from app.charts.svg import svg_open


@dataclass(frozen=True)
class Node:
    """A hypothesis after ``step`` tokens at row ``row``; ``parent`` is its row one step back."""

    step: int
    row: int
    parent: int | None
    label: str
    detail: str = ""
    kind: str = "live"  # live | finished | pruned | best


def tree_svg(
    nodes: Sequence[Node], *, title: str, desc: str, steps: int, rows: int, width: int = 640
) -> str:
    """Nodes at (step, row) joined to their parents; finished ones drawn larger."""
    left, top, column = 30.0, 24.0, (width - 80.0) / max(steps, 1)
    row_height = 34.0
    height = int(top + row_height * max(rows, 1) + 10)
    parts = [svg_open("tree", title, desc, width, height), '<g class="axes">']
    for s in range(steps + 1):
        x = left + s * column
        parts.append(f'<text class="tick" x="{x:.1f}" y="14" text-anchor="middle">{s}</text>')
    parts.append("</g>")

    def at(step: int, row: int) -> tuple[float, float]:
        return left + step * column, top + 12 + row * row_height

    edges, marks = ['<g class="series series-1">'], []
    for n in nodes:
        x, y = at(n.step, n.row)
        if n.parent is not None:
            px, py = at(n.step - 1, n.parent)
            dash = ' class="dashed"' if n.kind == "pruned" else ""
            edges.append(f'<path{dash} d="M{px:.1f} {py:.1f}L{x:.1f} {y:.1f}"/>')
        css = {"finished": "series-3", "pruned": "series-6", "best": "series-2"}.get(
            n.kind, "series-1"
        )
        radius = 7 if n.kind in ("finished", "best") else 4.5  # a finished hypothesis: larger
        shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}"/>'
        tip = f"<title>{escape(n.label + ' ' + n.detail, quote=False)}</title>"
        marks.append(
            f'<g class="series {css}">{shape}{tip}</g>'
            f'<text class="tick" x="{x + 8:.1f}" y="{y - 4:.1f}" text-anchor="start">'
            f"{escape(n.label, quote=False)}</text>"
            + (
                f'<text class="tick" x="{x + 8:.1f}" y="{y + 11:.1f}" text-anchor="start">'
                f"{escape(n.detail, quote=False)}</text>"
                if n.detail
                else ""
            )
        )
    edges.append("</g>")
    parts.extend(edges)
    parts.append('<g class="tree-nodes">' + "".join(marks) + "</g></svg>")
    return "".join(parts)
