"""Pages for browsing the bank: home, topic, card, search, and the health check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.cards.bank_cache import cached
from app.cards.notes import get_note
from app.cards.queries import (
    card_count,
    card_view,
    get_topic_or_404,
    neighbours,
    topic_cards,
    topic_summaries,
    visible_ids,
)
from app.cards.reports import Reason
from app.cards.search import SearchHit, search_cards
from app.content.schema import LEVELS
from app.db import SessionDep, in_request, schema_revision
from app.deps import NowDep, UserIdDep
from app.markdown import render_markdown
from app.plans.summary import next_interview
from app.study.stats import dashboard
from app.web import render

router = APIRouter()

MAX_QUERY_LENGTH = 200


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request, session: SessionDep, user_id: UserIdDep, now: NowDep
) -> HTMLResponse:
    """Dashboard and every topic with its card count and levels."""

    def page() -> HTMLResponse:
        zone = request.app.state.settings.timezone
        numbers = dashboard(session, user_id, now, default_zone=zone)
        upcoming = next_interview(session, user_id, now, default_zone=zone)
        topics = topic_summaries(session, user_id)
        context = {"topics": topics, "dashboard": numbers, "next_interview": upcoming}
        return render(request, "home.html", context)

    return await in_request(session, page)


@router.get("/topics/{topic_id}", response_class=HTMLResponse)
async def topic_page(
    request: Request,
    session: SessionDep,
    user_id: UserIdDep,
    topic_id: str,
    level: Annotated[str | None, Query(max_length=20)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    """A topic's cards, filterable by level and tag."""

    def page() -> HTMLResponse:
        topic = get_topic_or_404(session, topic_id)
        shown = level if level in LEVELS else None
        all_cards = topic_cards(session, topic_id, user_id)
        tags = sorted({t for c in all_cards for t in c.tags})
        cards = [c for c in all_cards if shown in (None, c.level) and (not tag or tag in c.tags)]
        context = {
            "topic": topic, "cards": cards, "tags": tags, "level": shown, "tag": tag,
            "user_id": user_id,
        }  # fmt: skip
        return render(request, "cards/topic.html", context, block="card_list")

    return await in_request(session, page)


@router.get("/cards/{card_id}", response_class=HTMLResponse)
async def card_page(
    request: Request,
    session: SessionDep,
    user_id: UserIdDep,
    card_id: str,
    reveal: bool = False,
) -> HTMLResponse:
    """A card: the question, and the answer once revealed (htmx swap or plain link)."""

    def page() -> HTMLResponse:
        card = card_view(session, card_id, user_id)
        previous, following = neighbours(session, card, user_id)
        topic = get_topic_or_404(session, card.topic_id)
        note = get_note(session, user_id, card.id)
        context = {
            "card": card,
            "topic": topic,
            "revealed": reveal,
            "previous": previous,
            "next": following,
            "demo_links": card.demo_links,
            "note_html": render_markdown(note) if note else "",
            "note": note,
            "user_id": user_id,
            "reasons": [r.value for r in Reason],
        }
        return render(request, "cards/card.html", context, block="answer")

    return await in_request(session, page)


@router.get("/search", response_class=HTMLResponse)
async def search_page(
    request: Request,
    session: SessionDep,
    user_id: UserIdDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
) -> HTMLResponse:
    """Full-text search with ranked, highlighted results."""

    def page() -> HTMLResponse:
        def hits_shown() -> tuple[SearchHit, ...]:
            hits = search_cards(session, q)
            shown = visible_ids(session, user_id, [hit.card_id for hit in hits])
            return tuple(hit for hit in hits if hit.card_id in shown)

        hits = cached(session, ("search", user_id, q), hits_shown)
        return render(request, "cards/search.html", {"q": q, "hits": hits}, block="results")

    return await in_request(session, page)


@router.get("/healthz")
async def healthz(session: SessionDep) -> dict[str, Any]:
    """Liveness: the schema revision and the number of cards."""

    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "schema_revision": schema_revision(session.connection()),
            "cards": card_count(session),
        }

    return await in_request(session, health)
