"""A start with nothing changed does not read the bank again; any change makes it read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.models import BankRevision, Card
from tests.conftest import make_settings

SKIPPED = "content: unchanged since the last start, not read again"


def _start(settings: Settings, caplog: pytest.LogCaptureFixture) -> bool:
    """Start the app once (lifespan: migrate, load); True when it skipped reading the bank."""
    caplog.clear()
    with caplog.at_level("INFO", logger="dlcards"), TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
    return SKIPPED in caplog.text


def _question(settings: Settings, card_id: str) -> str | None:
    engine = make_engine(settings)
    with make_sessionmaker(engine)() as session:
        question = session.scalar(select(Card.question).where(Card.id == card_id))
    engine.dispose()
    return question


@pytest.fixture
def bank_settings(tmp_path: Path, bank: Path) -> Settings:
    return make_settings(tmp_path, content_dir=bank)


def test_a_second_start_with_nothing_changed_skips_the_bank(
    bank_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    assert not _start(bank_settings, caplog)  # the first start loads
    assert _start(bank_settings, caplog)
    assert _start(bank_settings, caplog)
    assert _question(bank_settings, "what-is-a-neuron") is not None


def test_an_edited_added_or_removed_file_is_read_at_the_next_start(
    bank_settings: Settings,
    bank: Path,
    write_card: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _start(bank_settings, caplog)
    path = write_card("added-between-starts", question="Was this card read at the start?")
    assert not _start(bank_settings, caplog)
    assert _question(bank_settings, "added-between-starts") == "Was this card read at the start?"
    reworded = "And its new wording, one byte longer?"
    write_card("added-between-starts", question=reworded)
    assert not _start(bank_settings, caplog)
    assert _question(bank_settings, "added-between-starts") == reworded
    path.unlink()
    assert not _start(bank_settings, caplog)
    assert _start(bank_settings, caplog)


def test_a_write_to_the_bank_since_the_last_load_makes_the_next_start_read(
    bank_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    _start(bank_settings, caplog)
    engine = make_engine(bank_settings)
    with Session(engine) as session:  # another process took a card out of the database
        session.execute(delete(Card).where(Card.id == "what-is-a-neuron"))
        session.commit()
    engine.dispose()
    assert _question(bank_settings, "what-is-a-neuron") is None
    assert not _start(bank_settings, caplog)
    assert _question(bank_settings, "what-is-a-neuron") is not None  # read from its file again
    assert _start(bank_settings, caplog)


def test_a_refused_bank_is_not_remembered(
    bank_settings: Settings,
    write_card: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _start(bank_settings, caplog)
    bad = write_card("broken-card", raw="---\nnot: a card\n---\n")
    with pytest.raises(Exception, match="broken-card"):
        _start(bank_settings, caplog)
    engine = make_engine(bank_settings)
    with Session(engine) as session:
        row = session.get(BankRevision, 1)
        assert row is not None and row.loaded_at == row.n  # still the first load's record
    engine.dispose()
    bad.unlink()
    # The files and the bank are again exactly as the first load left them: nothing to read.
    assert _start(bank_settings, caplog)
    assert _question(bank_settings, "broken-card") is None
