"""Leeches: cards forgotten at least ``DLCARDS_LEECH_THRESHOLD`` times (review lapses).

A leech is derived from the card's state (its lapse count, which a rebuild from the review log
reproduces), so changing the threshold re-labels every card at once. With
``DLCARDS_LEECH_SUSPEND`` the answer that makes a card a leech also suspends it
(``app.study.reviews``). Each leech links to its card and its demos: it needs a different
explanation, not another repetition.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import SessionDep
from app.demos.links import demo_links
from app.deps import ContextDep
from app.models import Card, ReviewState
from app.study.preferences import UserContext
from app.web import render

router = APIRouter()


class DemoLinkOut(BaseModel):
    label: str
    url: str


class LeechOut(BaseModel):
    card_id: str
    question: str
    topic: str
    lapses: int
    suspended: bool
    url: str
    demos: list[DemoLinkOut]


class LeechesOut(BaseModel):
    threshold: int
    suspend: bool
    leeches: list[LeechOut]


def leeches(session: Session, ctx: UserContext) -> list[tuple[Card, ReviewState]]:
    """The user's live cards with at least the threshold's lapses, most forgotten first."""
    rows = session.execute(
        select(Card, ReviewState)
        .join(ReviewState, ReviewState.card_id == Card.id)
        .where(
            ReviewState.user_id == ctx.user_id,
            ReviewState.lapses >= ctx.leech_threshold,
            Card.retired.is_(False),
        )
        .order_by(ReviewState.lapses.desc(), Card.position, Card.id)
    )
    return [(card, row) for card, row in rows]


def _listing(session: Session, ctx: UserContext) -> LeechesOut:
    return LeechesOut(
        threshold=ctx.leech_threshold,
        suspend=ctx.leech_suspend,
        leeches=[
            LeechOut(
                card_id=card.id,
                question=card.question,
                topic=card.topic_id,
                lapses=row.lapses,
                suspended=row.suspended,
                url=f"/cards/{card.id}",
                demos=[
                    DemoLinkOut(label=link["label"], url=link["href"])
                    for link in demo_links(card)
                    if link["href"]
                ],
            )
            for card, row in leeches(session, ctx)
        ],
    )


@router.get("/leeches", response_class=HTMLResponse)
def leeches_page(request: Request, session: SessionDep, ctx: ContextDep) -> HTMLResponse:
    """Cards you keep forgetting, each with its card page and its demos."""
    context: dict[str, Any] = {"listing": _listing(session, ctx)}
    return render(request, "leeches/leeches.html", context)


@router.get("/api/leeches", tags=["study"])
def leeches_json(session: SessionDep, ctx: ContextDep) -> LeechesOut:
    """The leeches, as the /leeches page lists them."""
    return _listing(session, ctx)
