"""Typed answers: one value in many spellings, checked strictly, unreadable ones explained."""

from __future__ import annotations

import pytest

from app.problems.core import Answer
from app.problems.parse import Unreadable, check, parse_bytes, parse_number, parse_shape, read

INTEGER = Answer("integer", 1024)
NUMBER = Answer("number", 0.25, rel_tol=0.006, abs_tol=0.0006)
BYTES = Answer("bytes", 2 * 2**30, rel_tol=0.006, abs_tol=1e-12)
SHAPE = Answer("shape", (4, 3), error_ok=True)
SET = Answer("set", frozenset({"0", "2"}), choices=("0", "1", "2"))


@pytest.mark.parametrize("text", ["1024", "1,024", "1024.0", "1.024e3", "1.024 × 10^3", " 1024 "])
def test_one_integer_in_many_forms(text: str) -> None:
    assert check(INTEGER, text).correct


@pytest.mark.parametrize("text", ["1023", "1025", "1.1e3"])
def test_integers_are_exact(text: str) -> None:
    assert not check(INTEGER, text).correct


def test_a_fraction_is_not_an_integer_answer() -> None:
    with pytest.raises(Unreadable, match="whole number"):
        read(INTEGER, "1024.5")


def test_suffixes_and_percentages() -> None:
    assert parse_number("7B") == parse_number("7 billion") == 7e9
    assert parse_number("1.5M") == 1.5e6
    assert parse_number("25%") == 0.25


def test_numbers_within_the_stated_tolerance() -> None:
    assert check(NUMBER, "0.2505").correct  # |Δ| = 0.0005 ≤ 0.0006
    assert not check(NUMBER, "0.252").correct  # 0.002 > max(0.0006, 0.006 · 0.25)


@pytest.mark.parametrize("text", ["2 GiB", "2GiB", "2147483648", "2,147,483,648 bytes", "2048 MiB"])
def test_sizes_with_units(text: str) -> None:
    assert check(BYTES, text).correct


def test_decimal_and_binary_units_differ() -> None:
    assert parse_bytes("1 GB") == 1e9 and parse_bytes("1 GiB") == 2**30
    assert not check(BYTES, "2 GB").correct  # 2e9 is 7 % short of 2 GiB


@pytest.mark.parametrize("text", ["(4, 3)", "[4,3]", "4x3", "4 × 3", "4, 3"])
def test_shapes(text: str) -> None:
    assert parse_shape(text, False) == (4, 3)
    assert check(SHAPE, text).correct


def test_a_shape_answer_may_be_error() -> None:
    assert read(SHAPE, "error") is None
    assert not check(SHAPE, "error").correct


def test_sets_in_any_order_and_exact() -> None:
    assert check(SET, "2, 0").correct
    assert not check(SET, "0").correct


@pytest.mark.parametrize(
    ("answer", "text", "message"),
    [
        (INTEGER, "", "type an answer"),
        (INTEGER, "about a thousand", "not a number"),
        (NUMBER, "0.2.5", "not a number"),
        (BYTES, "2 parsecs", "unknown"),
        (SHAPE, "(4, -3)", "not a size"),
        (SET, "7", "not one of 0, 1, 2"),
        (Answer("numbers", (0.1, 0.9), rel_tol=0.01), "0.1", "expected 2 numbers"),
        (INTEGER, "1" * 600, "at most 500"),
    ],
)
def test_unreadable_answers_say_what_was_expected(answer: Answer, text: str, message: str) -> None:
    with pytest.raises(Unreadable, match=message):
        check(answer, text)
