"""Import own cards: a folder or zip of card files; CSV/TSV (csv_import); Anki (anki_import).

Every import is read whole and bounded first (file size, members, uncompressed bytes, paths),
turned into drafts of own cards, then written all at once by ``app.cards.own.write_cards``
(which validates every card with the loader before writing any): all or nothing. Ids are
stable (the source's note id, or a hash of the row), so importing the same file twice creates
nothing the second time: those are reported as skipped.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cards import own
from app.config import Settings
from app.content.parse import TOPICS_FILE, read_user_bank
from app.errors import FileRefused
from app.models import Card, Topic

Format = Literal["anki", "csv", "cards"]
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 20_000
MAX_CARDS = 5_000
IMPORT_TOPIC = "imported"


class ImportRefused(FileRefused):
    """The file cannot be imported at all; nothing was written. ``problems``: one per line."""


@dataclass(frozen=True)
class ImportedReview:
    """One answer from the source's review history (Anki's revlog), for an imported card."""

    source: str  # where it came from, for a problem: "note 1700000000001"
    at: datetime
    rating: int
    duration_ms: int
    token: str  # review_logs.review_token: stable, so a card's history is imported once


@dataclass
class Plan:
    """What an import would do: drafts (with where each came from), skipped sources, media.

    A CSV also says which column became which field (``columns``) and shows its first rows;
    an Anki deck brings each card's review history (``reviews``, by card id).
    """

    drafts: list[tuple[str, own.Draft]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    columns: list[tuple[str, str]] = field(default_factory=list)
    preview: list[dict[str, str]] = field(default_factory=list)
    reviews: dict[str, list[ImportedReview]] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What an import created (or would create) and skipped, and the CSV mapping it used."""

    created: list[str]
    skipped: list[tuple[str, str]]
    preview: list[dict[str, str]] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    reviews: int = 0


def check_size(raw: bytes) -> None:
    if len(raw) > MAX_UPLOAD_BYTES:
        mib = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ImportRefused([f"the file is {len(raw) / 2**20:.0f} MiB; at most {mib} MiB"])


def open_zip(raw: bytes) -> zipfile.ZipFile:
    """A zip whose members are few, small in total and all inside it (no ``..``, no root)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError):
        raise ImportRefused(["not a zip archive (or a damaged one)"]) from None
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ImportRefused([f"the archive has {len(members)} files; at most {MAX_MEMBERS}"])
    for info in members:
        name = PurePosixPath(info.filename.replace("\\", "/"))
        if name.is_absolute() or ".." in name.parts or ":" in info.filename:
            raise ImportRefused([f"unsafe path in the archive: {info.filename!r}"])
    total = sum(info.file_size for info in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ImportRefused([_too_big(total)])
    return archive


def _too_big(total: int) -> str:
    limit = MAX_UNCOMPRESSED_BYTES // 2**20
    return f"the archive unpacks to {total / 2**20:.0f} MiB or more; at most {limit} MiB"


class Budget:
    """Bytes still allowed out of an archive: sizes in headers can lie, so reads are counted."""

    def __init__(self, limit: int = MAX_UNCOMPRESSED_BYTES) -> None:
        self.left = limit

    def read(self, archive: zipfile.ZipFile, name: str) -> bytes:
        with archive.open(name) as member:
            data = member.read(self.left + 1)
        self.take(len(data))
        return data

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise ImportRefused([_too_big(MAX_UNCOMPRESSED_BYTES + 1)])


def stable_id(prefix: str, key: str) -> str:
    """``prefix-key`` (the user's namespace is added in multi-user mode: own.namespaced)."""
    return f"{prefix}-{key}"[:100]


def key_point_of(answer: str) -> str:
    """An imported card's one key point: the answer's first line (the bank needs one)."""
    first = next((line.strip() for line in answer.splitlines() if line.strip()), answer.strip())
    return (first[:197] + "...") if len(first) > 200 else first


# --- a folder or zip of card files -------------------------------------------------------


def plan_cards_folder(folder: Path, known_topics: set[str]) -> Plan:
    """Card files in our format (``<topic>/<id>.md``, optional topics.yaml), read by the loader."""
    bank = read_user_bank(folder, known_topics)
    if bank.problems:
        raise ImportRefused([str(p).replace(str(folder) + "/", "") for p in bank.problems][:20])
    if len(bank.cards) > MAX_CARDS:
        raise ImportRefused([f"{len(bank.cards)} cards; at most {MAX_CARDS} in one import"])
    titles = {t.id: t.title for t in bank.topics}
    plan = Plan()
    for card in bank.cards:
        fields = card.front.model_dump(mode="json", exclude_none=True)
        plan.drafts.append((card.path, own.Draft(fields, card.body, titles.get(card.front.topic))))
    return plan


def plan_cards_zip(raw: bytes, known_topics: set[str]) -> Plan:
    """A zip of card files: only ``*.md`` two levels deep and topics.yaml are unpacked."""
    archive = open_zip(raw)
    budget = Budget()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for info in archive.infolist():
            parts = PurePosixPath(info.filename).parts
            if info.is_dir():
                continue
            if parts[-1] == TOPICS_FILE and len(parts) <= 2:
                target = root / TOPICS_FILE
            elif parts[-1].endswith(".md") and len(parts) >= 2:
                target = root / parts[-2] / parts[-1]
            else:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(budget.read(archive, info.filename))
        return plan_cards_folder(root, known_topics)


# --- running a plan ----------------------------------------------------------------------


def run_plan(
    session: Session,
    settings: Settings,
    user_id: int,
    plan: Plan,
    *,
    dry_run: bool,
    now: datetime | None = None,
    on_draft: Callable[[int], None] | None = None,
) -> tuple[list[str], int]:
    """Skip what is already imported, then write every draft (or none), the media and history.

    Returns the ids created and the number of answers of their review history.
    """
    from app.export.review_import import check_reviews, write_reviews

    now = now or datetime.now(UTC)
    final = {}  # the id in the file → the id it gets (own.namespaced)
    for _, draft in plan.drafts:
        given = str(draft.fields.get("id"))
        final[given] = draft.fields["id"] = own.namespaced(settings, user_id, given)
    plan.reviews = {final.get(k, k): v for k, v in plan.reviews.items()}
    ids = list(final.values())
    mine = set(session.scalars(select(Card.id).where(Card.id.in_(ids), Card.owner_id == user_id)))
    fresh = []
    for source, draft in plan.drafts:
        if draft.fields.get("id") in mine:
            plan.skipped.append((source, f"already imported as {draft.fields['id']}"))
        else:
            fresh.append((source, draft))
    fresh_ids = {str(d.fields.get("id")) for _, d in fresh}
    history = {k: v for k, v in plan.reviews.items() if k in fresh_ids}
    checked = check_reviews(session, settings, user_id, history, now)
    try:
        created = own.write_cards(
            session, settings, user_id, [d for _, d in fresh], dry_run=dry_run, on_draft=on_draft
        )
    except own.ImportInvalid as error:
        raise ImportRefused([f"{fresh[i][0]}: {m}" for i, m in error.problems][:20]) from None
    if dry_run:
        return created, sum(len(rows) for rows in checked.values())
    if plan.media:
        own.save_media(settings, user_id, plan.media)
    return created, write_reviews(session, settings, user_id, checked, now)


def import_file(
    session: Session,
    settings: Settings,
    user_id: int,
    raw: bytes,
    fmt: Format,
    *,
    dry_run: bool,
    filename: str = "",
    now: datetime | None = None,
    on_draft: Callable[[int], None] | None = None,
) -> Outcome:
    """Read, plan and (unless ``dry_run``) write one uploaded file; ImportRefused on bad input.

    ``filename`` names the file in the problems of a CSV (``file:line: field: problem``).
    """
    from app.export.anki_import import plan_anki
    from app.export.csv_import import plan_csv

    check_size(raw)
    known = set(session.scalars(select(Topic.id)))
    if fmt == "csv":
        plan = plan_csv(raw, filename or "upload.csv")
    elif fmt == "cards":
        plan = plan_cards_zip(raw, known)
    else:
        plan = plan_anki(raw)
    created, reviews = run_plan(
        session, settings, user_id, plan, dry_run=dry_run, now=now, on_draft=on_draft
    )
    return Outcome(created, plan.skipped, plan.preview, plan.columns, reviews)
