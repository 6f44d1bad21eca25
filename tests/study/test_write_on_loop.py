"""A grade on SQLite runs on the event loop when it can, and never holds the loop waiting for
another process's write: it is retried in the threadpool, and other requests go on meanwhile."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import ReviewLog
from tests.factories import add_cards

pytestmark = pytest.mark.sqlite_only


def test_a_grade_waits_for_another_process_without_holding_up_other_requests(
    settings: Settings, client: TestClient, session: Session
) -> None:
    (card,) = add_cards(session, 1, "alpha")
    assert settings.sqlite_path is not None
    other = sqlite3.connect(settings.sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    answers: list[int] = []
    answer = {"card_id": card, "rating": 3, "review_token": "t1"}
    grading = threading.Thread(
        target=lambda: answers.append(client.post("/api/reviews", json=answer).status_code)
    )
    grading.start()
    grading.join(0.5)
    assert grading.is_alive() and answers == []  # waiting on the busy timeout
    assert client.get("/healthz").status_code == 200  # the loop is free meanwhile
    assert client.get(f"/cards/{card}").status_code == 200
    other.rollback()
    grading.join(10)
    assert answers == [200]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ReviewLog)) == 1
    # With the file free, a grade is taken at once (the API's on the loop, the form's in the
    # threadpool).
    assert client.post("/api/reviews", json={**answer, "review_token": "t2"}).status_code == 200
    form = {"card_id": card, "rating": "4", "review_token": "t3"}
    assert client.post("/study/review", data=form, follow_redirects=False).status_code == 303
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ReviewLog)) == 3
