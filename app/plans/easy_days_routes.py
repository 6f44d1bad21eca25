"""Easy days: the settings page section's own page and its JSON API (``/api/settings/easy-days``).

The form is a plain POST answered with a 303 (errors: the form again, 422, the weekday named).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from app.db import SessionDep, write
from app.deps import ContextDep
from app.openapi import form_body, text_field
from app.plans import easy_days
from app.plans.easy_days import WEEKDAYS, EasyDaysIn
from app.study.preferences import plain_message
from app.web import render

router = APIRouter()
EASY_DAYS_FORM = form_body(
    {day: text_field("0 to 100 (percent of the daily limits)") for day in WEEKDAYS}, ()
)


def _store(session: SessionDep, user_id: int, days: EasyDaysIn) -> None:
    with write(session, user_id):
        easy_days.save(session, user_id, days)


@router.get("/api/settings/easy-days", tags=["settings"])
def get_easy_days(session: SessionDep, ctx: ContextDep) -> EasyDaysIn:
    """Your easy days: per weekday, the percent of the new-card and review limits (100: normal)."""
    return easy_days.load(session, ctx.user_id)


@router.put("/api/settings/easy-days", tags=["settings"])
def put_easy_days(session: SessionDep, ctx: ContextDep, body: EasyDaysIn) -> EasyDaysIn:
    """Set your easy days (every weekday 0 to 100; a weekday left out is 100)."""
    _store(session, ctx.user_id, body)
    return easy_days.load(session, ctx.user_id)


def _page(
    request: Request,
    values: Mapping[str, object],
    errors: dict[str, str] | None = None,
    *,
    saved: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    context = {"weekdays": WEEKDAYS, "values": values, "errors": errors or {}, "saved": saved}
    return render(request, "plans/easy_days.html", context, status_code=status_code)


@router.get("/settings/easy-days", response_class=HTMLResponse)
def easy_days_page(
    request: Request, session: SessionDep, ctx: ContextDep, saved: bool = False
) -> HTMLResponse:
    """Weekdays with a lighter load: the percent of the daily limits each one gets."""
    return _page(request, easy_days.load(session, ctx.user_id).model_dump(), saved=saved)


@router.post("/settings/easy-days", response_class=HTMLResponse, openapi_extra=EASY_DAYS_FORM)
async def easy_days_form(request: Request, session: SessionDep, ctx: ContextDep) -> Response:
    """Save easy days (303 back to the page; errors: the form again, 422)."""
    form = await request.form()
    values = {day: str(form.get(day, "100")).strip()[:10] or "100" for day in WEEKDAYS}
    try:
        days = EasyDaysIn.model_validate(values)
    except ValidationError as error:
        errors = {str(e["loc"][0]): plain_message(e) for e in error.errors()}
        return _page(request, values, errors, status_code=422)
    _store(session, ctx.user_id, days)
    return RedirectResponse("/settings/easy-days?saved=true", status_code=303)
