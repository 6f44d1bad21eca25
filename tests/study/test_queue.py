"""Queue order, daily limits, and the 04:00 study-day boundary across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from app.models import LOCAL_USER_ID, ReviewState
from app.study import queue, reviews
from app.study.days import StudyCalendar
from app.study.scheduler import State
from app.study.scope import Filters
from tests.factories import add_cards
from tests.study.conftest import make_ctx

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ALL = Filters()


def test_day_starts_at_4_local_across_spring_forward() -> None:
    cal = StudyCalendar.of("America/New_York")
    # DST starts 2026-03-08 02:00 local: 04:00 is 09:00Z before, 08:00Z after.
    assert cal.start_of(date(2026, 3, 7)) == datetime(2026, 3, 7, 9, tzinfo=UTC)
    assert cal.start_of(date(2026, 3, 8)) == datetime(2026, 3, 8, 8, tzinfo=UTC)
    start, end = cal.day_bounds(datetime(2026, 3, 7, 20, tzinfo=UTC))
    assert end - start == timedelta(hours=23)
    assert cal.day_of(datetime(2026, 3, 8, 7, 59, tzinfo=UTC)) == date(2026, 3, 7)
    assert cal.day_of(datetime(2026, 3, 8, 8, 0, tzinfo=UTC)) == date(2026, 3, 8)


def test_day_is_25_hours_when_clocks_fall_back() -> None:
    cal = StudyCalendar.of("Europe/Berlin")
    # DST ends 2026-10-25 03:00 CEST -> 02:00 CET: 04:00 is 02:00Z before, 03:00Z after.
    start, end = cal.day_bounds(datetime(2026, 10, 24, 12, tzinfo=UTC))
    assert (start, end) == (
        datetime(2026, 10, 24, 2, tzinfo=UTC),
        datetime(2026, 10, 25, 3, tzinfo=UTC),
    )
    assert end - start == timedelta(hours=25)


def _state(session: Session, card_id: str, state: State, due: datetime, **kw: object) -> None:
    session.add(
        ReviewState(
            user_id=LOCAL_USER_ID,
            card_id=card_id,
            state=int(state),
            step=0,
            stability=3.0,
            difficulty=5.0,
            due=due,
            last_review=due - timedelta(days=1),
            reps=2,
            lapses=0,
            suspended=False,
            buried_until=None,
            **kw,
        )
    )
    session.commit()


def _order(session: Session, ctx, now: datetime, n: int) -> list[tuple[str, str]]:
    """The next n cards, each bury-skipped so the queue advances without grading."""
    shown = []
    for _ in range(n):
        nxt = queue.next_card(session, ctx, ALL, now)
        if nxt is None:
            break
        shown.append((nxt.card.id, nxt.queue))
        reviews.bury(session, ctx, nxt.card.id, now)
    return shown


def test_order_learning_then_most_overdue_reviews_then_new_in_bank_order(session: Session) -> None:
    ids = add_cards(session, 7)
    _state(session, ids[6], State.Review, NOW - timedelta(hours=1))
    _state(session, ids[5], State.Review, NOW - timedelta(days=3))
    _state(session, ids[4], State.Learning, NOW - timedelta(minutes=5))
    _state(session, ids[3], State.Relearning, NOW + timedelta(hours=2))  # not due yet
    _state(session, ids[2], State.Review, NOW + timedelta(days=4))  # not due today
    ctx = make_ctx()
    assert queue.counts(session, ctx, ALL, NOW) == queue.Counts(learning=1, review=2, new=2)
    assert _order(session, ctx, NOW, 10) == [
        (ids[4], "learning"),
        (ids[5], "review"),
        (ids[6], "review"),
        (ids[0], "new"),
        (ids[1], "new"),
    ]


def test_reviews_due_later_today_count_but_tomorrow_does_not(session: Session) -> None:
    ids = add_cards(session, 2)
    ctx = make_ctx()  # UTC, day ends 04:00Z tomorrow
    _state(session, ids[0], State.Review, datetime(2026, 3, 3, 3, 59, tzinfo=UTC))
    _state(session, ids[1], State.Review, datetime(2026, 3, 3, 4, 0, tzinfo=UTC))
    assert queue.counts(session, ctx, ALL, NOW).review == 1


def test_new_limit_resets_at_4am_local_across_dst(session: Session) -> None:
    ids = add_cards(session, 6)
    ctx = make_ctx("America/New_York", new_per_day=2)
    # 07:30Z on 2026-03-08 is 03:30 EDT: still the study day of March 7.
    before_boundary = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    for i, card_id in enumerate(ids[:2]):
        reviews.grade(session, ctx, card_id, 4, before_boundary, review_token=f"t{i}")
    assert queue.next_card(session, ctx, ALL, datetime(2026, 3, 8, 7, 59, tzinfo=UTC)) is None
    assert queue.counts(session, ctx, ALL, datetime(2026, 3, 8, 7, 59, tzinfo=UTC)).new == 0
    after = datetime(2026, 3, 8, 8, 0, tzinfo=UTC)  # 04:00 EDT: a new study day
    nxt = queue.next_card(session, ctx, ALL, after)
    assert nxt is not None and (nxt.card.id, nxt.queue) == (ids[2], "new")
    assert queue.counts(session, ctx, ALL, after).new == 2


def test_review_limit(session: Session) -> None:
    ids = add_cards(session, 4)
    for card_id in ids:
        _state(session, card_id, State.Review, NOW - timedelta(days=1))
    ctx = make_ctx(reviews_per_day=2, new_per_day=0)
    for i in range(2):
        nxt = queue.next_card(session, ctx, ALL, NOW)
        assert nxt is not None and nxt.queue == "review"
        reviews.grade(session, ctx, nxt.card.id, 3, NOW, review_token=f"r{i}")
    assert queue.next_card(session, ctx, ALL, NOW) is None
    assert queue.counts(session, ctx, ALL, NOW).review == 0


def test_filters_by_topic_level_and_tag(session: Session) -> None:
    add_cards(session, 2, "alpha", tags=["rnn", "lstm"])
    b = add_cards(session, 2, "beta", level="advanced", tags=["cnn"])
    ctx = make_ctx()
    assert queue.next_card(session, ctx, Filters(topic="beta"), NOW).card.id == b[0]
    assert queue.next_card(session, ctx, Filters(level="advanced"), NOW).card.id == b[0]
    assert queue.next_card(session, ctx, Filters(tag="cnn"), NOW).card.id == b[0]
    assert queue.next_card(session, ctx, Filters(tag="cn"), NOW) is None
    assert queue.counts(session, ctx, Filters(tag="lstm"), NOW).new == 2


def test_retired_cards_are_never_studied(session: Session) -> None:
    ids = add_cards(session, 2)
    from app.models import Card

    session.get(Card, ids[0]).retired = True
    session.commit()
    nxt = queue.next_card(session, make_ctx(), ALL, NOW)
    assert nxt is not None and nxt.card.id == ids[1]


def test_learning_card_due_soon_is_shown_when_nothing_else_is_left(session: Session) -> None:
    ids = add_cards(session, 1)
    ctx = make_ctx()
    reviews.grade(session, ctx, ids[0], 1, NOW, review_token="a")  # Again: due in 1 minute
    nxt = queue.next_card(session, ctx, ALL, NOW + timedelta(seconds=5))
    assert nxt is not None and nxt.queue == "learning"
    assert queue.next_due(session, ctx, ALL, NOW) == NOW + timedelta(minutes=1)
