"""Parse the question bank and sync it into the database.

Parsing never stops at the first bad file: every problem is collected as a
``Problem(path, line, field, message)`` so ``dlcards content check`` can list them all.
Syncing writes only what changed (by content hash); a card whose file is gone is retired,
never deleted, so its review history stays. A user's own cards (app.cards.own) are card files
of the same format in that user's folder, read by ``read_user_bank`` and synced with an owner.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.content.schema import LEVELS, CardFront, PointText, TopicEntry
from app.db import write
from app.markdown import render_markdown
from app.models import Card, ReviewLog, ReviewState, Topic
from app.orm import utcnow

TOPICS_FILE = "topics.yaml"
NESTED_TOO_DEEPLY = "nested too deeply to read"
# libyaml's parser (PyYAML's wheels carry it), else the pure-Python one: the whole bank is read
# at every start, and the Python parser took 0.9 s of a 4.3 s start (bench/startup.py).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse YAML safely (plain data only), with the fastest parser this PyYAML has."""
    return yaml.load(text, Loader=YAML_LOADER)


FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n?(.*)\Z", re.DOTALL)
LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}
MIN_ANSWER_WORDS = 20
MAX_ANSWER_WORDS = 600
# Own cards (imported from Anki, written in a hurry) may be as short as one word.
MIN_OWN_ANSWER_WORDS = 1
# Positions of own cards start here, after every bank card, so bank order stays as it was.
OWN_POSITION_BASE = 1_000_000
# Part of every card's content hash. Bump it whenever a field derived from unchanged files
# changes (rendered HTML, markdown/pygments options, a new stored derived column): a card is
# re-derived only when its hash changes, so without a bump old rows keep the old output.
RENDER_VERSION = "1"


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class ParsedCard:
    front: CardFront
    body: str
    path: str
    content_hash: str


@dataclass
class Bank:
    topics: list[TopicEntry] = field(default_factory=list)
    cards: list[ParsedCard] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def invalid_ids(self) -> set[str]:
        """Ids (file names) of cards whose files exist but failed validation."""
        return {Path(p.path).stem for p in self.problems if p.path.endswith(".md")}


@dataclass
class LoadReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    aliased: int = 0
    skipped: int = 0

    @property
    def writes(self) -> int:
        return self.inserted + self.updated + self.retired + self.aliased

    def __str__(self) -> str:
        return (
            f"{self.inserted} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.retired} retired, {self.aliased} renamed, {self.skipped} invalid skipped"
        )


class ContentError(Exception):
    """The bank has invalid files; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_bank(content_dir: Path) -> Bank:
    """Parse topics.yaml and every card file, collecting every problem found."""
    bank = Bank()
    if not content_dir.is_dir():
        bank.problems.append(Problem(str(content_dir), 0, "content_dir", "folder not found"))
        return bank
    bank.topics = _read_topics(content_dir / TOPICS_FILE, bank.problems)
    _read_cards(bank, content_dir, {t.id for t in bank.topics}, MIN_ANSWER_WORDS)
    return bank


def read_user_bank(folder: Path, known_topics: set[str]) -> Bank:
    """A user's own card files: topics are the known ones plus the folder's optional topics.yaml.

    Folders whose name starts with a dot (``.retired``) are not read.
    """
    bank = Bank()
    if not folder.is_dir():
        return bank
    if (folder / TOPICS_FILE).exists():
        bank.topics = _read_topics(folder / TOPICS_FILE, bank.problems)
    _read_cards(bank, folder, known_topics | {t.id for t in bank.topics}, MIN_OWN_ANSWER_WORDS)
    return bank


def _read_cards(bank: Bank, content_dir: Path, topic_ids: set[str], min_words: int) -> None:
    seen: dict[str, str] = {}
    paths = [p for p in content_dir.glob("*/*.md") if not p.parent.name.startswith(".")]
    for path in sorted(paths):
        card = _read_card(path, content_dir, topic_ids, bank.problems, min_words)
        if card is None:
            continue
        first = seen.get(card.front.id)
        if first is not None:
            bank.problems.append(
                Problem(
                    str(path),
                    _key_line(path.read_text("utf-8"), "id"),
                    "id",
                    f"duplicate id {card.front.id!r}, also in {first}",
                )
            )
            continue
        seen[card.front.id] = card.path
        bank.cards.append(card)
    _check_aliases(bank, content_dir)


def _read_topics(path: Path, problems: list[Problem]) -> list[TopicEntry]:
    try:
        raw = load_yaml(path.read_text("utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), 0, "topics", "file not found"))
        return []
    except OSError as error:
        problems.append(Problem(str(path), 0, "topics", f"cannot be read ({error.strerror})"))
        return []
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        problems.append(Problem(str(path), line, "file", "not valid UTF-8"))
        return []
    except yaml.YAMLError as error:
        problems.append(Problem(str(path), _yaml_line(error), "yaml", _yaml_message(error)))
        return []
    except RecursionError:
        problems.append(Problem(str(path), 1, "yaml", NESTED_TOO_DEEPLY))
        return []
    if not isinstance(raw, list):
        problems.append(Problem(str(path), 1, "topics", "expected a list of topics"))
        return []
    topics = []
    for index, entry in enumerate(raw):
        try:
            topics.append(TopicEntry.model_validate(entry))
        except ValidationError as error:
            for err in error.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "topic"
                problems.append(Problem(str(path), 0, f"[{index}].{loc}", err["msg"]))
    return topics


def _read_card(
    path: Path,
    content_dir: Path,
    topic_ids: set[str],
    problems: list[Problem],
    min_words: int = MIN_ANSWER_WORDS,
) -> ParsedCard | None:
    display = str(path)
    try:
        raw_bytes = path.read_bytes()
        source = raw_bytes.decode("utf-8")
    except OSError as error:  # a folder named x.md, a dangling link, no permission
        problems.append(Problem(display, 0, "file", f"not a readable file ({error.strerror})"))
        return None
    except UnicodeDecodeError as error:
        line = raw_bytes[: error.start].count(b"\n") + 1
        problems.append(Problem(display, line, "file", "not valid UTF-8"))
        return None
    if "\0" in source:
        line = source[: source.index("\0")].count("\n") + 1
        problems.append(Problem(display, line, "file", "contains a NUL byte"))
        return None
    match = FRONT_MATTER.match(source)
    if match is None:
        problems.append(Problem(display, 1, "front matter", "file must start with a '---' block"))
        return None
    front_text, body = match.group(1), match.group(2).strip()
    try:
        data = load_yaml(front_text)
    except yaml.YAMLError as error:
        problems.append(Problem(display, _yaml_line(error) + 1, "yaml", _yaml_message(error)))
        return None
    except RecursionError:
        problems.append(Problem(display, 2, "yaml", NESTED_TOO_DEEPLY))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(display, 2, "front matter", "expected 'key: value' lines"))
        return None
    try:
        front = CardFront.model_validate(data)
    except ValidationError as error:
        for err in error.errors():
            key = str(err["loc"][0]) if err["loc"] else "front matter"
            loc = ".".join(str(p) for p in err["loc"]) or key
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            problems.append(Problem(display, _loc_line(source, err["loc"]), loc, message))
        return None
    before = len(problems)

    def report(key: str, message: str) -> None:
        problems.append(Problem(display, _key_line(source, key), key, message))

    if path.stem != front.id:
        report("id", f"must equal the file name {path.stem!r}")
    if path.parent.name != front.topic:
        report("topic", f"must equal the folder name {path.parent.name!r}")
    elif front.topic not in topic_ids:
        report("topic", f"unknown topic {front.topic!r}: add it to {TOPICS_FILE}")
    words = len(body.split())
    if not min_words <= words <= MAX_ANSWER_WORDS:
        body_line = source[: match.start(2)].count("\n") + 1
        expected = f"{min_words}-{MAX_ANSWER_WORDS}"
        problems.append(
            Problem(display, body_line, "answer", f"{words} words; expected {expected}")
        )
    problems.extend(_check_demo_links(display, source, front))
    if len(problems) > before:
        return None
    digest = hashlib.sha256(raw_bytes + RENDER_VERSION.encode()).hexdigest()
    return ParsedCard(front, body, str(path.relative_to(content_dir)), digest)


def _check_demo_links(display: str, source: str, front: CardFront) -> list[Problem]:
    """A link to a built demo must carry parameters that demo accepts."""
    from app.demos.registry import get_demo

    problems = []
    for index, link in enumerate(front.demos):
        demo = get_demo(link.demo)
        if demo is None:
            continue  # not built yet: shown disabled on the card page
        try:
            demo.params.model_validate(link.params)
        except ValidationError as error:
            for err in error.errors():
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(
                    Problem(
                        display,
                        _key_line(source, "demos"),
                        f"demos[{index}].params.{loc}",
                        f"{link.demo}: {err['msg']}",
                    )
                )
    return problems


def _check_aliases(bank: Bank, content_dir: Path) -> None:
    ids = {card.front.id: card.path for card in bank.cards}
    for card in bank.cards:
        for alias in card.front.aliases:
            if alias in ids:
                bank.problems.append(
                    Problem(
                        str(content_dir / card.path),
                        1,
                        "aliases",
                        f"{alias!r} is the id of a current card ({ids[alias]})",
                    )
                )


def _key_line(source: str, key: str) -> int:
    """1-based line of a top-level front-matter key, or 1 when it is absent."""
    match = re.search(rf"^{re.escape(key)}\s*:", source, re.MULTILINE)
    return source[: match.start()].count("\n") + 1 if match else 1


def _loc_line(source: str, loc: tuple[Any, ...]) -> int:
    """Line of the offending value: the n-th ``- item`` of a list key, else the key's line."""
    line = _key_line(source, str(loc[0])) if loc else 1
    if len(loc) < 2 or not isinstance(loc[1], int):
        return line
    lines = source.splitlines()
    seen = -1
    for number in range(line, len(lines)):
        text = lines[number]
        if text and not text[0].isspace() and not text.startswith("-"):
            break  # the next top-level key
        if re.match(r"^\s*- ", text) and len(text) - len(text.lstrip()) <= 2:
            seen += 1
            if seen == loc[1]:
                return number + 1
    return line


def _yaml_line(error: yaml.YAMLError) -> int:
    mark = getattr(error, "problem_mark", None)
    return mark.line + 1 if mark is not None else 1


def _yaml_message(error: yaml.YAMLError) -> str:
    message = str(getattr(error, "problem", None) or error).strip()
    # libyaml stops at a depth of 1,000 where Python's parser hits its recursion limit
    return NESTED_TOO_DEEPLY if "maximum nesting depth" in message else message


def sync_bank(
    session: Session, bank: Bank, *, skip_invalid: bool = False, owner_id: int | None = None
) -> LoadReport:
    """Write the parsed bank to the database; refuse (change nothing) if it has problems.

    With ``owner_id`` the bank is that user's own cards: only their rows are compared, retired
    or renamed, their topics never overwrite existing ones, and an alias that names a bank card
    (a fork) moves only this user's history, leaving the bank card to everyone else.
    """
    if bank.problems and not skip_invalid:
        raise ContentError(bank.problems)
    report = LoadReport(skipped=len(bank.problems))
    existing_topics = {t.id: t for t in session.scalars(select(Topic))}
    mine = Card.owner_id.is_(None) if owner_id is None else Card.owner_id == owner_id
    existing_cards = {c.id: c for c in session.scalars(select(Card).where(mine))}
    if owner_id is not None:
        _refuse_taken_ids(session, bank, existing_cards, report)
    base = 0 if owner_id is None else OWN_POSITION_BASE
    plan = _plan(bank, existing_topics, existing_cards, report, base)
    if owner_id is not None:
        plan = _own_plan(session, bank, existing_topics, existing_cards, report, owner_id, plan)
    if not plan:
        session.rollback()
        return report
    with write(session, owner_id):
        for action in plan:
            action(session)
    return report


# One write of a sync plan; some carry attributes the own-cards plan reads back (see _owned).
Write = Callable[[Session], None]


def _plan(
    bank: Bank,
    topics: dict[str, Topic],
    cards: dict[str, Card],
    report: LoadReport,
    position_base: int = 0,
) -> list[Write]:
    """The list of writes that bring the database to the bank; empty when nothing changed."""
    plan: list[Write] = []
    for position, entry in enumerate(bank.topics, position_base):
        row = topics.get(entry.id)
        values = {"title": entry.title, "description": entry.description, "position": position}
        if row is None or any(getattr(row, k) != v for k, v in values.items()):
            plan.append(_upsert(Topic, entry.id, values))
    topic_rank = {t.id: i for i, t in enumerate(bank.topics)}
    # Bank order: by topic, then level; within a level the concept cards before the practice
    # problems that apply them, so a new card's computation comes after its idea.
    ordered = sorted(
        bank.cards,
        key=lambda c: (
            topic_rank.get(c.front.topic, 99),
            LEVEL_ORDER[c.front.level],
            c.front.problem is not None,
            c.front.id,
        ),
    )
    for position, card in enumerate(ordered, position_base):
        card_row = cards.get(card.front.id)
        if (
            card_row is not None
            and card_row.content_hash == card.content_hash
            and not card_row.retired
            and (card_row.position == position)
        ):
            report.unchanged += 1
        else:
            if card_row is None:
                report.inserted += 1
            else:
                report.updated += 1
            plan.append(_upsert(Card, card.front.id, _card_values(card, position)))
        for alias in card.front.aliases:
            old = cards.get(alias)
            if old is not None and not (old.retired and old.content_hash == "alias"):
                report.aliased += 1
                plan.append(_move_history(alias, card.front.id))
    current = {c.front.id for c in bank.cards}
    # A card whose file is invalid is kept as it was: it is not gone, only broken for now.
    keep = current | bank.invalid_ids | {a for c in bank.cards for a in c.front.aliases}
    for card_id, card_row in cards.items():
        if card_id not in keep and not card_row.retired:
            report.retired += 1
            plan.append(_retire(card_id))
    return plan


def _own_plan(
    session: Session,
    bank: Bank,
    topics: dict[str, Topic],
    cards: dict[str, Card],
    report: LoadReport,
    owner_id: int,
    plan: list[Write],
) -> list[Write]:
    """Turn the plan of a plain sync into the plan of one user's own cards (see sync_bank)."""
    own_topics = {t.id for t in bank.topics if t.id in topics}
    aliases = {a for c in bank.cards for a in c.front.aliases}
    mine = set(
        session.scalars(select(ReviewState.card_id).where(ReviewState.user_id == owner_id))
    ) | set(session.scalars(select(ReviewLog.card_id).where(ReviewLog.user_id == owner_id)))
    forked = {
        c.id
        for c in session.scalars(select(Card).where(Card.id.in_(aliases - set(cards))))
        if c.id in mine
    }
    plan = [a for a in plan if getattr(a, "topic", None) not in own_topics]
    for card in bank.cards:
        for alias in card.front.aliases:
            if alias in forked:
                report.aliased += 1
                plan.append(_move_history(alias, card.front.id, owner_id))
    return [_owned(a, owner_id) for a in plan]


def _refuse_taken_ids(
    session: Session, bank: Bank, cards: dict[str, Card], report: LoadReport
) -> None:
    """An own card file whose id is a bank card's or another user's is skipped, never synced."""
    ids = [c.front.id for c in bank.cards if c.front.id not in cards]
    taken = set(session.scalars(select(Card.id).where(Card.id.in_(ids)))) if ids else set()
    for card in [c for c in bank.cards if c.front.id in taken]:
        bank.cards.remove(card)
        bank.problems.append(Problem(card.path, 1, "id", f"{card.front.id!r} is already taken"))
        report.skipped += 1


def _owned(action: Write, owner_id: int) -> Write:
    """An own-card write: card rows get the owner; renames move only the owner's history."""
    values = getattr(action, "values", None)
    if values is not None and "content_hash" in values:
        values["owner_id"] = owner_id
    if getattr(action, "moves_all_history", False):
        old, new = action.old_id, action.new_id  # type: ignore[attr-defined]  # see _move_history
        return _move_history(old, new, owner_id)
    return action


def _card_values(card: ParsedCard, position: int) -> dict[str, Any]:
    front = card.front
    return {
        "topic_id": front.topic,
        "question": front.question,
        "answer_md": card.body,
        "answer_html": render_markdown(card.body),
        "level": front.level,
        "tags": front.tags,
        "key_points": front.key_points,
        "follow_ups": front.follow_ups,
        "demos": [link.model_dump(exclude_none=True) for link in front.demos],
        "references": front.references,
        "synonyms": front.synonyms,
        # KeyPointEntry's validator makes each key point a PointText (a str with confusions)
        "key_point_confusions": [list(cast(PointText, p).confusions) for p in front.key_points],
        "aliases": front.aliases,
        "problem": front.problem.model_dump() if front.problem else None,
        "source_path": card.path,
        "content_hash": card.content_hash,
        "position": position,
        "retired": False,
        "updated_at": utcnow(),
    }


def _upsert(model: type[Card] | type[Topic], key: str, values: dict[str, Any]) -> Write:
    def apply(session: Session) -> None:
        row = session.get(model, key)
        if row is None:
            session.add(model(id=key, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        session.flush()

    apply.values = values  # type: ignore[attr-defined]  # what _owned reads back
    if model is Topic:
        apply.topic = key  # type: ignore[attr-defined]  # what _own_plan filters on
    return apply


def _retire(card_id: str) -> Write:
    def apply(session: Session) -> None:
        session.execute(update(Card).where(Card.id == card_id).values(retired=True))

    return apply


def _move_history(old_id: str, new_id: str, user_id: int | None = None) -> Write:
    """The renamed card takes over the old id's review states and logs.

    With ``user_id`` (own cards) only that user's history moves, and the old card is retired
    only when it is that user's own card: a forked bank card stays for everyone else.
    """

    def apply(session: Session) -> None:
        users = [] if user_id is None else [ReviewLog.user_id == user_id]
        session.execute(
            update(ReviewLog).where(ReviewLog.card_id == old_id, *users).values(card_id=new_id)
        )
        taken = set(
            session.scalars(select(ReviewState.user_id).where(ReviewState.card_id == new_id))
        )
        states = [] if user_id is None else [ReviewState.user_id == user_id]
        session.execute(
            update(ReviewState)
            .where(ReviewState.card_id == old_id, ReviewState.user_id.not_in(taken), *states)
            .values(card_id=new_id)
        )
        session.execute(delete(ReviewState).where(ReviewState.card_id == old_id, *states))
        old = [] if user_id is None else [Card.owner_id == user_id]
        session.execute(
            update(Card).where(Card.id == old_id, *old).values(retired=True, content_hash="alias")
        )

    # What _owned reads back to narrow a bank rename to one user's history:
    apply.moves_all_history = user_id is None  # type: ignore[attr-defined]
    apply.old_id, apply.new_id = old_id, new_id  # type: ignore[attr-defined]
    return apply


def load_content(session: Session, content_dir: Path, *, skip_invalid: bool = False) -> LoadReport:
    """Parse and sync in one call (used at start-up and by ``dlcards content load``)."""
    return sync_bank(session, read_bank(content_dir), skip_invalid=skip_invalid)


def sync_user_cards(session: Session, folder: Path, user_id: int) -> LoadReport:
    """Sync one user's own card files (an invalid file is skipped and its row kept as it was)."""
    known = set(session.scalars(select(Topic.id)))
    return sync_bank(session, read_user_bank(folder, known), skip_invalid=True, owner_id=user_id)
