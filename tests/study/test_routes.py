"""The study pages and JSON API through the real app, with an injected clock."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import LOCAL_USER_ID, Card, ReviewLog, ReviewState
from tests.clock import Clock

HX = {"HX-Request": "true"}
FIRST = "what-is-a-neuron"


def _next(client: TestClient, **params: str) -> dict:
    response = client.get("/api/study/next", params=params)
    assert response.status_code == 200
    return response.json()


def _grade(client: TestClient, shown: dict, rating: int, **extra: object):
    body = {
        "card_id": shown["card"]["id"],
        "rating": rating,
        "review_token": shown["review_token"],
        **extra,
    }
    return client.post("/api/reviews", json=body)


def _logs(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(ReviewLog)) or 0


def test_study_page_shows_card_with_previewed_intervals(study_client: TestClient) -> None:
    page = study_client.get("/study")
    assert page.status_code == 200
    html = page.text
    assert "data-study" in html and "What does a single artificial neuron compute?" in html
    for label in ("1m", "6m", "10m", "8d"):
        assert f'<span class="grade-interval">{label}</span>' in html
    assert 'action="/study/review"' in html and 'name="review_token"' in html


def test_plain_form_post_redirects_303_then_next_card(
    study_client: TestClient, session: Session
) -> None:
    shown = _next(study_client)
    response = study_client.post(
        "/study/review",
        data={
            "card_id": shown["card"]["id"],
            "rating": "3",
            "review_token": shown["review_token"],
            "duration_ms": "5300",
        },
        follow_redirects=False,
    )
    location = response.headers["location"]
    assert response.status_code == 303 and location == f"/study?recorded=3&card={FIRST}"
    assert "Recorded: <strong" in study_client.get(location).text
    log = session.scalars(select(ReviewLog)).one()
    assert (log.card_id, log.rating, log.duration_ms, log.kind) == (FIRST, 3, 5300, "learn")
    assert _next(study_client)["card"]["id"] != FIRST


def test_htmx_post_swaps_in_next_card_fragment(study_client: TestClient) -> None:
    shown = _next(study_client)
    response = study_client.post(
        "/study/review",
        headers=HX,
        data={"card_id": shown["card"]["id"], "rating": "4", "review_token": shown["review_token"]},
    )
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="study"' in response.text
    assert "perceptron" in response.text.lower()


def test_api_review_and_repeated_token_is_one_review(
    study_client: TestClient, session: Session
) -> None:
    shown = _next(study_client)
    assert shown["intervals"]["3"] == {"name": "Good", "label": "10m", "seconds": 600.0}
    first = _grade(study_client, shown, 3, duration_ms=2500)
    assert first.status_code == 200
    body = first.json()
    assert (body["state"], body["interval"], body["duplicate"]) == ("learning", "10m", False)
    repeat = _grade(study_client, shown, 3, duration_ms=2500)
    assert repeat.status_code == 200
    assert repeat.json() == {**body, "duplicate": True}
    assert _logs(session) == 1


def test_bad_input_gets_422_404_409_never_500(study_client: TestClient, session: Session) -> None:
    shown = _next(study_client)
    for rating in (0, 5, "x"):
        assert _grade(study_client, shown, rating).status_code == 422
    missing = study_client.post(
        "/api/reviews", json={"card_id": "nope", "rating": 3, "review_token": "t1"}
    )
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    study_client.post("/study/suspend", data={"card_id": FIRST})
    suspended = study_client.post(
        "/api/reviews", json={"card_id": FIRST, "rating": 3, "review_token": "t2"}
    )
    assert suspended.status_code == 409 and "suspended" in suspended.json()["detail"]
    card = session.get(Card, "softmax-shift")
    card.retired = True
    session.commit()
    retired = study_client.post(
        "/api/reviews", json={"card_id": "softmax-shift", "rating": 3, "review_token": "t3"}
    )
    assert retired.status_code == 409 and "retired" in retired.json()["detail"]
    form = study_client.post(
        "/study/review", data={"card_id": FIRST, "rating": "9", "review_token": "t4"}
    )
    assert form.status_code == 422 and "rating must be" in form.text
    assert study_client.post("/api/reviews/undo").status_code == 409
    assert _logs(session) == 0
    # A level is one of three: anything else is refused naming the field, not an empty queue.
    unknown = study_client.get("/api/study/next?level=zzz")
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["query", "level"]
    assert study_client.get("/api/study/next?level=advanced").status_code == 200
    assert study_client.get("/study?level=").status_code == 200


def test_undo_restores_state_and_deletes_log(
    study_client: TestClient, session: Session, clock: Clock
) -> None:
    shown = _next(study_client)
    _grade(study_client, shown, 4)
    session.expire_all()
    before = session.get(ReviewState, (LOCAL_USER_ID, FIRST))
    snapshot = {c.name: getattr(before, c.key) for c in ReviewState.__table__.columns}
    clock.now = before.due
    shown = _next(study_client)
    assert shown["card"]["id"] == FIRST and shown["queue"] == "review"
    _grade(study_client, shown, 1)
    undo = study_client.post("/study/undo", follow_redirects=False)
    assert undo.status_code == 303 and undo.headers["location"] == f"/study?undone={FIRST}"
    session.expire_all()
    after = session.get(ReviewState, (LOCAL_USER_ID, FIRST))
    assert {c.name: getattr(after, c.key) for c in ReviewState.__table__.columns} == snapshot
    assert _logs(session) == 1
    assert "Undid your answer" in study_client.get(undo.headers["location"]).text


def test_golden_sequence_over_simulated_days(study_client: TestClient, clock: Clock) -> None:
    intervals = []
    for rating in (3, 3, 1, 3):
        shown = _next(study_client, topic="maths")
        assert shown["card"]["id"] == "softmax-shift"
        result = _grade(study_client, shown, rating).json()
        intervals.append(result["interval"])
        clock.now = clock.now + timedelta(seconds=result["interval_seconds"])
    assert intervals == ["10m", "2d", "10m", "1d"]


def test_cram_logs_cram_and_changes_no_state(study_client: TestClient, session: Session) -> None:
    shown = _next(study_client, mode="cram", topic="basics")
    assert shown["mode"] == "cram" and shown["intervals"]["3"]["label"] is None
    result = _grade(study_client, shown, 1, cram=True).json()
    assert result["kind"] == "cram" and result["state"] is None
    assert session.scalar(select(func.count()).select_from(ReviewState)) == 0
    page = study_client.get("/study", params={"mode": "cram", "topic": "basics"})
    assert "Cram mode" in page.text


def test_bury_and_done_screen(study_client: TestClient) -> None:
    for card_id in ("what-is-a-neuron", "perceptron-limits", "softmax-shift"):
        assert (
            study_client.post(
                "/study/bury", data={"card_id": card_id}, follow_redirects=False
            ).status_code
            == 303
        )
    page = study_client.get("/study")
    assert "Done for today" in page.text and "Study ahead" in page.text
    assert _next(study_client)["card"] is None


def test_settings_validation_saves_nothing_on_error(study_client: TestClient) -> None:
    form = {
        "desired_retention": "0.5",
        "new_per_day": "15",
        "reviews_per_day": "100",
        "learning_steps_minutes": "1m 10m",
        "relearning_steps_minutes": "10m",
        "maximum_interval_days": "365",
        "day_starts_at_hour": "4",
        "timezone": "Mars/Base",
    }
    bad = study_client.post("/settings", data=form)
    assert bad.status_code == 422
    assert "at least 0.7" in bad.text and "unknown time zone" in bad.text
    assert study_client.get("/api/settings").json()["new_per_day"] == 20
    good = study_client.post(
        "/settings",
        data={**form, "desired_retention": "0.85", "timezone": "Europe/Paris"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    saved = study_client.get("/api/settings").json()
    assert (saved["desired_retention"], saved["new_per_day"], saved["timezone_in_use"]) == (
        0.85,
        15,
        "Europe/Paris",
    )
    put = study_client.put("/api/settings", json={"reviews_per_day": -1})
    assert put.status_code == 422 and "reviews_per_day" in put.json()["detail"]
    assert study_client.put("/api/settings", json={"new_per_day": 5}).json()["new_per_day"] == 5


def test_optimize_with_too_little_history_says_how_many_more(study_client: TestClient) -> None:
    page = study_client.post("/settings/optimize")
    assert page.status_code == 200 and "400 more are needed" in page.text


def test_stats_page_and_api(study_client: TestClient, clock: Clock) -> None:
    for _ in range(3):
        _grade(study_client, _next(study_client), 4)
    page = study_client.get("/stats")
    assert page.status_code == 200
    assert page.text.count("<svg") == 8 and "Data table" in page.text  # 7 charts + calibration
    assert 'role="img"' in page.text
    data = study_client.get("/api/stats", params={"days": 90}).json()
    assert data["reviews_per_day"][-1]["learn"] == 3 and len(data["reviews_per_day"]) == 90
    assert data["card_counts"]["review"] == 3
    assert study_client.get("/api/stats", params={"days": 7}).status_code == 422
    refused = study_client.get("/stats", params={"days": 7})
    assert refused.status_code == 422 and "days: must be one of 30, 90, 365" in refused.text
    assert study_client.get("/stats", params={"days": 365}).status_code == 200


def test_api_is_documented_and_flag_errors_are_pages(study_client: TestClient) -> None:
    paths = study_client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/study/next",
        "/api/reviews",
        "/api/reviews/undo",
        "/api/stats",
        "/api/settings",
    ):
        assert path in paths
    assert "put" in paths["/api/settings"]
    missing = study_client.post("/study/suspend", data={"card_id": "nope"})
    assert missing.status_code == 404 and "no card" in missing.text
    outside = study_client.post(
        "/study/unsuspend",
        data={"card_id": FIRST, "next": "//evil.example"},
        follow_redirects=False,
    )
    assert outside.status_code == 303 and outside.headers["location"] == "/study"


def test_done_for_today_then_study_ahead(study_client: TestClient) -> None:
    for _ in range(3):
        _grade(study_client, _next(study_client), 4)
    done = _next(study_client)
    assert done["card"] is None and done["due_tomorrow"] == 0 and done["next_due"]
    ahead = _next(study_client, ahead="1")
    assert ahead["card"] is not None and ahead["queue"] == "ahead"
    page = study_client.get("/study")
    assert "Done for today" in page.text and "Next card due" in page.text
