"""Importing own cards: ``POST /api/import`` and the /import page (preview, then confirm).

The page keeps the uploaded file in the user's folder (``.imports/<sha256>``) between the
preview and the confirmation, so nothing is uploaded twice and nothing is written until the
user confirms; the confirmation imports exactly the file that was previewed.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Literal, cast

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile as StarletteUpload

from app.cards.own import user_folder
from app.db import SessionDep
from app.deps import UserIdDep
from app.export.card_import import (
    MAX_UPLOAD_BYTES,
    Format,
    ImportRefused,
    Outcome,
    import_file,
)
from app.openapi import form_body, text_field
from app.web import render

router = APIRouter()
UPLOADS_DIR = ".imports"
FORMATS = ("anki", "csv", "cards")
UPLOAD_ID = re.compile(r"^[0-9a-f]{64}$")


class SkippedOut(BaseModel):
    source: str
    reason: str


class ColumnOut(BaseModel):
    column: str
    field: str


class ImportOut(BaseModel):
    created: list[str]
    skipped: list[SkippedOut]
    columns: list[ColumnOut] = []
    reviews: int = 0  # answers of the created cards' review history (an Anki revlog)


def _out(outcome: Outcome) -> ImportOut:
    skipped = [SkippedOut(source=s, reason=r) for s, r in outcome.skipped]
    columns = [ColumnOut(column=c, field=f) for c, f in outcome.columns]
    return ImportOut(
        created=outcome.created, skipped=skipped, columns=columns, reviews=outcome.reviews
    )


def _name(upload: StarletteUpload) -> str:
    """The upload's own file name (no folders), as problems name it."""
    return (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:100] or "upload"


async def _read(upload: StarletteUpload) -> bytes:
    raw = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MiB")
    return raw


@router.post("/api/import", tags=["own cards"])
async def import_api(
    request: Request,
    session: SessionDep,
    user_id: UserIdDep,
    file: Annotated[UploadFile, File(description=".apkg/.colpkg, CSV/TSV, or a zip of cards")],
    format: Annotated[Literal["anki", "csv", "cards"], Form()],
    dry_run: Annotated[bool, Form()] = False,
) -> ImportOut:
    """Import own cards, all or nothing (422 lists every problem; dry_run writes nothing).

    A CSV's header names its columns; ``columns`` says which became which card field.
    """
    raw = await _read(file)
    settings = request.app.state.settings
    name = _name(file)
    outcome = import_file(session, settings, user_id, raw, format, dry_run=dry_run, filename=name)
    return _out(outcome)


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, created: int | None = None) -> HTMLResponse:
    """Upload an Anki deck, a CSV/TSV or a zip of card files; a preview comes first."""
    return render(request, "export/import.html", {"created": created, "formats": FORMATS})


@router.post(
    "/import",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        {"file": {"type": "string", "format": "binary"}, "format": text_field("anki|csv|cards")},
        ("file", "format"),
        media_type="multipart/form-data",
    ),
)
async def import_preview(request: Request, session: SessionDep, user_id: UserIdDep) -> Response:
    """The preview: what would be created and what is refused; nothing is written yet."""
    form = await request.form()
    upload, fmt = form.get("file"), form.get("format")
    if not isinstance(upload, StarletteUpload) or fmt not in FORMATS:
        return _preview(request, None, [], "choose a file and its format", fmt)
    raw = await _read(upload)
    await upload.close()
    settings = request.app.state.settings
    upload_id = hashlib.sha256(raw).hexdigest()
    name = _name(upload)
    try:
        outcome = import_file(
            session,
            settings,
            user_id,
            raw,
            cast(Format, fmt),
            dry_run=True,
            filename=name,
        )
    except ImportRefused as error:
        return _preview(request, None, error.problems, None, fmt)
    folder = user_folder(settings, user_id) / UPLOADS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / upload_id).write_bytes(raw)
    return _preview(request, outcome, [], None, fmt, upload_id, name)


def _preview(
    request: Request,
    outcome: Outcome | None,
    problems: list[str],
    message: str | None,
    fmt: object,  # the form's value as posted, shown back in the format picker
    upload_id: str | None = None,
    name: str = "",
) -> HTMLResponse:
    context = {
        "outcome": outcome, "problems": problems, "message": message, "format": fmt,
        "upload_id": upload_id, "formats": FORMATS, "name": name,
    }  # fmt: skip
    status = 422 if problems or message else 200
    return render(request, "export/import.html", context, status_code=status)


@router.post(
    "/import/confirm",
    openapi_extra=form_body(
        {
            "upload": text_field("The previewed file's id"),
            "format": text_field("anki|csv|cards"),
            "name": text_field("The previewed file's name (problems name it)"),
        },
        ("upload", "format"),
    ),
)
async def import_confirm(request: Request, session: SessionDep, user_id: UserIdDep) -> Response:
    """Import the previewed file for real (303 to /import with the count)."""
    form = await request.form()
    upload_id, fmt = str(form.get("upload", "")), form.get("format")
    name = str(form.get("name", ""))[:100] or "upload"
    settings = request.app.state.settings
    path = user_folder(settings, user_id) / UPLOADS_DIR / upload_id
    if not UPLOAD_ID.match(upload_id) or fmt not in FORMATS or not path.is_file():
        raise HTTPException(404, "no such previewed file: upload it again")
    try:
        outcome = import_file(
            session,
            settings,
            user_id,
            path.read_bytes(),
            cast(Format, fmt),
            dry_run=False,
            filename=name,
        )
    except ImportRefused as error:
        return _preview(request, None, error.problems, None, fmt)
    path.unlink()
    return RedirectResponse(f"/import?created={len(outcome.created)}", status_code=303)
