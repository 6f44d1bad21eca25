"""The Anki export with the user's FSRS schedule: read back from the .apkg's own SQLite."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.export.anki import write_apkg
from app.export.anki_schedule import user_schedule
from app.export.bank import deck_name, export_cards
from app.models import LOCAL_USER_ID
from app.study import reviews, store
from app.study.preferences import user_context
from app.study.scheduler import State
from tests.export.test_progress import T0, study_a_while

FIELD_SEPARATOR = "\x1f"


def _collection(apkg: Path, folder: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as archive:
        archive.extract("collection.anki2", folder)
    return sqlite3.connect(folder / "collection.anki2")


def _cards_by_id(db: sqlite3.Connection) -> dict[str, tuple]:
    rows = db.execute(
        "SELECT notes.flds, cards.id, type, queue, due, ivl, reps, lapses, left, cards.data"
        " FROM cards JOIN notes ON notes.id = cards.nid"
    )
    return {flds.split(FIELD_SEPARATOR)[3]: rest for flds, *rest in rows}


def test_the_fsrs_state_and_answers_land_in_cards_and_revlog(
    loaded: Session, tmp_path: Path
) -> None:
    study_a_while(loaded)  # 9 answers on 2 cards, perceptron-limits suspended (never studied)
    cards = export_cards(loaded)
    path = tmp_path / "deck.apkg"
    write_apkg(
        cards, deck_name(None), path, user_schedule(loaded, LOCAL_USER_ID, [c.id for c in cards])
    )
    db = _collection(path, tmp_path)
    (created,) = db.execute("SELECT crt FROM col").fetchone()
    by_id = _cards_by_id(db)

    for card_id in ("what-is-a-neuron", "softmax-shift"):
        state = store.card_state(store.get_row(loaded, LOCAL_USER_ID, card_id))
        assert state.state == State.Review and state.due and state.last_review
        anki_id, kind, queue, due, ivl, reps, lapses, _left, data = by_id[card_id]
        assert (kind, queue) == (2, 2)
        assert due == (int(state.due.timestamp()) - created) // 86400
        assert ivl == round((state.due - state.last_review).total_seconds() / 86400)
        assert (reps, lapses) == (state.reps, state.lapses)
        assert json.loads(data) == {
            "s": round(state.stability, 2),
            "d": round(state.difficulty, 3),
            "dr": 0.85,
        }
    # The neuron's answers: Good, Good (both learning), Again (a lapse), Good (relearning),
    # with their answer times.
    neuron = by_id["what-is-a-neuron"][0]
    revlog = db.execute("SELECT ease, type, time FROM revlog WHERE cid = ? ORDER BY id", (neuron,))
    assert list(revlog) == [(3, 0, 900), (3, 0, 903), (1, 1, 905), (3, 2, 906)]
    softmax = by_id["softmax-shift"][0]
    kinds = [
        t for (t,) in db.execute("SELECT type FROM revlog WHERE cid = ? ORDER BY id", (softmax,))
    ]
    assert kinds.count(3) == 1  # the cram answer is a filtered-deck review in Anki
    assert db.execute("SELECT count(*) FROM revlog").fetchone() == (9,)
    # Never studied but suspended: a new card, suspended in Anki too.
    assert by_id["perceptron-limits"][1:5] == [0, -1, 0, 0]


def test_a_learning_card_is_due_at_its_moment_and_a_suspended_one_stays_suspended(
    loaded: Session, tmp_path: Path
) -> None:
    ctx = user_context(loaded, LOCAL_USER_ID, "UTC")
    reviews.grade(loaded, ctx, "softmax-shift", 3, T0, review_token="a")  # step 1 of 2
    reviews.set_suspended(loaded, ctx, "softmax-shift", True, T0 + timedelta(minutes=1))
    state = store.card_state(store.get_row(loaded, LOCAL_USER_ID, "softmax-shift"))
    assert state.state == State.Learning and state.due == T0 + timedelta(minutes=10)
    cards = export_cards(loaded)
    path = tmp_path / "deck.apkg"
    write_apkg(cards, "d", path, user_schedule(loaded, LOCAL_USER_ID, [c.id for c in cards]))
    _, kind, queue, due, ivl, reps, _lapses, left, _data = _cards_by_id(
        _collection(path, tmp_path)
    )["softmax-shift"]
    assert (kind, queue, ivl, reps, left) == (1, -1, 0, 1, 1)
    assert due == int(datetime(2026, 3, 2, 9, 10, tzinfo=UTC).timestamp())


def test_the_download_carries_the_schedule_only_when_asked(
    client: TestClient, tmp_path: Path
) -> None:
    shown = client.get("/api/study/next").json()
    body = {"card_id": shown["card"]["id"], "rating": 3, "review_token": shown["review_token"]}
    assert client.post("/api/reviews", json=body).status_code == 200
    for flag, studied in (("false", 0), ("true", 1)):
        response = client.get("/export/anki", params={"schedule": flag})
        assert response.status_code == 200
        (tmp_path / flag).mkdir()
        apkg = tmp_path / flag / "deck.apkg"
        apkg.write_bytes(response.content)
        db = _collection(apkg, tmp_path / flag)
        assert db.execute("SELECT count(*) FROM cards WHERE type != 0").fetchone() == (studied,)
        assert db.execute("SELECT count(*) FROM revlog").fetchone() == (studied,)
    assert client.get("/export/anki", params={"schedule": "maybe"}).status_code == 422
