"""Sync a parsed ``Bank`` (app.content.parse) into the database.

Syncing writes only what changed (by content hash); a card whose file is gone is retired,
never deleted, so its review history stays. A user's own cards are synced with an owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard, cast

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.content.parse import Bank, ParsedCard, Problem, read_bank, read_user_bank
from app.content.schema import LEVELS, PointText
from app.db import write
from app.markdown import render_markdown
from app.models import Card, ReviewLog, ReviewState, Topic
from app.orm import utcnow

LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}
# Positions of own cards start here, after every bank card, so bank order stays as it was.
OWN_POSITION_BASE = 1_000_000


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


@dataclass(frozen=True)
class Upsert:
    """Insert or update one topic or card row with ``values``."""

    model: type[Card] | type[Topic]
    key: str
    values: dict[str, Any]

    def __call__(self, session: Session) -> None:
        row = session.get(self.model, self.key)
        if row is None:
            session.add(self.model(id=self.key, **self.values))
        else:
            for name, value in self.values.items():
                setattr(row, name, value)
        session.flush()


@dataclass(frozen=True)
class Retire:
    """Hide a card whose file is gone (its history stays)."""

    card_id: str

    def __call__(self, session: Session) -> None:
        session.execute(update(Card).where(Card.id == self.card_id).values(retired=True))


@dataclass(frozen=True)
class MoveHistory:
    """The renamed card takes over the old id's review states and logs.

    With ``user_id`` (own cards) only that user's history moves, and the old card is retired
    only when it is that user's own card: a forked bank card stays for everyone else.
    """

    old_id: str
    new_id: str
    user_id: int | None = None

    def __call__(self, session: Session) -> None:
        old_id, new_id, user_id = self.old_id, self.new_id, self.user_id
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


# One write of a sync plan: values the own-cards plan can read back and narrow (see _owned).
Write = Upsert | Retire | MoveHistory


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
            plan.append(Upsert(Topic, entry.id, values))
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
            plan.append(Upsert(Card, card.front.id, _card_values(card, position)))
        for alias in card.front.aliases:
            old = cards.get(alias)
            if old is not None and not (old.retired and old.content_hash == "alias"):
                report.aliased += 1
                plan.append(MoveHistory(alias, card.front.id))
    current = {c.front.id for c in bank.cards}
    # A card whose file is invalid is kept as it was: it is not gone, only broken for now.
    keep = current | bank.invalid_ids | {a for c in bank.cards for a in c.front.aliases}
    for card_id, card_row in cards.items():
        if card_id not in keep and not card_row.retired:
            report.retired += 1
            plan.append(Retire(card_id))
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
    plan = [a for a in plan if not (_is_topic(a) and a.key in own_topics)]
    for card in bank.cards:
        for alias in card.front.aliases:
            if alias in forked:
                report.aliased += 1
                plan.append(MoveHistory(alias, card.front.id, owner_id))
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


def _is_topic(action: Write) -> TypeGuard[Upsert]:
    return isinstance(action, Upsert) and action.model is Topic


def _owned(action: Write, owner_id: int) -> Write:
    """An own-card write: card rows get the owner; renames move only the owner's history."""
    if isinstance(action, Upsert) and action.model is Card:
        action.values["owner_id"] = owner_id
    if isinstance(action, MoveHistory) and action.user_id is None:
        return MoveHistory(action.old_id, action.new_id, owner_id)
    return action


def _card_values(card: ParsedCard, position: int) -> dict[str, Any]:
    """The row of a parsed card.

    Deriving a field differently here needs a RENDER_VERSION bump (app.content.parse):
    otherwise the rows of unchanged files keep the old value.
    """
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


def load_content(session: Session, content_dir: Path, *, skip_invalid: bool = False) -> LoadReport:
    """Parse and sync in one call (used at start-up and by ``dlcards content load``)."""
    return sync_bank(session, read_bank(content_dir), skip_invalid=skip_invalid)


def sync_user_cards(session: Session, folder: Path, user_id: int) -> LoadReport:
    """Sync one user's own card files (an invalid file is skipped and its row kept as it was)."""
    known = set(session.scalars(select(Topic.id)))
    return sync_bank(session, read_user_bank(folder, known), skip_invalid=True, owner_id=user_id)
