"""Fixtures for interview-date tests: the real app with the clock injected, and cards."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.deps import get_fuzzing, get_now
from tests.clock import Clock
from tests.factories import add_cards


@pytest.fixture
def cards(session: Session) -> Callable[..., list[str]]:
    return lambda n, topic="basics", **kw: add_cards(session, n, topic, **kw)


@pytest.fixture
def plan_client(app, clock: Clock) -> Iterator[TestClient]:
    """The real app at the test's clock, fuzz off, not following redirects."""
    app.dependency_overrides[get_now] = lambda: clock.now
    app.dependency_overrides[get_fuzzing] = lambda: False
    with TestClient(app, follow_redirects=False) as client:
        yield client
