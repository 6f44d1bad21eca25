"""The hot queries seek what they need on SQLite instead of reading rows they do not use.

A card's row holds its answer, so on SQLite a column stored after it is reached through the
row's overflow pages; and one user's log can hold a million answers. These tests pin what the
indexes of migration b4f7e2c9d186 bought (bench/http_pages.py, bench/study_bench.py): the
plans of the card listings, and a grade whose cost does not grow with the user's log.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.cards.queries import neighbours, topic_summaries
from app.models import LOCAL_USER_ID, Card, ReviewState
from app.study import optimize, queue
from app.study.fit_log import ParameterFit
from app.study.preferences import StudySettings, UserContext
from app.study.scope import Filters
from tests.conftest import ON_POSTGRES
from tests.factories import add_cards

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's query plans and VM steps")


def _plans(session: Session, work: Callable[[], Any]) -> list[str]:
    """The EXPLAIN QUERY PLAN lines of every SELECT that ``work`` runs."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    connection = session.connection()
    return [
        row[3]
        for statement, params in statements
        for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
    ]


def test_the_topic_counts_read_the_listing_index_not_the_cards(session: Session) -> None:
    add_cards(session, 30, "basics")
    plans = _plans(session, lambda: topic_summaries(session, LOCAL_USER_ID))
    assert any("COVERING INDEX ix_cards_listing" in p for p in plans), plans
    assert not any(p.startswith("SCAN cards") for p in plans), plans


def test_a_topics_cards_are_one_seek_in_order_and_then_come_from_the_bank_cache(
    session: Session,
) -> None:
    ids = add_cards(session, 30, "basics")
    card = session.get(Card, ids[10])
    assert card is not None
    result = []
    plans = _plans(session, lambda: result.append(neighbours(session, card, LOCAL_USER_ID)))
    previous, following = result[0]
    assert (previous.id, following.id) == (ids[9], ids[11])
    seeks = [p for p in plans if "ix_cards_listing" in p]
    assert seeks == ["SEARCH cards USING INDEX ix_cards_listing (retired=? AND topic_id=?)"], plans
    assert not any("TEMP B-TREE" in p for p in plans), plans  # in position order from the index
    # The next card of the topic finds its neighbours without reading the cards again.
    card = session.get(Card, ids[20])
    assert card is not None
    again = _plans(session, lambda: result.append(neighbours(session, card, LOCAL_USER_ID)))
    assert (result[1][0].id, result[1][1].id) == (ids[19], ids[21])
    assert again == ["SCAN bank_revision"], again


def test_the_queue_counts_seek_one_state_and_read_only_the_queue_index(session: Session) -> None:
    """Learning cards due now and reviews due today: with only (user_id, due) to seek by, every
    card due so far was read, row and all (2 ms a study screen at 4,300 due cards)."""
    ids = add_cards(session, 30, "basics")
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    # Ten relearning cards and ten reviews overdue, ten reviews due next week.
    for n, card_id in enumerate(ids):
        state, due = (3, now - timedelta(hours=1)) if n < 10 else (2, now - timedelta(days=n))
        if n >= 20:
            due = now + timedelta(days=7)
        session.add(
            ReviewState(
                user_id=LOCAL_USER_ID,
                card_id=card_id,
                state=state,
                step=0,
                stability=3.0,
                difficulty=5.0,
                due=due,
                last_review=due - timedelta(days=3),
                reps=2,
                lapses=0,
            )
        )
    session.flush()
    ctx = UserContext(LOCAL_USER_ID, StudySettings(), None, "UTC")
    today = queue.Budget(queue.Usage(0, 0), new_limit=20, review_limit=200)
    found = []
    plans = _plans(session, lambda: found.append(queue.counts(session, ctx, Filters(), now, today)))
    assert found == [queue.Counts(learning=10, review=10, new=0)]
    states = [p for p in plans if "review_states" in p and "ix_review_states_queue" in p]
    assert (
        states[:2]
        == [
            "SEARCH review_states USING COVERING INDEX ix_review_states_queue "
            "(user_id=? AND state=? AND due<?)"
        ]
        * 2
    ), plans


def test_the_next_new_card_is_read_in_bank_order_without_a_sort(session: Session) -> None:
    """Without an index in bank order every card was read, checked and sorted to keep the
    first (204 µs at 435 cards, growing with the bank)."""
    ids = add_cards(session, 40, "basics")
    session.flush()
    ctx = UserContext(LOCAL_USER_ID, StudySettings(), None, "UTC")
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    found = []
    plans = _plans(session, lambda: found.append(queue.next_card(session, ctx, Filters(), now)))
    assert found[0] is not None and found[0].card.id == ids[0] and found[0].queue == "new"
    assert any("COVERING INDEX ix_cards_new_order" in p for p in plans), plans
    assert not any("TEMP B-TREE" in p for p in plans), plans


def _steps(session: Session, work: Callable[[], Any]) -> int:
    """SQLite VM instructions of the statements ``work`` runs, triggers included."""
    raw = session.connection().connection.dbapi_connection
    assert isinstance(raw, sqlite3.Connection)
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    raw.set_progress_handler(count, 1)
    try:
        work()
    finally:
        raw.set_progress_handler(None, 0)
    return steps[0]


def _steps_to_insert_an_answer(session: Session, card_id: str, at: datetime) -> int:
    return _steps(
        session,
        lambda: session.execute(
            text(
                "INSERT INTO review_logs (user_id, card_id, rating, reviewed_at, kind) "
                "VALUES (:user, :card, 3, :at, 'review')"
            ),
            {"user": LOCAL_USER_ID, "card": card_id, "at": at},
        ),
    )


def test_a_grade_does_not_walk_the_users_log_back_to_the_cards_last_answer(
    session: Session,
) -> None:
    """The elapsed_days trigger finds the card's previous answer; before the index it walked
    every later answer of the user (8 ms of each grade at a million answers)."""
    quiet, busy = add_cards(session, 2, "basics")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    session.execute(
        text(
            "INSERT INTO review_logs (user_id, card_id, rating, reviewed_at, kind) "
            "VALUES (:user, :card, 3, :at, 'review')"
        ),
        [{"user": LOCAL_USER_ID, "card": quiet, "at": start}]
        + [
            {"user": LOCAL_USER_ID, "card": busy, "at": start + timedelta(minutes=n + 1)}
            for n in range(1, 4001)
        ],
    )
    at = start + timedelta(days=30)
    steps = _steps_to_insert_an_answer(session, quiet, at)
    # A walk past the 4,000 later answers of the other card costs tens of thousands of steps.
    assert steps < 2_000, steps
    elapsed = session.scalar(
        text("SELECT elapsed_days FROM review_logs WHERE card_id = :c ORDER BY id DESC LIMIT 1"),
        {"c": quiet},
    )
    assert elapsed == 30


def test_the_refit_trigger_after_a_grade_counts_hours_since_the_last_fit_not_the_log(
    session: Session,
) -> None:
    """It runs after every grade; counting the whole log cost 164 ms at a million answers."""
    (card,) = add_cards(session, 1, "basics")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    insert = text(
        "INSERT INTO review_logs (user_id, card_id, rating, reviewed_at, kind) "
        "VALUES (:user, :card, 3, :at, 'review')"
    )
    session.execute(
        insert,
        [
            {"user": LOCAL_USER_ID, "card": card, "at": start + timedelta(seconds=20 * n)}
            for n in range(4000)
        ],
    )
    fitted = start + timedelta(days=1)
    session.add(
        ParameterFit(
            user_id=LOCAL_USER_ID, fitted_at=fitted, reviews=4000, train_items=1,
            test_items=1, old_log_loss=0.5, new_log_loss=0.4, old_rmse=0.1, new_rmse=0.1,
            adopted=True, parameters=[],
        )  # fmt: skip
    )
    later = [
        {"user": LOCAL_USER_ID, "card": card, "at": fitted + timedelta(minutes=n)}
        for n in range(1, 400)
    ]
    session.execute(insert, later)
    left: list[int] = []

    def check() -> None:
        left.append(optimize.answers_before_fit(session, LOCAL_USER_ID, 500))

    steps = _steps(session, check)
    assert left == [101]  # 399 answers since the fit
    session.execute(insert, later[:101])
    assert optimize.answers_before_fit(session, LOCAL_USER_ID, 500) == 0
    assert steps < 3_000, steps  # a count of the 4,399 answers takes tens of thousands
