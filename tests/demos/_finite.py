"""Shared checks: random inputs give 422 or finite results; presets round-trip and render."""

import math
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import ValidationError

from app.demos.forms import parse_query
from app.demos.links import demo_href
from app.demos.registry import Demo


def assert_finite(value: Any, where: str = "result") -> None:
    """Every float anywhere in a JSON-like result is finite, and no NumPy array slipped in."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert_finite(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            assert_finite(item, f"{where}[{i}]")
    elif isinstance(value, float):
        assert math.isfinite(value), where
    else:
        assert value is None or isinstance(value, bool | int | str), (where, type(value))


def run_or_reject(demo: Demo, params: dict[str, Any]) -> None:
    """Invalid inputs are rejected by validation; valid ones compute and render cleanly."""
    try:
        validated = demo.params(**params)
    except ValidationError:
        return
    result = demo.compute(validated)
    assert_finite(result)
    shown = str(demo.view(validated, result)).lower()
    assert not re.search(r"\b(nan|inf)\b", shown)


def assert_pages_render(client: Any, demo: Demo) -> None:
    """Every preset deep link parses back to the same parameters and renders page and fragment."""
    for name, preset in demo.examples.items():
        linkable = {k: v for k, v in preset.items() if not isinstance(v, dict)}  # not weights
        href = demo_href(demo.slug, linkable)
        query = parse_qs(urlsplit(href).query, keep_blank_values=True)
        parsed = parse_query(demo.params, query)
        assert parsed.errors == {}, (name, parsed.errors)
        assert parsed.params == demo.params(**linkable), name
        page = client.get(href)
        assert page.status_code == 200, (name, page.text[:500])
        fragment = client.get(href, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert "<html" not in fragment.text and "demo-result" in fragment.text
        assert not re.search(r"\b(nan|inf|None)\b", fragment.text), name
    response = client.post(f"/api/demos/{demo.slug}", json={})
    assert response.status_code == 200
    assert response.json() == demo.compute(demo.params())
