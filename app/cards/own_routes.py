"""Pages for own cards, notes and reports: new, edit, preview, retire, restore, fork.

Every form posts and redirects (303); a refused card comes back as the form with each error
next to its field (422) and nothing written.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from starlette.datastructures import FormData

from app.answers.matcher import MAX_ANSWER_CHARS
from app.cards import demo_picker, own
from app.cards.api import router as api_router
from app.cards.notes import MAX_NOTE_CHARS, get_note, set_note
from app.cards.queries import get_card_or_404
from app.cards.reports import MAX_COMMENT_CHARS, Reason, add_report, list_reports
from app.db import SessionDep
from app.deps import NowDep, UserIdDep
from app.markdown import render_markdown
from app.models import Card, Topic
from app.openapi import form_body, text_field
from app.web import render

router = APIRouter()
router.include_router(api_router)


class ChoiceOut(BaseModel):
    value: str  # what the form posts as ``demos``: slug or slug:preset
    label: str
    href: str  # the demo opened with these parameters


class DemoChoicesOut(BaseModel):
    title: str
    choices: list[ChoiceOut]


LIST_FIELDS = ("key_points", "follow_ups", "references")
CARD_FORM = form_body(
    {
        "question": text_field("The question"),
        "answer": text_field("Markdown with $math$ and code"),
        "key_points": text_field("One per line"),
        "follow_ups": text_field("One per line"),
        "references": text_field("One per line"),
        "topic": text_field("An existing topic id, or a new kebab-case one"),
        "topic_title": text_field("The title of a new topic"),
        "level": text_field("beginner | intermediate | advanced"),
        "tags": text_field("Kebab-case, separated by commas or spaces"),
        "id": text_field("Optional: derived from the question when empty"),
        "demos": text_field("Demo links from the picker: slug, slug:preset or keep:<index>"),
    },
    ("question", "answer", "topic", "level"),
)


def draft_from_form(
    form: FormData, keep: dict[str, Any] | None = None, current_demos: list[Any] | None = None
) -> tuple[own.Draft, dict[str, str]]:
    """The form's fields as a draft (list fields one item per line) and the picker's error.

    Demo links come from the picker (``demo_picker``): each chosen value is a demo, a demo's
    preset, or one of the card's own links kept as it is.
    """

    def text(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    fields: dict[str, Any] = dict(keep or {})
    fields.update(
        question=text("question").strip(),
        topic=text("topic").strip(),
        level=text("level").strip(),
        tags=[t for t in text("tags").replace(",", " ").split() if t],
    )
    for name in LIST_FIELDS:
        fields[name] = [line.strip() for line in text(name).splitlines() if line.strip()]
    if text("id").strip():
        fields["id"] = text("id").strip()
    errors: dict[str, str] = {}
    chosen = [v for v in form.getlist("demos") if isinstance(v, str)]
    try:
        fields["demos"] = demo_picker.links_of(chosen, current_demos or [])
    except ValueError as error:
        errors["demos"] = str(error)
        fields["demos"] = []
    return own.Draft(fields, text("answer"), text("topic_title").strip() or None), errors


def _form_values(draft: own.Draft) -> dict[str, str]:
    fields = draft.fields
    values = {name: "\n".join(fields.get(name) or []) for name in LIST_FIELDS}
    values.update(
        question=fields.get("question", ""), topic=fields.get("topic", ""),
        level=fields.get("level", "intermediate"), tags=" ".join(fields.get("tags") or []),
        id=fields.get("id", ""), answer=draft.answer, topic_title=draft.topic_title or "",
    )  # fmt: skip
    return values


def _preview_context(answer: str, links: list[Any]) -> dict[str, Any]:
    return {
        "preview": render_markdown(answer) if answer.strip() else "",
        "demo_links": demo_picker.previews(links),
    }


def _form_page(
    request: Request,
    session: SessionDep,
    draft: own.Draft,
    *,
    card: Card | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    topics = session.scalars(select(Topic).order_by(Topic.position)).all()
    current = list(card.demos) if card else []
    links = list(draft.fields.get("demos") or [])
    context = {
        "values": _form_values(draft), "errors": errors or {}, "card": card, "topics": topics,
        "demo_catalogue": demo_picker.catalogue(), "kept_demos": demo_picker.kept_choices(current),
        "chosen_demos": demo_picker.chosen_values(links, current),
        **_preview_context(draft.answer, links),
    }  # fmt: skip
    return render(request, "cards/own/form.html", context, status_code=status_code)


@router.get("/cards/new", response_class=HTMLResponse)
def new_card_page(
    request: Request, session: SessionDep, topic: str = "", question: str = "", answer: str = ""
) -> HTMLResponse:
    """The form for a new own card (home, topic page; after a mock interview, prefilled)."""
    fields = {"topic": topic[:100], "level": "intermediate", "question": question[:2000]}
    draft = own.Draft(fields, answer[:MAX_ANSWER_CHARS])
    return _form_page(request, session, draft)


@router.post("/cards/new", response_class=HTMLResponse, openapi_extra=CARD_FORM)
async def create_card(request: Request, session: SessionDep, user_id: UserIdDep) -> Response:
    """Write an own card (303 to it); a refused card: the form with its errors, 422."""
    draft, picker_errors = draft_from_form(await request.form())
    settings = request.app.state.settings
    try:
        if picker_errors:
            raise own.CardInvalid(picker_errors)
        card_id = own.save_card(session, settings, user_id, draft)
    except own.CardInvalid as error:
        errors = {**error.errors, **picker_errors}
        return _form_page(request, session, draft, errors=errors, status_code=422)
    return RedirectResponse(f"/cards/{card_id}?reveal=true", status_code=303)


@router.post(
    "/cards/preview",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        {
            "answer": text_field("Markdown"),
            "demos": text_field("A picker value (slug, slug:preset, keep:<index>); repeatable"),
            "card": text_field("The own card being edited (its links are keep:<index>)"),
        }
    ),
)
async def preview(request: Request, session: SessionDep, user_id: UserIdDep) -> HTMLResponse:
    """The answer rendered by the bank's renderer and the chosen demo links (the live preview)."""
    form = await request.form()
    answer, card_id = form.get("answer", ""), form.get("card", "")
    source = answer[:MAX_ANSWER_CHARS] if isinstance(answer, str) else ""
    card = own.own_card(session, user_id, card_id) if isinstance(card_id, str) else None
    chosen = [v for v in form.getlist("demos") if isinstance(v, str)]
    try:
        links = demo_picker.links_of(chosen, list(card.demos) if card else [])
    except ValueError as error:
        raise HTTPException(422, f"demos: {error}") from None
    return render(request, "cards/own/_preview.html", _preview_context(source, links))


@router.get("/api/demo-presets", tags=["own cards"])
def demo_presets() -> list[DemoChoicesOut]:
    """What the card form's demo picker offers: each demo, its presets and their links."""
    return [
        DemoChoicesOut(title=title, choices=[ChoiceOut(**vars(c)) for c in choices])
        for title, choices in demo_picker.catalogue()
    ]


@router.get("/cards/media/{name}")
def media(request: Request, user_id: UserIdDep, name: str) -> Response:
    """A media file of your imported cards (images, sound)."""
    found = own.media_file(request.app.state.settings, user_id, name)
    if found is None:
        raise HTTPException(404, f"No media file {name!r}.")
    return FileResponse(found[0], media_type=found[1])


@router.get("/cards/retired", response_class=HTMLResponse)
def retired_page(request: Request, session: SessionDep, user_id: UserIdDep) -> HTMLResponse:
    """Your retired own cards, each restorable (their history was kept)."""
    cards = own.retired_cards(session, user_id)
    return render(request, "cards/own/retired.html", {"cards": cards})


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, session: SessionDep, user_id: UserIdDep) -> HTMLResponse:
    """The problems you reported on cards."""
    rows = list_reports(session, user_id)
    return render(request, "cards/own/reports.html", {"rows": rows})


@router.get("/cards/{card_id}/edit", response_class=HTMLResponse)
def edit_card_page(
    request: Request, session: SessionDep, user_id: UserIdDep, card_id: str
) -> HTMLResponse:
    """Edit an own card (a bank card is forked first)."""
    card = own.live_own_card(session, user_id, card_id)
    return _form_page(request, session, own.draft_of(card), card=card)


@router.post("/cards/{card_id}/edit", response_class=HTMLResponse, openapi_extra=CARD_FORM)
async def edit_card(
    request: Request, session: SessionDep, user_id: UserIdDep, card_id: str
) -> Response:
    """Save an own card (a new id renames it, the old one kept in aliases)."""
    card = own.live_own_card(session, user_id, card_id)
    keep = {"synonyms": card.synonyms}
    draft, picker_errors = draft_from_form(await request.form(), keep, list(card.demos))
    draft.fields.setdefault("id", card.id)
    try:
        if picker_errors:
            raise own.CardInvalid(picker_errors)
        new_id = own.save_card(session, request.app.state.settings, user_id, draft, current=card)
    except own.CardInvalid as error:
        errors = {**error.errors, **picker_errors}
        return _form_page(request, session, draft, card=card, errors=errors, status_code=422)
    return RedirectResponse(f"/cards/{new_id}?reveal=true", status_code=303)


@router.post("/cards/{card_id}/delete")
def retire_card(
    request: Request, session: SessionDep, user_id: UserIdDep, card_id: str
) -> Response:
    """Retire an own card: hidden, its history kept, restorable from the retired list."""
    card = own.live_own_card(session, user_id, card_id)
    own.retire_card(session, request.app.state.settings, user_id, card)
    return RedirectResponse("/cards/retired", status_code=303)


@router.post("/cards/{card_id}/restore")
def restore_card(
    request: Request, session: SessionDep, user_id: UserIdDep, card_id: str
) -> Response:
    """Bring a retired own card back, with its history."""
    own.restore_card(session, request.app.state.settings, user_id, card_id)
    return RedirectResponse(f"/cards/{card_id}", status_code=303)


@router.post("/cards/{card_id}/fork")
def fork_card(request: Request, session: SessionDep, user_id: UserIdDep, card_id: str) -> Response:
    """Copy a bank card into an own card (your history moves with it), then edit it."""
    card = get_card_or_404(session, card_id, user_id)
    new_id = own.fork_card(session, request.app.state.settings, user_id, card)
    return RedirectResponse(f"/cards/{new_id}/edit", status_code=303)


@router.get("/cards/{card_id}/note", response_class=HTMLResponse)
def note_fragment(
    request: Request, session: SessionDep, user_id: UserIdDep, card_id: str
) -> HTMLResponse:
    """Your note on a card as an HTML fragment (study loads it under the answer)."""
    card = get_card_or_404(session, card_id, user_id)
    note = get_note(session, user_id, card.id)
    context = {"note_html": render_markdown(note) if note else ""}
    return render(request, "cards/_note.html", context)


@router.post(
    "/cards/{card_id}/note",
    openapi_extra=form_body({"note": text_field("Markdown; empty deletes the note")}),
)
async def save_note(
    request: Request, session: SessionDep, user_id: UserIdDep, now: NowDep, card_id: str
) -> Response:
    """Save your note on any card (shown under the answer)."""
    card = get_card_or_404(session, card_id, user_id)
    note = (await request.form()).get("note", "")
    if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
        raise HTTPException(422, f"note: at most {MAX_NOTE_CHARS} characters")
    set_note(session, user_id, card.id, note, now)
    return RedirectResponse(f"/cards/{card.id}?reveal=true#note", status_code=303)


@router.post(
    "/cards/{card_id}/report",
    openapi_extra=form_body(
        {"reason": text_field("wrong | unclear | outdated | typo"), "comment": text_field("")},
        ("reason",),
    ),
)
async def report_problem(
    request: Request, session: SessionDep, user_id: UserIdDep, now: NowDep, card_id: str
) -> Response:
    """Report a problem with a card (303 to your reports)."""
    card = get_card_or_404(session, card_id, user_id)
    form = await request.form()
    reason, comment = form.get("reason", ""), form.get("comment", "")
    if reason not in {r.value for r in Reason}:
        raise HTTPException(422, "reason: choose wrong, unclear, outdated or typo")
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS:
        raise HTTPException(422, f"comment: at most {MAX_COMMENT_CHARS} characters")
    add_report(session, user_id, card.id, Reason(str(reason)), comment, now)
    return RedirectResponse("/reports", status_code=303)
