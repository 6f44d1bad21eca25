"""Fixtures for study tests: a fresh migrated SQLite file per test and a few cards."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.deps import get_fuzzing, get_now
from app.models import LOCAL_USER_ID, Card, Topic
from app.study.preferences import StudySettings, UserContext
from tests.clock import Clock


@pytest.fixture
def study_engine(engine: Engine) -> Engine:
    """The suite's migrated engine (SQLite, or PostgreSQL when that run is selected)."""
    return engine


@pytest.fixture
def db(session: Session) -> Session:
    return session


def add_cards(
    session: Session,
    n: int,
    topic: str = "basics",
    *,
    start: int = 0,
    level: str = "beginner",
    tags: list[str] | None = None,
) -> list[str]:
    """Insert ``n`` cards of one topic, in bank order; returns their ids."""
    if session.get(Topic, topic) is None:
        session.add(Topic(id=topic, title=topic.title(), description="", position=0))
        session.flush()
    ids = []
    for i in range(start, start + n):
        card_id = f"{topic}-{i:03d}"
        session.add(
            Card(
                id=card_id,
                topic_id=topic,
                question=f"Q {card_id}?",
                answer_md="A",
                answer_html="<p>A</p>",
                level=level,
                tags=tags or [],
                content_hash="x",
                position=i,
            )
        )
        ids.append(card_id)
    session.commit()
    return ids


@pytest.fixture
def cards(db: Session) -> Callable[..., list[str]]:
    return lambda n, topic="basics", **kw: add_cards(db, n, topic, **kw)


def make_ctx(zone: str = "UTC", *, fuzz: bool = False, **settings: object) -> UserContext:
    return UserContext(
        LOCAL_USER_ID,
        StudySettings(**settings),
        None,
        zone,  # type: ignore[arg-type]
        enable_fuzzing=fuzz,
    )


@pytest.fixture
def study_client(app, clock: Clock) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The real app with the clock injected and fuzzing off (exact intervals)."""
    app.dependency_overrides[get_now] = lambda: clock.now
    app.dependency_overrides[get_fuzzing] = lambda: False
    with TestClient(app) as client:
        yield client
