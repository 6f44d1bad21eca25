"""review_hours and elapsed_days, kept by triggers, equal a recount of the log after every
path that writes it, and the per-day stats fold UTC hours into any zone's study days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, select, text, update
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.config import Settings
from app.db import alembic_config, make_engine, make_sessionmaker, write
from app.export.progress import export_progress, import_progress
from app.models import LOCAL_USER_ID, ReviewLog
from app.study import elapsed, hours, reviews, stats
from app.study.models import ReviewHour
from app.study.preferences import user_context
from app.study.rebuild import rebuild_user
from app.study.scope import StudyMode
from tests.factories import add_cards
from tests.study.conftest import make_ctx

T0 = datetime(2026, 3, 2, 9, 10, tzinfo=UTC)
USER = LOCAL_USER_ID


def _exact(session: Session, user_id: int = USER) -> None:
    assert hours.drift(session, user_id) == 0
    assert elapsed.drift(session, user_id) == 0


def _elapsed(session: Session, card_id: str) -> list[int | None]:
    return list(
        session.scalars(
            select(ReviewLog.elapsed_days)
            .where(ReviewLog.card_id == card_id)
            .order_by(ReviewLog.reviewed_at, ReviewLog.id)
        )
    )


def test_grades_undos_and_cram_keep_hours_and_elapsed_days_exact(session: Session) -> None:
    a, b = add_cards(session, 2)
    ctx = make_ctx()
    for n, (card, rating, at, mode) in enumerate(
        [
            (a, 3, T0, StudyMode.NORMAL),
            (a, 1, T0 + timedelta(days=2, hours=5), StudyMode.NORMAL),
            (b, 3, T0 + timedelta(minutes=20), StudyMode.NORMAL),
            (a, 2, T0 + timedelta(days=2, hours=6), StudyMode.CRAM),
            (a, 3, T0 + timedelta(days=5), StudyMode.NORMAL),
        ]
    ):
        reviews.grade(session, ctx, card, rating, at, review_token=f"t{n}", mode=mode)
        _exact(session)
    # 2 d 5 h, then 2 d 19 h since the answer before (the cram answer does not count);
    # the card is still learning, so all three are learn answers.
    assert _elapsed(session, a) == [None, 2, None, 2]
    assert session.execute(
        select(ReviewHour.hour, ReviewHour.learn, ReviewHour.review, ReviewHour.cram)
        .order_by(ReviewHour.hour)
    ).all() == [
        (int(T0.timestamp()) // 3600, 2, 0, 0),
        (int((T0 + timedelta(days=2, hours=5)).timestamp()) // 3600, 1, 0, 0),
        (int((T0 + timedelta(days=2, hours=6)).timestamp()) // 3600, 0, 0, 1),
        (int((T0 + timedelta(days=5)).timestamp()) // 3600, 1, 0, 0),
    ]  # fmt: skip
    reviews.undo_last(session, ctx, T0 + timedelta(days=5))
    reviews.undo_last(session, ctx, T0 + timedelta(days=5))  # the cram answer
    _exact(session)
    assert _elapsed(session, a) == [None, 2]
    # A clock set back: an answer logged before a later one relinks the later one.
    reviews.grade(session, ctx, a, 3, T0 + timedelta(days=1), review_token="back")
    assert _elapsed(session, a) == [None, 1, 1]
    _exact(session)
    reviews.undo_last(session, ctx, T0 + timedelta(days=2))
    assert _elapsed(session, a) == [None, 2]
    _exact(session)


def test_a_progress_import_fills_hours_and_elapsed_days(session: Session) -> None:
    a, b = add_cards(session, 2)
    ctx = make_ctx()
    for n in range(6):
        at = T0 + timedelta(days=n, hours=n)
        reviews.grade(session, ctx, (a, b)[n % 2], 1 + n % 4, at, review_token=f"t{n}")
    backup = export_progress(session, USER, T0 + timedelta(days=7))
    other = create_user(session, "other", "a long enough password")
    session.commit()
    assert import_progress(session, other.id, backup, T0 + timedelta(days=7), "UTC") == 6
    _exact(session, other.id)
    mine = select(ReviewHour.hour, ReviewHour.learn, ReviewHour.review, ReviewHour.relearn)
    assert session.execute(mine.where(ReviewHour.user_id == other.id)).all() == (
        session.execute(mine.where(ReviewHour.user_id == USER)).all()
    )


def test_rebuild_check_reports_drift_and_a_rebuild_repairs_it(session: Session) -> None:
    (a,) = add_cards(session, 1)
    ctx = make_ctx()
    for n in range(3):
        reviews.grade(session, ctx, a, 3, T0 + timedelta(days=3 * n), review_token=f"t{n}")
    # Written around the triggers, as a tool copying rows by hand might.
    session.execute(update(ReviewHour).values(learn=ReviewHour.learn + 5))
    session.execute(update(ReviewLog).values(elapsed_days=None))
    session.commit()
    checked = rebuild_user(session, user_context(session, USER, "UTC"), write=False)
    assert checked.elapsed_drift == 2
    assert checked.hour_drift == [(USER, 3)]
    rebuilt = rebuild_user(session, user_context(session, USER, "UTC"))
    assert rebuilt.elapsed_drift == 2
    _exact(session)
    assert _elapsed(session, a) == [None, 3, 3]


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Asia/Kathmandu", "America/New_York"])
# Days' edges off the hour counted one by one (up to FEW_EDGES of them), or as one VALUES list.
@pytest.mark.parametrize("days", [hours.FEW_EDGES - 2, 20])
def test_day_counts_fold_hours_into_any_zones_days(session: Session, zone: str, days: int) -> None:
    """Zones 30 and 45 minutes off UTC, and a DST change: counts equal a count of the log."""
    (a,) = add_cards(session, 1)
    ctx = make_ctx()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    moments = [start + timedelta(minutes=37 * n) for n in range(1, 700)]  # ~18 days
    for n, at in enumerate(moments):
        kind = ("learn", "review", "relearn", "cram")[n % 4]
        session.add(ReviewLog(user_id=USER, card_id=a, rating=1 + n % 4, reviewed_at=at, kind=kind))
    session.commit()
    local = make_ctx(zone)
    now = moments[-1]
    counted = stats.day_counts(session, local, now, days)
    for i, day in enumerate(counted.days):
        begin, end = local.calendar.start_of(day), local.calendar.start_of(day + timedelta(days=1))
        for kind in stats.KINDS:
            expected = sum(
                1 for n, at in enumerate(moments)
                if begin <= at < end and ("learn", "review", "relearn", "cram")[n % 4] == kind
            )  # fmt: skip
            assert counted.counts[kind][i] == expected, (day, kind)
    since = now - timedelta(days=3, minutes=7)
    passed = sum(1 for n, at in enumerate(moments) if at >= since and n % 4 == 1 and n % 4 + 1 > 1)
    total = sum(1 for n, at in enumerate(moments) if at >= since and n % 4 == 1)
    assert stats.true_retention(session, local, since) == (passed, total)
    assert ctx.user_id == USER


def test_the_migration_backfills_hours_and_elapsed_days(settings: Settings) -> None:
    from alembic import command

    engine: Engine = make_engine(settings)
    config = alembic_config(settings)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "c2e6a9d4f817")
        connection.execute(
            text("INSERT INTO topics (id, title, description, position) VALUES ('t', 'T', '', 0)")
        )
        for card in ("c1", "c2"):
            connection.execute(
                text(
                    "INSERT INTO cards (id, topic_id, question, answer_md, answer_html, level, "
                    'tags, key_points, follow_ups, demos, "references", synonyms, aliases, '
                    "key_point_confusions, source_path, content_hash, position, retired, "
                    "updated_at) VALUES (:id, 't', 'Q?', 'A', 'A', 'beginner', '[]', '[]', "
                    "'[]', '[]', '[]', '[]', '[]', '[]', '', 'x', 0, false, :at)"
                ),
                {"id": card, "at": T0},
            )
        for card, hours_after, kind, rating in [
            ("c1", 0, "learn", 3), ("c2", 0.5, "learn", 1), ("c1", 50, "review", 1),
            ("c1", 51, "cram", 3), ("c1", 100, "relearn", 3), ("c1", 100.2, "review", 4),
        ]:  # fmt: skip
            connection.execute(
                text(
                    "INSERT INTO review_logs (user_id, card_id, rating, reviewed_at, kind) "
                    "VALUES (1, :card, :rating, :at, :kind)"
                ),
                {"card": card, "rating": rating, "kind": kind,
                 "at": T0 + timedelta(hours=hours_after)},
            )  # fmt: skip
        command.upgrade(config, "head")
    with make_sessionmaker(engine)() as session:
        _exact(session)
        assert _elapsed(session, "c1") == [None, 2, None, 2, 0]
        base = int(T0.timestamp()) // 3600
        rows = session.execute(
            select(
                ReviewHour.hour - base, ReviewHour.learn, ReviewHour.review, ReviewHour.relearn,
                ReviewHour.cram, ReviewHour.review_passed,
            ).order_by(ReviewHour.hour)
        ).all()  # fmt: skip
        assert [tuple(r) for r in rows] == [
            (0, 2, 0, 0, 0, 0), (50, 0, 1, 0, 0, 0), (51, 0, 0, 0, 1, 0), (100, 0, 1, 1, 0, 1),
        ]  # fmt: skip
    engine.dispose()


@pytest.mark.parametrize(
    ("zone", "whole", "streak"),
    [
        # Study days start 22:30 UTC: 23:10 falls wholly in 3 March's hour 23-24 UTC; 22:40 on
        # 3 March sits in hour 22-23, which straddles the edge: only the log says it is 4 March.
        ("Asia/Kolkata", [False, True, False], 2),
        # Days start 04:00 UTC: the answers are on 2 and 3 March, both in whole hours.
        ("UTC", [True, True, False], 2),
    ],
)
def test_streak_counts_answers_in_edge_hours_exactly(
    session: Session, zone: str, whole: list[bool], streak: int
) -> None:
    (a,) = add_cards(session, 1)
    with write(session, USER):
        for at in (
            datetime(2026, 3, 2, 23, 10, tzinfo=UTC),
            datetime(2026, 3, 3, 22, 40, tzinfo=UTC),
        ):
            session.add(ReviewLog(user_id=USER, card_id=a, rating=3, reviewed_at=at, kind="review"))
    ctx = make_ctx(zone)
    edges = ctx.calendar.starts(date(2026, 3, 2), 3)  # 2, 3 and 4 March
    assert hours.answered_whole_hours(session, USER, edges).tolist() == whole
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # 4 March in both zones
    assert stats.study_streak(session, ctx, now) == streak


@pytest.mark.parametrize(("zone", "reads_the_log"), [("UTC", False), ("Asia/Kolkata", True)])
def test_a_gap_between_whole_hour_days_is_found_without_reading_the_log(
    session: Session, zone: str, reads_the_log: bool
) -> None:
    """Days starting on a UTC hour are all whole hours: review_hours alone tells a gap (before
    today's first answer that was two log queries every home page)."""
    (a,) = add_cards(session, 1)
    with write(session, USER):
        at = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 2 March only: 3 March is a gap
        session.add(ReviewLog(user_id=USER, card_id=a, rating=3, reviewed_at=at, kind="review"))
    statements: list[str] = []
    engine = session.get_bind()

    def listen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement != "BEGIN":
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        streak = stats.study_streak(session, make_ctx(zone), datetime(2026, 3, 4, 12, tzinfo=UTC))
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert streak == 0
    if reads_the_log:  # the edge hours straddle days: the log says which day their answers are
        assert any("review_logs" in s for s in statements), statements
    else:  # one read of the whole hours of the chunk of days, nothing else
        assert len(statements) == 1 and "review_hours" in statements[0], statements


def test_whole_hours_follow_a_dst_day_of_23_hours(session: Session) -> None:
    """New York, 8 March 2026: 7 March's study day runs 09:00 to 08:00 UTC the next day."""
    (a,) = add_cards(session, 1)
    with write(session, USER):
        for at in (
            datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
            datetime(2026, 3, 8, 8, 30, tzinfo=UTC),
        ):
            session.add(ReviewLog(user_id=USER, card_id=a, rating=3, reviewed_at=at, kind="review"))
    ctx = make_ctx("America/New_York")
    edges = ctx.calendar.starts(date(2026, 3, 6), 4)  # 6 to 9 March
    assert [e.hour for e in edges] == [9, 9, 8, 8, 8]
    assert hours.answered_whole_hours(session, USER, edges).tolist() == [False, True, True, False]
    counted = stats.day_counts(session, ctx, datetime(2026, 3, 9, 12, tzinfo=UTC), 4)
    assert counted.totals.tolist() == [0, 1, 1, 0]
    assert stats.study_streak(session, ctx, datetime(2026, 3, 9, 12, tzinfo=UTC)) == 2
