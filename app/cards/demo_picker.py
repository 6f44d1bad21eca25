"""The demo-link picker of the own-card form: demos and their presets, chosen from the registry.

A choice is ``slug`` (the demo's default parameters) or ``slug:preset`` (one of its named
examples); a link the card already has that is neither (parameters written in a card file)
is offered as ``keep:<index>`` so editing never loses it. Nothing is typed, so nothing can
name a demo or preset that does not exist; a forged value is refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.demos.links import demo_href
from app.demos.registry import all_demos, get_demo

MAX_LINKS = 10
HIDDEN_EXAMPLES = {"maximum"}  # the bound-test inputs, not a teaching preset


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    href: str


def presets(slug: str) -> dict[str, dict[str, Any]]:
    """A demo's named presets (its examples without the size-bound one)."""
    demo = get_demo(slug)
    if demo is None:
        return {}
    return {k: v for k, v in demo.examples.items() if k not in HIDDEN_EXAMPLES}


def catalogue() -> list[tuple[str, list[Choice]]]:
    """Each demo's title and its choices (default parameters first), in title order."""
    groups = []
    for slug, demo in sorted(all_demos().items(), key=lambda item: item[1].title):
        choices = [Choice(slug, f"{demo.title} (default parameters)", demo_href(slug, {}))]
        choices += [
            Choice(f"{slug}:{name}", f"{demo.title}: {name}", demo_href(slug, params))
            for name, params in presets(slug).items()
        ]
        groups.append((demo.title, choices))
    return groups


def link_of(value: str, current: list[dict[str, Any]]) -> dict[str, Any]:
    """The card's demo link for one chosen value; ValueError names what is unknown."""
    if value.startswith("keep:"):
        index = value.removeprefix("keep:")
        if not index.isdigit() or int(index) >= len(current):
            raise ValueError(f"{value!r} is not one of this card's demo links")
        return dict(current[int(index)])
    slug, _, preset = value.partition(":")
    if get_demo(slug) is None:
        raise ValueError(f"unknown demo {slug!r} (the demos are listed on /demos)")
    if not preset:
        return {"demo": slug}
    if preset not in presets(slug):
        raise ValueError(f"{slug} has no preset {preset!r}")
    return {"demo": slug, "params": dict(presets(slug)[preset])}


def links_of(values: list[str], current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chosen values as demo links, in order, each once; ValueError on a bad one."""
    unique = list(dict.fromkeys(v for v in values if v))
    if len(unique) > MAX_LINKS:
        raise ValueError(f"at most {MAX_LINKS} demo links")
    return [link_of(value, current) for value in unique]


def value_of(link: dict[str, Any], index: int) -> str:
    """The picker value that stands for a link the card has (``keep:`` when no preset fits)."""
    slug, params = str(link.get("demo", "")), link.get("params") or {}
    if get_demo(slug) is not None and not link.get("label"):
        if not params:
            return slug
        for name, preset in presets(slug).items():
            if preset == params:
                return f"{slug}:{name}"
    return f"keep:{index}"


def chosen_values(links: list[dict[str, Any]], current: list[dict[str, Any]]) -> list[str]:
    """The picker values to show selected for ``links`` (kept ones index the card's links)."""
    values = []
    for link in links:
        value = value_of(link, 0)
        if value.startswith("keep:"):
            if link not in current:
                continue
            value = f"keep:{current.index(link)}"
        values.append(value)
    return values


def kept_choices(current: list[dict[str, Any]]) -> list[Choice]:
    """The card's links that no catalogue choice stands for, as choices of their own."""
    kept = []
    for index, link in enumerate(current):
        if value_of(link, index).startswith("keep:"):
            slug, params = str(link.get("demo", "")), link.get("params") or {}
            label = link.get("label") or f"{slug} (this card's parameters)"
            kept.append(Choice(f"keep:{index}", str(label), demo_href(slug, params)))
    return kept


def previews(links: list[dict[str, Any]]) -> list[Choice]:
    """The links as the card page shows them: a label and the demo's deep link."""
    shown = []
    for link in links:
        slug, params = str(link.get("demo", "")), link.get("params") or {}
        demo = get_demo(slug)
        title = link.get("label") or (demo.title if demo else slug)
        shown.append(Choice(slug, str(title), demo_href(slug, params)))
    return shown
