"""Study pages: /study (grade, undo, suspend, bury, cram), /stats and /settings.

Every form works without JavaScript (POST, then a 303 redirect back to the queue); with htmx
the same POST answers with the study fragment, so the next card swaps in without a reload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import String, cast, select

from app.cards.bank_cache import cached
from app.cards.visibility import visible_to
from app.content.schema import LEVELS
from app.db import SessionDep, write
from app.demos.links import demo_links
from app.deps import ContextDep, NowDep
from app.models import Card, Topic
from app.openapi import form_body, text_field
from app.problems import service as problems
from app.problems.parse import MAX_PROBLEM_ANSWER_CHARS
from app.study import (
    calibration,
    optimize,
    preferences,
    rebuild,
    reviews,
    stats,
    stats_charts,
    view,
    workload,
)
from app.study.api import refit_later
from app.study.api import router as api_router
from app.study.days import local_time, zone_names
from app.study.deps import AheadQuery, FiltersDep, ScopeDep, mode_asked
from app.study.preferences import UserContext
from app.study.scheduler import RATING_LABELS, Rating
from app.study.scope import StudyScope
from app.web import is_htmx, render

router = APIRouter()
router.include_router(api_router)

STUDY_TEMPLATE = "study/study.html"
STATS_RANGES = stats.RANGES


def _study_page(
    request: Request,
    session: SessionDep,
    ctx: UserContext,
    scope: StudyScope,
    now: datetime,
    *,
    message: str | None = None,
    error: str | None = None,
    recorded: Recorded | None = None,
    problem_check: problems.ProblemCheck | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    study = view.build(session, ctx, scope, now)
    back = _back_to_study(scope)
    context: dict[str, Any] = {
        "study": study,
        "demo_links": demo_links(study.card) if study.card else [],
        "from_here": urlencode({"from": back}),
        "next_due_label": local_time(study.next_due, ctx.zone_name, now),
        "query": urlencode(study.query()),
        "message": message,
        "error": error,
        "problem_check": problem_check,
        "shown_at": now.isoformat(),
        "recorded": recorded,
        "picker": study_picker(session, ctx.user_id) if not is_htmx(request) else None,
        "extra_new_choices": view.EXTRA_NEW_CHOICES,
    }
    response = render(request, STUDY_TEMPLATE, context, block="study", status_code=status_code)
    # Back from a demo must show the queue as it is now, never a stale copy of the page.
    response.headers["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class Recorded:
    """The grade just recorded, for the "Recorded: Good · undo" notice."""

    card_id: str
    rating: int

    @property
    def name(self) -> str:
        return RATING_LABELS[Rating(self.rating)]


@dataclass(frozen=True)
class Picker:
    """What the study screen's topic / level / tag picker offers."""

    topics: tuple[tuple[str, str], ...]  # (id, title) in bank order
    levels: tuple[str, ...]
    tags: tuple[str, ...]


def study_picker(session: SessionDep, user_id: int) -> Picker:
    """The picker's topics and the tags of the cards the user sees (never another user's own
    cards), kept with the bank (``app.cards.bank_cache``): reading every card's tags was 10 ms
    of a study screen at 10,000 cards."""

    def read() -> Picker:
        topics = session.execute(
            select(Topic.id, Topic.title).order_by(Topic.position, Topic.id)
        ).all()
        tag_lists = session.scalars(
            select(cast(Card.tags, String)).where(visible_to(user_id)).distinct()
        )
        tags = sorted({t for text in tag_lists for t in json.loads(text or "[]")})
        return Picker(tuple((t.id, t.title) for t in topics), tuple(LEVELS), tuple(tags))

    return cached(session, ("study picker", user_id), read)


def _back_to_study(scope: StudyScope, **extra: str) -> str:
    params = scope.query(**extra)
    return "/study" + (f"?{urlencode(params)}" if params else "")


@router.get("/study", response_class=HTMLResponse)
def study_page(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    filters: FiltersDep,
    now: NowDep,
    mode: Annotated[str | None, Query(pattern="^(cram|study|typed)?$")] = None,
    ahead: AheadQuery = False,
    undone: Annotated[str | None, Query(max_length=100)] = None,
    recorded: Annotated[int | None, Query(ge=1, le=4)] = None,
    card: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The next card (learning, then reviews, then new), or what comes next when done."""
    if mode == "typed":  # typed answers have their own pages, with the same filters
        query = urlencode(filters.query())
        return RedirectResponse("/study/typed" + (f"?{query}" if query else ""), status_code=303)
    message = f"Undid your answer to {undone}." if undone else None
    last = Recorded(card, recorded) if recorded and card else None
    scope = StudyScope.of(filters, mode_asked(mode, ahead))
    return _study_page(request, session, ctx, scope, now, message=message, recorded=last)


CardIdForm = Annotated[str, Form(max_length=100)]
NextForm = Annotated[str, Form(max_length=200)]


def _refused(
    request: Request,
    session: SessionDep,
    ctx: UserContext,
    now: datetime,
    scope: StudyScope,
    error: reviews.StudyError,
) -> HTMLResponse:
    """The study screen again, with the reason the action was refused."""
    return _study_page(
        request, session, ctx, scope, now, error=error.message, status_code=error.status_code
    )


@router.post("/study/review", response_class=HTMLResponse)
def review_form(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    scope: ScopeDep,
    card_id: CardIdForm,
    rating: Annotated[str, Form(max_length=10)],
    review_token: Annotated[str, Form(max_length=100)] = "",
    duration_ms: Annotated[str, Form(max_length=20)] = "",
    answer: Annotated[str, Form(max_length=MAX_PROBLEM_ANSWER_CHARS)] = "",
) -> Response:
    """Grade the shown card (plain form: 303 back to /study; htmx: the next card).

    A practice problem's grade carries the typed answer; its draw is logged with it.
    """
    try:
        value = int(rating) if rating.strip().lstrip("-").isdigit() else -1
        duration = int(duration_ms) if duration_ms.strip().isdigit() else None
        reviews.grade(
            session,
            ctx,
            card_id,
            value,
            now,
            review_token=review_token,
            duration_ms=duration,
            mode=scope.mode,
            answer_text=answer or None,
            problem=problems.review_entry(session, ctx.user_id, card_id, answer),
        )
    except reviews.StudyError as error:
        return _refused(request, session, ctx, now, scope, error)
    refit_later(request, background, ctx, now)
    if is_htmx(request):
        last = Recorded(card_id, value)
        return _study_page(request, session, ctx, scope, now, recorded=last)
    back = _back_to_study(scope, recorded=str(value), card=card_id)
    return RedirectResponse(back, status_code=303)


@router.post("/study/more-new", response_class=HTMLResponse)
def more_new_form(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    scope: ScopeDep,
    count: Annotated[str, Form(max_length=10)] = "10",
    applies_to: Annotated[str, Form(max_length=10)] = "topic",
    next: Annotated[str, Form(pattern="^(study|typed)?$")] = "",
) -> Response:
    """Learn ``count`` more new cards today, in this topic or in all (Anki's custom study)."""
    topic = scope.filters.topic if applies_to == "topic" else None
    try:
        number = int(count) if count.strip().isdigit() else 0
        extra = reviews.learn_more_new(session, ctx, topic, number, now)
    except reviews.StudyError as error:
        return _refused(request, session, ctx, now, scope, error)
    message = f"Today's new-card limit{f' for {topic}' if topic else ''} is raised by {extra}."
    if next == "typed":
        query = urlencode(scope.filters.query())
        return RedirectResponse("/study/typed" + (f"?{query}" if query else ""), 303)
    normal = StudyScope.of(scope.filters)  # the new cards are studied, not crammed
    if is_htmx(request):
        return _study_page(request, session, ctx, normal, now, message=message)
    return RedirectResponse(_back_to_study(normal), status_code=303)


@router.post("/study/problem", response_class=HTMLResponse)
def problem_form(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    scope: ScopeDep,
    card_id: CardIdForm,
    answer: Annotated[str, Form(max_length=MAX_PROBLEM_ANSWER_CHARS)] = "",
    shown_at: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    """Check the typed answer to the shown problem: verdict, worked solution, demo link and a
    suggested grade to confirm; nothing is logged until a grade is chosen."""
    checked = problems.check_for_review(session, ctx.user_id, card_id, answer, shown_at, now)
    return _study_page(
        request,
        session,
        ctx,
        scope,
        now,
        problem_check=checked,
        status_code=422 if checked.error else 200,
    )


@router.post("/study/undo", response_class=HTMLResponse)
def undo_form(
    request: Request, session: SessionDep, ctx: ContextDep, now: NowDep, scope: ScopeDep
) -> Response:
    """Undo the last answer: its card comes back with exactly its previous state."""
    try:
        undone = reviews.undo_last(session, ctx, now)
    except reviews.StudyError as error:
        return _refused(request, session, ctx, now, scope, error)
    if is_htmx(request):
        message = f"Undid your answer to {undone.card_id}."
        return _study_page(request, session, ctx, scope, now, message=message)
    back = _back_to_study(scope, undone=undone.card_id)
    return RedirectResponse(back, status_code=303)


def _flag_form(
    request: Request,
    session: SessionDep,
    ctx: UserContext,
    now: datetime,
    scope: StudyScope,
    card_id: str,
    action: str,
    next_url: str,
) -> Response:
    try:
        if action == "bury":
            reviews.bury(session, ctx, card_id, now)
        else:
            reviews.set_suspended(session, ctx, card_id, action == "suspend", now)
    except reviews.StudyError as error:
        return _refused(request, session, ctx, now, scope, error)
    if next_url.startswith("/") and not next_url.startswith(("//", "/\\")):
        return RedirectResponse(next_url, status_code=303)
    if is_htmx(request):
        done = {"bury": "Buried", "suspend": "Suspended", "unsuspend": "Unsuspended"}[action]
        return _study_page(request, session, ctx, scope, now, message=f"{done} {card_id}.")
    return RedirectResponse(_back_to_study(scope), status_code=303)


@router.post("/study/suspend", response_class=HTMLResponse)
def suspend_form(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    scope: ScopeDep,
    card_id: CardIdForm,
    next: NextForm = "",
) -> Response:
    """Suspend a card: it is never shown until unsuspended."""
    return _flag_form(request, session, ctx, now, scope, card_id, "suspend", next)


@router.post("/study/unsuspend", response_class=HTMLResponse)
def unsuspend_form(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    card_id: CardIdForm,
    next: NextForm = "/settings#suspended",
) -> Response:
    """Bring a suspended card back into the queue."""
    scope = StudyScope()
    return _flag_form(request, session, ctx, now, scope, card_id, "unsuspend", next)


@router.post("/study/bury", response_class=HTMLResponse)
def bury_form(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    scope: ScopeDep,
    card_id: CardIdForm,
    next: NextForm = "",
) -> Response:
    """Bury a card until the next study day starts."""
    return _flag_form(request, session, ctx, now, scope, card_id, "bury", next)


@router.get("/stats", response_class=HTMLResponse)
def stats_page(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    days: Annotated[int, Query(description="30, 90 or 365")] = 30,
) -> HTMLResponse:
    """Charts of reviews, forecast, states, retention, intervals, and per-topic mastery.

    Another range is refused (the error page names it), as by ``GET /api/stats``, rather
    than silently shown as 30 days.
    """
    if days not in STATS_RANGES:
        context = {"status": 422, "detail": f"days: {stats.RANGE_PROBLEM}"}
        return render(request, "error.html", context, status_code=422)
    data = stats.study_stats(session, ctx, now, days)
    data["calibration"] = calibration.calibration(session, ctx)
    shown = [*stats_charts.stats_charts(data), calibration.calibration_chart(data["calibration"])]
    context = {"data": data, "charts": shown, "ranges": STATS_RANGES}
    return render(request, "stats/stats.html", context, block="stats")


def _settings_page(
    request: Request,
    session: SessionDep,
    ctx: UserContext,
    now: datetime,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    optimization: optimize.Optimization | None = None,
    workload_days: int = workload.DEFAULT_DAYS,
    status_code: int = 200,
) -> HTMLResponse:
    settings = ctx.settings
    simulated = workload.user_workload(session, ctx, now, workload_days)
    values = form or {
        **settings.model_dump(),
        "timezone": settings.timezone or "",
        "learning_steps_minutes": preferences.format_steps(settings.learning_steps_minutes),
        "relearning_steps_minutes": preferences.format_steps(settings.relearning_steps_minutes),
    }
    context = {
        "values": values,
        "errors": errors or {},
        "message": message,
        "zone_in_use": ctx.zone_name,
        "zones": zone_names(),
        "parameters": list(ctx.config.parameters),
        "custom_parameters": preferences.fsrs_parameters(session, ctx.user_id) is not None,
        "optimization": optimization,
        "suspended": reviews.suspended_cards(session, ctx),
        "new_card_orders": preferences.NEW_CARD_ORDERS,
        "retention_cost": retention_cost(ctx),
        "workload": simulated,
        "workload_charts": workload.workload_charts(simulated, settings.desired_retention),
        "workload_ranges": workload.DAYS,
        "workload_method": workload.METHOD,
        "fits": optimize.recent_fits(session, ctx.user_id),
        "auto_optimize_every": request.app.state.settings.auto_optimize_every,
    }
    return render(request, "settings/settings.html", context, status_code=status_code)


def retention_cost(ctx: UserContext) -> str:
    """One sentence with the numbers: what 0.95 and 0.80 cost in reviews, next to 0.90."""
    parameters = ctx.config.parameters
    high, low = (preferences.review_load(parameters, r) for r in (0.95, 0.80))
    return (
        f"with your FSRS parameters, 0.95 means about {high:.1f}× the reviews a day of 0.90, "
        f"and 0.80 about {low:.1f}× (a card comes back sooner to be recalled more surely)."
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    saved: bool = False,
    optimized: bool = False,
    workload_days: Annotated[int, Query(ge=1, le=workload.MAX_DAYS)] = workload.DEFAULT_DAYS,
) -> HTMLResponse:
    """Desired retention (with its simulated workload), limits, day start, zone, steps; optimize."""
    message = ("Settings saved." if saved else None) or (
        "New FSRS parameters applied; memory states recomputed with them." if optimized else None
    )
    return _settings_page(request, session, ctx, now, message=message, workload_days=workload_days)


SETTINGS_FIELDS = tuple(preferences.StudySettings.model_fields)


SETTINGS_FORM = form_body(
    {
        name: text_field(field.description or name.replace("_", " "))
        for name, field in preferences.StudySettings.model_fields.items()
    }
)


@router.post("/settings", response_class=HTMLResponse, openapi_extra=SETTINGS_FORM)
async def settings_form(
    request: Request, session: SessionDep, ctx: ContextDep, now: NowDep
) -> Response:
    """Save settings; out-of-range values show the form again with errors, nothing saved."""
    form = await request.form()
    values = {name: str(form.get(name, ""))[:200] for name in SETTINGS_FIELDS}
    # A form from before the order setting existed keeps the order in use.
    values["new_card_order"] = values["new_card_order"] or ctx.settings.new_card_order
    settings, errors = preferences.validate(dict(values))
    if settings is None:
        return _settings_page(
            request, session, ctx, now, form=values, errors=errors, status_code=422
        )
    with write(session, ctx.user_id):
        preferences.save(session, ctx.user_id, settings)
    return RedirectResponse("/settings?saved=1", status_code=303)


@router.post("/settings/optimize", response_class=HTMLResponse)
def optimize_form(
    request: Request, session: SessionDep, ctx: ContextDep, now: NowDep
) -> HTMLResponse:
    """Fit FSRS parameters to your answers and show old vs new log loss before applying."""
    result = optimize.optimize_user(session, ctx)
    return _settings_page(request, session, ctx, now, optimization=result)


@router.post("/settings/optimize/apply", response_class=HTMLResponse)
def apply_parameters_form(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    now: NowDep,
    parameters: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Apply confirmed parameters and recompute every memory state with them (dues kept)."""
    try:
        values = optimize.parse_parameters(parameters)
    except ValueError as error:
        return _settings_page(
            request, session, ctx, now, errors={"parameters": str(error)}, status_code=422
        )
    with write(session, ctx.user_id):
        preferences.save_parameters(session, ctx.user_id, values)
    fresh = preferences.user_context(
        session, ctx.user_id, ctx.zone_name, enable_fuzzing=ctx.config.enable_fuzzing
    )
    rebuild.rebuild_user(session, fresh, now=now)
    return RedirectResponse("/settings?optimized=1", status_code=303)
