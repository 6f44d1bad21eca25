"""The bank pipeline: validation messages, idempotent sync, retire and rename."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from app.content.parse import read_bank
from app.content.sync import ContentError, load_content
from app.models import Card, ReviewLog, ReviewState, Topic


def problems_of(bank: Path) -> list[str]:
    return [str(p) for p in read_bank(bank).problems]


def test_fixture_bank_is_valid_and_loads(session: Session, bank: Path) -> None:
    report = load_content(session, bank)
    assert report.inserted == 3
    assert session.scalar(select(func.count()).select_from(Card)) == 3
    assert [t.id for t in session.scalars(select(Topic).order_by(Topic.position))] == [
        "basics",
        "maths",
    ]
    card = session.get(Card, "softmax-shift")
    assert card is not None
    assert '<span class="math inline">e^{c}</span>' in card.answer_html
    assert '<div class="math block">' in card.answer_html
    assert '<pre class="highlight"><code class="language-python">' in card.answer_html
    assert "<table>" in card.answer_html


def test_unknown_field_is_reported_with_file_line_and_field(bank: Path, write_card) -> None:
    path = write_card("odd-card", extra="colour: blue\n")
    assert problems_of(bank) == [f"{path}:15: colour: unknown field"]


def test_bad_level_and_missing_key_points(bank: Path, write_card) -> None:
    raw = "---\nid: bad-one\nquestion: Why?\ntopic: basics\nlevel: expert\n---\n" + "word " * 30
    path = write_card("bad-one", raw=raw)
    found = problems_of(bank)
    assert f"{path}:5: level: Input should be 'beginner', 'intermediate' or 'advanced'" in found
    assert f"{path}:1: key_points: Field required" in found


def test_id_must_match_file_name_and_topic_the_folder(bank: Path, write_card) -> None:
    path = write_card("file-name", raw=(bank / "basics" / "perceptron-limits.md").read_text())
    found = problems_of(bank)
    assert any(p.startswith(f"{path}:2: id: must equal the file name 'file-name'") for p in found)


def test_duplicate_ids_name_both_files(bank: Path, write_card) -> None:
    original = bank / "basics" / "perceptron-limits.md"
    copy = write_card(
        "perceptron-limits", topic="maths", raw=original.read_text().replace("basics", "maths")
    )
    found = problems_of(bank)
    assert len(found) == 1
    assert str(copy) in found[0] and "also in basics/perceptron-limits.md" in found[0]


def test_yaml_syntax_error_gives_its_line(bank: Path, write_card) -> None:
    raw = "---\nid: broken\nquestion: [unclosed\ntopic: basics\n---\nbody\n"
    path = write_card("broken", raw=raw)
    (problem,) = problems_of(bank)
    assert problem.startswith(f"{path}:") and ": yaml: " in problem


def test_invalid_bank_refuses_to_load_and_writes_nothing(session: Session, bank, write_card):
    write_card("no-front-matter", raw="just text\n")
    with pytest.raises(ContentError) as error:
        load_content(session, bank)
    assert "front matter" in str(error.value)
    assert session.scalar(select(func.count()).select_from(Card)) == 0


def test_skip_invalid_loads_the_rest(session: Session, bank: Path, write_card) -> None:
    write_card("no-front-matter", raw="just text\n")
    report = load_content(session, bank, skip_invalid=True)
    assert (report.inserted, report.skipped) == (3, 1)


@pytest.fixture
def write_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def test_second_load_of_unchanged_bank_writes_nothing(
    session: Session, bank: Path, write_statements: list[str]
) -> None:
    load_content(session, bank)
    write_statements.clear()
    report = load_content(session, bank)
    assert report.writes == 0 and report.unchanged == 3
    assert write_statements == []


def test_changed_card_is_updated(session: Session, bank: Path) -> None:
    load_content(session, bank)
    path = bank / "basics" / "perceptron-limits.md"
    path.write_text(path.read_text().replace("three of the four", "3 of the 4"))
    report = load_content(session, bank)
    assert (report.updated, report.unchanged) == (1, 2)
    session.expire_all()
    assert "3 of the 4" in session.get(Card, "perceptron-limits").answer_md


def add_review(session: Session, card_id: str) -> None:
    now = datetime(2026, 1, 5, 12, tzinfo=UTC)
    session.add(ReviewLog(user_id=1, card_id=card_id, rating=3, reviewed_at=now, kind="learn"))
    session.add(ReviewState(user_id=1, card_id=card_id, state=2, due=now, stability=3.0))
    session.commit()


def test_card_whose_file_is_gone_is_retired_with_history_kept(session: Session, bank: Path):
    load_content(session, bank)
    add_review(session, "perceptron-limits")
    (bank / "basics" / "perceptron-limits.md").unlink()
    report = load_content(session, bank)
    assert report.retired == 1
    session.expire_all()
    assert session.get(Card, "perceptron-limits").retired is True
    logs = session.scalars(select(ReviewLog).where(ReviewLog.card_id == "perceptron-limits"))
    assert len(logs.all()) == 1


def test_renamed_card_takes_over_history_through_aliases(session: Session, bank: Path):
    load_content(session, bank)
    add_review(session, "perceptron-limits")
    old = bank / "basics" / "perceptron-limits.md"
    text = old.read_text().replace("id: perceptron-limits", "id: xor-and-perceptrons")
    text = text.replace("tags: [perceptron, xor]", "tags: [xor]\naliases: [perceptron-limits]")
    old.unlink()
    (bank / "basics" / "xor-and-perceptrons.md").write_text(text)
    report = load_content(session, bank)
    assert (report.inserted, report.aliased) == (1, 1)
    session.expire_all()
    assert session.get(ReviewState, (1, "xor-and-perceptrons")) is not None
    assert session.get(ReviewState, (1, "perceptron-limits")) is None
    log = session.scalars(select(ReviewLog)).one()
    assert log.card_id == "xor-and-perceptrons"
    assert session.get(Card, "perceptron-limits").retired is True
    assert load_content(session, bank).writes == 0


def test_invalid_file_of_a_loaded_card_is_not_retired(session: Session, bank: Path) -> None:
    load_content(session, bank)
    path = bank / "basics" / "perceptron-limits.md"
    path.write_text(path.read_text().replace("level: intermediate", "level: guru"))
    report = load_content(session, bank, skip_invalid=True)
    assert report.retired == 0
    session.expire_all()
    assert session.get(Card, "perceptron-limits").retired is False


def test_bad_list_item_points_at_its_own_line(bank: Path, write_card) -> None:
    raw = CARD_WITH_COLON_ITEM
    path = write_card("colon-item", raw=raw)
    assert problems_of(bank) == [f"{path}:9: key_points.1: Input should be a valid string"]


CARD_WITH_COLON_ITEM = """---
id: colon-item
question: What goes wrong here?
topic: basics
level: beginner
tags: [yaml]
key_points:
  - a plain point
  - too high: this colon makes YAML read a mapping
  - a third point
follow_ups: [Why does it fail]
references: [A reference]
---
""" + "word " * 30
