"""The question bank as an Anki deck (.apkg, written by genanki): one note per card.

Front: the question. Back: the answer with math in the delimiters Anki's MathJax reads
(``\\(...\\)`` inline, ``\\[...\\]`` display), the key points, the follow-up questions, the
references and the card's demos (as fields of their own). Links to other cards (``/cards/…``)
and to the app's pages mean nothing inside Anki: they become plain text. Code keeps the app's
highlighting (its Pygments classes, styled by the note type's CSS). Tags: the card's tags and its
topic. Note ids come from the card ids, so re-importing an updated deck updates the notes.
With a user's schedule (``app.export.anki_schedule``), the deck carries their FSRS state too.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from functools import cache
from html import escape
from pathlib import Path

import genanki

from app.demos.links import demo_href
from app.export.anki_schedule import Schedule, write_schedule
from app.models import Card
from app.paths import STATIC_DIR

MODEL_ID = 1_734_020_111  # fixed forever: Anki recognises the note type by it
INLINE_MATH = re.compile(r'<span class="math inline">(.*?)</span>', re.DOTALL)
BLOCK_MATH = re.compile(r'<div class="math block">\s*(.*?)\s*</div>', re.DOTALL)

# A link inside the app (a card, a demo, a page): its text stays, the link goes.
INTERNAL_LINK = re.compile(r'<a\s+href="/[^"]*"[^>]*>(.*?)</a>', re.DOTALL)

CSS = """
.card { font-family: system-ui, sans-serif; font-size: 18px; text-align: left; line-height: 1.5; }
.question { font-size: 1.2em; font-weight: 600; }
.key-points, .follow-ups, .references, .demos {
  border-top: 1px solid #8884; margin-top: 1em; padding-top: .5em;
}
.references, .demos { font-size: .85em; opacity: .85; }
pre { overflow-x: auto; padding: .6em; border: 1px solid #8884; border-radius: 6px; }
"""
FIELDS = ("Question", "Answer", "KeyPoints", "CardId", "FollowUps", "References", "Demos")


@cache
def note_model() -> genanki.Model:
    """The note type: its CSS carries the app's code highlighting (static/pygments.css)."""
    pygments = (STATIC_DIR / "pygments.css").read_text(encoding="utf-8")
    return genanki.Model(
        MODEL_ID,
        "dlcards question",
        fields=[{"name": name} for name in FIELDS],
        templates=[
            {
                "name": "Question → answer",
                "qfmt": '<div class="question">{{Question}}</div>',
                "afmt": (
                    '{{FrontSide}}<hr id="answer">{{Answer}}'
                    '<div class="key-points"><b>Key points</b>{{KeyPoints}}</div>'
                    '{{#FollowUps}}<div class="follow-ups"><b>Follow-up questions</b>'
                    "{{FollowUps}}</div>{{/FollowUps}}"
                    '{{#References}}<div class="references"><b>References</b>'
                    "{{References}}</div>{{/References}}"
                    '{{#Demos}}<div class="demos"><b>Demos (in dlcards)</b>{{Demos}}</div>'
                    "{{/Demos}}"
                ),
            }
        ],
        css=CSS + pygments,
    )


def plain_links(html: str) -> str:
    """Links to the app's own pages (``/cards/relu``) as their text: Anki cannot follow them."""
    return INTERNAL_LINK.sub(lambda m: f'<span class="link">{m.group(1)}</span>', html)


def _items(values: Sequence[str]) -> str:
    return f"<ul>{''.join(f'<li>{escape(v)}</li>' for v in values)}</ul>" if values else ""


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
    demos = [
        f"{link.get('label') or link['demo']}: {demo_href(link['demo'], link.get('params') or {})}"
        for link in card.demos or []
        if isinstance(link.get("demo"), str)
    ]
    return genanki.Note(
        model=note_model(),
        fields=[
            escape(card.question),
            anki_math(plain_links(card.answer_html)),
            f"<ul>{points}</ul>",
            card.id,
            _items(card.follow_ups or []),
            _items(card.references or []),
            _items(demos),
        ],
        tags=[t.replace(" ", "_") for t in tags],
        guid=note_guid(card.id),
    )


def note_guid(card_id: str) -> str:
    return str(genanki.guid_for("dlcards", card_id))


def build_deck(
    cards: Sequence[Card], name: str, on_note: Callable[[], None] | None = None
) -> genanki.Deck:
    """The deck of ``cards``; ``on_note`` is called after each note (the CLI's progress bar)."""
    deck = genanki.Deck(deck_id(name), name)
    for card in cards:
        deck.add_note(note_for(card))
        if on_note is not None:
            on_note()
    return deck


def write_apkg(
    cards: Sequence[Card],
    name: str,
    path: Path,
    schedule: Schedule | None = None,
    on_note: Callable[[], None] | None = None,
) -> int:
    """Write the deck to ``path`` (with ``schedule``: the user's FSRS states and answers too)."""
    genanki.Package(build_deck(cards, name, on_note)).write_to_file(str(path))
    if schedule is not None and schedule.cards:
        _add_schedule(path, schedule, {card.id: note_guid(card.id) for card in cards})
    return len(cards)


def _add_schedule(path: Path, schedule: Schedule, guids: dict[str, str]) -> None:
    """Rewrite the package's collection with the schedule set in its cards and revlog."""
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(path) as archive:
            entries = {info.filename: archive.read(info) for info in archive.infolist()}
        collection = Path(folder) / "collection.anki2"
        collection.write_bytes(entries["collection.anki2"])
        with sqlite3.connect(collection) as db:
            write_schedule(db, schedule, guids)
        db.close()
        entries["collection.anki2"] = collection.read_bytes()
        with zipfile.ZipFile(path, "w") as archive:
            for entry, data in entries.items():
                archive.writestr(entry, data)


def apkg_bytes(cards: Sequence[Card], name: str, schedule: Schedule | None = None) -> bytes:
    """The deck as .apkg bytes, for a download."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deck.apkg"
        write_apkg(cards, name, path, schedule)
        return path.read_bytes()
