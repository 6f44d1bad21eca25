"""The interview dates JSON API: create, list, read, replace, delete, forecast and plan."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.db import SessionDep
from app.deps import ContextDep, NowDep, RowId
from app.interview import service as iv
from app.plans import easy_days, logic, queries
from app.plans.models import InterviewDate
from app.study.preferences import UserContext
from app.study.queue import usage_today

router = APIRouter(prefix="/api", tags=["interview dates"])


class TopicWeightOut(BaseModel):
    topic: str
    weight: float


class InterviewDateOut(BaseModel):
    id: int
    name: str
    at: datetime
    topics: list[TopicWeightOut] = Field(description="Empty: the whole bank")
    levels: list[str] = Field(description="Only cards of these levels; empty: every level")
    tags: list[str] = Field(description="Only cards with one of these tags; empty: any")
    past: bool
    url: str


class TiedInterviewOut(BaseModel):
    id: int
    started_at: datetime
    finished_at: datetime | None
    score: float | None = Field(description="Mean share of key points covered, once finished")
    url: str


class InterviewDateDetailOut(InterviewDateOut):
    interviews: list[TiedInterviewOut] = Field(
        description="The mock interviews tied to this date, oldest first"
    )


class CreatedOut(BaseModel):
    id: int


class TopicRecallOut(BaseModel):
    topic: str
    cards: int
    learned: int
    expected_recall: float


class CardRecallOut(BaseModel):
    card_id: str
    retrievability: float = Field(description="FSRS retrievability at `at`; 0 if never studied")


class ForecastOut(BaseModel):
    at: datetime
    overall: float = Field(description="Weighted mean of the topics' expected recall")
    topics: list[TopicRecallOut] = Field(description="Weakest first")
    cards: list[CardRecallOut]


class PlanDayOut(BaseModel):
    day: str
    new_cards: list[str]
    reviews: int
    final_pass: list[str]
    recall_on_the_day: float


class PlanOut(BaseModel):
    budget: int
    margin: int
    target: float
    learn_by: str | None
    to_learn: int
    planned: int
    fits: bool
    needed_budget: int | None
    baseline: float
    expected: float
    days: list[PlanDayOut]


def date_json(row: InterviewDate, now: datetime) -> InterviewDateOut:
    return InterviewDateOut(
        id=row.id,
        name=row.name,
        at=row.at,
        topics=[TopicWeightOut(topic=t, weight=w) for t, w in queries.weights_of(row).items()],
        levels=list(row.levels or ()),
        tags=list(row.tags or ()),
        past=row.at <= now,
        url=f"/interview-dates/{row.id}",
    )


def issues_response(issues: list[logic.Issue]) -> JSONResponse:
    """422 in FastAPI's shape, naming each field (``["body", "topics", 0, "topic"]``)."""
    detail = [{"loc": i.loc(), "msg": i.message, "type": "value_error"} for i in issues]
    return JSONResponse({"detail": detail}, status_code=422)


def date_of(session: SessionDep, ctx: ContextDep, interview_date_id: RowId) -> InterviewDate:
    return queries.get_date_or_404(session, ctx.user_id, interview_date_id)


DateDep = Annotated[InterviewDate, Depends(date_of)]
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "A field is invalid: a past date, an unknown topic, a weight"}
}


def _checked(
    session: SessionDep, ctx: UserContext, now: datetime, body: logic.InterviewDateIn
) -> tuple[datetime | None, list[logic.Issue]]:
    return logic.check(
        body,
        now,
        ctx.zone_name,
        queries.topic_ids(session),
        queries.known_tags(session, ctx.user_id) if body.tags else (),
    )


@router.post("/interview-dates", status_code=201, response_model=CreatedOut, responses=INVALID)
def create_date(
    session: SessionDep, ctx: ContextDep, now: NowDep, body: logic.InterviewDateIn
) -> CreatedOut | JSONResponse:
    """Set an interview date: a name, a moment (a date alone is 09:00 local), topic weights."""
    at, issues = _checked(session, ctx, now, body)
    if at is None:
        return issues_response(issues)
    return CreatedOut(id=queries.create(session, ctx.user_id, body, at, now).id)


@router.get("/interview-dates")
def list_dates(session: SessionDep, ctx: ContextDep, now: NowDep) -> list[InterviewDateOut]:
    """Your interview dates, soonest first (past ones too, marked ``past``)."""
    return [date_json(row, now) for row in queries.list_dates(session, ctx.user_id)]


@router.get("/interview-dates/{interview_date_id}")
def get_date(session: SessionDep, row: DateDep, now: NowDep) -> InterviewDateDetailOut:
    """One interview date, with the mock interviews tied to it (kept once it has passed)."""
    tied = [
        TiedInterviewOut(
            id=i.id,
            started_at=i.started_at,
            finished_at=i.finished_at,
            score=i.score,
            url=f"/interview/{i.id}",
        )
        for i in iv.tied_to(session, row.user_id, row.id)
    ]
    return InterviewDateDetailOut(**date_json(row, now).model_dump(), interviews=tied)


@router.put(
    "/interview-dates/{interview_date_id}", response_model=InterviewDateOut, responses=INVALID
)
def put_date(
    session: SessionDep, ctx: ContextDep, now: NowDep, row: DateDep, body: logic.InterviewDateIn
) -> InterviewDateOut | JSONResponse:
    """Replace an interview date's name, moment and topics."""
    at, issues = _checked(session, ctx, now, body)
    if at is None:
        return issues_response(issues)
    queries.update(session, row, body, at)
    return date_json(queries.get_date_or_404(session, ctx.user_id, row.id), now)


@router.delete("/interview-dates/{interview_date_id}", status_code=204)
def delete_date(session: SessionDep, row: DateDep) -> Response:
    """Delete an interview date (reviews are untouched)."""
    queries.delete(session, row)
    return Response(status_code=204)


def forecast_of(session: SessionDep, ctx: UserContext, row: InterviewDate) -> logic.Forecast:
    scope = queries.scope_of(row)
    cards = queries.scope_cards(session, ctx.user_id, scope)
    return logic.forecast(ctx.config, cards, scope.weights, row.at)


def forecast_json(result: logic.Forecast) -> ForecastOut:
    return ForecastOut(
        at=result.at,
        overall=result.overall,
        topics=[
            TopicRecallOut(
                topic=t.topic, cards=t.cards, learned=t.learned, expected_recall=t.expected_recall
            )
            for t in result.topics
        ],
        cards=[
            CardRecallOut(card_id=c.card_id, retrievability=c.retrievability) for c in result.cards
        ],
    )


@router.get("/interview-dates/{interview_date_id}/forecast")
def get_forecast(session: SessionDep, ctx: ContextDep, row: DateDep) -> ForecastOut:
    """Predicted recall at the interview's moment if nothing more is studied (FSRS)."""
    return forecast_json(forecast_of(session, ctx, row))


async def plan_request(
    ctx: ContextDep,
    budget: Annotated[int | None, Query(ge=1, le=logic.MAX_BUDGET)] = None,
    margin: Annotated[int, Query(ge=0, le=logic.MAX_MARGIN)] = logic.DEFAULT_MARGIN,
    target: Annotated[
        float, Query(ge=logic.MIN_TARGET, le=logic.MAX_TARGET, allow_inf_nan=False)
    ] = logic.DEFAULT_TARGET,
) -> logic.PlanRequest:
    """The plan's choices; the budget defaults to the user's new cards per day."""
    return logic.PlanRequest(
        budget=budget or max(1, ctx.settings.new_per_day), margin=margin, target=target
    )


PlanRequestDep = Annotated[logic.PlanRequest, Depends(plan_request)]


def plan_of(
    session: SessionDep,
    ctx: UserContext,
    row: InterviewDate,
    now: datetime,
    request: logic.PlanRequest,
) -> logic.Plan:
    scope = queries.scope_of(row)
    cards = queries.scope_cards(session, ctx.user_id, scope)
    done = usage_today(session, ctx, now).new_done
    return logic.make_plan(
        ctx.config,
        ctx.calendar,
        cards,
        scope.weights,
        now,
        row.at,
        request,
        new_done_today=done,
        easy=easy_days.load(session, ctx.user_id),
        review_limit=ctx.settings.reviews_per_day,
    )


def plan_json(plan: logic.Plan) -> PlanOut:
    return PlanOut(
        budget=plan.request.budget,
        margin=plan.request.margin,
        target=plan.request.target,
        learn_by=plan.learn_by.isoformat() if plan.learn_by else None,
        to_learn=plan.to_learn,
        planned=plan.planned,
        fits=plan.fits,
        needed_budget=plan.needed_budget,
        baseline=plan.baseline,
        expected=plan.expected,
        days=[
            PlanDayOut(
                day=d.day.isoformat(),
                new_cards=d.new_cards,
                reviews=d.reviews,
                final_pass=d.final_pass or [],
                recall_on_the_day=d.recall_on_the_day,
            )
            for d in plan.days
        ],
    )


@router.get("/interview-dates/{interview_date_id}/plan")
def get_plan(
    session: SessionDep, ctx: ContextDep, now: NowDep, row: DateDep, request: PlanRequestDep
) -> PlanOut:
    """New cards per day within a budget, a final review pass, and the recall it projects."""
    return plan_json(plan_of(session, ctx, row, now, request))
