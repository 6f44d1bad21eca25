"""Own cards: a user writes, edits, retires, restores and forks cards in the app.

Each own card is a Markdown card file in the bank's format, in the user's folder
(``Settings.own_cards_dir``, one sub-folder per user id in multi-user mode), and the same
loader syncs the folder into rows that carry ``owner_id``. A save builds the file, validates it
with the loader in a scratch folder, and only then moves it into place and syncs: an invalid
card writes nothing. Ids never change; a rename keeps the old id in ``aliases`` so the loader
moves the review history, and a fork lists the bank card's id the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.answers.matcher import MAX_ANSWER_CHARS
from app.cards.models import CardNote
from app.cards.queries import get_card_or_404
from app.config import Settings
from app.content.parse import TOPICS_FILE, load_yaml, read_user_bank
from app.content.schema import CardFront, TopicEntry, is_card_id
from app.content.sync import sync_user_cards
from app.db import write
from app.demos.registry import get_demo
from app.errors import Conflict, DomainError, NotFound
from app.models import Card, Topic

RETIRED_DIR = ".retired"
MEDIA_DIR = ".media"
MEDIA_URL = "/cards/media/"
# Served back to the browser: images and sound only (no SVG, which can hold scripts).
MEDIA_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
}  # fmt: skip
MAX_ID_FROM_QUESTION = 60
FRONT_ORDER = (
    "id", "question", "topic", "level", "tags", "key_points", "follow_ups", "demos",
    "references", "synonyms", "aliases",
)  # fmt: skip


class CardInvalid(DomainError):
    """The card was refused; ``errors`` maps a field name to what is wrong with it.

    The API answers 422 with one issue per field (the shape of a body that fails
    validation); the card form catches it and shows each error next to its field.
    """

    status_code = 422

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))

    @property
    def detail(self) -> object:
        return [
            {"loc": ["body", name], "msg": message, "type": "value_error"}
            for name, message in self.errors.items()
        ]


class ImportInvalid(Exception):
    """Some drafts of an import were refused: ``problems`` are (index, message) pairs."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"#{i}: {m}" for i, m in problems))


@dataclass(frozen=True)
class Draft:
    """What a user submits: the front-matter fields, the answer, and a new topic's title."""

    fields: dict[str, Any]
    answer: str
    topic_title: str | None = None


def user_folder(settings: Settings, user_id: int) -> Path:
    """The user's own-card folder: a sub-folder per user id only in multi-user mode.

    A folder per user (not per-user rows alone) keeps each user's files apart, so one user's
    cards can be backed up, versioned or moved without anyone else's, and a file never names
    its owner: the folder does.
    """
    root = settings.own_cards_dir
    return root / str(user_id) if settings.multi_user else root


def namespaced(settings: Settings, user_id: int, card_id: str) -> str:
    """The id an own card gets: in multi-user mode it starts with ``u<user id>-``.

    Card ids are global (one ``cards`` table), so without a namespace a refused "already
    taken" id, or an id that comes back as ``-2``, would tell a user that someone else has a
    card of that id. With one namespace per user an own id can only meet the user's own cards
    or the bank's, which everyone sees; the same input always gives the same id, so a
    re-import still finds what it imported before.
    """
    if not settings.multi_user:
        return card_id
    prefix = f"u{user_id}-"
    full = card_id if card_id.startswith(prefix) else prefix + card_id
    return full[:100].rstrip("-")


def id_from_text(text: str) -> str:
    """A kebab-case id from a question (``card`` when nothing is left of it)."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(words) > MAX_ID_FROM_QUESTION:
        words = words[:MAX_ID_FROM_QUESTION].rsplit("-", 1)[0]
    return words or "card"


def free_id(session: Session, base: str, *, allowed: str | None = None) -> str:
    """``base``, or ``base-2``, ``base-3``… when a card (anyone's, retired too) has it."""
    taken = set(session.scalars(select(Card.id).where(Card.id.like(f"{base[:90]}%"))))
    taken.discard(allowed or "")
    candidate, number = base[:90], 1
    while candidate in taken:
        number += 1
        candidate = f"{base[:90]}-{number}"
    return candidate


def card_text(front: CardFront, answer: str) -> str:
    """The card file: YAML front matter in the bank's key order, then the answer."""
    data = front.model_dump(mode="json", exclude_none=True)
    ordered = {k: data.pop(k) for k in FRONT_ORDER if k in data}
    ordered.update(data)  # fields other features add to the schema keep their place at the end
    for key in ("synonyms", "aliases", "demos", "follow_ups", "references", "tags"):
        if ordered.get(key) == []:
            del ordered[key]
    dumped = yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{dumped}---\n{answer.strip()}\n"


def own_card(session: Session, user_id: int, card_id: str) -> Card | None:
    """The user's own card (retired ones too), or None."""
    card = session.get(Card, card_id) if is_card_id(card_id) else None
    return card if card is not None and card.owner_id == user_id else None


def live_own_card(session: Session, user_id: int, card_id: str) -> Card:
    """The user's own card that is not retired (what the edit form edits); else NotFound."""
    card = own_card(session, user_id, card_id)
    if card is None or card.retired:
        raise NotFound(f"No card of yours {card_id!r}.")
    return card


def editable_card(session: Session, user_id: int, card_id: str) -> Card:
    """A card the user sees and owns, for the API; a bank card is a Conflict (fork it first)."""
    card = get_card_or_404(session, card_id, user_id)
    if card.owner_id != user_id:
        raise Conflict(
            f"{card_id!r} is a bank card: fork it (POST /api/cards/{card_id}/fork) to edit"
        )
    return card


def save_card(
    session: Session,
    settings: Settings,
    user_id: int,
    draft: Draft,
    *,
    current: Card | None = None,
    extra_aliases: tuple[str, ...] = (),
    inherited_demos: tuple[dict[str, Any], ...] = (),
) -> str:
    """Create (``current`` None) or replace an own card; returns its id. Raises CardInvalid."""
    front, answer = _prepare(
        session, settings, user_id, draft, current, extra_aliases, inherited_demos
    )
    folder = user_folder(settings, user_id)
    topics = _own_topics(folder)
    known = set(session.scalars(select(Topic.id)))
    new_topics = _new_topics([(front, draft)], topics, known)
    text = card_text(front, answer)
    _check_in_scratch([(front, text)], [*topics, *new_topics], known)
    target = folder / front.topic / f"{front.id}.md"
    _write_atomic(target, text)
    if new_topics:
        _write_topics(folder, [*topics, *new_topics])
    if current is not None and current.source_path:
        old = folder / current.source_path
        if old.resolve() != target.resolve() and old.is_file():
            old.unlink()
    sync_user_cards(session, folder, user_id)
    if current is not None and current.id != front.id:
        move_notes(session, user_id, current.id, front.id)
    return front.id


def _prepare(
    session: Session,
    settings: Settings,
    user_id: int,
    draft: Draft,
    current: Card | None,
    extra_aliases: tuple[str, ...],
    inherited_demos: tuple[dict[str, Any], ...] = (),
) -> tuple[CardFront, str]:
    """The validated front matter and answer of a draft, or CardInvalid naming each field."""
    fields = dict(draft.fields)
    answer = draft.answer.strip()
    errors: dict[str, str] = {}
    if not answer:
        errors["answer"] = "write an answer"
    elif len(answer) > MAX_ANSWER_CHARS:
        errors["answer"] = f"at most {MAX_ANSWER_CHARS} characters"
    elif "\0" in answer:
        errors["answer"] = "must not contain a NUL character"
    # A new link must name a built demo; one the card (or the forked bank card) has is kept.
    inherited = [*(current.demos if current else []), *inherited_demos]
    unknown = [
        str(link.get("demo")) for link in fields.get("demos") or []
        if isinstance(link, dict) and link not in inherited
        and get_demo(str(link.get("demo"))) is None
    ]  # fmt: skip
    if unknown:
        errors["demos"] = f"unknown demo {unknown[0]!r} (the demos are listed on /demos)"
    given = str(fields.get("id") or "")
    aliases = list(current.aliases) if current else []
    if current is not None and given in (current.id, *aliases):
        card_id = given  # kept (or renamed back): an id the user had already, as it was
    elif given:
        card_id = namespaced(settings, user_id, given)
    elif current is not None:
        card_id = current.id
    else:
        base = namespaced(settings, user_id, id_from_text(str(fields.get("question", ""))))
        card_id = free_id(session, base)
    aliases += [a for a in extra_aliases if a not in aliases]
    if current is not None and card_id != current.id and current.id not in aliases:
        aliases.append(current.id)
    fields.update(id=card_id, aliases=[a for a in aliases if a != card_id])
    try:
        front = CardFront.model_validate(fields)
    except ValidationError as error:
        for err in error.errors():
            errors.setdefault(str(err["loc"][0]) if err["loc"] else "card", err["msg"])
        raise CardInvalid(errors) from None
    if errors:
        raise CardInvalid(errors)
    owner = session.get(Card, card_id)
    renamed_back = owner is not None and owner.owner_id == user_id and owner.id in aliases
    if owner is not None and (current is None or owner.id != current.id) and not renamed_back:
        raise CardInvalid({"id": f"{card_id!r} is already taken; choose another id"})
    return front, answer


def _new_topics(
    cards: list[tuple[CardFront, Draft]], topics: list[TopicEntry], known: set[str]
) -> list[TopicEntry]:
    """Topics the cards name that neither the database nor the user's topics.yaml has."""
    have = known | {t.id for t in topics}
    new: dict[str, TopicEntry] = {}
    for front, draft in cards:
        if front.topic not in have and front.topic not in new:
            title = (draft.topic_title or front.topic.replace("-", " ").capitalize()).strip()
            new[front.topic] = TopicEntry(
                id=front.topic, title=title[:200], description=f"{title} (own)"
            )
    return list(new.values())


def write_cards(
    session: Session,
    settings: Settings,
    user_id: int,
    drafts: list[Draft],
    *,
    dry_run: bool,
    on_draft: Callable[[int], None] | None = None,
) -> list[str]:
    """Write many new own cards at once (an import): all are valid, or none is written.

    Raises ImportInvalid listing every refused draft by its index; ``dry_run`` only validates.
    ``on_draft(total)`` is called after each draft is checked (the CLI's progress bar).
    """
    problems: list[tuple[int, str]] = []
    prepared: list[tuple[CardFront, str, Draft]] = []
    for index, draft in enumerate(drafts):
        if on_draft is not None:
            on_draft(len(drafts))
        try:
            front, answer = _prepare(session, settings, user_id, draft, None, ())
        except CardInvalid as error:
            problems.append((index, str(error)))
            continue
        prepared.append((front, answer, draft))
    seen: dict[str, int] = {}
    for index, (front, _, _) in enumerate(prepared):
        if front.id in seen:
            problems.append((index, f"duplicate id {front.id!r}"))
        seen.setdefault(front.id, index)
    if problems:
        raise ImportInvalid(problems)
    folder = user_folder(settings, user_id)
    topics = _own_topics(folder)
    known = set(session.scalars(select(Topic.id)))
    new_topics = _new_topics([(f, d) for f, _, d in prepared], topics, known)
    texts = [(front, card_text(front, answer)) for front, answer, _ in prepared]
    try:
        _check_in_scratch(texts, [*topics, *new_topics], known)
    except CardInvalid as error:
        raise ImportInvalid([(0, str(error))]) from None
    if dry_run or not texts:
        return [front.id for front, _ in texts]
    for front, text in texts:
        _write_atomic(folder / front.topic / f"{front.id}.md", text)
    if new_topics:
        _write_topics(folder, [*topics, *new_topics])
    sync_user_cards(session, folder, user_id)
    return [front.id for front, _ in texts]


def _own_topics(folder: Path) -> list[TopicEntry]:
    path = folder / TOPICS_FILE
    if not path.is_file():
        return []
    raw = load_yaml(path.read_text("utf-8")) or []
    return [TopicEntry.model_validate(entry) for entry in raw]


def _write_topics(folder: Path, topics: list[TopicEntry]) -> None:
    text = yaml.safe_dump([t.model_dump() for t in topics], sort_keys=False, allow_unicode=True)
    _write_atomic(folder / TOPICS_FILE, text)


def _check_in_scratch(
    cards: list[tuple[CardFront, str]], topics: list[TopicEntry], known: set[str]
) -> None:
    """Validate the files exactly as the loader will read them, before anything is written."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for front, text in cards:
            (root / front.topic).mkdir(exist_ok=True)
            (root / front.topic / f"{front.id}.md").write_text(text, "utf-8")
        if topics:
            (root / TOPICS_FILE).write_text(
                yaml.safe_dump([t.model_dump() for t in topics], sort_keys=False), "utf-8"
            )
        problems = read_user_bank(root, known).problems
    if problems:
        errors: dict[str, str] = {}
        for problem in problems:
            errors.setdefault(problem.field.split(".")[0], problem.message)
        raise CardInvalid(errors)


def _write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.tmp")
    scratch.write_text(text, "utf-8")
    os.replace(scratch, target)


def draft_of(card: Card) -> Draft:
    """A card row as a draft (editing starts from it; a fork copies it)."""
    fields = {
        "id": card.id, "question": card.question, "topic": card.topic_id, "level": card.level,
        "tags": list(card.tags), "key_points": list(card.key_points),
        "follow_ups": list(card.follow_ups), "demos": list(card.demos),
        "references": list(card.references), "synonyms": list(card.synonyms),
    }  # fmt: skip
    return Draft(fields, card.answer_md)


def fork_card(session: Session, settings: Settings, user_id: int, card: Card) -> str:
    """Copy a bank card into an own card that lists the bank id in ``aliases``.

    The loader moves this user's review history to the fork; the bank card stays for others
    and is hidden from this user while the fork exists (app.cards.visibility). An own card
    is a Conflict: edit it instead.
    """
    if card.owner_id is not None:
        raise Conflict(f"{card.id!r} is your own card already: edit it.")
    draft = draft_of(card)
    draft.fields["id"] = free_id(session, namespaced(settings, user_id, f"{card.id}-mine"))
    new_id = save_card(
        session, settings, user_id, draft, extra_aliases=(card.id,),
        inherited_demos=tuple(card.demos),
    )  # fmt: skip
    move_notes(session, user_id, card.id, new_id)
    return new_id


def retire_card(session: Session, settings: Settings, user_id: int, card: Card) -> None:
    """Delete = retire: the file moves to ``.retired/``, the row is hidden, history kept."""
    folder = user_folder(settings, user_id)
    source = folder / card.source_path
    if source.is_file():
        target = folder / RETIRED_DIR / card.source_path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    sync_user_cards(session, folder, user_id)


def restore_card(session: Session, settings: Settings, user_id: int, card_id: str) -> None:
    """Move a retired card's file back and sync; a Conflict when its file is gone."""
    card = own_card(session, user_id, card_id)
    if card is None or not card.retired:
        raise NotFound(f"No retired card of yours {card_id!r}.")
    folder = user_folder(settings, user_id)
    source = folder / RETIRED_DIR / card.source_path
    if not source.is_file():
        raise Conflict(f"The file of {card_id!r} is gone; it cannot be restored.")
    target = folder / card.source_path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(source, target)
    sync_user_cards(session, folder, user_id)


def retired_cards(session: Session, user_id: int) -> list[Card]:
    """The user's retired own cards (not the old ids a rename left behind)."""
    query = select(Card).where(
        Card.owner_id == user_id, Card.retired.is_(True), Card.content_hash != "alias"
    )
    return list(session.scalars(query.order_by(Card.updated_at.desc())))


def move_notes(session: Session, user_id: int, old_id: str, new_id: str) -> None:
    """A renamed or forked card keeps the user's note (unless the new id has one already)."""
    if session.get(CardNote, (user_id, new_id)) is not None:
        return
    with write(session, user_id):
        session.execute(
            update(CardNote)
            .where(CardNote.user_id == user_id, CardNote.card_id == old_id)
            .values(card_id=new_id)
        )


def sync_all_users(session: Session, settings: Settings) -> None:
    """At start-up: every user's folder (the local user's in single-user mode)."""
    from app.models import LOCAL_USER_ID, User

    root = settings.own_cards_dir
    if not settings.multi_user:
        sync_user_cards(session, root, LOCAL_USER_ID)
        return
    if not root.is_dir():
        return
    users = set(session.scalars(select(User.id)))
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and folder.name.isdigit() and int(folder.name) in users:
            sync_user_cards(session, folder, int(folder.name))


def save_media(settings: Settings, user_id: int, files: dict[str, bytes]) -> None:
    """Imported media (names already checked: one plain file name each) into the user's folder."""
    folder = user_folder(settings, user_id) / MEDIA_DIR
    for name, data in files.items():
        if Path(name).suffix.lower() in MEDIA_TYPES and Path(name).name == name:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)


def media_file(settings: Settings, user_id: int, name: str) -> tuple[Path, str] | None:
    """The user's media file of that plain name and its type, or None."""
    kind = MEDIA_TYPES.get(Path(name).suffix.lower())
    if kind is None or Path(name).name != name or name.startswith("."):
        return None
    path = user_folder(settings, user_id) / MEDIA_DIR / name
    return (path, kind) if path.is_file() else None
