"""Notes (shown under the answer, in study) and problem reports (page, JSON, CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from tests.conftest import FIXTURE_BANK


def test_a_note_is_shown_under_the_answer_and_in_study(study_client: TestClient) -> None:
    put = study_client.put("/api/cards/softmax-shift/note", json={"note": "Use **max**, $x-m$."})
    assert put.status_code == 200 and put.json() == {
        "card_id": "softmax-shift",
        "note": "Use **max**, $x-m$.",
    }
    assert study_client.get("/api/cards/softmax-shift").json()["note"] == "Use **max**, $x-m$."
    page = study_client.get("/cards/softmax-shift?reveal=true").text
    assert "Your note" in page and "<strong>max</strong>" in page
    assert '<span class="math inline">x-m</span>' in page
    study = study_client.get("/study", params={"topic": "maths"}).text
    assert 'data-card-id="softmax-shift"' in study and "<strong>max</strong>" in study
    fragment = study_client.get("/cards/softmax-shift/note", headers={"HX-Request": "true"})
    assert "<strong>max</strong>" in fragment.text
    # The page form replaces it; an empty note deletes it.
    saved = study_client.post("/cards/softmax-shift/note", data={"note": "plain"})
    assert saved.status_code == 303
    assert study_client.get("/api/cards/softmax-shift").json()["note"] == "plain"
    assert study_client.put("/api/cards/softmax-shift/note", json={"note": " "}).status_code == 200
    assert "Your note" not in study_client.get("/cards/softmax-shift?reveal=true").text
    too_long = study_client.put("/api/cards/softmax-shift/note", json={"note": "x" * 10_001})
    assert too_long.status_code == 422
    assert study_client.put("/api/cards/nope/note", json={"note": "x"}).status_code == 404


def test_reports_are_listed_and_printed_for_maintainers(
    study_client: TestClient, settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    body = {"reason": "typo", "comment": "'softmaxx'\nin the second line"}
    created = study_client.post("/api/cards/softmax-shift/reports", json=body)
    assert created.status_code == 201 and created.json()["id"] >= 1
    bad = study_client.post("/api/cards/softmax-shift/reports", json={"reason": "boring"})
    assert bad.status_code == 422
    form = study_client.post("/cards/what-is-a-neuron/report", data={"reason": "wrong"})
    assert form.status_code == 303
    page = study_client.get("/reports").text
    assert "typo" in page and "softmaxx" in page and "wrong" in page
    monkeypatch.setenv("DLCARDS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DLCARDS_CONTENT_DIR", str(FIXTURE_BANK))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["content", "reports"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "basics/what-is-a-neuron.md: what-is-a-neuron: wrong: ",
        "maths/softmax-shift.md: softmax-shift: typo: 'softmaxx' in the second line",
    ]
