"""``dlcards study rebuild`` through Typer, on a database the test fills."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.models import ReviewState
from app.study import reviews
from app.study.cli import study_app
from tests.clock import T0
from tests.factories import add_cards
from tests.study.conftest import make_ctx


@pytest.fixture
def cli_db(session: Session, study_engine, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setenv(
        "DLCARDS_DATABASE_URL", study_engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("DLCARDS_TIMEZONE", "UTC")
    return session


def test_rebuild_check_then_repair(cli_db: Session) -> None:
    ids = add_cards(cli_db, 3)
    ctx = make_ctx(fuzz=True)
    now = T0
    for i, card_id in enumerate(ids):
        reviews.grade(cli_db, ctx, card_id, 3, now, review_token=f"a{i}")
        reviews.grade(cli_db, ctx, card_id, 3, now + timedelta(minutes=11), review_token=f"b{i}")
    runner = CliRunner()
    ok = runner.invoke(study_app, ["rebuild", "--check"])
    assert ok.exit_code == 0, ok.output
    assert "3 card(s), 6 answer(s) replayed; 0 stored state(s) differ" in ok.output
    row = cli_db.scalars(select(ReviewState)).first()
    row.stability = 123.0
    cli_db.commit()
    bad = runner.invoke(study_app, ["rebuild", "--check"])
    assert bad.exit_code == 1 and "1 stored state(s) differ" in bad.output
    fixed = runner.invoke(study_app, ["rebuild"])
    assert fixed.exit_code == 0 and "1 stored state(s) rewritten" in fixed.output
    assert runner.invoke(study_app, ["rebuild", "--check"]).exit_code == 0
