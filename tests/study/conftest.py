"""Fixtures for study tests: a fresh migrated SQLite file per test and a few cards."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.deps import get_fuzzing, get_now
from app.models import LOCAL_USER_ID
from app.study.preferences import StudySettings, UserContext
from tests.clock import Clock
from tests.factories import add_cards


@pytest.fixture
def study_engine(engine: Engine) -> Engine:
    """The suite's migrated engine (SQLite, or PostgreSQL when that run is selected)."""
    return engine


@pytest.fixture
def cards(session: Session) -> Callable[..., list[str]]:
    return lambda n, topic="basics", **kw: add_cards(session, n, topic, **kw)


def make_ctx(zone: str = "UTC", *, fuzz: bool = False, **settings: object) -> UserContext:
    return UserContext(
        LOCAL_USER_ID,
        StudySettings(**settings),
        None,
        zone,
        enable_fuzzing=fuzz,
    )


@pytest.fixture
def study_client(app, clock: Clock) -> Iterator[TestClient]:
    """The real app with the clock injected and fuzzing off (exact intervals)."""
    app.dependency_overrides[get_now] = lambda: clock.now
    app.dependency_overrides[get_fuzzing] = lambda: False
    with TestClient(app) as client:
        yield client
