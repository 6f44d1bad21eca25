"""The study JSON API: the next card, grading (also of typed answers), undo, stats and settings
(listed at /docs)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.answers.checks import checklist, checklist_json
from app.answers.matcher import MAX_ANSWER_CHARS
from app.cards.queries import get_card_or_404
from app.content.schema import Kebab
from app.db import SessionDep, in_request, write, write_in_request
from app.deps import ContextDep, NowDep, UserIdDep
from app.problems import service as problems
from app.problems.parse import MAX_PROBLEM_ANSWER_CHARS
from app.study import calibration, optimize, preferences, reviews, stats, view, workload
from app.study.deps import AheadQuery, FiltersDep, mode_asked
from app.study.preferences import UserContext
from app.study.scope import StudyMode, StudyScope

router = APIRouter(prefix="/api", tags=["study"])


class ReviewIn(BaseModel):
    """One answer to the card shown with ``review_token``."""

    card_id: Kebab
    rating: int = Field(ge=1, le=4, description="1 Again, 2 Hard, 3 Good, 4 Easy")
    review_token: str = Field(min_length=1, max_length=reviews.MAX_TOKEN_LENGTH)
    duration_ms: int | None = Field(None, ge=0, le=reviews.MAX_DURATION_MS)
    cram: bool = Field(False, description="log as a cram answer; the schedule is unchanged")
    answer: str | None = Field(
        None,
        max_length=MAX_PROBLEM_ANSWER_CHARS,
        description="a practice problem's typed answer: logged with the draw it answers",
    )


@router.get("/study/next")
async def next_card(
    session: SessionDep,
    ctx: ContextDep,
    filters: FiltersDep,
    now: NowDep,
    mode: Annotated[str | None, Query(pattern="^(cram|study)?$")] = None,
    ahead: AheadQuery = False,
) -> dict[str, Any]:
    """The next card with its four previewed intervals and a review_token, or what is next."""
    scope = StudyScope.of(filters, mode_asked(mode, ahead))
    return await in_request(session, lambda: view.build(session, ctx, scope, now).as_json())


def refit_later(
    request: Request, background: BackgroundTasks, ctx: UserContext, now: datetime
) -> None:
    """After the response: re-fit the parameters when enough new answers came in."""
    trigger: optimize.RefitTrigger = request.app.state.refit
    if trigger.answered(ctx.user_id):
        sessions = request.app.state.sessionmaker
        background.add_task(trigger.check, sessions, ctx.user_id, ctx.zone_name, now)


@router.post("/reviews")
async def post_review(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    answer: ReviewIn,
) -> dict[str, Any]:
    """Grade a card; repeating a review_token returns the first answer's result (one log row)."""

    def grade() -> reviews.ReviewResult:
        return reviews.grade(
            session,
            ctx,
            answer.card_id,
            answer.rating,
            now,
            review_token=answer.review_token,
            duration_ms=answer.duration_ms,
            mode=StudyMode.CRAM if answer.cram else StudyMode.NORMAL,
            answer_text=answer.answer,
            problem=problems.review_entry(
                session, ctx.user_id, answer.card_id, answer.answer or ""
            ),
        )

    result = await write_in_request(session, grade)
    refit_later(request, background, ctx, now)
    return result.as_json()


@router.post("/reviews/undo")
def undo_review(session: SessionDep, ctx: ContextDep, now: NowDep) -> dict[str, Any]:
    """Undo the latest answer: its log row is deleted and the card's state restored."""
    undone = reviews.undo_last(session, ctx, now)
    return {
        "undone": undone.review_id,
        "card_id": undone.card_id,
        "rating": undone.rating,
        "kind": undone.kind,
    }


class CheckIn(BaseModel):
    card_id: Kebab
    answer: str = Field(max_length=MAX_ANSWER_CHARS)


class TypedReviewIn(CheckIn):
    rating: int = Field(ge=1, le=4, description="the grade the user confirmed")
    review_token: str = Field(min_length=1, max_length=reviews.MAX_TOKEN_LENGTH)
    duration_ms: int | None = Field(None, ge=0, le=reviews.MAX_DURATION_MS)


@router.post("/typed/check")
def check(session: SessionDep, user_id: UserIdDep, body: CheckIn) -> dict[str, Any]:
    """Mark each key point covered, partly, contradicted or missing; suggest a grade (at most
    Hard when a point is contradicted, Again when the answer is too short to judge)."""
    return checklist_json(checklist(get_card_or_404(session, body.card_id, user_id), body.answer))


@router.post("/typed/reviews")
def typed_review(
    session: SessionDep, ctx: ContextDep, now: NowDep, body: TypedReviewIn
) -> dict[str, Any]:
    """Record the confirmed grade as an FSRS review that keeps the typed answer."""
    result = reviews.grade(
        session,
        ctx,
        body.card_id,
        body.rating,
        now,
        review_token=body.review_token,
        answer_text=body.answer,
        duration_ms=body.duration_ms,
    )
    return result.as_json()


@router.get("/stats")
def get_stats(
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    days: Annotated[int, Query(description="30, 90 or 365")] = 30,
) -> dict[str, Any]:
    """Everything /stats charts, as numbers (with predicted vs actual recall in bins)."""
    if days not in stats.RANGES:
        raise HTTPException(422, f"days {stats.RANGE_PROBLEM}")
    return {
        **stats.study_stats(session, ctx, now, days),
        "calibration": calibration.calibration(session, ctx),
    }


def _settings_json(
    ctx_settings: preferences.StudySettings, zone: str, parameters: list[float]
) -> dict[str, Any]:
    return {**ctx_settings.model_dump(), "timezone_in_use": zone, "fsrs_parameters": parameters}


@router.get("/settings")
def get_settings(ctx: ContextDep) -> dict[str, Any]:
    """The study settings in use, with the FSRS parameters."""
    return _settings_json(ctx.settings, ctx.zone_name, list(ctx.config.parameters))


@router.put("/settings", response_model=None)
def put_settings(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    body: Annotated[dict[str, Any], Body(examples=[{"desired_retention": 0.9}])],
) -> dict[str, Any] | JSONResponse:
    """Change some settings; any invalid field refuses the whole change (422, nothing saved)."""
    merged = {**ctx.settings.model_dump(), **body}
    settings, errors = preferences.validate(merged)
    if settings is None:
        return JSONResponse({"detail": errors}, status_code=422)
    with write(session, ctx.user_id):
        preferences.save(session, ctx.user_id, settings)
    saved = preferences.user_context(session, ctx.user_id, request.app.state.settings.timezone)
    return _settings_json(settings, saved.zone_name, list(ctx.config.parameters))


class WorkloadPointOut(BaseModel):
    desired_retention: float
    reviews_per_day: float = Field(description="Answers to cards due for review, mean per day")
    new_per_day: float
    memorized: float = Field(description="Sum of fsrs's retrievability over all cards at `end`")
    reviews_by_day: list[float] = Field(description="Reviews on each study day from `start`")


class WorkloadOut(BaseModel):
    """The projection from the user's own collection (see app/study/workload.py)."""

    days: int
    start: datetime
    end: datetime
    reviewed_cards: int
    simulated_cards: int = Field(description="Reviewed cards simulated; fewer: a sample")
    sampled: bool = Field(description="A sample was simulated, the counts scaled back")
    unstudied_cards: int
    new_limit: int
    review_limit: int
    easy_days: list[int] = Field(description="Percent of the limits, Monday first")
    desired_retention: float
    method: str
    points: list[WorkloadPointOut]


@router.get("/settings/workload")
def get_workload(
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    days: Annotated[
        int, Query(ge=1, le=workload.MAX_DAYS, description="Days simulated from now")
    ] = workload.DEFAULT_DAYS,
    retention: Annotated[
        list[preferences.DesiredRetention] | None,
        Query(
            max_length=len(workload.RETENTIONS),
            description="Desired retentions to simulate (repeat the parameter); "
            "default 0.70 to 0.97",
        ),
    ] = None,
) -> WorkloadOut:
    """Reviews per day and cards memorized over N days at desired retention 0.70-0.97,
    simulated with `fsrs` from the user's cards, limits and easy days."""
    retentions = tuple(sorted(set(retention))) if retention else workload.RETENTIONS
    result = workload.user_workload(session, ctx, now, days, retentions)
    return WorkloadOut(
        days=result.days,
        start=result.start,
        end=result.end,
        reviewed_cards=result.reviewed_cards,
        simulated_cards=result.simulated_cards,
        sampled=result.sampled,
        unstudied_cards=result.unstudied_cards,
        new_limit=result.new_limit,
        review_limit=result.review_limit,
        easy_days=list(result.easy_percents),
        desired_retention=ctx.settings.desired_retention,
        method=workload.METHOD,
        points=[WorkloadPointOut(**asdict(p)) for p in result.points],
    )
