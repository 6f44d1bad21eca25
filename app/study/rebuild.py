"""Recompute every ``review_states`` row from ``review_logs`` alone (the log is the truth).

A rebuild replays each card's answers through FSRS with the user's current parameters,
recomputing stability, difficulty, repetitions, lapses and last review, while the state,
learning step and due date of each answer are taken as the log recorded them: changing the
desired retention or the steps later does not move cards already scheduled (as in Anki),
so a rebuild reproduces the stored states exactly whatever settings were used over time.
``reschedule`` instead replays every answer under the current settings, due dates included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import begin_write
from app.models import ReviewLog, ReviewState, User
from app.study import store
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


@dataclass(frozen=True)
class Unreplayable:
    """A card whose answers could not be replayed, and why."""

    reason: str


def replayed_states(
    session: Session, ctx: UserContext, *, reschedule: bool = False
) -> Iterator[tuple[str, CardState | Unreplayable]]:
    """Each reviewed card's state, replayed from its non-cram answers in the order applied."""
    rows = session.execute(
        select(
            ReviewLog.card_id,
            ReviewLog.rating,
            ReviewLog.reviewed_at,
            ReviewLog.state_after,
            ReviewLog.step_after,
            ReviewLog.due_after,
        )
        .where(ReviewLog.user_id == ctx.user_id, ReviewLog.kind != LogKind.CRAM)
        .order_by(ReviewLog.card_id, ReviewLog.id)
        .execution_options(yield_per=BATCH)
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

    ``commit=False`` writes inside the caller's transaction (an import that rolls back whole).
    """
    now = now or datetime.now(UTC)
    if write and commit:
        begin_write(session, ctx.user_id)
    report = RebuildReport(users=1)
    if ctx.parameters_problem:
        report.parameter_problems.append((ctx.user_id, ctx.parameters_problem))
    rows = {
        row.card_id: row
        for row in session.scalars(select(ReviewState).where(ReviewState.user_id == ctx.user_id))
    }
    replayed: set[str] = set()
    for card_id, state in replayed_states(session, ctx, reschedule=reschedule):
        if on_card is not None:
            on_card()
        replayed.add(card_id)
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
    for card_id, row in rows.items():
        if card_id not in replayed and row.reps > 0:
            report.mismatched.append((ctx.user_id, card_id))
            if write:
                store.set_new(row, now)
                if store.is_new_row_removable(row):
                    session.delete(row)
    if write and commit:
        session.commit()
    return report


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
    return total
