"""The question bank as an Anki deck (.apkg, written by genanki): one note per card.

Front: the question. Back: the answer with math in the delimiters Anki's MathJax reads
(``\\(...\\)`` inline, ``\\[...\\]`` display) and the key points. Tags: the card's tags and its
topic. Note ids come from the card ids, so re-importing an updated deck updates the notes.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path

import genanki

from app.models import Card

MODEL_ID = 1_734_020_111  # fixed forever: Anki recognises the note type by it
INLINE_MATH = re.compile(r'<span class="math inline">(.*?)</span>', re.DOTALL)
BLOCK_MATH = re.compile(r'<div class="math block">\s*(.*?)\s*</div>', re.DOTALL)

CSS = """
.card { font-family: system-ui, sans-serif; font-size: 18px; text-align: left; line-height: 1.5; }
.question { font-size: 1.2em; font-weight: 600; }
.key-points { border-top: 1px solid #8884; margin-top: 1em; padding-top: .5em; }
pre { overflow-x: auto; }
"""

MODEL = genanki.Model(
    MODEL_ID,
    "dlcards question",
    fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "KeyPoints"}, {"name": "CardId"}],
    templates=[
        {
            "name": "Question → answer",
            "qfmt": '<div class="question">{{Question}}</div>',
            "afmt": (
                '{{FrontSide}}<hr id="answer">{{Answer}}'
                '<div class="key-points"><b>Key points</b>{{KeyPoints}}</div>'
            ),
        }
    ],
    css=CSS,
)


def anki_math(html: str) -> str:
    """Our math elements as MathJax delimiters Anki understands: \\( \\) and \\[ \\]."""
    html = BLOCK_MATH.sub(lambda m: f"\\[{m.group(1)}\\]", html)
    return INLINE_MATH.sub(lambda m: f"\\({m.group(1)}\\)", html)


def deck_id(name: str) -> int:
    """A stable deck id from its name (Anki wants a positive 31-bit-ish integer)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") >> 1


def note_for(card: Card) -> genanki.Note:
    points = "".join(f"<li>{escape(p)}</li>" for p in card.key_points)
    tags = [*card.tags, f"topic::{card.topic_id}", f"level::{card.level}"]
    return genanki.Note(
        model=MODEL,
        fields=[escape(card.question), anki_math(card.answer_html), f"<ul>{points}</ul>", card.id],
        tags=[t.replace(" ", "_") for t in tags],
        guid=genanki.guid_for("dlcards", card.id),
    )


def build_deck(cards: Sequence[Card], name: str) -> genanki.Deck:
    deck = genanki.Deck(deck_id(name), name)
    for card in cards:
        deck.add_note(note_for(card))
    return deck


def write_apkg(cards: Sequence[Card], name: str, path: Path) -> int:
    """Write the deck to ``path``; returns the number of notes."""
    genanki.Package(build_deck(cards, name)).write_to_file(str(path))
    return len(cards)


def apkg_bytes(cards: Sequence[Card], name: str) -> bytes:
    """The deck as .apkg bytes, for a download."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deck.apkg"
        write_apkg(cards, name, path)
        return path.read_bytes()
