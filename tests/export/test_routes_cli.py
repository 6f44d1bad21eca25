"""Export and import through the pages (download, form upload, POST -> 303) and the CLI."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.config import Settings
from app.content.sync import load_content
from app.db import make_engine, make_sessionmaker, migrate
from app.export.cli import export_app, import_app
from app.export.routes import router as export_router
from app.main import create_app
from app.models import LOCAL_USER_ID, ReviewLog
from app.study import store
from tests.conftest import FIXTURE_BANK, make_settings
from tests.export.test_anki_schedule import _cards_by_id, _collection
from tests.export.test_progress import study_a_while


@pytest.fixture
def export_client(app: FastAPI) -> Iterator[TestClient]:
    if not any(getattr(r, "path", None) == "/export" for r in app.routes):
        app.include_router(export_router)
    with TestClient(app) as client:
        yield client


def _review(client: TestClient, card: str, token: str) -> None:
    answer = {"card_id": card, "rating": 3, "review_token": token}
    assert client.post("/api/reviews", json=answer).status_code == 200


def test_page_lists_the_downloads(export_client: TestClient) -> None:
    page = export_client.get("/export")
    assert page.status_code == 200
    assert 'action="/export/anki"' in page.text and 'value="maths"' in page.text
    assert 'enctype="multipart/form-data"' in page.text


def test_anki_and_csv_downloads(export_client: TestClient) -> None:
    deck = export_client.get("/export/anki?topic=basics")
    assert deck.status_code == 200
    assert 'filename="dlcards-basics.apkg"' in deck.headers["content-disposition"]
    with zipfile.ZipFile(BytesIO(deck.content)) as archive:
        assert "collection.anki2" in archive.namelist()
    table = export_client.get("/export/csv")
    assert table.headers["content-type"].startswith("text/csv")
    assert len(table.text.strip().split("\r\n")) == 4  # header + 3 cards
    assert export_client.get("/export/anki?topic=nope").status_code == 404


def test_upload_bad_file_shows_problems_and_changes_nothing(
    export_client: TestClient, app: FastAPI
) -> None:
    bad = {"backup": ("b.json", b'{"format": "dlcards-progress", "version": 7}', "text/json")}
    page = export_client.post("/import/progress", files=bad)
    assert page.status_code == 422
    assert "nothing was changed" in page.text
    assert "backup version 7 is not supported" in page.text
    garbage = export_client.post("/import/progress", files={"backup": ("b.json", b"{nope")})
    assert garbage.status_code == 422 and "not a JSON file" in garbage.text
    with app.state.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(ReviewLog)) == 0


def test_download_then_upload_into_a_fresh_install(
    export_client: TestClient, tmp_path: Path
) -> None:
    _review(export_client, "what-is-a-neuron", "a")
    _review(export_client, "softmax-shift", "b")
    backup = export_client.get("/export/progress")
    assert backup.headers["content-type"] == "application/json"
    assert len(backup.json()["review_logs"]) == 2
    # the same install already has progress: refused
    again = export_client.post("/import/progress", files={"backup": ("b.json", backup.content)})
    assert again.status_code == 422 and "already holds 2 review(s)" in again.text

    (tmp_path / "fresh").mkdir()
    fresh = create_app(make_settings(tmp_path / "fresh"))
    fresh.include_router(export_router)
    with TestClient(fresh) as client:
        done = client.post(
            "/import/progress",
            files={"backup": ("b.json", backup.content)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/export?imported=2"
        assert "Imported 2 review(s)" in client.get(done.headers["location"]).text
        assert client.get("/api/progress").json()["review_logs"] == backup.json()["review_logs"]


runner = CliRunner()
cli = typer.Typer()
cli.add_typer(export_app, name="export")
cli.add_typer(import_app, name="import")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DLCARDS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("DLCARDS_CONTENT_DIR", str(FIXTURE_BANK))
    monkeypatch.chdir(tmp_path)
    load_bank()
    return tmp_path


def load_bank() -> None:
    """What ``dlcards content load`` does, for the database the environment names."""
    settings = Settings()
    engine = make_engine(settings)
    migrate(settings, engine)
    with make_sessionmaker(engine)() as session:
        load_content(session, FIXTURE_BANK)
    engine.dispose()


def test_cli_exports_and_imports(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deck = runner.invoke(cli, ["export", "anki", "--topic", "basics", "out.apkg"])
    assert deck.exit_code == 0, deck.output
    assert "wrote 2 note(s) to out.apkg" in deck.output
    assert "writing notes: 2/2" in deck.output  # the progress (plain lines when not a tty)
    assert zipfile.is_zipfile(cli_env / "out.apkg")
    table = runner.invoke(cli, ["export", "csv", "cards.csv"])
    assert "wrote 3 card(s)" in table.output
    unknown = runner.invoke(cli, ["export", "anki", "--topic", "nope", "x.apkg"])
    assert unknown.exit_code == 1 and "no topic 'nope'" in unknown.output
    progress = runner.invoke(cli, ["export", "progress", "p.json"])
    assert progress.exit_code == 0 and "wrote 0 review(s)" in progress.output
    data = json.loads((cli_env / "p.json").read_text())
    assert data["format"] == "dlcards-progress"

    data["review_logs"] = [{"card_id": "what-is-a-neuron", "rating": 9}]
    (cli_env / "bad.json").write_text(json.dumps(data))
    refused = runner.invoke(cli, ["import", "progress", "bad.json"])
    assert refused.exit_code == 1
    assert "review_logs.0.rating" in refused.output and "Nothing was imported." in refused.output
    (cli_env / "garbage.json").write_text("{")
    assert (
        "cannot read garbage.json"
        in runner.invoke(cli, ["import", "progress", "garbage.json"]).output
    )

    monkeypatch.setenv("DLCARDS_DATABASE_URL", f"sqlite:///{cli_env / 'fresh.db'}")
    load_bank()
    restored = runner.invoke(cli, ["import", "progress", "p.json"])
    assert restored.exit_code == 0, restored.output
    assert "imported 0 review(s) from p.json" in restored.output


def test_cli_anki_export_with_schedule_carries_the_stored_fsrs_states(
    cli_env: Path,
) -> None:
    engine = make_engine(Settings())
    with make_sessionmaker(engine)() as session:
        study_a_while(session)  # two cards in review, perceptron-limits suspended
        stored = {
            card_id: store.card_state(store.get_row(session, LOCAL_USER_ID, card_id))
            for card_id in ("what-is-a-neuron", "softmax-shift")
        }
    engine.dispose()

    plain = runner.invoke(cli, ["export", "anki", "plain.apkg"])
    assert plain.exit_code == 0, plain.output
    db = _collection(cli_env / "plain.apkg", cli_env / "plain")
    assert db.execute("SELECT count(*) FROM cards WHERE type != 0").fetchone() == (0,)

    done = runner.invoke(cli, ["export", "anki", "--schedule", "deck.apkg"])
    assert done.exit_code == 0, done.output
    assert "wrote 3 note(s), 3 with their schedule to deck.apkg" in done.output
    db = _collection(cli_env / "deck.apkg", cli_env / "deck")
    (created,) = db.execute("SELECT crt FROM col").fetchone()
    by_id = _cards_by_id(db)
    for card_id, state in stored.items():
        assert state.due and state.last_review
        _, kind, queue, due, ivl, reps, lapses, _left, _data = by_id[card_id]
        assert (kind, queue, reps, lapses) == (2, 2, state.reps, state.lapses)
        assert due == (int(state.due.timestamp()) - created) // 86400
        assert ivl == round((state.due - state.last_review).total_seconds() / 86400)
    assert by_id["perceptron-limits"][1:5] == [0, -1, 0, 0]  # new, suspended
    assert db.execute("SELECT count(*) FROM revlog").fetchone() == (9,)
