"""Every problem generator by name, and what a card's ``problem:`` section may ask of one."""

from __future__ import annotations

import hashlib
import string
from functools import cache
from typing import Any

from app.problems import basics, llm, vision
from app.problems.core import MAX_SEED, Draw, Generator, Ranges

GENERATORS: dict[str, Generator] = {
    g.name: g for g in [*vision.GENERATORS, *basics.GENERATORS, *llm.GENERATORS]
}


def get_generator(name: str) -> Generator | None:
    return GENERATORS.get(name)


@cache
def placeholders(name: str) -> frozenset[str]:
    """The names a question template of this generator may use (every draw shows the same)."""
    return frozenset(GENERATORS[name].draw(0).shown)


def template_fields(template: str) -> set[str]:
    """The ``{name}`` placeholders of a question template ({{ and }} are literal braces)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def range_errors(generator: Generator, ranges: Ranges) -> list[str]:
    """Why these ranges cannot narrow the generator's (empty when they can)."""
    errors = []
    for name, (lo, hi) in ranges.items():
        if name not in generator.ranges:
            known = ", ".join(sorted(generator.ranges)) or "none"
            errors.append(f"{generator.name} has no range {name!r} (it has: {known})")
            continue
        wide_lo, wide_hi = generator.ranges[name]
        if lo > hi:
            errors.append(f"{name}: the low end {lo} is above the high end {hi}")
        elif lo < wide_lo or hi > wide_hi:
            errors.append(f"{name}: [{lo}, {hi}] is outside the allowed [{wide_lo}, {wide_hi}]")
    return errors


def pose(generator: Generator, template: str, ranges: Ranges, seed: int) -> tuple[str, Draw]:
    """The question (Markdown) and the draw for one seed."""
    drawn = generator.draw(seed, ranges)
    return template.format(**drawn.shown), drawn


def review_seed(user_id: int, card_id: str, attempt: int) -> int:
    """The seed of a user's ``attempt``-th answer to a problem: the same until it is answered,
    so reloading the study screen shows the same numbers, and different at every review."""
    digest = hashlib.sha256(f"{user_id}:{card_id}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % (MAX_SEED + 1)


def interview_seed(interview_id: int, position: int) -> int:
    """The seed of a problem asked as question ``position`` of a mock interview."""
    digest = hashlib.sha256(f"interview:{interview_id}:{position}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % (MAX_SEED + 1)


def as_json(value: Any) -> Any:
    """An answer value in JSON form (tuples → lists, sets → sorted lists)."""
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return value
