"""Mock interview pages: set up, one timed question at a time, summary, schedule, history.

Everything works as plain forms (POST, then a 303 redirect); the only script is the countdown
in static/answers.js, which submits the answer when the time is up. The server keeps the real
clock: an answer posted after the deadline is recorded as over time whatever the browser did.
"""

from __future__ import annotations

import math
from contextlib import suppress
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from app.answers.checks import parse_marks
from app.answers.matcher import MAX_ANSWER_CHARS
from app.charts.bars import bar_chart
from app.content.schema import LEVELS
from app.db import SessionDep
from app.demos.links import demo_links
from app.deps import MAX_ROW_ID, ContextDep, NowDep, RowId, UserIdDep
from app.interview import service as iv
from app.interview.api import router as api_router
from app.interview.deps import RngDep
from app.interview.models import Interview, InterviewQuestion
from app.models import Card, Topic
from app.openapi import form_body, text_field
from app.plans import queries as plan_queries
from app.problems import service as problems
from app.web import is_htmx, render

router = APIRouter()
router.include_router(api_router)
CHART_INTERVIEWS = 30


def _topics(session: SessionDep) -> list[Topic]:
    used = select(Card.topic_id).where(Card.retired.is_(False)).distinct()
    return list(session.scalars(select(Topic).where(Topic.id.in_(used)).order_by(Topic.position)))


def _default_values(interview_date_id: int | None) -> dict[str, Any]:
    return {
        "topics": [],
        "level": "",
        "questions": iv.DEFAULT_QUESTIONS,
        "minutes": 2,
        "interview_date_id": str(interview_date_id or ""),
    }


def _setup_page(
    request: Request,
    session: SessionDep,
    user_id: int,
    now: datetime,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "topics": _topics(session),
        "dates": [d for d in plan_queries.list_dates(session, user_id) if d.at > now],
        "values": values or _default_values(None),
        "errors": errors or {},
        "unfinished": iv.unfinished(session, user_id),
        "limits": iv,
        "levels": LEVELS,
    }
    return render(request, "interview/setup.html", context, status_code=status_code)


@router.get("/interview", response_class=HTMLResponse)
def setup_page(
    request: Request,
    session: SessionDep,
    user_id: UserIdDep,
    now: NowDep,
    interview_date_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    """Choose topics and level or an interview date, number of questions and time per question
    (``?interview_date_id=`` chooses that date)."""
    return _setup_page(request, session, user_id, now, values=_default_values(interview_date_id))


def _minutes_to_seconds(text: str) -> int | str:
    """Whole seconds, or the text itself for the model to refuse (not a number, inf, NaN)."""
    try:
        minutes = float(text)
    except ValueError:
        return text
    return round(minutes * 60) if math.isfinite(minutes) and abs(minutes) < 1e6 else text


START_FORM = form_body(
    {
        "topics": {"type": "array", "items": {"type": "string"}, "description": "Topic ids"},
        "level": text_field("beginner, intermediate, advanced, or empty for all"),
        "questions": text_field("How many questions"),
        "minutes": text_field("Minutes per question"),
        "interview_date_id": text_field(
            "One of your interview dates (its scope gives the questions); empty: none"
        ),
    },
    ("questions", "minutes"),
)
SUMMARY_FORM = form_body(
    {
        "mark-N": text_field("Key points marked covered for question N (repeated)"),
        "rating-N": text_field("Grade to schedule for question N", enum=["1", "2", "3", "4"]),
        "schedule": text_field("Present: also record the grades as FSRS reviews"),
    }
)


@router.post("/interview", response_class=HTMLResponse, openapi_extra=START_FORM)
async def start_form(
    request: Request, session: SessionDep, user_id: UserIdDep, now: NowDep, rng: RngDep
) -> Response:
    """Start an interview (plain form: 303 to its first question; errors: the form, 422)."""
    form = await request.form()
    values: dict[str, Any] = {
        "topics": [str(t)[:64] for t in form.getlist("topics")][:100],
        "level": str(form.get("level", ""))[:20],
        "questions": str(form.get("questions", ""))[:10],
        "minutes": str(form.get("minutes", ""))[:10],
        "interview_date_id": str(form.get("interview_date_id", ""))[:12],
    }
    data = {
        "topics": values["topics"],
        "level": values["level"] or None,
        "questions": values["questions"],
        "seconds_per_question": _minutes_to_seconds(values["minutes"]),
        "interview_date_id": values["interview_date_id"] or None,
    }
    try:
        setup = iv.InterviewSetup.model_validate(data)
        interview = iv.start(session, user_id, setup, now, rng)
    except ValidationError as error:
        errors = {
            "minutes" if e["loc"][0] == "seconds_per_question" else str(e["loc"][0]): e["msg"]
            for e in error.errors()
        }
        return _setup_page(
            request, session, user_id, now, values=values, errors=errors, status_code=422
        )
    except iv.InterviewError as error:
        errors = {error.field or "topics": error.message}
        return _setup_page(
            request, session, user_id, now, values=values, errors=errors, status_code=422
        )
    return RedirectResponse(f"/interview/{interview.id}", status_code=303)


@router.get("/interview/history", response_class=HTMLResponse)
def history_page(request: Request, session: SessionDep, user_id: UserIdDep) -> HTMLResponse:
    """Past interviews with their scores over time."""
    past = iv.history(session, user_id)
    return render(request, "interview/history.html", {"past": past, "chart": score_chart(past)})


def score_chart(past: list[Interview]) -> str | None:
    """Percent of key points covered per finished interview (the latest 30; an SVG bar chart)."""
    if not past:
        return None
    first = max(0, len(past) - CHART_INTERVIEWS)
    shown = past[first:]
    labels = [f"#{n} {i.started_at:%d %b}" for n, i in enumerate(shown, start=first + 1)]
    scores = [round(100 * (i.score or 0.0)) for i in shown]
    return bar_chart(
        labels,
        scores,
        title="Interview scores over time",
        desc="Share of key points covered in each finished interview, oldest first: "
        + ", ".join(f"{label} {s}%" for label, s in zip(labels, scores, strict=True)),
        y_label="% key points covered",
        y_range=(0, 100),
        highlight=(len(shown) - 1,),
        value_labels=[f"{s}%" for s in scores],
        height=280,
    )


def _question_page(
    request: Request,
    interview: Interview,
    question: InterviewQuestion,
    card: Card,
    now: datetime,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    due = iv.deadline(interview, question)
    context = {
        "interview": interview,
        "question": question,
        "card": card,
        "problem": (
            problems.pose_for_interview(card, interview.id, question.position)
            if card.problem
            else None
        ),
        "deadline": due,
        "seconds_left": max(0, int((due - now).total_seconds())) if due else None,
        "total": len(interview.questions),
        "error": error,
    }
    return render(
        request, "interview/question.html", context, block="question", status_code=status_code
    )


@router.get("/interview/{interview_id}", response_class=HTMLResponse)
def question_page(
    request: Request, session: SessionDep, user_id: UserIdDep, now: NowDep, interview_id: RowId
) -> Response:
    """The current question with its countdown (its clock starts when first shown)."""
    interview = iv.get_interview(session, user_id, interview_id)
    question = iv.show(session, interview, now)
    if question is None:
        return RedirectResponse(f"/interview/{interview.id}/summary", status_code=303)
    card = session.get(Card, question.card_id)
    assert card is not None
    return _question_page(request, interview, question, card, now)


@router.post("/interview/{interview_id}/answer", response_class=HTMLResponse)
def answer_form(
    request: Request,
    session: SessionDep,
    user_id: UserIdDep,
    now: NowDep,
    interview_id: RowId,
    position: Annotated[int, Form(ge=1, le=iv.MAX_QUESTIONS)],
    answer: Annotated[str, Form(max_length=MAX_ANSWER_CHARS)] = "",
) -> Response:
    """Done with this question: record the answer and go on (or to the summary)."""
    interview = iv.get_interview(session, user_id, interview_id)
    # A repeated or stale Done (a double click, the countdown racing a click) is ignored:
    # the page then shows whatever question is current now.
    with suppress(iv.InterviewError):
        iv.answer(session, interview, position, answer, now)
    if is_htmx(request):
        question = iv.show(session, interview, now)
        if question is not None:
            card = session.get(Card, question.card_id)
            assert card is not None
            return _question_page(request, interview, question, card, now)
        response = Response(status_code=204)
        response.headers["HX-Redirect"] = f"/interview/{interview.id}/summary"
        return response
    return RedirectResponse(f"/interview/{interview.id}", status_code=303)


@router.post("/interview/{interview_id}/end", response_class=HTMLResponse)
def end_form(
    session: SessionDep, user_id: UserIdDep, now: NowDep, interview_id: RowId
) -> RedirectResponse:
    """Stop the interview now; unanswered questions count as skipped."""
    interview = iv.get_interview(session, user_id, interview_id)
    if interview.finished_at is None:
        iv.end_early(session, interview, now)
    return RedirectResponse(f"/interview/{interview.id}/summary", status_code=303)


@router.get("/interview/{interview_id}/summary", response_class=HTMLResponse)
def summary_page(
    request: Request,
    session: SessionDep,
    user_id: UserIdDep,
    interview_id: RowId,
    scheduled: int = 0,
    saved: bool = False,
) -> Response:
    """Every answer next to the model answer, the checklist and time; scores per topic."""
    interview = iv.get_interview(session, user_id, interview_id)
    if interview.finished_at is None:
        return RedirectResponse(f"/interview/{interview.id}", status_code=303)
    summary = iv.summarize(session, interview)
    message = None
    if scheduled:
        message = f"Scheduled {scheduled} review{'s' if scheduled != 1 else ''}."
    elif saved:
        message = "Marks saved."
    context = {
        "summary": summary,
        "interview": interview,
        "message": message,
        "weak_links": {
            t.topic: [link for c in t.cards for link in demo_links(c) if link["href"]]
            for t in summary.weakest
        },
    }
    return render(request, "interview/summary.html", context)


@router.post(
    "/interview/{interview_id}/summary", response_class=HTMLResponse, openapi_extra=SUMMARY_FORM
)
async def summary_form(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    interview_id: RowId,
) -> Response:
    """Save flipped marks; with "schedule", record the confirmed grades as FSRS reviews."""
    interview = iv.get_interview(session, ctx.user_id, interview_id)
    if interview.finished_at is None:
        return RedirectResponse(f"/interview/{interview.id}", status_code=303)
    form = await request.form()
    marks, ratings = {}, {}
    for question in interview.questions:
        count = len(question.marks or [])
        values = [str(v)[:4] for v in form.getlist(f"mark-{question.position}")][:count]
        marks[question.position] = parse_marks(values, count)
        rating = str(form.get(f"rating-{question.position}", ""))[:2]
        if rating in ("1", "2", "3", "4"):
            ratings[question.position] = int(rating)
    iv.save_marks(session, interview, marks)
    if form.get("action") != "schedule" or interview.scheduled_at is not None:
        return RedirectResponse(f"/interview/{interview.id}/summary?saved=1", status_code=303)
    result = iv.schedule(session, ctx, interview, ratings, now)
    url = f"/interview/{interview.id}/summary?scheduled={len(result.recorded)}"
    return RedirectResponse(url, status_code=303)
