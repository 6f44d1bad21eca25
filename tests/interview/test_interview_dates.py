"""A mock interview tied to an interview date: questions from the date's scope only, the link
shown on both sides, refused for another user's date, kept (untied) when the date goes."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.deps import get_fuzzing, get_now
from app.interview import service as iv
from app.interview.deps import get_rng
from app.interview.models import Interview
from app.models import User
from app.plans.logic import card_weights
from app.plans.models import InterviewDate
from app.plans.queries import scope_cards, scope_of
from tests.clock import Clock
from tests.study.conftest import add_cards


@pytest.fixture
def client(app: FastAPI, clock: Clock) -> Iterator[TestClient]:
    app.dependency_overrides[get_now] = lambda: clock.now
    app.dependency_overrides[get_fuzzing] = lambda: False
    app.dependency_overrides[get_rng] = lambda: random.Random(7)
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def scoped(client: TestClient, session: Session) -> tuple[int, set[str]]:
    """A date covering alpha's advanced cards and beta's (tagged or not): five cards of the
    twenty-one below; the rest (alpha's beginner cards, gamma, the fixture bank) are out."""
    alpha = add_cards(session, 3, "alpha", level="advanced")
    add_cards(session, 4, "alpha", start=3, level="beginner")
    beta = add_cards(session, 2, "beta", level="advanced", tags=["attention"])
    add_cards(session, 12, "gamma", level="advanced")
    body = {
        "name": "Acme, ML engineer",
        "at": "2026-03-20",
        "topics": [{"topic": "alpha", "weight": 3}, {"topic": "beta", "weight": 1}],
        "levels": ["advanced"],
    }
    created = client.post("/api/interview-dates", json=body)
    assert created.status_code == 201, created.text
    return created.json()["id"], set(alpha) | set(beta)


def _asked(session: Session, interview_id: int) -> list[str]:
    session.rollback()  # end the read snapshot: see what the app wrote since
    interview = session.get(Interview, interview_id)
    assert interview is not None
    return [q.card_id for q in interview.questions]


def test_questions_come_only_from_the_dates_scope(
    client: TestClient, session: Session, scoped: tuple[int, set[str]]
) -> None:
    date_id, scope = scoped
    for _ in range(5):  # a new seeded draw each time: never a card outside the scope
        created = client.post("/api/interviews", json={"interview_date_id": date_id})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["interview_date"] == {
            "id": date_id, "name": "Acme, ML engineer", "url": f"/interview-dates/{date_id}",
        }  # fmt: skip
        asked = _asked(session, body["id"])
        assert len(asked) == 5 and set(asked) == scope  # five of a scope of five: all of it
        row = session.get(Interview, body["id"])
        assert row is not None and row.interview_date_id == date_id
        assert row.topics == ["alpha", "beta"]
        client.post(f"/interview/{body['id']}/end")


def test_a_topic_is_drawn_as_often_as_its_weight_says(
    session: Session, scoped: tuple[int, set[str]]
) -> None:
    """alpha (weight 3, three cards) against beta (weight 1, two cards): one question drawn
    400 times gives alpha 3/4 of the time (300 expected; binomial sd 8.7)."""
    date_id, _ = scoped
    row = session.get(InterviewDate, date_id)
    assert row is not None
    cards = scope_cards(session, 1, scope_of(row))
    weights = card_weights(cards, scope_of(row).weights)
    shares = {c.card_id: w for c, w in zip(cards, weights, strict=True)}
    assert shares == {
        "alpha-000": 1.0, "alpha-001": 1.0, "alpha-002": 1.0, "beta-000": 0.5, "beta-001": 0.5,
    }  # fmt: skip
    rng = random.Random(1)
    ids = [c.card_id for c in cards]
    topics = Counter(iv.weighted_sample(rng, ids, weights, 1)[0].split("-")[0] for _ in range(400))
    assert 270 <= topics["alpha"] <= 330 and topics["alpha"] + topics["beta"] == 400


def test_the_link_shows_on_the_pages_and_the_date_lists_its_interviews(
    client: TestClient, session: Session, clock: Clock, scoped: tuple[int, set[str]]
) -> None:
    date_id, _ = scoped
    form = {"interview_date_id": str(date_id), "questions": "5", "minutes": "2"}
    started = client.post("/interview", data=form)
    assert started.status_code == 303, started.text
    interview_id = int(started.headers["location"].rsplit("/", 1)[1])
    shown = f'for: <a href="/interview-dates/{date_id}">Acme, ML engineer</a>'
    assert shown in client.get(f"/interview/{interview_id}").text
    client.post(f"/interview/{interview_id}/end")
    assert shown in client.get(f"/interview/{interview_id}/summary").text
    session.rollback()
    score = session.scalar(select(Interview.score).where(Interview.id == interview_id))
    assert score == 0.0  # ended at once: nothing answered

    date_page = client.get(f"/interview-dates/{date_id}").text
    assert f'href="/interview/{interview_id}/summary"' in date_page and ">0%<" in date_page
    tied = client.get(f"/api/interview-dates/{date_id}").json()["interviews"]
    assert [(t["id"], t["score"]) for t in tied] == [(interview_id, 0.0)]

    clock.advance(days=30)  # the date has passed: in history, its interviews still listed
    assert client.get("/api/interview-dates").json()[0]["past"] is True
    assert [t["id"] for t in client.get(f"/api/interview-dates/{date_id}").json()["interviews"]]
    assert (
        f'href="/interview/{interview_id}/summary"'
        in client.get(f"/interview-dates/{date_id}").text
    )
    late = client.post("/api/interviews", json={"interview_date_id": date_id})
    assert late.status_code == 422
    assert late.json()["detail"][0]["loc"] == ["body", "interview_date_id"]


def _count(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Interview)) or 0


def test_another_users_date_or_an_unknown_one_is_a_422_naming_the_field(
    client: TestClient, session: Session, clock: Clock, scoped: tuple[int, set[str]]
) -> None:
    session.add(User(id=2, name="bob"))
    session.flush()
    bobs = InterviewDate(
        user_id=2, name="Bob's", at=clock.now + timedelta(days=9), topics=[], levels=[],
        tags=[], created_at=clock.now,
    )  # fmt: skip
    session.add(bobs)
    session.commit()
    for date_id in (bobs.id, 9999):
        refused = client.post("/api/interviews", json={"interview_date_id": date_id})
        assert refused.status_code == 422
        assert refused.json()["detail"] == [
            {
                "loc": ["body", "interview_date_id"],
                "msg": f"you have no interview date {date_id}",
                "type": "value_error",
            }
        ]
        form = {"interview_date_id": str(date_id), "questions": "5", "minutes": "2"}
        page = client.post("/interview", data=form)
        assert page.status_code == 422
        assert f"you have no interview date {date_id}" in page.text
    assert client.post("/api/interviews", json={"interview_date_id": 0}).status_code == 422
    form = {"interview_date_id": "abc", "questions": "5", "minutes": "2"}
    page = client.post("/interview", data=form)
    assert page.status_code == 422 and "Input should be a valid integer" in page.text
    assert _count(session) == 0
    # Bob's date is not offered on the setup page either.
    assert "Bob&#39;s" not in client.get("/interview").text


def test_a_date_with_topics_or_a_level_of_its_own_is_refused(
    client: TestClient, session: Session, scoped: tuple[int, set[str]]
) -> None:
    date_id, _ = scoped
    both = client.post("/api/interviews", json={"interview_date_id": date_id, "level": "beginner"})
    assert both.status_code == 422
    assert both.json()["detail"][0]["loc"] == ["body", "level"]
    assert _count(session) == 0


def test_deleting_the_date_keeps_its_interviews_untied(
    client: TestClient, session: Session, scoped: tuple[int, set[str]]
) -> None:
    date_id, _ = scoped
    interview_id = client.post("/api/interviews", json={"interview_date_id": date_id}).json()["id"]
    assert client.delete(f"/api/interview-dates/{date_id}").status_code == 204
    session.rollback()  # a fresh read of what the database now holds
    row = session.get(Interview, interview_id)
    assert row is not None and row.interview_date_id is None
    assert len(row.questions) == 5
    assert client.get(f"/api/interviews/{interview_id}").json()["interview_date"] is None
    assert "for:" not in client.get(f"/interview/{interview_id}").text


def test_openapi_describes_the_field(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "interview_date_id" in schema["InterviewSetup"]["properties"]
    assert "interview_date" in schema["InterviewOut"]["properties"]
    assert "interviews" in schema["InterviewDateDetailOut"]["properties"]
