"""What a problem generator is: a pure function of a seeded Generator and parameter ranges.

A generator returns a ``Draw``: the parameters (JSON), the values its question template shows,
the exact answer (computed with the demo's own function), the worked steps in Markdown and the
number those steps arrive at by plain arithmetic (so a test can hold the two against each other).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

AnswerKind = Literal["integer", "number", "bytes", "numbers", "shape", "set"]
Ranges = dict[str, tuple[float, float]]
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class Answer:
    """The expected answer and how close a typed one must be.

    ``integer``, ``shape`` and ``set`` are exact; ``number``, ``bytes`` and ``numbers`` pass when
    |typed − expected| ≤ max(abs_tol, rel_tol·|expected|), for each number.
    """

    kind: AnswerKind
    value: Any  # int | float | tuple[float, ...] | tuple[int, ...] | frozenset[str]
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    hint: str = ""  # how to type it, e.g. "3 significant figures"
    choices: tuple[str, ...] = ()  # the names a ``set`` answer picks from
    error_ok: bool = False  # a ``shape`` answer may be "error" (value None)

    @property
    def tolerance(self) -> dict[str, float] | None:
        """The stated tolerance, or None when the answer must match exactly."""
        if self.kind in ("integer", "shape", "set"):
            return None
        return {"rel": self.rel_tol, "abs": self.abs_tol}

    def close(self, typed: float, expected: float) -> bool:
        return abs(typed - expected) <= max(self.abs_tol, self.rel_tol * abs(expected))


def sig3(kind: AnswerKind = "number") -> dict[str, Any]:
    """Tolerance for an answer typed to 3 significant figures (rounding moves it < 0.5 %)."""
    return {"kind": kind, "rel_tol": 0.006, "abs_tol": 1e-12, "hint": "3 significant figures"}


def decimals(places: int, kind: AnswerKind = "number") -> dict[str, Any]:
    """Tolerance for an answer typed to ``places`` decimals (or 3 significant figures)."""
    return {
        "kind": kind,
        "rel_tol": 0.006,
        "abs_tol": 0.6 * 10.0**-places,
        "hint": f"{places} decimals",
    }


@dataclass(frozen=True)
class Draw:
    params: dict[str, Any]
    shown: dict[str, str]  # the question template's placeholders, already formatted (Markdown)
    answer: Answer
    steps: list[str]  # Markdown with KaTeX, one line per step, the last one gives the answer
    worked: Any  # the value the steps arrive at by hand arithmetic
    demo: tuple[str, dict[str, Any]] | None = None  # (slug, preset params)


class Draws:
    """Parameter draws within the card's ranges: the one place ranges are read."""

    def __init__(self, rng: np.random.Generator, ranges: Ranges) -> None:
        self.rng, self.ranges = rng, ranges

    def int(self, name: str) -> int:
        lo, hi = self.ranges[name]
        return int(self.rng.integers(math.ceil(lo), math.floor(hi) + 1))

    def real(self, name: str, step: float) -> float:
        """A multiple of ``step`` within the range (so the numbers are short to read)."""
        lo, hi = self.ranges[name]
        k = int(self.rng.integers(math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9) + 1))
        return round(k * step, 10)

    def reals(self, name: str, step: float, count: builtins.int) -> list[float]:
        return [self.real(name, step) for _ in range(count)]

    def pick(self, options: list[Any] | tuple[Any, ...]) -> Any:
        return options[int(self.rng.integers(len(options)))]


@dataclass(frozen=True)
class Generator:
    """One problem template: its parameter ranges (the widest allowed) and its draw."""

    name: str
    topic: str  # the topic folder its cards belong in
    ranges: Ranges  # the widest ranges; a card's ``problem.ranges`` may only narrow them
    make: Callable[[Draws], Draw]

    def draw(self, seed: int, ranges: Ranges | None = None) -> Draw:
        """The problem for this seed, within ``ranges`` (a narrowing of the defaults)."""
        merged = {**self.ranges, **(ranges or {})}
        return self.make(Draws(np.random.default_rng(seed), merged))


def fmt(x: float, digits: int = 4) -> str:
    """A number as a person writes it: integers with separators, others to ``digits`` s.f."""
    if isinstance(x, int | np.integer) or (float(x).is_integer() and abs(x) < 1e15):
        return f"{int(x):,}"
    ax = abs(float(x))
    if ax != 0 and (ax >= 1e6 or ax < 1e-3):
        mantissa, exponent = f"{float(x):.{digits - 1}e}".split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return f"{float(x):.{digits}g}"


def vector(values: list[float] | tuple[float, ...]) -> str:
    return "(" + ", ".join(fmt(v) for v in values) + ")"


def gib(n: float) -> str:
    """Bytes in GiB, as the steps state them."""
    return f"{n / 2**30:.4g}\\ \\text{{GiB}}"
