"""The home page's numbers are kept per user until a write or the clock changes them: every
write to the user's study data moves ``users.revision`` (by trigger, whatever code writes), and
a kept value is recomputed when a card falls due, a burial ends, an answer leaves the 30-day
window or the study day ends, exactly as if nothing were kept."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Engine, event, insert, select, text, update
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models import LOCAL_USER_ID, ReviewLog, ReviewState, User
from app.plans.models import EasyDays, InterviewDate
from app.plans.summary import next_interview
from app.study import reviews, stats
from app.study.models import NewCardAllowance
from app.study.preferences import StudySettings, save
from app.study.user_cache import Until, UserCache
from tests.factories import add_cards
from tests.study.conftest import make_ctx

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 12:00 UTC; the study day ends at 04:00


def revision(session: Session) -> int:
    return session.execute(select(User.revision).where(User.id == LOCAL_USER_ID)).scalar_one()


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent to ``engine`` inside the block."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def board(session: Session, now: datetime) -> dict[str, Any]:
    session.rollback()  # a new transaction, as each request has
    return stats.dashboard(session, LOCAL_USER_ID, now, default_zone="UTC")


def test_every_write_to_the_users_study_data_moves_the_revision(session: Session) -> None:
    ids = add_cards(session, 2)
    session.commit()
    ctx = make_ctx()
    writes = [
        lambda: save(session, LOCAL_USER_ID, StudySettings(new_per_day=7)),
        lambda: reviews.grade(session, ctx, ids[0], 3, NOW, review_token="t"),  # log, state
        lambda: session.add(NewCardAllowance(user_id=LOCAL_USER_ID, topic_id="", day=NOW.date(),
                                             extra=5)),  # fmt: skip
        lambda: session.add(EasyDays(user_id=LOCAL_USER_ID, percents=[100] * 6 + [50])),
        lambda: session.add(InterviewDate(user_id=LOCAL_USER_ID, name="x", at=NOW, topics=[],
                                          levels=[], tags=[], created_at=NOW)),  # fmt: skip
        lambda: session.execute(text("DELETE FROM review_logs")),
        lambda: session.execute(text("UPDATE review_states SET suspended = true")),
    ]
    seen = {revision(session)}
    for write in writes:
        write()
        session.commit()
        seen.add(revision(session))
    assert len(seen) == len(writes) + 1


def test_a_home_page_read_again_costs_one_query(session: Session, engine: Engine) -> None:
    add_cards(session, 3)
    session.commit()
    first = board(session, NOW)
    with statements(engine) as seen:
        again = board(session, NOW + timedelta(minutes=5))
    assert again == first and first["new_available_today"] == 3
    queries = [sql for sql in seen if sql != "BEGIN"]  # SQLite's own transaction start
    assert len(queries) == 1 and "revision" in queries[0]


def test_a_grade_changes_the_numbers_at_once(session: Session) -> None:
    ids = add_cards(session, 3)
    session.commit()
    assert board(session, NOW)["reviews_today"] == 0
    reviews.grade(session, make_ctx(), ids[0], 1, NOW, review_token="a")
    session.commit()
    after = board(session, NOW + timedelta(seconds=1))
    assert (after["reviews_today"], after["new_available_today"], after["due_now"]) == (1, 2, 0)


def test_a_write_by_another_process_is_seen(session: Session, settings: Any) -> None:
    ids = add_cards(session, 2)
    session.commit()
    assert board(session, NOW)["reviews_today"] == 0
    other = make_engine(settings)  # its own engine and connections, as another process has
    try:
        with Session(other) as elsewhere, elsewhere.begin():
            elsewhere.add(ReviewLog(user_id=LOCAL_USER_ID, card_id=ids[0], rating=3,
                                    reviewed_at=NOW, kind="review"))  # fmt: skip
    finally:
        other.dispose()
    assert board(session, NOW + timedelta(seconds=1))["reviews_today"] == 1


def test_a_learning_step_falling_due_is_counted_without_a_write(session: Session) -> None:
    ids = add_cards(session, 2)
    session.commit()
    reviews.grade(session, make_ctx(), ids[0], 1, NOW, review_token="a")  # due in 1 minute
    session.commit()
    before = board(session, NOW + timedelta(seconds=30))
    assert before["due_now"] == 0 and before["next_due"] == NOW + timedelta(minutes=1)
    assert board(session, NOW + timedelta(seconds=59))["due_now"] == 0
    assert board(session, NOW + timedelta(minutes=1))["due_now"] == 1


def test_a_burial_ending_is_counted_without_a_write(session: Session) -> None:
    ids = add_cards(session, 2)
    session.commit()
    reviews.bury(session, make_ctx(), ids[0], NOW)
    # As a progress import may leave it: buried until two hours from now, not until 04:00.
    session.execute(update(ReviewState).values(buried_until=NOW + timedelta(hours=2)))
    session.commit()
    assert board(session, NOW)["new_available_today"] == 1
    assert board(session, NOW + timedelta(hours=1))["new_available_today"] == 1
    assert board(session, NOW + timedelta(hours=2))["new_available_today"] == 2


def test_a_new_study_day_is_counted_without_a_write(session: Session) -> None:
    ids = add_cards(session, 2)
    save(session, LOCAL_USER_ID, StudySettings(timezone="UTC", new_per_day=1))
    session.commit()
    reviews.grade(session, make_ctx(new_per_day=1), ids[1], 4, NOW, review_token="a")
    session.commit()
    assert board(session, NOW)["new_available_today"] == 0  # today's one new card is done
    assert board(session, NOW + timedelta(hours=15, minutes=59))["new_available_today"] == 0
    tomorrow = board(session, NOW + timedelta(hours=16))  # 04:00, a new day's limit
    assert (tomorrow["new_available_today"], tomorrow["reviews_today"]) == (1, 0)


def test_an_answer_leaving_the_30_day_window_is_counted_without_a_write(
    session: Session,
) -> None:
    (card,) = add_cards(session, 1)
    answered = NOW - timedelta(days=30) + timedelta(hours=3)
    session.add(ReviewLog(user_id=LOCAL_USER_ID, card_id=card, rating=1, reviewed_at=answered,
                          kind="review"))  # fmt: skip
    session.commit()
    assert board(session, NOW)["retention_30d_reviews"] == 1
    assert board(session, NOW + timedelta(hours=2))["retention_30d_reviews"] == 1
    left = board(session, NOW + timedelta(hours=3, seconds=1))
    assert (left["retention_30d_reviews"], left["retention_30d"]) == (0, None)


def test_an_earlier_now_is_computed_afresh(session: Session) -> None:
    ids = add_cards(session, 1)
    session.commit()
    reviews.grade(session, make_ctx(), ids[0], 1, NOW, review_token="a")
    session.commit()
    assert board(session, NOW + timedelta(minutes=2))["due_now"] == 1
    assert board(session, NOW + timedelta(seconds=10))["due_now"] == 0


def test_the_countdown_moves_while_the_forecast_is_kept(session: Session) -> None:
    add_cards(session, 1)
    at = NOW + timedelta(days=2, hours=5)
    session.execute(insert(InterviewDate).values(user_id=LOCAL_USER_ID, name="Onsite", at=at,
                    topics=[], levels=[], tags=[], created_at=NOW))  # fmt: skip
    session.commit()
    first = next_interview(session, LOCAL_USER_ID, NOW, default_zone="UTC")
    later = next_interview(session, LOCAL_USER_ID, NOW + timedelta(hours=6), default_zone="UTC")
    assert first is not None and later is not None
    assert (first.countdown, first.days_left) == ("in 2 days, 5 hours", 2)
    assert (later.countdown, later.days_left) == ("in 1 day, 23 hours", 2)
    assert later.forecast.name == "Onsite"
    assert next_interview(session, LOCAL_USER_ID, at, default_zone="UTC") is None  # it passed


def test_the_cache_is_bounded_and_keeps_the_most_recent() -> None:
    cache = UserCache(max_entries=2)
    calls: list[str] = []

    def value(name: str) -> Until[str]:
        calls.append(name)
        return Until(name, until=None)

    for key in ("a", "b", "a", "c", "a", "b"):
        cache.get(key, (1, 1), NOW, partial(value, key))
    assert calls == ["a", "b", "c", "b"]  # "b" was the least recently used when "c" came
