"""Interview date pages: list and create, the forecast of one date, edit, delete, the plan.

Every form is a plain POST answered with a 303 (errors: the form again, 422, each field's
message next to it); the JSON API in ``app.plans.api`` mirrors these pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.charts.lines import Line, Series, line_plot
from app.content.schema import LEVELS
from app.db import SessionDep
from app.deps import ContextDep, NowDep
from app.interview import service as iv
from app.openapi import form_body, text_field
from app.plans import logic, queries
from app.plans.api import DateDep, PlanRequestDep, forecast_of, plan_of
from app.plans.api import router as api_router
from app.plans.easy_days_routes import router as easy_days_router
from app.plans.models import InterviewDate
from app.plans.summary import countdown
from app.study.preferences import UserContext
from app.web import render

router = APIRouter()
router.include_router(api_router)
router.include_router(easy_days_router)

DATE_FORM = form_body(
    {
        "name": text_field("What the interview is (Acme, ML engineer)"),
        "date": text_field("YYYY-MM-DD"),
        "time": text_field("HH:MM in your time zone; empty: 09:00"),
        "topic": {"type": "array", "items": {"type": "string"}, "description": "Topic ids"},
        "weight-TOPIC": text_field("The weight of a ticked topic (default 1)"),
        "level": {"type": "array", "items": {"type": "string"}, "description": "Levels"},
        "tags": text_field("Tags, separated by commas or spaces (a card needs one of them)"),
    },
    ("name", "date"),
)


def local_moment(at: datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).strftime("%a %-d %b %Y %H:%M")


def _values_of(row: InterviewDate | None, zone: str) -> dict[str, Any]:
    if row is None:
        return {"name": "", "date": "", "time": "", "weights": {}, "levels": [], "tags": ""}
    local = row.at.astimezone(ZoneInfo(zone))
    return {
        "name": row.name,
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "weights": queries.weights_of(row),
        "levels": list(row.levels or ()),
        "tags": " ".join(row.tags or ()),
    }


def _form_values(form: FormData, topics: list[str]) -> dict[str, Any]:
    ticked = [str(t)[:64] for t in form.getlist("topic")][: logic.MAX_TOPICS]
    return {
        "name": str(form.get("name", ""))[: logic.MAX_NAME + 1],
        "date": str(form.get("date", "")).strip()[:10],
        "time": str(form.get("time", "")).strip()[:5],
        "weights": {t: str(form.get(f"weight-{t}", "1")).strip()[:10] or "1" for t in ticked},
        "levels": [str(level)[:20] for level in form.getlist("level")][:3],
        "tags": str(form.get("tags", ""))[:2000],
        "known": topics,
    }


def _parse_form(
    values: dict[str, Any],
) -> tuple[logic.InterviewDateIn | None, dict[str, str]]:
    at = values["date"] + (f"T{values['time']}" if values["time"] else "")
    data = {
        "name": values["name"],
        "at": at,
        "topics": [{"topic": t, "weight": w} for t, w in values["weights"].items()],
        "levels": values["levels"],
        "tags": values["tags"].replace(",", " ").split(),
    }
    try:
        return logic.InterviewDateIn.model_validate(data), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            name = {"at": "date", "levels": "level"}.get(str(item["loc"][0]), str(item["loc"][0]))
            errors.setdefault(name, item["msg"])
        return None, errors


def _form_page(
    request: Request,
    session: SessionDep,
    ctx: UserContext,
    now: datetime,
    *,
    row: InterviewDate | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows = queries.list_dates(session, ctx.user_id) if row is None else []
    context = {
        "row": row,
        "values": values or _values_of(row, ctx.zone_name),
        "errors": errors or {},
        "topics": queries.topic_titles(session),
        "upcoming": [r for r in rows if r.at > now],
        "past": [r for r in rows if r.at <= now],
        "countdown": lambda r: countdown(r.at, now),
        "local": lambda r: local_moment(r.at, ctx.zone_name),
        "zone": ctx.zone_name,
        "levels": LEVELS,
    }
    template = "plans/list.html" if row is None else "plans/edit.html"
    return render(request, template, context, status_code=status_code)


async def _submitted(
    request: Request, session: SessionDep, ctx: UserContext, now: datetime
) -> tuple[logic.InterviewDateIn | None, datetime | None, dict[str, Any], dict[str, str]]:
    values = _form_values(await request.form(), queries.topic_ids(session))
    data, errors = _parse_form(values)
    if data is None:
        return None, None, values, errors
    tags = queries.known_tags(session, ctx.user_id) if data.tags else set()
    at, issues = logic.check(data, now, ctx.zone_name, values["known"], tags)
    for issue in issues:
        errors.setdefault("date" if issue.field == "at" else issue.field, issue.message)
    return data, at, values, errors


@router.get("/interview-dates", response_class=HTMLResponse)
def dates_page(request: Request, session: SessionDep, ctx: ContextDep, now: NowDep) -> HTMLResponse:
    """Your interview dates with countdowns, past ones as history, and a form for a new one."""
    return _form_page(request, session, ctx, now)


@router.post("/interview-dates", response_class=HTMLResponse, openapi_extra=DATE_FORM)
async def create_form(
    request: Request, session: SessionDep, ctx: ContextDep, now: NowDep
) -> Response:
    """Set an interview date (303 to its forecast; errors: the form again, 422)."""
    data, at, values, errors = await _submitted(request, session, ctx, now)
    if data is None or at is None:
        return _form_page(request, session, ctx, now, values=values, errors=errors, status_code=422)
    row = queries.create(session, ctx.user_id, data, at, now)
    return RedirectResponse(f"/interview-dates/{row.id}", status_code=303)


@router.get("/interview-dates/{interview_date_id}", response_class=HTMLResponse)
def date_page(
    request: Request, session: SessionDep, ctx: ContextDep, now: NowDep, row: DateDep
) -> HTMLResponse:
    """What FSRS predicts you would recall at the interview, per topic (weakest first)."""
    result = forecast_of(session, ctx, row)
    context = {
        "row": row,
        "forecast": result,
        "titles": queries.topic_titles(session),
        "weights": queries.weights_of(row),
        "countdown": countdown(row.at, now),
        "moment": local_moment(row.at, ctx.zone_name),
        "past": row.at <= now,
        "interviews": iv.tied_to(session, ctx.user_id, row.id),
    }
    return render(request, "plans/date.html", context)


@router.get("/interview-dates/{interview_date_id}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, session: SessionDep, ctx: ContextDep, now: NowDep, row: DateDep
) -> HTMLResponse:
    """Change an interview date's name, moment or topics."""
    return _form_page(request, session, ctx, now, row=row)


@router.post(
    "/interview-dates/{interview_date_id}/edit",
    response_class=HTMLResponse,
    openapi_extra=DATE_FORM,
)
async def edit_form(
    request: Request, session: SessionDep, ctx: ContextDep, now: NowDep, row: DateDep
) -> Response:
    """Save an interview date (303 to its forecast; errors: the form again, 422)."""
    data, at, values, errors = await _submitted(request, session, ctx, now)
    if data is None or at is None:
        return _form_page(
            request, session, ctx, now, row=row, values=values, errors=errors, status_code=422
        )
    queries.update(session, row, data, at)
    return RedirectResponse(f"/interview-dates/{row.id}", status_code=303)


@router.post("/interview-dates/{interview_date_id}/delete", response_class=HTMLResponse)
def delete_form(session: SessionDep, row: DateDep) -> Response:
    """Delete an interview date (its reviews stay)."""
    queries.delete(session, row)
    return RedirectResponse("/interview-dates", status_code=303)


def plan_chart(plan: logic.Plan, at: datetime) -> str:
    """Expected recall on the day after each day of the plan, against doing nothing more."""
    if not plan.days:
        return ""
    x = [(d.moment - at).total_seconds() / 86400 for d in plan.days]
    followed = [100 * d.recall_on_the_day for d in plan.days]
    baseline = [100 * plan.baseline] * len(x)
    return line_plot(
        [
            Series(x, followed, "plan followed", kind="both"),
            Series(x, baseline, "nothing more done", dashed=True),
        ],
        title="Expected recall on the interview day",
        desc=(
            f"If the plan is followed, expected recall at the interview rises from "
            f"{100 * plan.baseline:.0f}% to {100 * plan.expected:.0f}%; with nothing more "
            f"done it stays at {100 * plan.baseline:.0f}%."
        ),
        x_label="days before the interview",
        y_label="expected recall on the day (%)",
        y_range=(0, 100),
        hlines=[Line(100 * plan.request.target, "target")],
    )


@router.get("/interview-dates/{interview_date_id}/plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    row: DateDep,
    plan_request: PlanRequestDep,
) -> HTMLResponse:
    """Which new cards to learn on which day within a budget, and the recall it projects."""
    plan = plan_of(session, ctx, row, now, plan_request)
    context = {
        "row": row,
        "plan": plan,
        "chart": plan_chart(plan, row.at),
        "moment": local_moment(row.at, ctx.zone_name),
        "desired_retention": ctx.settings.desired_retention,
    }
    return render(request, "plans/plan.html", context, block="plan")
