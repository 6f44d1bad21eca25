"""Export and import pages: Anki deck, CSV, progress backup download, and backup upload."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.db import SessionDep
from app.deps import NowDep, UserIdDep
from app.export.anki import apkg_bytes
from app.export.anki_schedule import user_schedule
from app.export.bank import deck_name, export_cards
from app.export.csv_export import cards_csv
from app.export.import_routes import router as import_router
from app.export.progress import ImportRefused, export_progress, import_progress, parse_backup
from app.models import Card, Topic
from app.openapi import form_body
from app.web import render

router = APIRouter()
router.include_router(import_router)

MAX_UPLOAD_BYTES = 256 * 1024 * 1024
TopicQuery = Annotated[str | None, Query(max_length=64)]


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def _cards(session: SessionDep, topic: str | None, user_id: int) -> list[Card]:
    return export_cards(session, topic or None, user_id)


def _page(
    request: Request,
    session: SessionDep,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    used = select(Card.topic_id).where(Card.retired.is_(False)).distinct()
    topics = session.scalars(select(Topic).where(Topic.id.in_(used)).order_by(Topic.position))
    context = {"topics": list(topics), "message": message, "problems": problems or []}
    return render(request, "export/export.html", context, status_code=status_code)


@router.get("/export", response_class=HTMLResponse)
def export_page(request: Request, session: SessionDep, imported: int | None = None) -> HTMLResponse:
    """Download the bank as an Anki deck or CSV, back up your progress, or restore a backup."""
    message = None
    if imported is not None:
        message = f"Imported {imported} review(s); your schedule was rebuilt from them."
    return _page(request, session, message=message)


def _file(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": what, "content": {media_type: {"schema": {"type": "string"}}}}}


@router.get("/export/anki", responses=_file("application/octet-stream", "An Anki .apkg deck"))
def export_anki(
    session: SessionDep,
    user_id: UserIdDep,
    topic: TopicQuery = None,
    schedule: Annotated[bool, Query(description="Carry your FSRS schedule and answers")] = False,
) -> Response:
    """The bank (or one topic) with your own cards, as an Anki .apkg deck."""
    cards = _cards(session, topic, user_id)
    states = user_schedule(session, user_id, [c.id for c in cards]) if schedule else None
    body = apkg_bytes(cards, deck_name(topic), states)
    name = f"dlcards-{topic}.apkg" if topic else "dlcards.apkg"
    return Response(body, media_type="application/octet-stream", headers=_attachment(name))


@router.get("/export/csv", responses=_file("text/csv", "The cards as CSV"))
def export_csv(session: SessionDep, user_id: UserIdDep, topic: TopicQuery = None) -> Response:
    """The bank (or one topic) with your own cards, as CSV."""
    name = f"dlcards-{topic}.csv" if topic else "dlcards.csv"
    body = cards_csv(_cards(session, topic, user_id))
    return Response(body, media_type="text/csv; charset=utf-8", headers=_attachment(name))


@router.get("/export/progress", responses=_file("application/json", "A progress backup"))
def export_progress_file(session: SessionDep, user_id: UserIdDep, now: NowDep) -> Response:
    """Your review logs, settings, flags, notes, mock interviews and interview dates as a JSON
    backup file (format version 2)."""
    body = json.dumps(export_progress(session, user_id, now), ensure_ascii=False, indent=1)
    name = f"dlcards-progress-{now:%Y%m%d}.json"
    return Response(body, media_type="application/json", headers=_attachment(name))


BACKUP_FORM = form_body(
    {"backup": {"type": "string", "format": "binary", "description": "A progress backup"}},
    ("backup",),
    media_type="multipart/form-data",
)


@router.post("/import/progress", response_class=HTMLResponse, openapi_extra=BACKUP_FORM)
async def import_form(
    request: Request, session: SessionDep, user_id: UserIdDep, now: NowDep
) -> Response:
    """Restore a backup (a form upload): 303 on success; 422 with the problems, nothing changed."""
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("backup")
        if not isinstance(upload, UploadFile):
            return _page(request, session, problems=["choose a backup file"], status_code=422)
        raw = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        return _page(request, session, problems=["the file is too large"], status_code=422)
    zone = request.app.state.settings.timezone

    def parse_and_import() -> int:
        return import_progress(session, user_id, parse_backup(raw), now, zone)

    try:
        # Parsing and replaying a large backup takes seconds: off the event loop, so the
        # server keeps answering everyone else meanwhile.
        count = await run_in_threadpool(parse_and_import)
    except ImportRefused as error:
        return _page(request, session, problems=error.problems, status_code=422)
    return RedirectResponse(f"/export?imported={count}", status_code=303)


@router.get("/api/progress", tags=["export"])
def progress_json(session: SessionDep, user_id: UserIdDep, now: NowDep) -> dict[str, Any]:
    """Your progress backup (the same JSON as the downloaded file)."""
    return export_progress(session, user_id, now)


@router.post("/api/progress", tags=["export"])
def restore_json(
    request: Request,
    session: SessionDep,
    user_id: UserIdDep,
    now: NowDep,
    backup: Annotated[Any, Body()],
) -> Response:
    """Import a backup into a fresh install; 422 with the problems, nothing changed."""
    zone = request.app.state.settings.timezone
    count = import_progress(session, user_id, backup, now, zone)
    return JSONResponse({"imported": count})
