"""Fixtures for export tests: databases made by the real migrations, the fixture bank loaded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.config import Settings
from app.content.sync import load_content
from app.db import make_engine, make_sessionmaker, migrate
from tests.conftest import FIXTURE_BANK, make_settings


@pytest.fixture
def loaded(session: Session) -> Session:
    """The suite's fresh database with the fixture bank (3 cards in 2 topics) loaded."""
    load_content(session, FIXTURE_BANK)
    return session


@pytest.fixture
def other_database(tmp_path: Path) -> Iterator[Callable[[], Session]]:
    """A second, empty install (migrated, same bank): where a backup is restored."""
    engines: list[Engine] = []

    def make() -> Session:
        settings: Settings = make_settings(tmp_path / f"other{len(engines)}")
        (tmp_path / f"other{len(engines)}").mkdir()
        engine = make_engine(settings)
        engines.append(engine)
        migrate(settings, engine)
        session = make_sessionmaker(engine)()
        load_content(session, FIXTURE_BANK)
        return session

    yield make
    for engine in engines:
        engine.dispose()
