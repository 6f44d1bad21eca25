"""Tests are built like production: a fresh SQLite file per test made by the real
migrations, the real app factory, an in-process HTTP client."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_sessionmaker, migrate
from app.main import create_app
from tests.clock import Clock
from tests.factories import DEFAULT_BODY, bank_card_file

FIXTURE_BANK = Path(__file__).parent / "fixtures" / "bank"
TEST_HOSTS = ["testserver", "localhost", "127.0.0.1"]


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'test.db'}",
        "content_dir": FIXTURE_BANK,
        # Own cards per test too: on PostgreSQL the default (./data/own-cards) would be shared.
        "user_content_dir": tmp_path / "own-cards",
        "allowed_hosts": TEST_HOSTS,
        "timezone": "UTC",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


# `make test` runs the suite on SQLite, then again on PostgreSQL when
# DLCARDS_TEST_POSTGRES_URL is set (DLCARDS_TEST_BACKEND=postgres selects that run).
POSTGRES_ADMIN_URL = os.environ.get("DLCARDS_TEST_POSTGRES_URL")
ON_POSTGRES = os.environ.get("DLCARDS_TEST_BACKEND") == "postgres"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: the test is about SQLite itself")
    if ON_POSTGRES and not POSTGRES_ADMIN_URL:
        raise pytest.UsageError("DLCARDS_TEST_BACKEND=postgres needs DLCARDS_TEST_POSTGRES_URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="SQLite-specific; this run is on PostgreSQL")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"dlcards_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def clock() -> Clock:
    """A settable "now" for apps whose get_now dependency a test overrides."""
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    if not ON_POSTGRES:
        yield make_settings(tmp_path)
        return
    with fresh_postgres_database() as url:
        yield make_settings(tmp_path, database_url=url)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    migrate(settings, engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_sessionmaker(engine)() as session:
        yield session


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """A writable copy of the fixture bank, for tests that change card files."""
    target = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, target)
    return target


@pytest.fixture
def write_card(bank: Path) -> Callable[..., Path]:
    """Factory: write a card file into the writable bank and return its path."""

    def write(
        card_id: str,
        *,
        topic: str = "basics",
        question: str = "What is this card about?",
        level: str = "beginner",
        tags: str = "test",
        extra: str = "",
        body: str = DEFAULT_BODY,
        raw: str | None = None,
    ) -> Path:
        path = bank / topic / f"{card_id}.md"
        path.parent.mkdir(exist_ok=True)
        text = raw if raw is not None else bank_card_file(
            card_id, topic=topic, question=question, level=level, tags=tags, extra=extra, body=body
        )
        path.write_text(text, encoding="utf-8")
        return path

    return write
