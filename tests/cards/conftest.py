"""Fixtures for own-card tests: the app on the fixture bank, and a valid card body."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.deps import get_fuzzing, get_now
from tests.clock import Clock


@pytest.fixture
def study_client(app: FastAPI, clock: Clock) -> Iterator[TestClient]:
    """The app with the test clock and no fuzz; redirects are not followed."""
    app.dependency_overrides[get_now] = lambda: clock.now
    app.dependency_overrides[get_fuzzing] = lambda: False
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def card_body() -> Callable[..., dict[str, Any]]:
    """Factory: a valid POST /api/cards body, with overrides."""

    def make(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "question": "Why does the Adam update divide by the square root of v?",
            "topic": "my-notes",
            "topic_title": "My notes",
            "level": "intermediate",
            "tags": ["optimizers"],
            "key_points": ["per-parameter step size"],
            "answer": "It normalizes each step: $\\Delta\\theta = -\\eta\\, m/\\sqrt{v}$.",
        }
        body.update(overrides)
        return body

    return make
