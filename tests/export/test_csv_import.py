"""CSV/TSV import: the header names the columns (any order, any case, common synonyms)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.main import create_app
from app.models import Card
from tests.conftest import make_settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path)), follow_redirects=False) as client:
        yield client


def _post(client: TestClient, text: str, name: str = "deck.csv", dry: bool = False):
    return client.post(
        "/api/import",
        files={"file": (name, text.encode(), "text/csv")},
        data={"format": "csv", "dry_run": str(dry).lower()},
    )


def _own_count(client: TestClient) -> int:
    with client.app.state.sessionmaker() as session:
        return session.scalar(select(func.count()).where(Card.owner_id.isnot(None))) or 0


MAPPED = (
    "Back,Deck,FRONT,Key Points,Difficulty,follow-ups\n"
    '"Scales each step by a running RMS of the gradients.",optimizers-own,What does RMSprop do?,'
    '"divides by sqrt of a moving average | per-parameter step size",advanced,Why epsilon?\n'
)


def test_the_header_names_the_columns_in_any_order_and_case(client: TestClient) -> None:
    dry = _post(client, MAPPED, dry=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["columns"] == [
        {"column": "Back", "field": "answer"},
        {"column": "Deck", "field": "topic"},
        {"column": "FRONT", "field": "question"},
        {"column": "Key Points", "field": "key_points"},
        {"column": "Difficulty", "field": "level"},
        {"column": "follow-ups", "field": "follow_ups"},
    ]
    assert _own_count(client) == 0
    (card_id,) = _post(client, MAPPED).json()["created"]
    card = client.get(f"/api/cards/{card_id}").json()
    assert card["question"] == "What does RMSprop do?"
    assert card["answer"] == "Scales each step by a running RMS of the gradients."
    assert card["topic"] == "optimizers-own" and card["level"] == "advanced"
    assert card["key_points"] == ["divides by sqrt of a moving average", "per-parameter step size"]
    assert card["follow_ups"] == ["Why epsilon?"]
    # The same rows with the columns in another order are the same cards: nothing new.
    reordered = (
        "question,answer,topic,level\n"
        "What does RMSprop do?,Scales each step by a running RMS of the gradients.,"
        "optimizers-own,advanced\n"
    )
    again = _post(client, reordered).json()
    assert again["created"] == [] and again["skipped"][0]["source"] == "deck.csv:2"


def test_unknown_duplicate_and_missing_columns_are_named_with_file_and_line(
    client: TestClient,
) -> None:
    response = _post(client, "Front,Question,Colour,tags\nA?,B?,red,x\n", name="mine.csv")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        "mine.csv:1: question: duplicate column ('Front' and 'Question' both mean it)",
        "mine.csv:1: Colour: unknown column (the fields are question, answer, tags, topic, "
        "level, key_points, follow_ups, references, id)",
        "mine.csv:1: answer: missing column (name one answer or back)",
    ]
    bad_level = _post(client, "q,a,level\nA?,B,expert\n", name="mine.csv")
    assert bad_level.status_code == 422
    assert bad_level.json()["detail"][0].startswith("mine.csv:2: level: ")
    assert _own_count(client) == 0


def test_the_preview_page_shows_the_mapping_and_the_first_rows(client: TestClient) -> None:
    page = client.post(
        "/import",
        files={"file": ("rms.csv", MAPPED.encode(), "text/csv")},
        data={"format": "csv"},
    )
    assert page.status_code == 200
    mapping = page.text.split('class="reports import-columns"')[1].split("</table>")[0]
    assert "<td>Deck</td><td>topic</td>" in mapping and "<td>FRONT</td><td>question</td>" in mapping
    rows = page.text.split('class="reports import-rows"')[1].split("</table>")[0]
    assert "<td>What does RMSprop do?</td>" in rows and "<th>key_points</th>" in rows
    assert 'name="name" value="rms.csv"' in page.text
    refused = client.post(
        "/import", files={"file": ("x.tsv", b"front\tcolour\nA\tB\n", "text/csv")},
        data={"format": "csv"},
    )  # fmt: skip
    assert refused.status_code == 422 and "x.tsv:1: colour: unknown column" in refused.text
    assert _own_count(client) == 0
