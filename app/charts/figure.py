"""A chart together with the numbers it is drawn from, as a table (for screen readers and for
anyone who wants the values): the /stats page shows each chart this way."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class Chart:
    """An accessible SVG and the same numbers as a table (shown on demand)."""

    slug: str
    title: str
    description: str
    svg: Markup
    header: list[str]
    rows: list[list[str]]
