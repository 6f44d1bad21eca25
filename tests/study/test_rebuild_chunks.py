"""A rebuild commits group by group: answers given meanwhile wait briefly and are never lost."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.db import make_sessionmaker
from app.models import LOCAL_USER_ID, ReviewState
from app.study import rebuild, reviews
from app.study.preferences import UserContext
from app.study.scope import StudyMode
from tests.factories import add_cards
from tests.study.conftest import make_ctx
from tests.study.test_reviews import NOW, _simulate


def _states(session: Session) -> dict[str, tuple[object, ...]]:
    session.expire_all()
    rows = session.scalars(select(ReviewState).where(ReviewState.user_id == LOCAL_USER_ID))
    return {r.card_id: (r.stability, r.difficulty, r.due, r.reps, r.lapses) for r in rows}


def _fitted(ctx: UserContext) -> UserContext:
    params = list(ctx.config.parameters)
    params[:4] = [p * 1.5 for p in params[:4]]  # every initial stability: every state moves
    return UserContext(LOCAL_USER_ID, ctx.settings, params, "UTC", enable_fuzzing=True)


def test_card_chunks_group_cards_by_their_answer_counts(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = add_cards(session, 4)
    ctx = make_ctx()
    answers = {ids[0]: 2, ids[1]: 2, ids[2]: 5, ids[3]: 1}
    k = 0
    for card_id, count in answers.items():
        for i in range(count):
            now = NOW + timedelta(days=3 * i)
            reviews.grade(session, ctx, card_id, 3, now, review_token=f"t{k}")
            k += 1
    # A cram answer is not replayed, so it is not counted.
    reviews.grade(session, ctx, ids[3], 3, NOW, review_token="cram", mode=StudyMode.CRAM)
    monkeypatch.setattr(rebuild, "MAX_CHUNK_ANSWERS", 4)
    # 2 + 2 = 4 fit; 5 alone exceeds the limit and is a group of its own; then 1.
    assert rebuild.card_chunks(session, LOCAL_USER_ID) == [[ids[0], ids[1]], [ids[2]], [ids[3]]]
    monkeypatch.setattr(rebuild, "MAX_CHUNK_CARDS", 1)
    assert rebuild.card_chunks(session, LOCAL_USER_ID) == [[i] for i in ids]


def test_a_rebuild_in_small_groups_writes_what_one_pass_writes(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = add_cards(session, 10)
    ctx = make_ctx(fuzz=True, new_per_day=5)
    _simulate(session, ctx, ids, 12)
    fitted = _fitted(ctx)
    expected = rebuild.rebuild_user(session, fitted, write=False)
    assert expected.mismatched  # the new parameters move every state
    monkeypatch.setattr(rebuild, "MAX_CHUNK_CARDS", 3)
    monkeypatch.setattr(rebuild, "MAX_CHUNK_ANSWERS", 7)
    report = rebuild.rebuild_user(session, fitted)
    assert (report.cards, report.reviews) == (expected.cards, expected.reviews)
    assert sorted(report.mismatched) == sorted(expected.mismatched)
    assert rebuild.rebuild_user(session, fitted, write=False).mismatched == []


def test_answers_during_a_rebuild_go_through_between_groups_and_stay_consistent(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = add_cards(session, 16)
    ctx = make_ctx(fuzz=True, new_per_day=16)
    _simulate(session, ctx, ids, 6)
    fitted = _fitted(ctx)
    monkeypatch.setattr(rebuild, "MAX_CHUNK_CARDS", 1)
    started = threading.Event()
    finished_at: list[float] = []
    errors: list[BaseException] = []

    def slow_card() -> None:  # a long rebuild: each card takes a while inside its group
        started.set()
        time.sleep(0.08)

    def run_rebuild() -> None:
        try:
            with make_sessionmaker(engine)() as own:
                rebuild.rebuild_user(own, fitted, now=NOW, on_card=slow_card)
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finished_at.append(time.monotonic())

    worker = threading.Thread(target=run_rebuild)
    worker.start()
    assert started.wait(10)
    answered_at = []
    with make_sessionmaker(engine)() as other:
        for i, card_id in enumerate([ids[-1], ids[-2], ids[0], ids[-3]]):
            later = NOW + timedelta(days=30, minutes=i)
            reviews.grade(other, fitted, card_id, 3, later, review_token=f"during-{i}")
            answered_at.append(time.monotonic())
    worker.join(30)
    assert errors == [] and finished_at
    # The answers did not wait for the whole rebuild (one transaction would have held them).
    assert min(answered_at) < finished_at[0]
    # Every stored state equals the replay of the log, answers given meanwhile included.
    # (``session`` still holds the read snapshot it took before the rebuild: end it first.)
    session.rollback()
    check = rebuild.rebuild_user(session, fitted, write=False)
    assert check.mismatched == [] and check.broken == []
    assert len(_states(session)) == len(ids)
