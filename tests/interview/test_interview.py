"""A full mock interview through the JSON API and the pages, on an injected clock."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.interview.models import Interview
from app.models import ReviewLog, ReviewState
from tests.clock import Clock
from tests.interview.conftest import GOOD_ANSWER, add_topic_cards


def test_full_interview_through_the_json_api(
    interview_client: TestClient, session: Session, clock: Clock
) -> None:
    add_topic_cards(session, "optim", 6)
    created = interview_client.post(
        "/api/interviews",
        json={"topics": ["optim"], "questions": 5, "seconds_per_question": 120},
    )
    assert created.status_code == 201
    interview_id = created.json()["id"]
    answers = [GOOD_ANSWER, "", GOOD_ANSWER, "the learning rate scales every step", GOOD_ANSWER]
    waits = [30, 5, 200, 60, 119]  # question 3 is answered after its 2 minutes
    seen = []
    for position, (text, wait) in enumerate(zip(answers, waits, strict=True), start=1):
        current = interview_client.get(f"/api/interviews/{interview_id}").json()["current"]
        assert current["position"] == position
        assert current["seconds_left"] == 120
        seen.append(current["card_id"])
        clock.advance(seconds=wait)
        done = interview_client.post(
            f"/api/interviews/{interview_id}/answers", json={"position": position, "answer": text}
        ).json()
        assert done["timed_out"] == (position == 3)
        assert done["seconds_taken"] == min(wait, 120)
    assert len(set(seen)) == 5
    assert done["finished"] is True
    assert interview_client.get(f"/api/interviews/{interview_id}").json()["current"] is None

    summary = interview_client.get(f"/api/interviews/{interview_id}/summary").json()
    scores = [q["score"] for q in summary["questions"]]
    # full answer 3/3; empty 0; over time 0 (kept, not counted); one point of three 1/3
    assert scores == [1.0, 0.0, 0.0, 1 / 3, 1.0]
    assert summary["score"] == sum(scores) / 5
    assert summary["questions"][2]["answer"] == GOOD_ANSWER
    assert summary["questions"][2]["timed_out"] is True
    assert [q["checklist"]["suggested_rating"] for q in summary["questions"]] == [3, 1, 1, 1, 3]
    assert summary["topics"] == [{"topic": "optim", "score": summary["score"], "questions": 5}]
    assert summary["weakest"][0]["topic"] == "optim"

    ratings = {1: 3, 2: 1, 3: 2, 4: 1, 5: 4}  # the user overrides question 3's suggestion
    scheduled = interview_client.post(
        f"/api/interviews/{interview_id}/schedule", json={"ratings": ratings}
    ).json()
    assert [r["rating"] for r in scheduled["recorded"]] == [3, 1, 2, 1, 4]
    logs = session.scalars(select(ReviewLog).order_by(ReviewLog.id)).all()
    assert [(log.card_id, log.rating) for log in logs] == list(
        zip(seen, [3, 1, 2, 1, 4], strict=True)
    )
    assert logs[0].answer_text == GOOD_ANSWER and logs[1].answer_text is None
    assert [log.duration_ms for log in logs] == [30_000, 5_000, 120_000, 60_000, 119_000]
    assert len(session.scalars(select(ReviewState)).all()) == 5
    # scheduling again records nothing more (one review token per question)
    interview_client.post(f"/api/interviews/{interview_id}/schedule", json={"ratings": ratings})
    assert len(session.scalars(select(ReviewLog)).all()) == 5
    history = interview_client.get("/api/interviews").json()
    assert [(h["id"], h["scheduled"]) for h in history] == [(interview_id, True)]


def test_answering_out_of_turn_is_refused(interview_client: TestClient, session: Session) -> None:
    add_topic_cards(session, "optim", 5)
    interview_id = interview_client.post("/api/interviews", json={"topics": ["optim"]}).json()["id"]
    wrong = interview_client.post(
        f"/api/interviews/{interview_id}/answers", json={"position": 2, "answer": "x"}
    )
    assert wrong.status_code == 409
    assert "question 1 is" in wrong.json()["detail"]
    early = interview_client.post(f"/api/interviews/{interview_id}/schedule", json={"ratings": {}})
    assert early.status_code == 409
    assert interview_client.get("/api/interviews/999").status_code == 404


def test_setup_is_validated(interview_client: TestClient) -> None:
    assert interview_client.post("/api/interviews", json={"questions": 4}).status_code == 422
    assert interview_client.post("/api/interviews", json={"questions": 21}).status_code == 422
    page = interview_client.post("/interview", data={"questions": "25", "minutes": "2"})
    assert page.status_code == 422
    assert "less than or equal to 20" in page.text
    none = interview_client.post(
        "/interview", data={"topics": "nope", "questions": "5", "minutes": "2"}
    )
    assert none.status_code == 422
    assert "no card matches" in none.text


def _position(html: str) -> int:
    match = re.search(r'name="position" value="(\d+)"', html)
    assert match
    return int(match.group(1))


def test_interview_through_the_pages_without_javascript(
    interview_client: TestClient, session: Session, clock: Clock
) -> None:
    add_topic_cards(session, "optim", 5)
    setup = interview_client.get("/interview")
    assert 'name="topics" value="optim"' in setup.text
    started = interview_client.post(
        "/interview",
        data={"topics": "optim", "level": "", "questions": "5", "minutes": "1.5"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    url = started.headers["location"]
    interview = session.scalars(select(Interview)).one()
    assert interview.seconds_per_question == 90
    for expected in range(1, 6):
        page = interview_client.get(url)
        assert page.status_code == 200
        assert _position(page.text) == expected
        assert f"Question {expected} of 5" in page.text
        assert 'data-seconds-left="90"' in page.text
        assert "(answer by" in page.text  # the deadline, readable without the countdown
        clock.advance(seconds=20)
        done = interview_client.post(
            f"{url}/answer",
            data={"position": str(expected), "answer": GOOD_ANSWER if expected < 3 else "no idea"},
            follow_redirects=False,
        )
        assert done.status_code == 303
    final = interview_client.get(url, follow_redirects=False)
    assert final.status_code == 303 and final.headers["location"] == f"{url}/summary"
    summary = interview_client.get(f"{url}/summary")
    assert summary.status_code == 200
    assert "Score: <strong>40%</strong>" in summary.text
    assert "Weakest topics" in summary.text
    assert 'href="/topics/optim"' in summary.text
    assert 'name="rating-1" value="3" data-key="3" checked' in summary.text
    assert 'name="rating-3" value="1" data-key="1" checked' in summary.text
    assert "0:20" in summary.text
    # flip question 3's marks to all covered, confirm Good for everything but question 5
    form = {f"rating-{p}": "3" for p in range(1, 5)} | {"rating-5": "1", "action": "schedule"}
    form["mark-3"] = ["1", "2", "3"]
    for p in (1, 2):
        form[f"mark-{p}"] = ["1", "2", "3"]
    scheduled = interview_client.post(f"{url}/summary", data=form, follow_redirects=False)
    assert scheduled.status_code == 303
    assert scheduled.headers["location"] == f"{url}/summary?scheduled=5"
    session.rollback()  # end the read snapshot taken above
    assert session.get(Interview, interview.id).score == 0.6
    ratings = session.scalars(select(ReviewLog.rating).order_by(ReviewLog.id)).all()
    assert ratings == [3, 3, 3, 3, 1]
    after = interview_client.get(f"{url}/summary?scheduled=5")
    assert "Scheduled 5 reviews." in after.text
    assert "Schedule these for review" not in after.text
    history = interview_client.get("/interview/history")
    assert history.status_code == 200
    assert "<svg" in history.text and "#1 02 Mar 60%" in history.text


def test_ending_early_skips_the_rest(
    interview_client: TestClient, session: Session, clock: Clock
) -> None:
    add_topic_cards(session, "optim", 5)
    url = interview_client.post(
        "/interview",
        data={"topics": "optim", "questions": "5", "minutes": "2"},
        follow_redirects=False,
    ).headers["location"]
    interview_client.get(url)
    clock.advance(seconds=10)
    interview_client.post(f"{url}/answer", data={"position": "1", "answer": GOOD_ANSWER})
    ended = interview_client.post(f"{url}/end", follow_redirects=False)
    assert ended.headers["location"] == f"{url}/summary"
    summary = interview_client.get(f"/api{url.replace('/interview', '/interviews')}/summary").json()
    assert [q["score"] for q in summary["questions"]] == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert summary["finished_at"] is not None


def test_htmx_done_swaps_in_the_next_question(
    interview_client: TestClient, session: Session
) -> None:
    add_topic_cards(session, "optim", 5)
    url = interview_client.post(
        "/interview",
        data={"topics": "optim", "questions": "5", "minutes": "2"},
        follow_redirects=False,
    ).headers["location"]
    interview_client.get(url)
    fragment = interview_client.post(
        f"{url}/answer", data={"position": "1", "answer": "x"}, headers={"HX-Request": "true"}
    )
    assert fragment.text.lstrip().startswith('<section id="interview"')
    assert "Question 2 of 5" in fragment.text
