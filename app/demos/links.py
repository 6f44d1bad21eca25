"""Links from cards to demos: preset parameters encoded as a query string.

Used by every page that shows a card's demos (card, study, interview, leeches, export).

Query encoding (shared with the demo forms): scalars as text, lists comma-separated,
matrices as rows separated by ``;``, booleans as ``true``/``false``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from app.demos.registry import get_demo

if TYPE_CHECKING:
    from app.models import Card


def encode_param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if value and all(isinstance(row, list) for row in value):
            return ";".join(encode_param(row) for row in value)
        return ",".join(encode_param(item) for item in value)
    return str(value)


def demo_href(slug: str, params: dict[str, Any]) -> str:
    """The deep link that opens a demo in the state a card presets."""
    query = urlencode({name: encode_param(value) for name, value in params.items()})
    return f"/demos/{slug}" + (f"?{query}" if query else "")


def demo_links(card: Card) -> list[dict[str, Any]]:
    """The card's demo links; a demo not built yet is listed without a link."""
    links = []
    for link in card.demos:
        demo = get_demo(link["demo"])
        links.append(
            {
                "label": link.get("label") or (demo.title if demo else link["demo"]),
                "href": demo_href(link["demo"], link.get("params", {})) if demo else None,
                "slug": link["demo"],
            }
        )
    return links
