"""A user's FSRS schedule in an Anki deck, so whoever imports it into Anki keeps their progress.

Anki keeps a card's scheduling in the ``cards`` row (``type``, ``queue``, ``due``, ``ivl``,
``reps``, ``lapses``) and, with FSRS on, its memory state in the ``data`` JSON: ``"s"``
(stability, days), ``"d"`` (difficulty, 1 to 10, as fsrs computes it) and ``"dr"`` (desired
retention), rounded as Anki does (2, 3 and 2 places; rslib ``storage/card/data.rs``). Every
answer goes into ``revlog``, so Anki's optimizer and its "compute memory states" see the history.
A review card's ``due`` counts days from the collection's creation (``col.crt``); a learning
card's is a Unix time in seconds.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ReviewLog, ReviewState
from app.study import store
from app.study.preferences import user_context
from app.study.scheduler import CardState, LogKind, State

DAY_SECONDS = 86400
REVIEW_FACTOR = 2500  # Anki's default ease: SM-2 reads it, FSRS does not
MAX_ANSWER_MS = 60_000  # Anki caps an answer's recorded time at 60 s
# Anki's card types (also its queues for these states) and revlog kinds.
ANKI_TYPE = {State.Learning: 1, State.Review: 2, State.Relearning: 3}
ANKI_QUEUE = {State.Learning: 1, State.Review: 2, State.Relearning: 1}
SUSPENDED_QUEUE = -1
REVLOG_TYPE: dict[str, int] = {
    LogKind.LEARN: 0,
    LogKind.REVIEW: 1,
    LogKind.RELEARN: 2,
    LogKind.CRAM: 3,
}


@dataclass(frozen=True)
class Answer:
    rating: int
    reviewed_at: datetime
    duration_ms: int | None
    kind: str
    due_after: datetime | None
    due_before: datetime | None
    last_before: datetime | None


@dataclass(frozen=True)
class CardSchedule:
    """One card's state for one user, with the answers that led to it (oldest first)."""

    state: CardState
    suspended: bool
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Schedule:
    """The FSRS schedule an export carries: per card id, and the retention it aims at."""

    desired_retention: float
    learning_steps: int
    relearning_steps: int
    cards: Mapping[str, CardSchedule]


def user_schedule(session: Session, user_id: int, card_ids: Iterable[str]) -> Schedule:
    """The user's stored states and review logs of these cards."""
    wanted = set(card_ids)
    answers: dict[str, list[Answer]] = {}
    logs = select(ReviewLog).where(ReviewLog.user_id == user_id).order_by(ReviewLog.id)
    last: dict[str, datetime] = {}
    for log in session.scalars(logs):
        if log.card_id not in wanted:
            continue
        answers.setdefault(log.card_id, []).append(
            Answer(
                log.rating,
                log.reviewed_at,
                log.duration_ms,
                log.kind,
                log.due_after,
                log.due_before,
                last.get(log.card_id),
            )
        )
        if log.kind != LogKind.CRAM:
            last[log.card_id] = log.reviewed_at
    cards = {}
    for row in session.scalars(select(ReviewState).where(ReviewState.user_id == user_id)):
        if row.card_id in wanted:
            cards[row.card_id] = CardSchedule(
                store.card_state(row), row.suspended, tuple(answers.get(row.card_id, ()))
            )
    settings = user_context(session, user_id).settings
    return Schedule(
        desired_retention=settings.desired_retention,
        learning_steps=len(settings.learning_steps_minutes),
        relearning_steps=len(settings.relearning_steps_minutes),
        cards=cards,
    )


def memory_data(state: CardState, desired_retention: float) -> str:
    """The ``cards.data`` JSON Anki reads an FSRS memory state from."""
    if state.stability is None or state.difficulty is None:
        return "{}"
    data = {
        "s": round(state.stability, 2),
        "d": round(state.difficulty, 3),
        "dr": round(desired_retention, 2),
    }
    return json.dumps(data, separators=(",", ":"))


def _days(seconds: float) -> int:
    return max(1, round(seconds / DAY_SECONDS))


def card_columns(
    card: CardSchedule, schedule: Schedule, created: int
) -> dict[str, int | str] | None:
    """The ``cards`` columns for this state (None: a new card, left as genanki wrote it)."""
    state = card.state
    if state.state is None or state.due is None:
        return {"queue": SUSPENDED_QUEUE} if card.suspended else None
    due_seconds = int(state.due.timestamp())
    last = state.last_review or state.due
    if state.state == State.Review:
        due = math.floor((due_seconds - created) / DAY_SECONDS)
        interval = _days((state.due - last).total_seconds())
        left = 0
    else:
        due = due_seconds
        interval = 0 if state.state == State.Learning else _days(state.stability or 1.0)
        steps = (
            schedule.learning_steps if state.state == State.Learning else schedule.relearning_steps
        )
        left = max(0, steps - (state.step or 0))
    return {
        "type": ANKI_TYPE[state.state],
        "queue": SUSPENDED_QUEUE if card.suspended else ANKI_QUEUE[state.state],
        "due": due,
        "ivl": interval,
        "factor": REVIEW_FACTOR if state.state != State.Learning else 0,
        "reps": state.reps,
        "lapses": state.lapses,
        "left": left,
        "data": memory_data(state, schedule.desired_retention),
    }


def _anki_interval(start: datetime | None, end: datetime | None) -> int:
    """Anki's revlog interval: days when a day or more, else negative seconds."""
    if start is None or end is None:
        return 0
    seconds = (end - start).total_seconds()
    return _days(seconds) if seconds >= DAY_SECONDS else -max(1, round(seconds))


def revlog_rows(answers: Iterable[Answer], anki_card_id: int) -> list[tuple[int, ...]]:
    """``revlog`` rows (id is the answer's time in ms, as Anki's own ids are)."""
    rows: list[tuple[int, ...]] = []
    for a in answers:
        rows.append(
            (
                int(a.reviewed_at.astimezone(UTC).timestamp() * 1000),
                anki_card_id,
                -1,
                a.rating,
                _anki_interval(a.reviewed_at, a.due_after),
                _anki_interval(a.last_before, a.due_before),
                REVIEW_FACTOR,
                min(MAX_ANSWER_MS, a.duration_ms or 0),
                REVLOG_TYPE.get(a.kind, 1),
            )
        )
    return rows


def write_schedule(db: sqlite3.Connection, schedule: Schedule, guids: Mapping[str, str]) -> int:
    """Set each scheduled card's row and revlog in genanki's collection; returns cards set."""
    (created,) = db.execute("SELECT crt FROM col").fetchone()
    taken: set[int] = set()
    written = 0
    for card_id, card in schedule.cards.items():
        found = db.execute(
            "SELECT cards.id FROM cards JOIN notes ON notes.id = cards.nid WHERE notes.guid = ?",
            (guids[card_id],),
        ).fetchone()
        columns = card_columns(card, schedule, created)
        if found is None or columns is None:
            continue
        (anki_id,) = found
        names = ", ".join(f"{name} = ?" for name in columns)
        db.execute(f"UPDATE cards SET {names} WHERE id = ?", (*columns.values(), anki_id))
        for row in revlog_rows(card.answers, anki_id):
            revlog_id = row[0]
            while revlog_id in taken:  # two answers in the same millisecond
                revlog_id += 1
            taken.add(revlog_id)
            db.execute("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", (revlog_id, *row[1:]))
        written += 1
    return written
