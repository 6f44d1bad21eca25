"""Easy days: a weekday's share of the daily limits, in the study queue, the plan and the API.

T0 is Monday 2 March 2026 (UTC, day start 04:00): Saturday is 7 March, Sunday 8 March.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.plans.easy_days import EasyDaysIn
from app.plans.logic import PlanRequest, make_plan, needed_budget
from app.study import preferences
from app.study.preferences import StudySettings
from tests.clock import T0, Clock
from tests.plans.test_dates import _fields
from tests.plans.test_interview_study import reviewed
from tests.plans.test_plan import AT, new_cards
from tests.study.conftest import make_ctx

WEEKEND = {"saturday": 50, "sunday": 0}


def _studied_today(client: TestClient) -> list[str]:
    """Answer Good to every card the queue serves now; the cards served."""
    served = []
    while (shown := client.get("/api/study/next").json()).get("card"):
        served.append(shown["card"]["id"])
        answer = {"card_id": served[-1], "rating": 4, "review_token": uuid.uuid4().hex}
        assert client.post("/api/reviews", json=answer).status_code == 200
        assert len(served) < 50
    return served


def test_the_api_stores_percents_and_names_a_bad_weekday(plan_client: TestClient) -> None:
    assert plan_client.get("/api/settings/easy-days").json()["sunday"] == 100
    saved = plan_client.put("/api/settings/easy-days", json=WEEKEND)
    assert saved.status_code == 200
    assert saved.json() == {**EasyDaysIn().model_dump(), **WEEKEND}
    assert plan_client.get("/api/settings/easy-days").json()["saturday"] == 50
    assert _fields(plan_client.put("/api/settings/easy-days", json={"friday": 101})) == [
        ["body", "friday"]
    ]
    assert _fields(plan_client.put("/api/settings/easy-days", json={"caturday": 1})) == [
        ["body", "caturday"]
    ]
    assert plan_client.get("/api/settings/easy-days").json()["friday"] == 100  # nothing changed


def test_the_queue_serves_the_days_share_of_new_cards_and_reviews(
    plan_client: TestClient, clock: Clock, session: Session, cards: Callable[..., list[str]]
) -> None:
    cards(30, "alpha")
    old = cards(6, "beta")
    for card_id in old:  # all due on Sunday 8 March (last reviewed 2 March, stability 6 days)
        reviewed(session, card_id, 7.0)
    session.commit()
    assert plan_client.put("/api/settings/easy-days", json=WEEKEND).status_code == 200
    preferences.save(session, 1, StudySettings(new_per_day=4))
    session.commit()

    clock.now = T0.replace(day=7, hour=10)  # Saturday at 50%: 2 new cards
    saturday = _studied_today(plan_client)
    assert len(saturday) == 2 and not set(saturday) & set(old)
    clock.now = T0.replace(day=8, hour=10)  # Sunday at 0%: the 6 due reviews and new cards wait
    shown = plan_client.get("/api/study/next").json()
    assert shown.get("card") is None
    new, reviews = shown["reasons"]
    assert new.startswith("Today's 0 new cards are used;")
    assert (
        reviews == "Today's 0 reviews are done; 6 more are due (raise the limit in the settings)."
    )
    clock.now = T0.replace(day=9, hour=10)  # Monday: the reviews, then 4 new cards
    served = _studied_today(plan_client)
    assert sorted(served[:6]) == old and len(served) == 10
    assert not set(served[6:]) & set(saturday)  # four more new cards


def test_the_plan_introduces_the_days_share_of_its_budget() -> None:
    ctx = make_ctx()
    easy = EasyDaysIn(**WEEKEND)
    request = PlanRequest(budget=4, margin=0)
    plan = make_plan(
        ctx.config, ctx.calendar, new_cards(26), {}, T0, AT, request, easy=easy
    )  # Monday 2 to Sunday 8 March, interview Monday 9 March 09:00
    # Seven study days (2 to 8 March at 10:00; the interview is before 10:00 on the 9th).
    assert [len(d.new_cards) for d in plan.days] == [4, 4, 4, 4, 4, 2, 0]
    assert not plan.fits and plan.planned == 22
    # Budget 5: 5 × 5 + ceil(5 × 0.5) = 28 ≥ 26 cards; budget 4 gives 22.
    assert plan.needed_budget == 5
    assert make_plan(
        ctx.config,
        ctx.calendar,
        new_cards(26),
        {},
        T0,
        AT,
        request.model_copy(update={"budget": 5}),
        easy=easy,
    ).fits
    # Without easy days the same budget of 4 learns 4 × 7 = 28 ≥ 26.
    assert make_plan(ctx.config, ctx.calendar, new_cards(26), {}, T0, AT, request).fits


def test_the_plan_caps_reviews_on_an_easy_day() -> None:
    ctx = make_ctx()
    easy = EasyDaysIn(sunday=0, saturday=0)
    request = PlanRequest(budget=10, margin=0)
    plan = make_plan(
        ctx.config, ctx.calendar, new_cards(10), {}, T0, AT, request, easy=easy, review_limit=100
    )
    by_day = {d.day: d for d in plan.days}
    assert by_day[date(2026, 3, 7)].reviews == 0 and by_day[date(2026, 3, 8)].reviews == 0
    assert sum(d.reviews for d in plan.days) > 0


@pytest.mark.parametrize(
    ("cards", "shares", "done", "budget"),
    [
        (10, [1.0, 1.0, 1.0], 2, 4),
        (22, [1, 1, 1, 1, 1, 0.5, 0], 0, 4),
        (23, [1, 1, 1, 1, 1, 0.5, 0], 0, 5),
    ],
)
def test_needed_budget_counts_each_days_share(
    cards: int, shares: list[float], done: int, budget: int
) -> None:
    assert needed_budget(cards, len(shares), done, shares) == budget


def test_needed_budget_is_none_when_every_day_is_off() -> None:
    assert needed_budget(5, 2, 0, [0.0, 0.0]) is None


def test_the_page_saves_and_names_a_bad_weekday(plan_client: TestClient) -> None:
    form = {"monday": "100", "saturday": "50", "sunday": "0"}
    saved = plan_client.post("/settings/easy-days", data=form)
    assert saved.status_code == 303
    page = plan_client.get(saved.headers["location"]).text
    assert "Easy days saved." in page and 'id="f-saturday" name="saturday"' in page
    assert 'value="50"' in page and 'value="0"' in page
    refused = plan_client.post("/settings/easy-days", data={**form, "sunday": "half"})
    assert refused.status_code == 422
    assert 'aria-invalid="true" aria-describedby="e-sunday"' in refused.text
    assert "a whole number" in refused.text
    assert plan_client.get("/api/settings/easy-days").json()["sunday"] == 0
