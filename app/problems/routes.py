"""The practice-problem JSON API: draw a problem's numbers for a seed, check a typed answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from app.db import SessionDep
from app.deps import UserIdDep
from app.problems import parse, service
from app.problems.core import MAX_SEED

router = APIRouter(prefix="/api/problems", tags=["problems"])

CardId = Annotated[str, Path(max_length=100)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED, description=f"0 to {MAX_SEED}")]


class DrawOut(BaseModel):
    seed: int
    question_html: str
    params: dict[str, Any]
    answer_format: dict[str, Any] = Field(
        description="kind (integer, number, bytes, numbers, shape, set), hint, tolerance"
    )


class CheckIn(BaseModel):
    seed: Seed
    answer: str = Field(max_length=parse.MAX_PROBLEM_ANSWER_CHARS)


class CheckOut(BaseModel):
    correct: bool
    expected: str
    tolerance: dict[str, float] | None = Field(
        description="|typed − expected| ≤ max(abs, rel·|expected|); null: exact"
    )
    steps_html: str
    demo_url: str | None = Field(description="the demo preset to exactly these numbers")


def _posed(session: SessionDep, card_id: str, seed: int, user_id: int) -> service.Posed:
    return service.pose(session, card_id, seed, user_id)


@router.get("/{card_id}/draw")
def draw(
    session: SessionDep,
    user_id: UserIdDep,
    card_id: CardId,
    seed: Annotated[int, Query(ge=0, le=MAX_SEED)],
) -> DrawOut:
    """The problem with the numbers of this seed (the same seed always gives the same numbers)."""
    posed = _posed(session, card_id, seed, user_id)
    return DrawOut(
        seed=seed,
        question_html=posed.question_html,
        params=posed.draw.params,
        answer_format=posed.answer_format,
    )


@router.post("/{card_id}/check")
def check(session: SessionDep, user_id: UserIdDep, card_id: CardId, body: CheckIn) -> CheckOut:
    """Check a typed answer; an unreadable one is a 422 saying what was expected, not a grade."""
    posed = _posed(session, card_id, body.seed, user_id)
    checked = parse.check(posed.draw.answer, body.answer)
    return CheckOut(
        correct=checked.correct,
        expected=posed.expected,
        tolerance=posed.draw.answer.tolerance,
        steps_html=posed.steps_html,
        demo_url=posed.demo_url,
    )
