"""Dashboard and /stats numbers on hand-made logs and states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from app.models import LOCAL_USER_ID, Card, ReviewLog, ReviewState
from app.study import reviews, stats
from app.study.preferences import StudySettings, save
from app.study.scheduler import State
from tests.factories import add_cards
from tests.study.conftest import make_ctx

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _log(session: Session, card_id: str, at: datetime, rating: int, kind: str) -> None:
    session.add(
        ReviewLog(user_id=LOCAL_USER_ID, card_id=card_id, rating=rating, reviewed_at=at, kind=kind)
    )


def _state(
    session: Session,
    card_id: str,
    state: State,
    due: datetime,
    *,
    stability: float = 10.0,
    last: datetime | None = None,
    lapses: int = 0,
    suspended: bool = False,
) -> None:
    session.add(
        ReviewState(
            user_id=LOCAL_USER_ID,
            card_id=card_id,
            state=int(state),
            step=None,
            stability=stability,
            difficulty=5.5,
            due=due,
            last_review=last or due - timedelta(days=10),
            reps=3,
            lapses=lapses,
            suspended=suspended,
            buried_until=None,
        )
    )


def test_true_retention_counts_only_review_answers_in_window(session: Session) -> None:
    ids = add_cards(session, 2)
    # 7 review answers in the window: 2 Again -> 5/7; learn/relearn/cram and old ones ignored.
    for i, rating in enumerate([3, 1, 4, 2, 3, 1, 3]):
        _log(session, ids[i % 2], NOW - timedelta(days=i + 1), rating, "review")
    _log(session, ids[0], NOW - timedelta(days=2), 1, "learn")
    _log(session, ids[0], NOW - timedelta(days=2), 1, "relearn")
    _log(session, ids[0], NOW - timedelta(days=2), 1, "cram")
    _log(session, ids[0], NOW - timedelta(days=31), 1, "review")
    session.commit()
    ctx = make_ctx()
    assert stats.true_retention(session, ctx, NOW - timedelta(days=30)) == (5, 7)
    data = stats.study_stats(session, ctx, NOW)
    assert data["retention_30d"]["rate"] == pytest.approx(5 / 7)
    assert data["retention_by_topic"] == [
        {"topic": "basics", "title": "Basics", "passed": 5, "total": 7, "rate": 5 / 7}
    ]


def test_day_counts_follow_4am_local_days_across_dst(session: Session) -> None:
    (card,) = add_cards(session, 1)
    ctx = make_ctx("America/New_York")
    now = datetime(2026, 3, 9, 15, tzinfo=UTC)
    # Day March 7 runs 09:00Z Mar 7 .. 08:00Z Mar 8 (23 h); March 8 from 08:00Z.
    for at, kind in [
        (datetime(2026, 3, 7, 9, 0, tzinfo=UTC), "learn"),
        (datetime(2026, 3, 8, 7, 59, tzinfo=UTC), "review"),
        (datetime(2026, 3, 8, 8, 0, tzinfo=UTC), "review"),
        (datetime(2026, 3, 8, 8, 14, tzinfo=UTC), "relearn"),
        (datetime(2026, 3, 9, 7, 59, tzinfo=UTC), "review"),
        (datetime(2026, 3, 9, 8, 0, tzinfo=UTC), "cram"),
    ]:
        _log(session, card, at, 3, kind)
    session.commit()
    counts = stats.day_counts(session, ctx, now, 4)
    assert counts.days == [date(2026, 3, 6), date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)]
    assert counts.counts["learn"].tolist() == [0, 1, 0, 0]
    assert counts.counts["review"].tolist() == [0, 1, 2, 0]
    assert counts.counts["relearn"].tolist() == [0, 0, 1, 0]
    assert counts.counts["cram"].tolist() == [0, 0, 0, 1]
    assert stats.study_streak(session, ctx, now) == 3


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("10110", 2),  # today (last) not studied yet: the streak ends yesterday
        ("11011", 2),
        ("11111", 5),
        ("11100", 0),
    ],
)
def test_streak_allows_today_not_yet_studied(session: Session, pattern: str, expected: int) -> None:
    (card,) = add_cards(session, 1)
    for back, studied in enumerate(reversed(pattern)):
        if studied == "1":
            _log(session, card, NOW - timedelta(days=back), 3, "review")
    session.commit()
    assert stats.study_streak(session, make_ctx(), NOW) == expected


def test_long_streak_crosses_chunks(session: Session) -> None:
    (card,) = add_cards(session, 1)
    for back in range(1, 131):  # 130 days up to yesterday, none today
        _log(session, card, NOW - timedelta(days=back), 3, "review")
    _log(session, card, NOW - timedelta(days=140), 3, "review")
    session.commit()
    assert stats.study_streak(session, make_ctx(), NOW) == 130


def test_forecast_and_state_counts_match_states(session: Session) -> None:
    ids = add_cards(session, 10)
    ctx = make_ctx()  # UTC, day starts 04:00Z
    _state(session, ids[0], State.Review, NOW - timedelta(days=5))  # overdue -> today
    _state(session, ids[1], State.Review, NOW + timedelta(hours=10))  # 22:00Z today
    _state(session, ids[2], State.Review, datetime(2026, 3, 11, 3, 59, tzinfo=UTC))  # still today
    _state(session, ids[3], State.Review, datetime(2026, 3, 11, 4, 0, tzinfo=UTC))  # tomorrow
    _state(session, ids[4], State.Learning, NOW + timedelta(minutes=10))
    _state(session, ids[5], State.Relearning, NOW + timedelta(days=2, hours=1))
    _state(session, ids[6], State.Review, NOW + timedelta(days=3), suspended=True)
    _state(session, ids[7], State.Review, NOW + timedelta(days=40))  # beyond 30 days
    session.commit()
    reviews.set_suspended(session, ctx, ids[8], True, NOW)  # a suspended new card
    data = stats.study_stats(session, ctx, NOW)
    forecast = [f["due"] for f in data["forecast"]]
    assert forecast[:4] == [4, 1, 1, 0] and sum(forecast) == 6
    assert data["card_counts"] == {
        "new": 1,
        "learning": 1,
        "review": 5,
        "relearning": 1,
        "suspended": 2,
    }
    # A retired card leaves every figure, though its state stays (a sync may bring it back).
    retired = session.get(Card, ids[7])
    assert retired is not None
    retired.retired = True
    session.commit()
    data = stats.study_stats(session, ctx, NOW)
    assert data["card_counts"]["review"] == 4
    assert sum(t["seen"] for t in data["mastery"]) == 7
    assert sum(f["due"] for f in data["forecast"]) == 6  # it was due beyond the 30 days


def test_mastery_mean_retrievability_by_hand(session: Session) -> None:
    ids = add_cards(session, 3)
    # Reviewed 10 days ago with stability 10: R = (1 + f * 10 / 10) ** d = 0.9 exactly.
    _state(
        session,
        ids[0],
        State.Review,
        NOW + timedelta(days=1),
        stability=10.0,
        last=NOW - timedelta(days=10),
        lapses=2,
    )
    # Reviewed today: R = 1.
    _state(
        session, ids[1], State.Review, NOW + timedelta(days=5), stability=4.0, last=NOW, lapses=1
    )
    session.commit()
    data = stats.study_stats(session, make_ctx(), NOW)
    (row,) = data["mastery"]
    assert (row["seen"], row["total"], row["lapses"]) == (2, 3, 3)
    assert row["mean_retrievability"] == pytest.approx((0.9 + 1.0) / 2)


def test_dashboard_numbers(session: Session) -> None:
    ids = add_cards(session, 5)
    save(session, LOCAL_USER_ID, StudySettings(timezone="UTC", new_per_day=3))
    session.commit()
    ctx = make_ctx(new_per_day=3)
    for day in (2, 1):
        _log(session, ids[4], NOW - timedelta(days=day), 3, "review")
    session.commit()
    reviews.grade(session, ctx, ids[0], 3, NOW, review_token="a")
    reviews.grade(session, ctx, ids[1], 1, NOW, review_token="b")
    board = stats.dashboard(session, LOCAL_USER_ID, NOW + timedelta(minutes=2))
    assert board["due_now"] == 1  # the Again card, due after 1 minute
    assert board["new_available_today"] == 1  # limit 3, two introduced, three left in bank
    assert board["reviews_today"] == 2
    assert board["streak_days"] == 3
    assert board["retention_30d"] == 1.0
    assert board["next_due"] == NOW + timedelta(minutes=10)


def test_dashboard_partial_renders_the_numbers(session: Session) -> None:
    from app.web import make_templates

    add_cards(session, 2)
    board = stats.dashboard(session, LOCAL_USER_ID, NOW, default_zone="UTC")
    html = make_templates().env.get_template("study/_dashboard.html").render(dashboard=board)
    assert "Study now" in html and "<dd>2</dd>" in html and "—" in html
