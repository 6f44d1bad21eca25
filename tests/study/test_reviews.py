"""Grading, idempotent tokens, undo, suspend, bury, cram, and rebuild from the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import LOCAL_USER_ID, Card, ReviewLog, ReviewState
from app.study import queue, rebuild, reviews, store
from app.study.preferences import UserContext
from app.study.scope import Filters, StudyMode
from tests.factories import add_cards
from tests.study.conftest import make_ctx

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _row_snapshot(session: Session, card_id: str) -> dict[str, object] | None:
    session.expire_all()
    row = session.get(ReviewState, (LOCAL_USER_ID, card_id))
    if row is None:
        return None
    return {c.name: getattr(row, c.key) for c in ReviewState.__table__.columns}


def _log_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ReviewLog)) or 0


def test_grade_records_log_with_before_and_after(session: Session) -> None:
    (card_id,) = add_cards(session, 1)
    ctx = make_ctx()
    result = reviews.grade(session, ctx, card_id, 3, NOW, review_token="tok", duration_ms=4200)
    assert (result.kind, result.state, result.interval, result.duplicate) == (
        "learn",
        "learning",
        "10m",
        False,
    )
    log = session.scalars(select(ReviewLog)).one()
    assert (log.rating, log.duration_ms, log.state_before, log.state_after) == (3, 4200, None, 1)
    assert log.due_after == NOW + timedelta(minutes=10)
    assert log.reviewed_at == NOW


def test_repeated_token_returns_first_result_and_one_row(session: Session) -> None:
    (card_id,) = add_cards(session, 1)
    ctx = make_ctx()
    first = reviews.grade(session, ctx, card_id, 3, NOW, review_token="same")
    again = reviews.grade(session, ctx, card_id, 1, NOW + timedelta(seconds=1), review_token="same")
    assert again.duplicate and again.review_id == first.review_id and again.rating == 3
    assert again.due == first.due
    assert _log_count(session) == 1
    with pytest.raises(reviews.Conflict):
        add_cards(session, 1, start=1)
        reviews.grade(session, ctx, "basics-001", 3, NOW, review_token="same")


@pytest.mark.parametrize("ratings", [[3], [3, 3], [4, 1], [4, 3, 1, 3]])
def test_undo_restores_state_exactly_and_deletes_log(session: Session, ratings: list[int]) -> None:
    (card_id,) = add_cards(session, 1)
    ctx = make_ctx(fuzz=True)
    now = NOW
    for i, rating in enumerate(ratings[:-1]):
        reviews.grade(session, ctx, card_id, rating, now, review_token=f"t{i}")
        now = session.get(ReviewState, (LOCAL_USER_ID, card_id)).due
    before = _row_snapshot(session, card_id)
    logs_before = _log_count(session)
    reviews.grade(session, ctx, card_id, ratings[-1], now, review_token="last")
    undone = reviews.undo_last(session, ctx, now)
    assert undone.rating == ratings[-1]
    assert _row_snapshot(session, card_id) == before
    assert _log_count(session) == logs_before


def test_undo_with_nothing_to_undo_is_a_conflict(session: Session) -> None:
    with pytest.raises(reviews.Conflict, match="nothing to undo"):
        reviews.undo_last(session, make_ctx(), NOW)


def test_bad_input_unknown_retired_and_suspended_cards(session: Session) -> None:
    ids = add_cards(session, 3)
    ctx = make_ctx()
    with pytest.raises(reviews.InvalidInput):
        reviews.grade(session, ctx, ids[0], 5, NOW, review_token="a")
    with pytest.raises(reviews.InvalidInput):
        reviews.grade(session, ctx, ids[0], 3, NOW, review_token="")
    with pytest.raises(reviews.NotFound):
        reviews.grade(session, ctx, "no-such-card", 3, NOW, review_token="b")
    session.get(Card, ids[1]).retired = True
    session.commit()
    with pytest.raises(reviews.Conflict, match="retired"):
        reviews.grade(session, ctx, ids[1], 3, NOW, review_token="c")
    reviews.set_suspended(session, ctx, ids[2], True, NOW)
    with pytest.raises(reviews.Conflict, match="suspended"):
        reviews.grade(session, ctx, ids[2], 3, NOW, review_token="d")
    assert _log_count(session) == 0


def test_suspend_hides_until_unsuspended_and_bury_until_next_day(session: Session) -> None:
    ids = add_cards(session, 2)
    ctx = make_ctx()
    reviews.set_suspended(session, ctx, ids[0], True, NOW)
    assert queue.next_card(session, ctx, Filters(), NOW).card.id == ids[1]
    assert [c.id for c in reviews.suspended_cards(session, ctx)] == [ids[0]]
    until = reviews.bury(session, ctx, ids[1], NOW)
    assert until == datetime(2026, 3, 3, 4, tzinfo=UTC)
    assert queue.next_card(session, ctx, Filters(), NOW) is None
    assert queue.next_card(session, ctx, Filters(), until).card.id == ids[1]
    reviews.set_suspended(session, ctx, ids[0], False, NOW)
    assert _row_snapshot(session, ids[0]) is None  # a plain new card again
    assert queue.next_card(session, ctx, Filters(), NOW).card.id == ids[0]


def test_cram_logs_cram_and_leaves_schedule_untouched(session: Session) -> None:
    ids = add_cards(session, 3)
    ctx = make_ctx()
    reviews.grade(session, ctx, ids[0], 4, NOW, review_token="learn")
    snapshot = _row_snapshot(session, ids[0])
    seen = []
    for i in range(4):
        at = NOW + timedelta(minutes=i)
        nxt = queue.next_cram_card(session, ctx, Filters(topic="basics"), at)
        assert nxt is not None and nxt.queue == "cram"
        seen.append(nxt.card.id)
        result = reviews.grade(
            session,
            ctx,
            nxt.card.id,
            1,
            NOW + timedelta(minutes=i),
            review_token=f"c{i}",
            mode=StudyMode.CRAM,
        )
        assert result.kind == "cram" and result.interval is None
    assert seen == [ids[0], ids[1], ids[2], ids[0]]
    assert _row_snapshot(session, ids[0]) == snapshot
    assert _row_snapshot(session, ids[1]) is None
    kinds = session.scalars(select(ReviewLog.kind).order_by(ReviewLog.id)).all()
    assert kinds == ["learn", "cram", "cram", "cram", "cram"]
    assert queue.usage_today(session, ctx, NOW + timedelta(hours=1)).new_done == 1


def _simulate(session: Session, ctx, ids: list[str], days: int) -> None:
    """Study every day at 18:00Z, answering with a fixed pattern."""
    pattern = [3, 3, 1, 3, 4, 2, 3, 3, 1, 3, 3]
    k = 0
    for day in range(days):
        now = NOW + timedelta(days=day, hours=6)
        for _ in range(60):
            nxt = queue.next_card(session, ctx, Filters(), now)
            if nxt is None:
                break
            reviews.grade(
                session, ctx, nxt.card.id, pattern[k % len(pattern)], now, review_token=f"s{k}"
            )
            k += 1
            now += timedelta(minutes=2)


def test_rebuild_from_logs_reproduces_stored_states_exactly(session: Session) -> None:
    ids = add_cards(session, 12)
    ctx = make_ctx(fuzz=True, new_per_day=4)
    _simulate(session, ctx, ids, 20)
    reviews.set_suspended(session, ctx, ids[0], True, NOW)
    reviews.grade(
        session, ctx, ids[1], 3, NOW + timedelta(days=30), review_token="x", mode=StudyMode.CRAM
    )
    stored = {c: _row_snapshot(session, c) for c in ids}
    report = rebuild.rebuild_user(session, ctx, write=False)
    assert report.cards > 0 and report.reviews == _log_count(session) - 1
    assert report.mismatched == []
    # Damage the stored states; a rebuild restores them from the log alone.
    for row in session.scalars(select(ReviewState)):
        row.stability, row.due, row.reps = 99.0, NOW, row.reps + 5
    session.commit()
    assert len(rebuild.rebuild_user(session, ctx, write=False).mismatched) == report.cards
    rebuild.rebuild_user(session, ctx, write=True)
    assert {c: _row_snapshot(session, c) for c in ids} == stored
    assert store.card_state(session.get(ReviewState, (LOCAL_USER_ID, ids[0]))).reps > 0


def test_rebuild_is_exact_after_settings_change_and_reschedule_moves_dues(session: Session) -> None:
    ids = add_cards(session, 8)
    before = make_ctx(fuzz=True, new_per_day=8)
    _simulate(session, before, ids, 6)
    # Later the user wants fewer reviews and one learning step: cards keep their due dates.
    after = make_ctx(fuzz=True, new_per_day=8, desired_retention=0.8, learning_steps_minutes=[5.0])
    _simulate(session, after, ids, 6)
    stored = {c: _row_snapshot(session, c) for c in ids}
    assert rebuild.rebuild_user(session, after, write=False).mismatched == []
    moved = rebuild.rebuild_user(session, after, write=False, reschedule=True).mismatched
    assert moved  # replaying the first days under the new settings gives other due dates
    assert {c: _row_snapshot(session, c) for c in ids} == stored


def test_new_parameters_change_memory_state_but_not_due_dates(session: Session) -> None:
    ids = add_cards(session, 4)
    ctx = make_ctx(fuzz=True)
    _simulate(session, ctx, ids, 10)
    stored = {c: _row_snapshot(session, c) for c in ids}
    params = list(ctx.config.parameters)
    params[:4] = [p * 1.5 for p in params[:4]]  # every initial stability
    fitted = UserContext(LOCAL_USER_ID, ctx.settings, params, "UTC", enable_fuzzing=True)
    rebuild.rebuild_user(session, fitted)
    for card_id in ids:
        now = _row_snapshot(session, card_id)
        assert now["due"] == stored[card_id]["due"]
        assert now["stability"] != stored[card_id]["stability"]
