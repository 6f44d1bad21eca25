"""The plan: new cards within the budget before the margin, or how large the budget must be;
a final pass on the last day; study days across DST and the 04:00 boundary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from app.plans.logic import PlanRequest, ScopeCard, forecast, make_plan, needed_budget
from app.study.scheduler import NEW_CARD, review
from tests.clock import T0, Clock
from tests.study.conftest import make_ctx

AT = T0 + timedelta(days=7, hours=-1)  # 9 March 09:00 UTC: study day index 7


def new_cards(n: int, topic: str = "a") -> list[ScopeCard]:
    return [ScopeCard(f"{topic}-{i}", topic, NEW_CARD) for i in range(n)]


def plan_for(cards: list[ScopeCard], at: datetime = AT, now: datetime = T0, **choices: object):
    ctx = make_ctx()
    request = PlanRequest(**choices)
    return make_plan(ctx.config, ctx.calendar, cards, {}, now, at, request)


def test_every_card_is_introduced_before_the_margin_within_the_budget() -> None:
    plan = plan_for(new_cards(10), budget=3, margin=2)
    assert plan.fits and plan.planned == plan.to_learn == 10
    assert plan.learn_by == date(2026, 3, 7)  # the interview's study day (9 March) minus 2
    introduced = [c for d in plan.days for c in d.new_cards]
    assert sorted(introduced) == sorted(c.card_id for c in new_cards(10))
    assert all(len(d.new_cards) <= 3 for d in plan.days)
    assert all(d.day <= plan.learn_by for d in plan.days if d.new_cards)
    assert [len(d.new_cards) for d in plan.days] == [3, 3, 3, 1, 0, 0, 0]
    assert [d.day for d in plan.days] == [date(2026, 3, 2) + timedelta(days=i) for i in range(7)]
    assert plan.baseline == 0.0 and plan.expected >= 0.9


def test_a_budget_too_small_says_how_large_it_must_be() -> None:
    at = T0 + timedelta(days=5)  # study day index 5; margin 3 leaves days 0, 1, 2
    plan = plan_for(new_cards(10), at=at, budget=1, margin=3)
    assert not plan.fits and plan.planned == 3 and plan.to_learn == 10
    assert plan.needed_budget == 4  # ceil(10 / 3)
    assert plan_for(new_cards(10), at=at, budget=4, margin=3).fits
    assert not plan_for(new_cards(10), at=at, budget=3, margin=3).fits
    # Two new cards already introduced today leave 2 of a budget of 4 today: 2 + 4 + 4 = 10.
    assert needed_budget(10, 3, done_today=2) == 4
    assert needed_budget(11, 3, done_today=2) == 5


def test_no_day_left_before_the_margin() -> None:
    plan = plan_for(new_cards(2), at=T0 + timedelta(days=2), budget=5, margin=3)
    assert plan.learn_by is None and plan.planned == 0 and not plan.fits
    assert plan.needed_budget is None  # no budget helps: the margin must shrink


def test_final_pass_reviews_the_cards_below_target_on_the_last_day() -> None:
    ctx = make_ctx()
    learned = []
    for i, days_ago in enumerate((40, 20, 3)):
        at = T0 - timedelta(days=days_ago)
        state = review(ctx.config, NEW_CARD, 3, at, "k").after
        state = review(ctx.config, state, 3, state.due, "k").after  # into review
        learned.append(ScopeCard(f"l-{i}", "a", state))
    plan = plan_for(learned, budget=5, margin=1, target=0.95)
    before = forecast(ctx.config, learned, {}, AT)
    assert plan.baseline == pytest.approx(before.overall)
    last = plan.days[-1]
    assert last.day == date(2026, 3, 8)  # the study day before the interview's
    assert last.final_pass  # some recall on the day was below 0.95
    assert plan.expected > plan.baseline
    assert plan.expected == last.recall_on_the_day
    # Without any new card the recall on the day only rises, step by step.
    recalls = [d.recall_on_the_day for d in plan.days]
    assert recalls == sorted(recalls)


def test_study_days_follow_the_04_00_boundary_across_dst() -> None:
    # Paris switches to summer time on 29 March 2026. 03:30 local on 28 March is still the
    # study day of 27 March (days start at 04:00).
    now = datetime(2026, 3, 28, 2, 30, tzinfo=UTC)
    at = datetime(2026, 4, 2, 7, 0, tzinfo=UTC)  # 09:00 CEST
    ctx = make_ctx("Europe/Paris")
    plan = make_plan(
        ctx.config, ctx.calendar, new_cards(6), {}, now, at, PlanRequest(budget=1, margin=0)
    )
    assert [d.day for d in plan.days] == [date(2026, 3, 27) + timedelta(days=i) for i in range(6)]
    local = [d.moment.astimezone(ZoneInfo("Europe/Paris")) for d in plan.days]
    assert {(m.hour, m.minute) for m in local} == {(3, 30)}  # the same local time every day
    assert plan.fits and [len(d.new_cards) for d in plan.days] == [1] * 6


def test_plan_page_and_json(
    plan_client: TestClient, clock: Clock, cards: Callable[..., list[str]]
) -> None:
    cards(14, "alpha")
    body = {"name": "Acme", "at": "2026-03-09", "topics": [{"topic": "alpha", "weight": 1}]}
    date_id = plan_client.post("/api/interview-dates", json=body).json()["id"]
    plan = plan_client.get(f"/api/interview-dates/{date_id}/plan?budget=2&margin=2").json()
    assert plan["fits"] is False and plan["planned"] == 12 and plan["needed_budget"] == 3
    page = plan_client.get(f"/interview-dates/{date_id}/plan?budget=2&margin=2").text
    assert "The budget is too small" in page and "3 new cards a day" in page
    assert "<svg" in page and "How this is projected" in page
    fits = plan_client.get(f"/api/interview-dates/{date_id}/plan?budget=3&margin=2").json()
    assert fits["fits"] is True and sum(len(d["new_cards"]) for d in fits["days"]) == 14
    assert plan_client.get(f"/api/interview-dates/{date_id}/plan?budget=0").status_code == 422
    assert plan_client.get(f"/api/interview-dates/{date_id}/plan?target=nan").status_code == 422
    assert plan_client.get(f"/interview-dates/{date_id}/plan?margin=999").status_code == 422
