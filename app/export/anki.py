"""The question bank as an Anki deck (.apkg, written by genanki): one note per card.

Front: the question. Back: the answer with math in the delimiters Anki's MathJax reads
(``\\(...\\)`` inline, ``\\[...\\]`` display), the key points, the follow-up questions, the
references and the card's demos (as fields of their own). Links to other cards (``/cards/…``)
and to the app's pages mean nothing inside Anki: they become plain text. Code keeps the app's
highlighting (its Pygments classes, styled by the note type's CSS). Tags: the card's tags and its
topic. Note ids come from the card ids, so re-importing an updated deck updates the notes.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Sequence
from functools import cache
from html import escape
from pathlib import Path

import genanki

from app.demos.links import demo_href
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
