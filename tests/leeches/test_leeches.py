"""Leeches: a card forgotten DLCARDS_LEECH_THRESHOLD times is listed (and, by setting,
suspended by the answer that makes it one; undoing that answer unsuspends it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.deps import get_fuzzing, get_now
from app.main import create_app
from app.models import ReviewState
from app.study.scheduler import State
from tests.clock import T0, Clock
from tests.factories import add_cards


def lapsed(session: Session, card_id: str, lapses: int) -> None:
    """A card in review, due now, forgotten ``lapses`` times before."""
    session.add(
        ReviewState(
            user_id=1, card_id=card_id, state=int(State.Review), step=None, stability=3.0,
            difficulty=8.0, due=T0, last_review=T0 - timedelta(days=3), reps=4 + 2 * lapses,
            lapses=lapses, suspended=False,
        )
    )  # fmt: skip
    session.commit()


def client_for(settings: Settings, clock: Clock, **overrides: object) -> TestClient:
    app = create_app(settings.model_copy(update=overrides))
    app.dependency_overrides[get_now] = lambda: clock.now
    app.dependency_overrides[get_fuzzing] = lambda: False
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def suspending(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    with client_for(settings, clock, leech_threshold=3, leech_suspend=True) as client:
        yield client


def forget(client: TestClient, card_id: str, token: str) -> None:
    answer = {"card_id": card_id, "rating": 1, "review_token": token}
    assert client.post("/api/reviews", json=answer).status_code == 200


def test_the_lapse_that_reaches_the_threshold_suspends_and_lists(
    suspending: TestClient, session: Session
) -> None:
    a, b = add_cards(session, 2, "alpha")
    lapsed(session, a, 2)
    lapsed(session, b, 1)
    assert suspending.get("/api/leeches").json()["leeches"] == []
    forget(suspending, a, "t1")
    forget(suspending, b, "t2")
    listing = suspending.get("/api/leeches").json()
    assert listing["threshold"] == 3 and listing["suspend"] is True
    assert [(x["card_id"], x["lapses"], x["suspended"]) for x in listing["leeches"]] == [
        (a, 3, True)
    ]
    session.rollback()
    assert (
        session.get(ReviewState, (1, a)).suspended
        and not session.get(ReviewState, (1, b)).suspended
    )
    page = suspending.get("/leeches").text
    assert f'href="/cards/{a}"' in page and "3 times" in page and "Unsuspend" in page
    # Undoing b's answer, then a's: a comes back unsuspended with its two lapses.
    suspending.post("/api/reviews/undo")
    suspending.post("/api/reviews/undo")
    session.rollback()
    row = session.get(ReviewState, (1, a))
    assert row.lapses == 2 and not row.suspended


def test_without_suspension_a_leech_is_listed_and_still_studied(
    settings: Settings, clock: Clock, session: Session
) -> None:
    with client_for(settings, clock) as client:  # the defaults: 8 lapses, no suspension
        (a,) = add_cards(session, 1, "alpha")
        lapsed(session, a, 7)
        forget(client, a, "t1")
        listing = client.get("/api/leeches").json()
        assert listing["threshold"] == 8 and listing["suspend"] is False
        assert [(x["card_id"], x["suspended"]) for x in listing["leeches"]] == [(a, False)]
    session.rollback()
    assert not session.get(ReviewState, (1, a)).suspended


def test_leeches_link_to_their_demos(suspending: TestClient, session: Session) -> None:
    lapsed(session, "what-is-a-neuron", 3)  # a fixture-bank card with a demo link
    (leech,) = suspending.get("/api/leeches").json()["leeches"]
    assert leech["card_id"] == "what-is-a-neuron"
    assert leech["demos"] and leech["demos"][0]["url"].startswith("/demos/")
