"""Shared checks for random valid inputs: no NaN or infinity in a result, a view that renders."""

import math
import re
from typing import Any

from pydantic import ValidationError

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
