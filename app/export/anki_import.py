"""Anki decks (.apkg / .colpkg) → drafts of own cards.

Both layouts are read: the legacy ``collection.anki2`` / ``collection.anki21`` SQLite file
(note types as JSON in ``col.models``) and the current ``collection.anki21b`` (the same SQLite,
zstd-compressed, note types in the ``notetypes``/``fields``/``templates`` tables). Notes of
standard note types (Basic, Basic and reversed) become cards: front → question, back →
answer, HTML → Markdown, MathJax ``\\( \\)`` / ``\\[ \\]`` → ``$`` / ``$$``; cloze and image
occlusion notes are skipped and counted. Media the cards use are copied, in both layouts
(app.export.anki_package, which also reads the package's ``meta`` version). The review
history (``revlog``) of each imported note's first card comes along, so its FSRS state is
replayed from the answers given in Anki (app.export.review_import).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
import tempfile
import zipfile
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from app.cards import own
from app.export.anki_package import COLLECTION_OF_VERSION, LATEST, Media, package_version, unzstd
from app.export.card_import import (
    IMPORT_TOPIC,
    MAX_CARDS,
    Budget,
    ImportedReview,
    ImportRefused,
    Plan,
    key_point_of,
    open_zip,
    stable_id,
)

COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
FIELD_SEPARATOR = "\x1f"
BLOCKS = {"div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
DROPPED = {"script", "style", "iframe", "object", "embed", "svg", "math"}
MAX_REVIEWS = 500_000
# A note type's id -> its name and whether it is a plain front/back type (not a cloze).
NoteKinds = dict[int, tuple[str, bool]]
ANSWER_TYPES = {0, 1, 2, 3}  # learn, review, relearn, filtered deck (a real answer too)
MEDIA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class _ToMarkdown(HTMLParser):
    """Anki's field HTML → Markdown; scripts, styles and every attribute but img src dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping = 0
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED:
            self.dropping += 1
        elif self.dropping:
            return
        elif tag == "br":
            self.out.append("\n")
        elif tag in BLOCKS:
            self.out.append("\n\n" if tag != "li" else "\n- ")
        elif tag in {"b", "strong"}:
            self.out.append("**")
        elif tag in {"i", "em"}:
            self.out.append("*")
        elif tag == "code":
            self.out.append("`")
        elif tag == "img":
            src = dict(attrs).get("src") or ""
            if MEDIA_NAME.match(src):
                self.images.append(src)
                self.out.append(f"![]({own.MEDIA_URL}{src})")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED:
            self.dropping = max(0, self.dropping - 1)
        elif self.dropping:
            return
        elif tag in {"b", "strong"}:
            self.out.append("**")
        elif tag in {"i", "em"}:
            self.out.append("*")
        elif tag == "code":
            self.out.append("`")
        elif tag in BLOCKS:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(data)


def html_to_markdown(source: str) -> tuple[str, list[str]]:
    """Markdown text and the media file names it shows."""
    parser = _ToMarkdown()
    parser.feed(source)
    parser.close()
    text = html.unescape("".join(parser.out)).replace("\xa0", " ")
    text = re.sub(r"\\\[(.+?)\\\]", lambda m: f"$${m.group(1)}$$", text, flags=re.DOTALL)
    text = re.sub(r"\\\((.+?)\\\)", lambda m: f"${m.group(1).strip()}$", text, flags=re.DOTALL)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text, parser.images


def plan_anki(raw: bytes) -> Plan:
    """The notes of a deck as drafts; other note types skipped with their count."""
    archive = open_zip(raw)
    budget = Budget()
    chosen = _collection_member(archive, package_version(archive, budget))
    latest = chosen == COLLECTION_OF_VERSION[LATEST]
    data = budget.read(archive, chosen)
    if latest:
        data = unzstd(data, budget.left, chosen)
        budget.take(len(data))
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "collection.sqlite"
        path.write_bytes(data)
        try:
            notes, kinds = _read_collection(path, new_layout=latest)
            revlog = _read_revlog(path)
        except sqlite3.DatabaseError as error:
            raise ImportRefused([f"{chosen}: not a readable Anki collection ({error})"]) from None
    plan = _plan(notes, kinds, Media(archive, budget, latest=latest))
    _add_history(plan, revlog)
    return plan


def _collection_member(archive: zipfile.ZipFile, version: int | None) -> str:
    """The collection the ``meta`` version names; without one, the newest collection there."""
    names = set(archive.namelist())
    if version is not None:
        named = COLLECTION_OF_VERSION[version]
        if named not in names:
            raise ImportRefused([f"meta: package version {version}, but no {named} inside"])
        return named
    chosen = next((n for n in COLLECTIONS if n in names), None)
    if chosen is None:
        raise ImportRefused(["not an Anki deck: no collection.anki2 or collection.anki21b inside"])
    return chosen


def _read_collection(path: Path, *, new_layout: bool) -> tuple[list[Any], NoteKinds]:
    """(notes as (id, notetype id, fields, tags), notetype id → (name, standard?)).

    A note's values are whatever the file holds (``Any``): ``_plan`` converts each one.
    """
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        kinds: NoteKinds = {}
        if new_layout:
            for ntid, name in connection.execute("SELECT id, name FROM notetypes"):
                kinds[int(ntid)] = (str(name), True)
            for ntid, config in connection.execute("SELECT ntid, config FROM templates"):
                if b"{{cloze:" in bytes(config or b""):
                    kinds[int(ntid)] = (kinds.get(int(ntid), ("?", True))[0], False)
        else:
            (models,) = connection.execute("SELECT models FROM col").fetchone()
            for mid, model in json.loads(models).items():
                kinds[int(mid)] = (str(model.get("name", "?")), model.get("type", 0) == 0)
        notes = connection.execute(
            "SELECT id, mid, flds, tags FROM notes ORDER BY id LIMIT ?", (MAX_CARDS + 1,)
        ).fetchall()
    except (ValueError, TypeError, KeyError) as error:
        raise sqlite3.DatabaseError(f"unexpected contents: {error}") from None
    finally:
        connection.close()
    if len(notes) > MAX_CARDS:
        raise ImportRefused([f"more than {MAX_CARDS} notes; at most {MAX_CARDS} in one import"])
    return notes, kinds


def _read_revlog(path: Path) -> list[tuple[int, int, int, int, int, int]]:
    """Anki's answers: (revlog id = ms since 1970, note id, card ord, ease, ms taken, type)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
        if not {"revlog", "cards"} <= tables:
            return []  # a deck shared without scheduling information
        rows = connection.execute(
            "SELECT r.id, c.nid, c.ord, r.ease, r.time, r.type FROM revlog r"
            " JOIN cards c ON c.id = r.cid ORDER BY r.id LIMIT ?",
            (MAX_REVIEWS + 1,),
        ).fetchall()
    finally:
        connection.close()
    if len(rows) > MAX_REVIEWS:
        raise ImportRefused([f"more than {MAX_REVIEWS} reviews; at most {MAX_REVIEWS} at once"])
    return [
        (int(r or 0), int(n or 0), int(o or 0), int(e or 0), int(t or 0), int(k or 0))
        for r, n, o, e, t, k in rows
    ]


def _add_history(plan: Plan, revlog: list[tuple[int, int, int, int, int, int]]) -> None:
    """The answers to each imported note's first card (the front → back one) become its history.

    Answers to a reversed card, manual reschedules (types 4, 5) and ease 0 are not answers to
    our card; they are counted as skipped.
    """
    card_of = {source: str(draft.fields["id"]) for source, draft in plan.drafts}
    left_out = 0
    for revlog_id, note_id, ordinal, ease, taken, kind in revlog:
        card_id = card_of.get(f"note {note_id}")
        if card_id is None or ordinal != 0 or kind not in ANSWER_TYPES or not 1 <= ease <= 4:
            left_out += 1
            continue
        token = hashlib.sha256(f"{card_id}:{revlog_id}".encode()).hexdigest()[:40]
        plan.reviews.setdefault(card_id, []).append(
            ImportedReview(f"note {note_id}", _moment(revlog_id), ease, taken, f"anki-{token}")
        )
    if left_out:
        plan.skipped.append(
            ("review history", f"{left_out} answer(s) of other cards or reschedules not imported")
        )


def _moment(revlog_id: int) -> datetime:
    """A revlog id is the answer's time in ms; an impossible one becomes year 1 (refused)."""
    try:
        return datetime.fromtimestamp(revlog_id / 1000, UTC)
    except (OverflowError, ValueError, OSError):
        return datetime.min.replace(tzinfo=UTC)


def _plan(notes: list[Any], kinds: NoteKinds, media: Media) -> Plan:
    plan = Plan()
    other: dict[str, int] = {}
    for note_id, mid, flds, tags in notes:
        name, standard = kinds.get(int(mid), ("unknown note type", False))
        fields = str(flds).split(FIELD_SEPARATOR)
        if not standard or len(fields) < 2:
            other[name] = other.get(name, 0) + 1
            continue
        question, images = html_to_markdown(fields[0])
        answer, more = html_to_markdown(fields[1])
        card_tags = [_kebab(t) for t in str(tags).split() if _kebab(t)][:20]
        draft_fields = {
            "id": stable_id("anki", str(note_id)),
            "question": " ".join(question.split()), "topic": IMPORT_TOPIC,
            "level": "intermediate", "tags": card_tags,
            "key_points": [key_point_of(answer)] if answer else [],
        }  # fmt: skip
        plan.drafts.append((f"note {note_id}", own.Draft(draft_fields, answer, "Imported")))
        for image in [*images, *more]:
            if image not in plan.media and (data := media.read(image)) is not None:
                plan.media[image] = data
    for name, count in sorted(other.items()):
        plan.skipped.append((f"note type {name!r}", f"{count} note(s) of a type not imported"))
    return plan


def _kebab(tag: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-")[:100]
