"""Content files that once crashed the loader are `path:line: field: message` problems."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from app.content.parse import read_bank


def problems_of(bank: Path) -> list[str]:
    return [str(p) for p in read_bank(bank).problems]


def test_yaml_nested_ten_thousand_deep(bank: Path, write_card) -> None:
    path = write_card("deep", raw="---\nid: deep\ntags: " + "[" * 10_000 + "\n---\nbody\n")
    # line 3 of the file, the tags line where the nesting is
    assert problems_of(bank) == [f"{path}:3: yaml: nested too deeply to read"]


def test_topics_yaml_nested_ten_thousand_deep(bank: Path) -> None:
    (bank / "topics.yaml").write_text("- " * 10_000 + "x\n")
    found = problems_of(bank)
    assert f"{bank / 'topics.yaml'}:1: yaml: nested too deeply to read" in found


def test_topics_yaml_not_utf8(bank: Path) -> None:
    topics = bank / "topics.yaml"
    topics.write_bytes(topics.read_bytes() + b"\n# caf\xe9\n")
    assert f"{topics}:" in problems_of(bank)[0]
    assert problems_of(bank)[0].endswith(": file: not valid UTF-8")


def test_card_not_utf8_names_the_line(bank: Path, write_card) -> None:
    path = write_card("latin")
    path.write_bytes(path.read_bytes().replace(b"What is", b"Wh\xe0t is"))
    assert problems_of(bank) == [f"{path}:3: file: not valid UTF-8"]


def test_a_folder_named_like_a_card(bank: Path) -> None:
    (bank / "basics" / "x.md").mkdir()
    (problem,) = problems_of(bank)
    assert problem.startswith(f"{bank / 'basics' / 'x.md'}:0: file: not a readable file")


def test_a_dangling_symlink(bank: Path) -> None:
    (bank / "basics" / "gone.md").symlink_to(bank / "nowhere.md")
    (problem,) = problems_of(bank)
    assert problem.startswith(f"{bank / 'basics' / 'gone.md'}:0: file: not a readable file")


def test_a_nul_byte_is_refused(bank: Path, write_card) -> None:
    path = write_card("nul", body="An answer with a NUL \0 byte. " + "word " * 60)
    (problem,) = problems_of(bank)
    assert problem.startswith(f"{path}:") and problem.endswith(": file: contains a NUL byte")


def test_content_check_prints_the_problem_not_a_traceback(bank: Path, monkeypatch) -> None:
    monkeypatch.setenv("DLCARDS_CONTENT_DIR", str(bank))
    (bank / "topics.yaml").write_text("- " * 10_000 + "x\n")
    result = CliRunner().invoke(cli, ["content", "check"])
    assert result.exit_code == 1
    assert "nested too deeply" in result.output and "Traceback" not in result.output
