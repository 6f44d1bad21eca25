"""Typed-answer study pages (/study/typed): a study mode whose answer is written before the reveal.

Type an answer, check it (the key points come back marked, matching words highlighted, the
suggested grade preselected), flip any mark, then grade: a normal FSRS review that keeps the
typed answer. Plain forms work without JavaScript; htmx swaps the ``typed`` block in place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.answers.checks import checklist, parse_marks
from app.answers.matcher import MAX_ANSWER_CHARS
from app.cards.queries import get_card_or_404
from app.db import SessionDep
from app.demos.links import demo_links
from app.deps import ContextDep, NowDep
from app.openapi import form_body, text_field
from app.study import reviews, view
from app.study.deps import FiltersDep, form_filters
from app.study.preferences import UserContext
from app.study.scheduler import RATING_LABELS, Rating
from app.study.scope import Filters, StudyScope
from app.web import is_htmx, render

router = APIRouter()

TEMPLATE = "study/typed.html"
FormText = Annotated[str, Form(max_length=200)]


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def duration_since(revealed_ms: str, now: datetime) -> int | None:
    """Milliseconds from the check (the reveal) to the grade, or None when unknown or absurd."""
    if not revealed_ms.isdigit():
        return None
    elapsed = epoch_ms(now) - int(revealed_ms)
    return elapsed if 0 <= elapsed <= reviews.MAX_DURATION_MS else None


def _back(filters: Filters) -> str:
    params = filters.query()
    return "/study/typed" + (f"?{urlencode(params)}" if params else "")


def _question_page(
    request: Request,
    session: SessionDep,
    ctx: UserContext,
    filters: Filters,
    now: datetime,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    study = view.build(session, ctx, StudyScope.of(filters), now)
    context = {
        "study": study,
        "stage": "question",
        "filters": filters,
        "query": urlencode(filters.query()),
        "message": message,
        "error": error,
        "extra_new_choices": view.EXTRA_NEW_CHOICES,
    }
    response = render(request, TEMPLATE, context, block="typed", status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # Back must never show a stale card
    return response


@router.get("/study/typed", response_class=HTMLResponse)
def typed_page(
    request: Request, session: SessionDep, ctx: ContextDep, filters: FiltersDep, now: NowDep
) -> HTMLResponse:
    """Typed-answer study: the next due card, answered in writing before the reveal."""
    return _question_page(request, session, ctx, filters, now)


@router.post("/study/typed/check", response_class=HTMLResponse)
def check_form(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    card_id: Annotated[str, Form(max_length=100)],
    review_token: Annotated[str, Form(max_length=100)] = "",
    answer: Annotated[str, Form(max_length=MAX_ANSWER_CHARS)] = "",
    topic: FormText = "",
    level: FormText = "",
    tag: FormText = "",
    mark: Annotated[list[str] | None, Form()] = None,
    recheck: FormText = "",
) -> HTMLResponse:
    """Reveal: the key points marked covered or not by the typed answer, and a suggested grade.

    With ``recheck`` (the "update suggestion" button) the user's flipped marks are kept.
    """
    card = get_card_or_404(session, card_id, ctx.user_id)
    filters = form_filters(topic, level, tag)
    marks = parse_marks(mark or [], len(card.key_points)) if recheck else None
    items = checklist(card, answer, marks)
    context = {
        "stage": "checked",
        "card": card,
        "answer": answer,
        "checklist": items,
        "grades": view.preview_grades(session, ctx, card.id, now),
        "review_token": review_token or reviews.new_review_token(),
        "revealed_ms": epoch_ms(now),
        "demo_links": demo_links(card),
        "filters": filters,
        "query": urlencode(filters.query()),
    }
    return render(request, TEMPLATE, context, block="typed")


TYPED_REVIEW_FORM = form_body(
    {
        "card_id": text_field("The card answered"),
        "review_token": text_field("The token the question page gave (makes a retry harmless)"),
        "rating": text_field("1 Again, 2 Hard, 3 Good, 4 Easy", enum=["1", "2", "3", "4"]),
        "answer": text_field("What the user typed", maxLength=20_000),
        "revealed_ms": text_field("Epoch milliseconds when the answer was checked"),
        "topic": text_field("Queue filter to come back to"),
        "level": text_field("Queue filter to come back to"),
        "tag": text_field("Queue filter to come back to"),
    },
    ("card_id", "review_token", "rating"),
)


@router.post("/study/typed/review", response_class=HTMLResponse, openapi_extra=TYPED_REVIEW_FORM)
async def review_form(
    request: Request, session: SessionDep, ctx: ContextDep, now: NowDep
) -> Response:
    """Record the confirmed grade with the typed answer (plain form: 303 to the next card)."""
    form = await request.form()
    text = {k: str(form.get(k, ""))[:200] for k in ("card_id", "review_token", "rating")}
    filters = form_filters(*(str(form.get(k, ""))[:200] for k in ("topic", "level", "tag")))
    answer = str(form.get("answer", ""))[:MAX_ANSWER_CHARS]
    rating = int(text["rating"]) if text["rating"].isdigit() else -1
    duration = duration_since(str(form.get("revealed_ms", ""))[:20], now)
    try:
        reviews.grade(
            session,
            ctx,
            text["card_id"],
            rating,
            now,
            review_token=text["review_token"],
            answer_text=answer,
            duration_ms=duration,
        )
    except reviews.StudyError as error:
        return _question_page(
            request, session, ctx, filters, now, error=error.message, status_code=error.status_code
        )
    if is_htmx(request):
        done = f"Recorded {RATING_LABELS[Rating(rating)]} for {text['card_id']}."
        return _question_page(request, session, ctx, filters, now, message=done)
    return RedirectResponse(_back(filters), status_code=303)
