"""Anki's review history (revlog) comes with an imported deck: the FSRS state is replayed.

The deck is a real .apkg built by genanki, with revlog rows written into its collection by
sqlite3 exactly as Anki stores them (id = answer time in ms, cid, ease, time, type).
"""

from __future__ import annotations

import io
import sqlite3
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import genanki
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.main import create_app
from app.models import Card, ReviewLog, ReviewState
from app.study.preferences import user_context
from app.study.rebuild import rebuild_user
from tests.conftest import make_settings

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
# (days after START, ease): Again, then Good in learning, Good, Hard, a lapse and back.
ANSWERS = [(0, 1), (0.01, 3), (1, 3), (4, 3), (14, 2), (40, 1), (40.01, 3), (42, 4)]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path)), follow_redirects=False) as client:
        yield client


def _deck_with_history(tmp_path: Path, answers: list[tuple[float, int]]) -> bytes:
    """A Basic note and a Basic-and-reversed one; revlog rows for the notes' cards."""
    deck = genanki.Deck(2059400111, "History")
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=["What is Adam?", "An optimizer"]))
    deck.add_note(
        genanki.Note(model=genanki.BASIC_AND_REVERSED_CARD_MODEL, fields=["Why ReLU?", "Cheap"])
    )
    path = tmp_path / "history.apkg"
    genanki.Package(deck).write_to_file(str(path))
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    collection = tmp_path / "collection.anki2"
    collection.write_bytes(members["collection.anki2"])
    with sqlite3.connect(collection) as db:
        cards = db.execute("SELECT c.id, c.ord FROM cards c ORDER BY c.nid, c.ord").fetchall()
        adam, relu_front, relu_back = (card_id for card_id, _ in cards)
        rows = [(adam, days, ease) for days, ease in answers]
        rows += [(relu_front, 0.5, 3), (relu_back, 0.6, 3)]  # the reversed card's is not ours
        for cid, days, ease in rows:
            answer_id = int((START + timedelta(days=days)).timestamp() * 1000)
            db.execute(
                "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
                " VALUES (?, ?, -1, ?, 0, 0, 0, 8000, 1)",
                (answer_id, cid, ease),
            )
        db.execute(  # a manual reschedule: no answer
            "INSERT INTO revlog VALUES (?, ?, -1, 0, 10, 0, 0, 0, 4)",
            (int((START + timedelta(days=50)).timestamp() * 1000), adam),
        )
    members["collection.anki2"] = collection.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _post(client: TestClient, raw: bytes, dry: bool = False):
    return client.post(
        "/api/import",
        files={"file": ("history.apkg", raw, "application/octet-stream")},
        data={"format": "anki", "dry_run": str(dry).lower()},
    )


def _fsrs_replay(answers: list[tuple[float, int]]) -> fsrs.Card:
    """fsrs's own scheduler over the same answers (stability and difficulty ignore fuzz)."""
    scheduler, card = fsrs.Scheduler(enable_fuzzing=False), fsrs.Card()
    for days, ease in answers:
        card, _ = scheduler.review_card(card, fsrs.Rating(ease), START + timedelta(days=days))
    return card


def test_the_revlog_becomes_the_review_log_and_the_state_is_replayed(
    client: TestClient, tmp_path: Path
) -> None:
    raw = _deck_with_history(tmp_path, ANSWERS)
    dry = _post(client, raw, dry=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["reviews"] == len(ANSWERS) + 1
    assert {"source": "review history", "reason": "2 answer(s) of other cards or reschedules "
            "not imported"} in dry.json()["skipped"]  # fmt: skip
    sessionmaker = client.app.state.sessionmaker
    with sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(ReviewLog)) == 0
    done = _post(client, raw).json()
    adam, relu = done["created"]
    assert done["reviews"] == len(ANSWERS) + 1
    with sessionmaker() as session:
        logs = session.scalars(
            select(ReviewLog).where(ReviewLog.card_id == adam).order_by(ReviewLog.id)
        ).all()
        assert [log.rating for log in logs] == [ease for _, ease in ANSWERS]
        assert logs[0].reviewed_at == START and logs[0].duration_ms == 8000
        # The kind is the state before each answer, as dlcards logs it: the third graduates.
        assert [log.kind for log in logs] == [
            "learn", "learn", "learn", "review", "review", "review", "relearn", "review"
        ]  # fmt: skip
        state = session.get(ReviewState, (1, adam))
        assert state is not None and state.reps == len(ANSWERS) and state.lapses == 1
        expected = _fsrs_replay(ANSWERS)
        assert state.stability == pytest.approx(expected.stability, abs=1e-9)
        assert state.difficulty == pytest.approx(expected.difficulty, abs=1e-9)
        assert state.last_review == START + timedelta(days=42)
        assert session.get(ReviewState, (1, relu)).reps == 1
        # dlcards study rebuild --check finds the stored states equal to the replay.
        check = rebuild_user(session, user_context(session, 1), write=False)
        assert check.mismatched == [] and check.broken == [] and check.reviews == len(ANSWERS) + 1
    # Importing the deck again adds no card and no answer.
    again = _post(client, raw).json()
    assert again["created"] == [] and again["reviews"] == 0
    with sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(ReviewLog)) == len(ANSWERS) + 1
    # Studied here, the card continues from the replayed state.
    shown = client.get("/api/cards/" + adam).json()
    assert shown["question"] == "What is Adam?"


def test_a_revlog_from_the_future_is_refused_and_nothing_is_written(
    client: TestClient, tmp_path: Path
) -> None:
    future = (datetime.now(UTC) + timedelta(days=30) - START).days
    response = _post(client, _deck_with_history(tmp_path, [(0, 3), (future, 3)]))
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem.startswith("note ") and "is out of range" in problem
    with client.app.state.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(ReviewLog)) == 0
        assert session.scalar(select(func.count()).where(Card.owner_id.isnot(None))) == 0
