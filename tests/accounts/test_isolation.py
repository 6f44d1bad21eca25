"""Two users on one server never see or change each other's progress.

Bob studies, suspends a card, changes his settings and takes a mock interview; Ada, signed
in on the same server, then tries every route that takes an id with Bob's ids (all 403/404)
and finds none of Bob's progress in her pages, stats, settings or export.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

# Path parameters that name something a user owns, and what Bob's value is called below.
OWNED_PARAMS = {"interview_id", "interview_date_id"}
# Path parameters that name shared content (the same for everyone): cards, topics, demos.
SHARED_PARAMS = {"card_id", "topic_id", "slug"}
IN_A_MONTH = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
# Bodies that pass validation, so a refusal can only come from the ownership check.
BODIES: dict[str, dict[str, Any]] = {
    "/api/interviews/{interview_id}/answers": {"position": 1, "answer": "a guess"},
    "/api/interviews/{interview_id}/schedule": {"ratings": {"1": 3}},
    "/interview/{interview_id}/answer": {"position": "1", "answer": "a guess"},
    "/api/interview-dates/{interview_date_id}": {"name": "Ada's", "at": IN_A_MONTH},
    "/interview-dates/{interview_date_id}/edit": {"name": "Ada's", "date": IN_A_MONTH},
}


def _routes_with_params(app: FastAPI) -> list[APIRoute]:
    return [r for r in app.routes if isinstance(r, APIRoute) and r.param_convertors]


def _bob_studies(bob: TestClient) -> dict[str, Any]:
    tokens = []
    for rating in (3, 1, 4):
        shown = bob.get("/api/study/next").json()
        answer = {
            "card_id": shown["card"]["id"], "rating": rating,
            "review_token": shown["review_token"],
        }  # fmt: skip
        assert bob.post("/api/reviews", json=answer).status_code == 200
        tokens.append(shown["review_token"])
    suspended = bob.get("/api/study/next").json()["card"]["id"]
    assert bob.post("/study/suspend", data={"card_id": suspended}).status_code == 303
    put = bob.put("/api/settings", json={"new_per_day": 3, "desired_retention": 0.8})
    assert put.status_code == 200
    started = bob.post("/api/interviews", json={"questions": 5})
    assert started.status_code == 201, started.text
    dated = bob.post("/api/interview-dates", json={"name": "Bob's", "at": IN_A_MONTH})
    assert dated.status_code == 201, dated.text
    return {
        "tokens": tokens, "suspended": suspended, "interview_id": started.json()["id"],
        "interview_date_id": dated.json()["id"],
    }  # fmt: skip


def test_every_route_with_an_id_refuses_the_other_users_ids(group_app: FastAPI, member) -> None:
    bob, ada = member("bob"), member("ada")
    bobs = _bob_studies(bob)
    for route in _routes_with_params(group_app):
        params = set(route.param_convertors)
        unknown = params - OWNED_PARAMS - SHARED_PARAMS
        assert not unknown, f"{route.path}: classify {unknown} as owned or shared in this test"
        if not params & OWNED_PARAMS:
            continue
        path = route.path.format(**{p: bobs[p] for p in params})
        body = BODIES.get(route.path, {})
        for method in route.methods - {"HEAD"}:
            if method == "GET":
                assert bob.get(path).status_code == 200, path  # the id is real
                response = ada.get(path)
            elif route.path.startswith("/api/"):
                response = ada.request(method, path, json=body)
            else:
                response = ada.request(method, path, data=body)
            assert response.status_code in (403, 404), (method, path, response.status_code)
    mine = bob.get(f"/api/interviews/{bobs['interview_id']}").json()
    assert mine["finished_at"] is None  # Ada's attempts changed nothing
    assert ada.get("/api/interviews").json() == []
    assert ada.get("/api/interview-dates").json() == []
    assert bob.get(f"/api/interview-dates/{bobs['interview_date_id']}").json()["name"] == "Bob's"
    assert ada.get(f"/study?interview_date={bobs['interview_date_id']}").status_code == 404


def test_progress_pages_and_exports_hold_only_the_callers_data(member) -> None:
    bob, ada = member("bob"), member("ada")
    bobs = _bob_studies(bob)
    assert ada.get("/api/stats").json() != bob.get("/api/stats").json()
    settings = ada.get("/api/settings").json()
    assert settings["new_per_day"] == 20 and settings["desired_retention"] == 0.9
    shown = ada.get("/api/study/next").json()
    assert shown["counts"]["learning"] == 0
    assert ada.post("/api/reviews/undo").status_code == 409  # nothing of hers to undo
    # Bob's suspended card is still studyable for Ada, and her answer is hers alone.
    answer = {"card_id": bobs["suspended"], "rating": 3, "review_token": bobs["tokens"][0]}
    reply = ada.post("/api/reviews", json=answer)
    assert reply.status_code == 200, reply.text
    assert reply.json()["duplicate"] is False
    backup = ada.get("/api/progress").json()
    assert [log["card_id"] for log in backup["review_logs"]] == [bobs["suspended"]]
    assert backup["flags"] == [] and backup["settings"]["new_per_day"] == 20
    assert len(bob.get("/api/progress").json()["review_logs"]) == 3
    downloaded = ada.get("/export/progress")
    assert downloaded.status_code == 200 and downloaded.json()["review_logs"] == (
        backup["review_logs"]
    )
    assert bob.post("/api/reviews/undo").json()["rating"] == 4  # his own last answer
