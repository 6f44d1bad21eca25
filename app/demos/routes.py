"""Demo pages (/demos, /demos/<slug>, htmx fragments) and the JSON API /api/demos/<slug>."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from sqlalchemy import String, cast, select
from starlette.concurrency import run_in_threadpool

from app.accounts.deps import current_user_id
from app.cards.bank_cache import cached
from app.cards.visibility import visible_to
from app.db import SessionDep
from app.demos.forms import form_fields, parse_query
from app.demos.links import demo_href
from app.demos.registry import Demo, DemoParams, all_demos, get_demo
from app.markdown import render_markdown
from app.models import Card
from app.openapi import form_body, text_field
from app.web import is_htmx, render

router = APIRouter()

# A compute that rejects a combination of valid values (e.g. a kernel larger than the image)
# raises one of these; it is shown like a validation error, never as a 500.
COMPUTE_ERRORS = (ValueError, ArithmeticError)
MAX_FORM_BYTES = 4_000_000  # 200 documents × 5,000 characters, in UTF-8, with room to spare


def get_demo_or_404(slug: str) -> Demo:
    demo = get_demo(slug)
    if demo is None:
        raise HTTPException(status_code=404, detail=f"No demo called {slug!r}")
    return demo


def cards_by_demo(
    session: SessionDep, user_id: int, only: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """For every demo slug (or ``only`` that one), the cards the user sees that link to it,
    with the preset link.

    Only the four columns it shows are read (whole cards made the demo page 48 ms at defaults),
    and never another user's own cards. For one slug, the database passes over the cards whose
    links do not name it, so a demo page decodes and links a few cards, not all of them.
    Kept by the bank cache: read-only.
    """

    def read() -> dict[str, list[dict[str, Any]]]:
        query = select(Card.id, Card.question, Card.level, Card.demos).where(visible_to(user_id))
        if only is not None:
            # A prefilter on the JSON text (a slug is kebab-case: no LIKE wildcard in it); the
            # links are still checked one by one below.
            query = query.where(cast(Card.demos, String).contains(f'"{only}"', autoescape=True))
        linked: dict[str, list[dict[str, Any]]] = {}
        for card in session.execute(query.order_by(Card.topic_id, Card.position)):
            for link in card.demos or []:
                slug = link.get("demo")
                if not isinstance(slug, str) or only not in (None, slug):
                    continue
                entries = linked.setdefault(slug, [])
                if all(e["id"] != card.id for e in entries):
                    entries.append(
                        {
                            "id": card.id,
                            "question": card.question,
                            "level": card.level,
                            "label": link.get("label") or "",
                            "href": demo_href(slug, link.get("params") or {}),
                        }
                    )
        return linked

    return cached(session, ("cards by demo", user_id, only), read)


@cache
def explain_html(slug: str) -> str:
    demo = get_demo_or_404(slug)
    return render_markdown(demo.explain)


@cache
def predict_html(slug: str) -> str:
    demo = get_demo_or_404(slug)
    return render_markdown(demo.predict.answer) if demo.predict else ""


@router.get("/demos", response_class=HTMLResponse)
def demo_index(request: Request, session: SessionDep) -> HTMLResponse:
    """Every demo with its one-line summary and the cards that link to it."""
    linked = cards_by_demo(session, current_user_id(request))
    demos = [{"demo": d, "cards": linked.get(slug, [])} for slug, d in all_demos().items()]
    return render(request, "demos/index.html", {"demos": demos})


def _query(request: Request) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        query.setdefault(key, []).append(value)
    return query


def url_with(slug: str, query: dict[str, list[str]], **changes: Any) -> str:
    """This demo's URL with the current query, some parameters replaced."""
    items = [(k, v) for k, values in query.items() if k not in changes for v in values]
    items += [(k, str(v)) for k, v in changes.items()]
    return f"/demos/{slug}" + (f"?{urlencode(items)}" if items else "")


# Where a demo was opened from (``?from=``): the study screen or a card, never another site.
BACK_TARGET = re.compile(r"/(study(\?[\w=&%.+-]{0,300})?|cards/[\w-]{1,100})")


def back_link(query: dict[str, list[str]]) -> dict[str, str] | None:
    """The "← back to the card / to study" link of a demo opened from a card or from study."""
    target = (query.get("from") or [""])[0]
    if not BACK_TARGET.fullmatch(target):
        return None
    label = "back to the card" if target.startswith("/cards/") else "back to study"
    return {"href": target, "label": label}


def run_demo(demo: Demo, params: DemoParams) -> tuple[dict[str, Any], dict[str, Any]]:
    """compute then view: the JSON result and what the template draws (read-only: shared).

    At a demo's defaults, what a card links to, they are kept, one per demo: every demo is
    deterministic (seeded), and computing and drawing took 1.4 ms of each attention page, up
    to 10 ms for the training demos. Other parameters are computed each time (at their
    largest a result runs to megabytes).
    """
    return _at_defaults(demo.slug) if params == demo.params() else _computed(demo, params)


def demo_result(demo: Demo, params: DemoParams) -> dict[str, Any]:
    """The JSON result alone (the API draws nothing), kept at the defaults as ``run_demo``."""
    return _at_defaults(demo.slug)[0] if params == demo.params() else demo.compute(params)


@cache
def _at_defaults(slug: str) -> tuple[dict[str, Any], dict[str, Any]]:
    demo = get_demo_or_404(slug)
    return _computed(demo, demo.params())


def _computed(demo: Demo, params: DemoParams) -> tuple[dict[str, Any], dict[str, Any]]:
    result = demo.compute(params)
    return result, demo.view(params, result)


@router.get("/demos/{slug}", response_class=HTMLResponse)
def demo_page(request: Request, session: SessionDep, slug: str) -> HTMLResponse:
    """A demo: its form, result and explanation; htmx asks for the result block only."""
    return _demo_response(request, session, slug, _query(request))


DEMO_FORM = form_body(
    {"*": text_field("The demo's parameters, as on its page (see /api/demos/{slug})")}
)


@router.post("/demos/{slug}", response_class=HTMLResponse, openapi_extra=DEMO_FORM)
async def demo_page_posted(request: Request, session: SessionDep, slug: str) -> HTMLResponse:
    """The same page for a form too long for a URL (pasted documents); not a deep link."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise HTTPException(status_code=413, detail="The form is too large")
    body = (await request.body())[: MAX_FORM_BYTES + 1]
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(status_code=413, detail="The form is too large")
    query = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    response = await run_in_threadpool(_demo_response, request, session, slug, query)
    response.headers["HX-Push-Url"] = "false"  # the state does not fit in a URL
    return response


def _demo_response(
    request: Request, session: SessionDep, slug: str, query: dict[str, list[str]]
) -> HTMLResponse:
    demo = get_demo_or_404(slug)
    fragment = is_htmx(request)
    user_id = current_user_id(request)
    parsed = parse_query(demo.params, query)
    errors = dict(parsed.errors)
    result = view = None
    if parsed.params is not None:
        try:
            result, view = run_demo(demo, parsed.params)
        except COMPUTE_ERRORS as exc:
            errors[""] = str(exc)
    context = {
        "demo": demo,
        "params": parsed.params,
        "fields": form_fields(demo.params, parsed.params, parsed.raw, errors),
        "errors": errors,
        "result": result,
        "view": view,
        "explain_html": explain_html(slug),
        "predict_html": predict_html(slug),
        "cards": [] if fragment else cards_by_demo(session, user_id, only=slug).get(slug, []),
        "fragment": fragment,
        "query": query,
        "url_with": lambda **changes: url_with(slug, query, **changes),
        "preset_href": demo_href,
        "back": back_link(query),
    }
    status = 422 if errors else 200
    block = "result" if fragment else None
    return render(request, "demos/page.html", context, block=block, status_code=status)


def _located(errors: Iterable[Any]) -> list[dict[str, Any]]:
    """pydantic errors placed in the request body, as FastAPI reports its own."""
    return [{**e, "loc": ("body", *e["loc"])} for e in errors]


@router.post("/api/demos/{slug}")
def demo_api(slug: str, payload: Annotated[dict[str, Any] | None, Body()] = None) -> JSONResponse:
    """Run a demo: a JSON object of parameters in, its result as JSON out (422 if invalid)."""
    demo = get_demo_or_404(slug)
    try:
        params = demo.params.model_validate(payload or {})
    except ValidationError as exc:
        raise RequestValidationError(_located(exc.errors())) from exc
    try:
        result = demo_result(demo, params)
    except COMPUTE_ERRORS as exc:
        error = {"loc": ("body",), "msg": str(exc), "type": "value_error"}
        raise RequestValidationError([error]) from exc
    return JSONResponse(result)
