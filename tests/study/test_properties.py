"""Property: after any sequence of grades, crams, undos, suspends and buries, every stored
state equals a replay of the log, and an undo always restores the previous state exactly."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import Card, ReviewLog, ReviewState
from app.study import rebuild, reviews
from app.study.scope import StudyMode
from tests.clock import T0
from tests.factories import add_cards
from tests.study.conftest import make_ctx

CARDS = 2
# Grades and undos weighted up, so lapses, relearning and multi-level undos happen often.
KINDS = ["grade"] * 5 + ["undo"] * 2 + ["cram", "suspend", "bury"]


@st.composite
def operation(draw: st.DrawFn) -> tuple[str, int, int, int]:
    kind = draw(st.sampled_from(KINDS))
    card = draw(st.integers(0, CARDS - 1))
    rating = draw(st.integers(1, 4))
    seconds = draw(st.sampled_from([0, 60, 600, 3600, 86400, 3 * 86400, 10 * 86400]))
    return kind, card, rating if kind != "suspend" else rating % 2, seconds


def _rows(session: Session) -> dict[str, dict[str, object]]:
    session.expire_all()
    return {
        row.card_id: {c.name: getattr(row, c.key) for c in ReviewState.__table__.columns}
        for row in session.scalars(select(ReviewState))
    }


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation(), min_size=5, max_size=40))
@example(
    ops=[
        ("grade", 0, 4, 0),
        ("grade", 0, 1, 864000),
        ("grade", 0, 3, 600),
        ("undo", 0, 0, 0),
        ("undo", 0, 0, 0),
        ("grade", 0, 2, 60),
        ("cram", 1, 1, 60),
        ("undo", 0, 0, 0),
    ]
)
def test_log_replay_and_undo_invariants(session: Session, ops: list[tuple]) -> None:
    session.execute(delete(ReviewLog))
    session.execute(delete(ReviewState))
    session.commit()
    # The database outlives the examples (one per test); cards are added once.
    ids = [f"basics-{i:03d}" for i in range(CARDS)]
    if session.get(Card, ids[0]) is None:
        add_cards(session, CARDS)
    ctx = make_ctx(fuzz=True)
    now = T0
    history: list[dict[str, dict[str, object]]] = []  # states before each logged answer
    for n, (kind, card, value, seconds) in enumerate(ops):
        now += timedelta(seconds=seconds)
        card_id = ids[card]
        try:
            if kind in ("grade", "cram"):
                before = _rows(session)
                reviews.grade(
                    session,
                    ctx,
                    card_id,
                    value,
                    now,
                    review_token=f"t{n}",
                    mode=StudyMode.CRAM if kind == "cram" else StudyMode.NORMAL,
                )
                history.append(before)
            elif kind == "undo":
                reviews.undo_last(session, ctx, now)
                expected = history.pop()
                after = _rows(session)
                # Suspend/bury flags set since then stay; the scheduling state is restored.
                for state in (expected, after):
                    for row in state.values():
                        row.pop("suspended"), row.pop("buried_until")
                assert {k: v for k, v in after.items() if v["reps"]} == {
                    k: v for k, v in expected.items() if v["reps"]
                }
            elif kind == "suspend":
                reviews.set_suspended(session, ctx, card_id, bool(value), now)
            else:
                reviews.bury(session, ctx, card_id, now)
        except reviews.StudyError as error:
            assert (kind, error.status_code) in {
                ("grade", 409),
                ("cram", 409),
                ("undo", 409),
                ("bury", 409),
            }
        assert rebuild.rebuild_user(session, ctx, write=False).mismatched == []
