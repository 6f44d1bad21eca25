"""The command line: content check output and exit codes, content load idempotence."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLCARDS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)  # no stray .env is read


def test_check_valid_bank_prints_summary(bank: Path) -> None:
    result = runner.invoke(cli, ["content", "check", str(bank)])
    assert result.exit_code == 0
    assert result.output.strip() == "ok: 3 cards in 2 topics, no problems."


def test_check_broken_card_names_file_line_and_field(bank: Path) -> None:
    path = bank / "basics" / "perceptron-limits.md"
    path.write_text(path.read_text().replace("level: intermediate", "level: expert"))
    result = runner.invoke(cli, ["content", "check", str(bank)])
    assert result.exit_code == 1
    assert f"{path}:5: level: Input should be" in result.output
    assert "1 problem(s) in the bank." in result.output


def test_load_twice_writes_nothing_the_second_time(bank: Path) -> None:
    first = runner.invoke(cli, ["content", "load", str(bank)])
    assert first.exit_code == 0 and "loaded: 3 new" in first.output
    second = runner.invoke(cli, ["content", "load", str(bank)])
    assert "loaded: 0 new, 0 updated, 3 unchanged, 0 retired" in second.output


def test_load_refuses_invalid_bank_unless_skipping(bank: Path) -> None:
    (bank / "basics" / "broken.md").write_text("no front matter\n")
    refused = runner.invoke(cli, ["content", "load", str(bank)])
    assert refused.exit_code == 1 and "Nothing loaded" in refused.output
    skipped = runner.invoke(cli, ["content", "load", str(bank), "--skip-invalid"])
    assert skipped.exit_code == 0 and "loaded: 3 new" in skipped.output
