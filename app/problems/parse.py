"""Typed answers: forgiving in form, strict in value.

``1,024``, ``1024.0``, ``1.0e3``, ``1.0 × 10^3``, ``7B`` and ``7 billion`` are one number;
``2 GiB`` or ``2147483648`` are one size; ``(4, 3)``, ``[4, 3]`` and ``4x3`` are one shape.
Anything that cannot be read raises ``Unreadable`` with what was expected — a message to the user,
never a wrong grade.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from app.errors import DomainError
from app.problems.core import Answer

MAX_PROBLEM_ANSWER_CHARS = 500

THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
TIMES_TEN = re.compile(r"\s*(?:×|\*|x)\s*10\s*\^\s*\{?\s*([+-−]?\d+)\s*\}?", re.IGNORECASE)
NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$", re.IGNORECASE)
SUFFIXES = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9,
    "t": 1e12, "trillion": 1e12,
}  # fmt: skip
UNITS = {
    "b": 1, "byte": 1, "bytes": 1,
    "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip
SUFFIXED = re.compile(r"^(.*?)\s*([a-z]+)$", re.IGNORECASE)


class Unreadable(DomainError, ValueError):
    """The typed answer has no readable value of the expected form: a 422 saying what was."""

    status_code = 422


@dataclass(frozen=True)
class Checked:
    correct: bool
    typed: Any


def _clean(text: str) -> str:
    text = text.strip().replace("\u2009", "").replace("\u202f", "").replace("_", "")
    text = text.replace("−", "-").replace("$", "")
    return THOUSANDS.sub("", text)


def parse_number(text: str, *, suffixes: dict[str, float] | None = SUFFIXES) -> float:
    """One number: plain, with thousands separators, scientific, ×10^k, or a k/M/B/T suffix."""
    s = TIMES_TEN.sub(lambda m: "e" + m.group(1), _clean(text)).strip()
    factor = 1.0
    if s.endswith("%"):
        s, factor = s[:-1].strip(), 0.01
    match = SUFFIXED.match(s)
    if match and not NUMBER.match(s) and suffixes is not None:
        word, head = match.group(2).lower(), match.group(1).strip().replace(" ", "")
        if word not in suffixes and NUMBER.match(head):
            raise Unreadable(f"{text.strip()!r}: unknown unit or suffix {match.group(2)!r}")
        if word in suffixes:
            s, factor = head, suffixes[word]
    s = s.replace(" ", "")
    if not NUMBER.match(s):
        raise Unreadable(f"{text.strip()!r} is not a number (e.g. 1024, 1,024, 1.5e3, 0.25)")
    value = float(s) * factor
    if not math.isfinite(value):
        raise Unreadable(f"{text.strip()!r} is not a finite number")
    return value


def parse_bytes(text: str) -> float:
    """A size: a number of bytes, or a number with B, KB/MB/GB/TB (10³ⁿ) or KiB/MiB/GiB/TiB."""
    return parse_number(text, suffixes=UNITS | {k: v for k, v in SUFFIXES.items() if k != "b"})


def _items(text: str) -> list[str]:
    body = _clean(text).strip().strip("()[]{}").strip()
    body = re.sub(r"(?<=\d)\s*[x×]\s*(?=\d)", ",", body)  # 4x3, 4 × 3
    return [p for p in re.split(r"[,;\s]+", body) if p]


def parse_numbers(text: str, count: int) -> tuple[float, ...]:
    """``count`` numbers separated by commas, semicolons or spaces (brackets optional)."""
    values = tuple(parse_number(p, suffixes=None) for p in _items(text))
    if len(values) != count:
        raise Unreadable(f"expected {count} numbers separated by commas, got {len(values)}")
    return values


def parse_shape(text: str, error_ok: bool) -> tuple[int, ...] | None:
    """A shape: ``(4, 3)``, ``[4, 3]``, ``4x3``, ``4 × 3``, ``()`` for a scalar, or "error"."""
    word = text.strip().lower().rstrip(".")
    if error_ok and word in {"error", "err", "fails", "raises", "valueerror", "cannot broadcast"}:
        return None
    sizes = []
    for part in _items(text):
        value = parse_number(part, suffixes=None)
        if not value.is_integer() or value < 0:
            raise Unreadable(f"{part!r} is not a size (a whole number ≥ 0)")
        sizes.append(int(value))
    if not sizes and text.strip() not in ("()", "[]"):
        raise Unreadable("type a shape such as (4, 3)" + (' or "error"' if error_ok else ""))
    return tuple(sizes)


def parse_set(text: str, choices: tuple[str, ...]) -> frozenset[str]:
    """Names from ``choices`` separated by commas or spaces, in any order and case."""
    by_lower = {c.lower(): c for c in choices}
    picked = set()
    for part in re.split(r"[,;\s{}()\[\]]+", text.strip()):
        if not part:
            continue
        if part.lower() not in by_lower:
            raise Unreadable(f"{part!r} is not one of {', '.join(choices)}")
        picked.add(by_lower[part.lower()])
    if not picked:
        raise Unreadable(f"name at least one of {', '.join(choices)}")
    return frozenset(picked)


def read(answer: Answer, text: str) -> Any:
    """The typed value in the answer's form, or ``Unreadable``."""
    if not text.strip():
        raise Unreadable("type an answer")
    if len(text) > MAX_PROBLEM_ANSWER_CHARS:
        raise Unreadable(f"an answer is at most {MAX_PROBLEM_ANSWER_CHARS} characters")
    if answer.kind == "integer":
        value = parse_number(text)
        if not value.is_integer():
            raise Unreadable(f"{text.strip()!r}: the answer is a whole number")
        return int(value)
    if answer.kind == "number":
        return parse_number(text)
    if answer.kind == "bytes":
        return parse_bytes(text)
    if answer.kind == "numbers":
        return parse_numbers(text, len(answer.value))
    if answer.kind == "shape":
        return parse_shape(text, answer.error_ok)
    return parse_set(text, answer.choices)


def check(answer: Answer, text: str) -> Checked:
    """Read the typed answer and hold it against the expected one (``Unreadable`` propagates)."""
    typed = read(answer, text)
    if answer.kind in ("number", "bytes"):
        return Checked(answer.close(typed, answer.value), typed)
    if answer.kind == "numbers":
        ok = all(answer.close(t, e) for t, e in zip(typed, answer.value, strict=True))
        return Checked(ok, typed)
    return Checked(typed == answer.value, typed)


def expected_text(answer: Answer) -> str:
    """The expected answer as plain text (the API's ``expected``)."""
    v = answer.value
    if answer.kind == "shape":
        return "error" if v is None else "(" + ", ".join(str(n) for n in v) + ")"
    if answer.kind == "set":
        return ", ".join(c for c in answer.choices if c in v)
    if answer.kind == "numbers":
        return ", ".join(f"{x:.4g}" for x in v)
    if answer.kind == "integer":
        return f"{v:,}"
    if answer.kind == "bytes":
        return f"{v:,.0f} bytes"
    return f"{v:.4g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.4e}"
