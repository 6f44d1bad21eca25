"""The demo registry: every module in app/demos that defines ``DEMO`` is a demo.

A demo is a pydantic parameter model, a pure ``compute(params) -> dict`` (the JSON
contract), and a ``view(params, result) -> dict`` that turns the result into what its
template ``templates/demos/_<slug>.html`` draws (SVG strings, table rows).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict


class DemoParams(BaseModel):
    """Base for every demo's parameters: unknown keys, NaN and ±inf are rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


@dataclass(frozen=True)
class Prediction:
    """A question about what a change will do, the preset that shows it, and the answer."""

    question: str
    preset: str  # a key of the demo's examples
    answer: str  # Markdown, shown only when the user asks to reveal it


@dataclass(frozen=True)
class Demo:
    slug: str
    title: str
    summary: str  # one line, shown on /demos
    params: type[DemoParams]
    compute: Callable[[Any], dict[str, Any]]
    view: Callable[[Any, dict[str, Any]], dict[str, Any]]
    explain: str  # Markdown: what to look for
    # Named parameter sets: "maximum" (largest inputs, for bench and bound tests) and presets.
    examples: dict[str, dict[str, Any]] = field(default_factory=dict)
    # "Predict, then reveal": a change for the user to guess the outcome of, before trying it.
    predict: Prediction | None = None

    @property
    def template(self) -> str:
        return f"demos/_{self.slug}.html"


_NOT_DEMOS = {"registry", "routes", "forms"}


@cache
def all_demos() -> dict[str, Demo]:
    """Every registered demo by slug, discovered once from the modules of this package."""
    import app.demos as package

    demos: dict[str, Demo] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name in _NOT_DEMOS:
            continue
        module = importlib.import_module(f"app.demos.{info.name}")
        for demo in _demos_of(module):
            if demo.slug in demos:
                raise RuntimeError(f"demo slug {demo.slug!r} registered twice")
            demos[demo.slug] = demo
    return dict(sorted(demos.items()))


def _demos_of(module: object) -> list[Demo]:
    """A module registers one demo as ``DEMO`` or several as ``DEMOS``."""
    found = getattr(module, "DEMOS", None) or [getattr(module, "DEMO", None)]
    return [d for d in found if isinstance(d, Demo)]


def get_demo(slug: str) -> Demo | None:
    return all_demos().get(slug)
