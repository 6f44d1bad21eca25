"""Recompute every ``review_states`` row from ``review_logs`` alone (the log is the truth).

A rebuild replays each card's answers through FSRS with the user's current parameters,
recomputing stability, difficulty, repetitions, lapses and last review, while the state,
learning step and due date of each answer are taken as the log recorded them: changing the
desired retention or the steps later does not move cards already scheduled (as in Anki),
so a rebuild reproduces the stored states exactly whatever settings were used over time.
``reschedule`` instead replays every answer under the current settings, due dates included.

The numbers derived from the log are checked and repaired on the way: each answer's
``elapsed_days`` per group of cards, and the user's ``review_hours`` recounted at the end in a
write transaction of its own (the triggers keep them exact; a recount repairs a database
written around them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import db
from app.models import ReviewLog, ReviewState, User
from app.study import elapsed, hours, store
from app.study.preferences import UserContext
from app.study.scheduler import NEW_CARD, SCHEDULING_ERRORS, CardState, LogKind, State, review

BATCH = 5000


@dataclass
class RebuildReport:
    """How many cards were replayed and which stored states differed from the replay."""

    users: int = 0
    cards: int = 0
    reviews: int = 0
    mismatched: list[tuple[int, str]] = field(default_factory=list)
    # Cards whose log FSRS cannot replay (a date or state an older version let in), with why;
    # they are reported and left as stored, never a crash for the other cards and users.
    broken: list[tuple[int, str, str]] = field(default_factory=list)
    parameter_problems: list[tuple[int, str]] = field(default_factory=list)
    # Answers whose stored elapsed_days, and (user, hours) whose review_hours counts, differed
    # from a recount of the log (rewritten unless only checking).
    elapsed_drift: int = 0
    hour_drift: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Unreplayable:
    """A card whose answers could not be replayed, and why."""

    reason: str


# Answers replayed per write transaction: a rebuild of a million answers (an adopted fit, new
# parameters) commits every few thousand, so a grade in between waits a fraction of a second
# for the write lock instead of the whole rebuild (and never past the busy timeout).
MAX_CHUNK_ANSWERS = 5_000
MAX_CHUNK_CARDS = 500  # and few enough ids for one IN (...) on every database
# SQLite's waiting writers poll the lock (its busy handler sleeps up to 100 ms between tries):
# without a pause the next group's BEGIN IMMEDIATE wins every time and a grade waits for the
# whole rebuild. PostgreSQL queues the waiters on the user's row lock, so it needs none.
SQLITE_PAUSE_SECONDS = 0.1


def replayed_states(
    session: Session,
    ctx: UserContext,
    *,
    reschedule: bool = False,
    card_ids: Sequence[str] | None = None,
) -> Iterator[tuple[str, CardState | Unreplayable]]:
    """Each reviewed card's state (of ``card_ids``, or all), replayed from its non-cram answers
    in the order applied."""
    query = select(
        ReviewLog.card_id,
        ReviewLog.rating,
        ReviewLog.reviewed_at,
        ReviewLog.state_after,
        ReviewLog.step_after,
        ReviewLog.due_after,
    ).where(ReviewLog.user_id == ctx.user_id, ReviewLog.kind != LogKind.CRAM)
    if card_ids is not None:
        query = query.where(ReviewLog.card_id.in_(card_ids))
    rows = session.execute(
        query.order_by(ReviewLog.card_id, ReviewLog.id).execution_options(yield_per=BATCH)
    )
    for card_id, answers in groupby(rows, key=lambda r: r.card_id):
        state: CardState | Unreplayable = NEW_CARD
        key = ctx.fuzz_key(card_id)
        for answer in answers:
            if isinstance(state, Unreplayable):
                continue  # drain the group
            try:
                state = review(ctx.config, state, answer.rating, answer.reviewed_at, key).after
                if not reschedule and answer.state_after is not None and answer.due_after:
                    state = replace(
                        state,
                        state=State(answer.state_after),
                        step=answer.step_after,
                        due=answer.due_after,
                    )
            except SCHEDULING_ERRORS as error:
                state = Unreplayable(f"review at {answer.reviewed_at}: {error}")
        yield card_id, state


def card_chunks(session: Session, user_id: int) -> list[list[str]]:
    """The user's reviewed cards, in card order, in groups of about ``MAX_CHUNK_ANSWERS``
    answers (a card with more is a group of its own)."""
    counts = session.execute(
        select(ReviewLog.card_id, func.count())
        .where(ReviewLog.user_id == user_id, ReviewLog.kind != LogKind.CRAM)
        .group_by(ReviewLog.card_id)
        .order_by(ReviewLog.card_id)
    )
    chunks: list[list[str]] = []
    chunk: list[str] = []
    answers = 0
    for card_id, count in counts:
        if chunk and (answers + count > MAX_CHUNK_ANSWERS or len(chunk) >= MAX_CHUNK_CARDS):
            chunks.append(chunk)
            chunk, answers = [], 0
        chunk.append(card_id)
        answers += count
    if chunk:
        chunks.append(chunk)
    return chunks


def reviewed_cards(session: Session) -> int:
    """How many (user, card) pairs have answers: the units of work of a rebuild."""
    pairs = select(ReviewLog.user_id, ReviewLog.card_id).distinct().subquery()
    return int(session.scalar(select(func.count()).select_from(pairs)) or 0)


def rebuild_user(
    session: Session,
    ctx: UserContext,
    *,
    write: bool = True,
    reschedule: bool = False,
    now: datetime | None = None,
    commit: bool = True,
    on_card: Callable[[], None] | None = None,
) -> RebuildReport:
    """Replay one user's log; with ``write`` store the replayed states (flags are kept).

    With ``commit`` each group of cards is replayed and written in a write transaction of its
    own, so the user's answers meanwhile wait briefly and each group reads the answers
    committed before it (an answer given during the rebuild is replayed or was scheduled with
    the same context). ``commit=False`` writes inside the caller's transaction (an import that
    rolls back whole).
    """
    now = now or datetime.now(UTC)
    report = RebuildReport(users=1)
    if ctx.parameters_problem:
        report.parameter_problems.append((ctx.user_id, ctx.parameters_problem))

    def transaction() -> AbstractContextManager[object]:
        return db.write(session, ctx.user_id) if write and commit else nullcontext()

    for index, chunk in enumerate(card_chunks(session, ctx.user_id)):
        if index and write and commit and session.get_bind().dialect.name == "sqlite":
            time.sleep(SQLITE_PAUSE_SECONDS)
        with transaction():
            _replay_chunk(session, ctx, chunk, report, write, reschedule, now, on_card)
    with transaction():
        _reset_unanswered(session, ctx, report, write, now)
    with transaction():
        drifted = hours.drift(session, ctx.user_id)
        if drifted:
            report.hour_drift.append((ctx.user_id, drifted))
            if write:
                hours.recount(session, ctx.user_id)
    return report


def _replay_chunk(
    session: Session,
    ctx: UserContext,
    card_ids: list[str],
    report: RebuildReport,
    write: bool,
    reschedule: bool,
    now: datetime,
    on_card: Callable[[], None] | None,
) -> None:
    rows = {
        row.card_id: row
        for row in session.scalars(
            select(ReviewState)
            .where(ReviewState.user_id == ctx.user_id, ReviewState.card_id.in_(card_ids))
            # Rows this session loaded before (its identity map) may be older than the database.
            .execution_options(populate_existing=True)
        )
    }
    if write:
        report.elapsed_drift += elapsed.recompute(session, ctx.user_id, card_ids)
    else:
        report.elapsed_drift += elapsed.drift(session, ctx.user_id, card_ids)
    for card_id, state in replayed_states(session, ctx, reschedule=reschedule, card_ids=card_ids):
        if on_card is not None:
            on_card()
        if isinstance(state, Unreplayable):
            report.broken.append((ctx.user_id, card_id, state.reason))
            continue
        report.cards += 1
        report.reviews += state.reps
        row = rows.get(card_id)
        if row is None or store.card_state(row) != state:
            report.mismatched.append((ctx.user_id, card_id))
            if write:
                row = row or store.ensure_row(session, ctx.user_id, card_id, now)
                store.write_state(row, state)


def _reset_unanswered(
    session: Session, ctx: UserContext, report: RebuildReport, write: bool, now: datetime
) -> None:
    """A stored state with repetitions but no (non-cram) answer left in the log is new again."""
    answered = select(ReviewLog.id).where(
        ReviewLog.user_id == ReviewState.user_id,
        ReviewLog.card_id == ReviewState.card_id,
        ReviewLog.kind != LogKind.CRAM,
    )
    orphans = session.scalars(
        select(ReviewState)
        .where(ReviewState.user_id == ctx.user_id, ReviewState.reps > 0, ~answered.exists())
        .order_by(ReviewState.card_id)
        .execution_options(populate_existing=True)
    )
    for row in orphans.all():
        report.mismatched.append((ctx.user_id, row.card_id))
        if write:
            store.set_new(row, now)
            if store.is_new_row_removable(row):
                session.delete(row)


def rebuild_all(
    session: Session,
    context_of: Callable[[Session, int], UserContext],
    *,
    write: bool = True,
    reschedule: bool = False,
    on_card: Callable[[], None] | None = None,
) -> RebuildReport:
    """Rebuild every user's states; ``context_of`` gives each user's settings and scheduler."""
    total = RebuildReport()
    for user_id in session.scalars(select(User.id).order_by(User.id)).all():
        report = rebuild_user(
            session,
            context_of(session, user_id),
            write=write,
            reschedule=reschedule,
            on_card=on_card,
        )
        total.users += 1
        total.cards += report.cards
        total.reviews += report.reviews
        total.mismatched.extend(report.mismatched)
        total.broken.extend(report.broken)
        total.parameter_problems.extend(report.parameter_problems)
        total.elapsed_drift += report.elapsed_drift
        total.hour_drift.extend(report.hour_drift)
    return total
