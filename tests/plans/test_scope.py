"""An interview date's scope by levels and tags: the forecast, the plan and interview-date study
cover exactly the cards in scope; an unknown tag or level is a 422 naming the field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.plans.test_dates import _fields
from tests.plans.test_interview_study import reviewed


@pytest.fixture
def bank(session: Session, cards: Callable[..., list[str]]) -> dict[str, list[str]]:
    """Eight cards in two topics; tags and levels cut across them."""
    made = {
        "attention": cards(2, "alpha", level="advanced", tags=["attention", "transformers"]),
        "rnn": cards(2, "alpha", start=2, level="beginner", tags=["rnn"]),
        "plain": cards(2, "beta", level="advanced"),
        "beta-attention": cards(2, "beta", start=2, level="beginner", tags=["attention"]),
    }
    session.commit()
    return made


def _create(client: TestClient, **scope: object) -> int:
    body = {"name": "Acme", "at": "2026-03-12", "topics": [], **scope}
    response = client.post("/api/interview-dates", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _forecast_cards(client: TestClient, date_id: int) -> set[str]:
    return {
        c["card_id"] for c in client.get(f"/api/interview-dates/{date_id}/forecast").json()["cards"]
    }


def test_tags_and_levels_narrow_forecast_and_plan(
    plan_client: TestClient, bank: dict[str, list[str]]
) -> None:
    tagged = _create(plan_client, tags=["attention"])
    assert _forecast_cards(plan_client, tagged) == {*bank["attention"], *bank["beta-attention"]}
    both = _create(plan_client, tags=["attention", "rnn"], levels=["beginner"])
    assert _forecast_cards(plan_client, both) == {*bank["rnn"], *bank["beta-attention"]}
    within_topic = _create(
        plan_client, topics=[{"topic": "beta", "weight": 1}], levels=["advanced"]
    )
    assert _forecast_cards(plan_client, within_topic) == set(bank["plain"])
    plan = plan_client.get(f"/api/interview-dates/{both}/plan", params={"budget": 3}).json()
    introduced = [card for day in plan["days"] for card in day["new_cards"]]
    assert sorted(introduced) == sorted([*bank["rnn"], *bank["beta-attention"]])
    assert plan["to_learn"] == 4 and plan["days"][0]["new_cards"] == introduced[:3]
    shown = plan_client.get(f"/api/interview-dates/{both}").json()
    assert (shown["levels"], shown["tags"]) == (["beginner"], ["attention", "rnn"])


def test_interview_study_serves_only_cards_in_scope(
    plan_client: TestClient, session: Session, bank: dict[str, list[str]]
) -> None:
    # Every card studied, not due for days: the weakest on the day would be an out-of-scope card.
    for n, card_id in enumerate(sum(bank.values(), [])):
        reviewed(session, card_id, 3.0 + n)
    date_id = _create(plan_client, tags=["attention"], levels=["advanced"])
    seen = []
    for _ in range(4):
        shown = plan_client.get(f"/api/study/next?interview_date={date_id}").json()
        if shown.get("card") is None:
            break
        seen.append(shown["card"]["id"])
        answer = {"card_id": seen[-1], "rating": 3, "review_token": shown["review_token"]}
        assert plan_client.post("/api/reviews", json=answer).status_code == 200
    assert sorted(seen) == sorted(bank["attention"])  # weakest first, then nothing else


def test_unknown_tag_or_level_is_a_422_naming_the_field(
    plan_client: TestClient, bank: dict[str, list[str]]
) -> None:
    body = {"name": "Acme", "at": "2026-03-12", "topics": []}
    bad_tag = plan_client.post("/api/interview-dates", json={**body, "tags": ["attention", "cnn"]})
    assert _fields(bad_tag) == [["body", "tags", 1]]
    assert "no card has the tag 'cnn'" in bad_tag.text
    bad_level = plan_client.post("/api/interview-dates", json={**body, "levels": ["expert"]})
    assert _fields(bad_level)[0][:3] == ["body", "levels", 0]
    not_kebab = plan_client.post("/api/interview-dates", json={**body, "tags": ["Not A Tag"]})
    assert _fields(not_kebab)[0][:3] == ["body", "tags", 0]


def test_the_form_takes_levels_and_tags_and_shows_the_scope(
    plan_client: TestClient, bank: dict[str, list[str]]
) -> None:
    form = {"name": "Acme", "date": "2026-03-12", "level": ["beginner"], "tags": "rnn, attention"}
    created = plan_client.post("/interview-dates", data=form)
    assert created.status_code == 303
    page = plan_client.get(created.headers["location"]).text
    assert "Scope: beginner cards, tagged rnn or attention." in page
    assert "<dd>4</dd>" in page  # cards in scope
    refused = plan_client.post("/interview-dates", data={**form, "tags": "cnn"})
    assert refused.status_code == 422
    assert "no card has the tag &#39;cnn&#39;" in refused.text
    assert 'value="cnn"' in refused.text  # the form keeps what was typed
