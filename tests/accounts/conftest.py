"""Fixtures for study-group tests: an app in multi-user mode and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def group_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"multi_user": True})


@pytest.fixture
def group_app(group_settings: Settings) -> FastAPI:
    return create_app(group_settings)


@pytest.fixture
def anon(group_app: FastAPI) -> Iterator[TestClient]:
    """A visitor of the multi-user app who has not signed in."""
    with TestClient(group_app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def member(group_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """Factory: a client signed up (and so signed in) as ``name``."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        client = TestClient(group_app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        response = client.post(
            "/signup", data={"name": name, "password": PASSWORD, "confirm": PASSWORD}
        )
        assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
