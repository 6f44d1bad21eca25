"""Links from cards to demos: preset parameters encoded as a query string.

Query encoding (shared with the demo forms): scalars as text, lists comma-separated,
matrices as rows separated by ``;``, booleans as ``true``/``false``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode


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
