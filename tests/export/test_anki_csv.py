"""The Anki deck opens as a zip holding a SQLite collection with one note per card; CSV."""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile
from pathlib import Path

from sqlalchemy.orm import Session

from app.export.anki import anki_math, write_apkg
from app.export.bank import deck_name, export_cards
from app.export.csv_export import cards_csv

FIELD_SEPARATOR = "\x1f"


def test_math_becomes_mathjax_delimiters() -> None:
    html = (
        '<p>Inline <span class="math inline">a &lt; b</span> and</p>\n'
        '<div class="math block">\n\\frac{1}{2}\n</div>'
    )
    assert anki_math(html) == "<p>Inline \\(a &lt; b\\) and</p>\n\\[\\frac{1}{2}\\]"


def _notes(path: Path, tmp_path: Path) -> list[tuple[str, str]]:
    with zipfile.ZipFile(path) as archive:
        assert "collection.anki2" in archive.namelist()
        archive.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        return db.execute("SELECT flds, tags FROM notes ORDER BY id").fetchall()


def test_apkg_holds_every_card_with_math_key_points_and_tags(
    loaded: Session, tmp_path: Path
) -> None:
    cards = export_cards(loaded)
    path = tmp_path / "deck.apkg"
    assert write_apkg(cards, deck_name(None), path) == 3
    notes = _notes(path, tmp_path)
    assert len(notes) == 3
    by_id = {
        flds.split(FIELD_SEPARATOR)[3]: (flds.split(FIELD_SEPARATOR), tags) for flds, tags in notes
    }
    fields, tags = by_id["what-is-a-neuron"]
    assert fields[0] == "What does a single artificial neuron compute?"
    assert "\\(a = \\phi(w^\\top x + b)\\)" in fields[1]
    assert 'class="math' not in fields[1]
    assert "<li>a weighted sum of the inputs plus a bias</li>" in fields[2]
    assert set(tags.split()) == {"neuron", "basics", "topic::basics", "level::beginner"}


def test_one_topic_only(loaded: Session, tmp_path: Path) -> None:
    path = tmp_path / "maths.apkg"
    write_apkg(export_cards(loaded, "maths"), deck_name("maths"), path)
    notes = _notes(path, tmp_path)
    assert [n[0].split(FIELD_SEPARATOR)[3] for n in notes] == ["softmax-shift"]


def test_csv_round_trips_through_a_csv_reader(loaded: Session) -> None:
    cards = export_cards(loaded)
    rows = list(csv.DictReader(io.StringIO(cards_csv(cards))))
    assert [r["id"] for r in rows] == [c.id for c in cards]
    neuron = next(r for r in rows if r["id"] == "what-is-a-neuron")
    assert neuron["key_points"].split("\n")[0] == "a weighted sum of the inputs plus a bias"
    assert neuron["tags"] == "neuron basics"
    assert neuron["answer"].startswith("A neuron takes a weighted sum")


def test_apkg_fields_follow_ups_references_demos_and_plain_internal_links(
    loaded: Session, tmp_path: Path
) -> None:
    from app.export.anki import note_model, plain_links

    html = '<p>See <a href="/cards/relu">ReLU</a> and <a href="https://arxiv.org">the paper</a></p>'
    assert plain_links(html) == (
        '<p>See <span class="link">ReLU</span> and <a href="https://arxiv.org">the paper</a></p>'
    )
    path = tmp_path / "deck.apkg"
    write_apkg(export_cards(loaded), deck_name(None), path)
    by_id = {
        flds.split(FIELD_SEPARATOR)[3]: flds.split(FIELD_SEPARATOR)
        for flds, _ in _notes(path, tmp_path)
    }
    fields = by_id["what-is-a-neuron"]
    assert len(fields) == 7
    assert fields[4] == "<ul><li>Why is the nonlinearity needed?</li></ul>"
    assert "Goodfellow, Bengio, Courville" in fields[5]
    assert fields[6].startswith("<ul><li>ReLU up close: /demos/activations?fn=relu</li>")
    assert all('href="/' not in f for card in by_id.values() for f in card)
    assert ".highlight .k" in note_model().css  # code highlighting styled inside Anki
