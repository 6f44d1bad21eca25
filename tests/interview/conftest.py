"""Fixtures for mock interview tests: the app, a settable clock, seeded draws."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.deps import get_fuzzing, get_now
from app.interview.deps import get_rng
from tests.clock import Clock
from tests.factories import add_topic, card_row


@pytest.fixture
def interview_app(app: FastAPI, clock: Clock) -> FastAPI:
    app.dependency_overrides[get_now] = lambda: clock.now
    app.dependency_overrides[get_fuzzing] = lambda: False
    app.dependency_overrides[get_rng] = lambda: random.Random(7)
    return app


@pytest.fixture
def interview_client(interview_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(interview_app) as client:
        yield client


KEY_POINTS = [
    "gradient descent moves the weights against the gradient of the loss",
    "the learning rate scales every step",
    "too high a learning rate diverges",
]


def add_topic_cards(session: Session, topic: str, n: int, *, level: str = "beginner") -> list[str]:
    """Insert ``n`` cards of one topic, each with the same three key points."""
    add_topic(session, topic, position=9)
    ids = []
    for i in range(n):
        card_id = f"{topic}-{i}"
        session.add(
            card_row(
                card_id,
                topic,
                question=f"How does {card_id} work?",
                answer_md="Gradient descent steps against the gradient.",
                answer_html="<p>Gradient descent steps against the gradient.</p>",
                level=level,
                tags=[],
                key_points=list(KEY_POINTS),
                synonyms=[],
                demos=[],
                position=100 + i,
            )
        )
        ids.append(card_id)
    session.commit()
    return ids


GOOD_ANSWER = (
    "Gradient descent moves the weights against the gradient of the loss; the learning rate "
    "scales each step, and a learning rate that is too high makes training diverge."
)
