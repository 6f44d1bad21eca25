"""Interview dates: the JSON contract, validation naming the field, pages, dashboard countdown."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import UserSettings
from app.plans.models import InterviewDate
from tests.clock import Clock

ACME = {
    "name": "Acme, ML engineer",
    "at": "2026-03-20",
    "topics": [{"topic": "basics", "weight": 2}, {"topic": "maths", "weight": 1}],
}


def _rows(session: Session) -> list[InterviewDate]:
    """Every stored interview date, read after the requests' commits."""
    session.rollback()
    return list(session.scalars(select(InterviewDate)))


def _fields(response) -> list[list[object]]:
    assert response.status_code == 422, response.text
    return [issue["loc"] for issue in response.json()["detail"]]


def test_create_read_replace_delete(plan_client: TestClient, session: Session) -> None:
    created = plan_client.post("/api/interview-dates", json=ACME)
    assert created.status_code == 201
    date_id = created.json()["id"]
    assert created.json() == {"id": date_id}
    row = session.get(InterviewDate, date_id)
    # A date alone means 09:00 in the user's zone (the test app runs in UTC).
    assert row is not None and row.at.isoformat() == "2026-03-20T09:00:00+00:00"
    shown = plan_client.get(f"/api/interview-dates/{date_id}").json()
    assert shown["name"] == "Acme, ML engineer" and shown["past"] is False
    assert shown["topics"] == [
        {"topic": "basics", "weight": 2.0}, {"topic": "maths", "weight": 1.0}
    ]  # fmt: skip
    assert [d["id"] for d in plan_client.get("/api/interview-dates").json()] == [date_id]

    replaced = plan_client.put(
        f"/api/interview-dates/{date_id}",
        json={"name": "Acme onsite", "at": "2026-03-21T14:30", "topics": []},
    )
    assert replaced.status_code == 200
    assert replaced.json()["at"] == "2026-03-21T14:30:00Z" and replaced.json()["topics"] == []
    session.rollback()
    assert session.get(InterviewDate, date_id).name == "Acme onsite"

    assert plan_client.delete(f"/api/interview-dates/{date_id}").status_code == 204
    assert plan_client.get(f"/api/interview-dates/{date_id}").status_code == 404
    assert _rows(session) == []


def test_a_date_means_nine_in_the_users_zone(plan_client: TestClient, session: Session) -> None:
    session.add(UserSettings(user_id=1, timezone="America/New_York"))
    session.commit()
    date_id = plan_client.post("/api/interview-dates", json=ACME).json()["id"]
    # 2026-03-20 is after the US DST change (8 March): 09:00 EDT is 13:00 UTC.
    assert plan_client.get(f"/api/interview-dates/{date_id}").json()["at"] == (
        "2026-03-20T13:00:00Z"
    )


def test_refusals_name_the_field(plan_client: TestClient, clock: Clock, session: Session) -> None:
    past = {**ACME, "at": "2026-03-01"}  # the clock says 2 March 2026
    assert _fields(plan_client.post("/api/interview-dates", json=past)) == [["body", "at"]]
    an_hour_ago = {**ACME, "at": "2026-03-02T09:00"}
    assert _fields(plan_client.post("/api/interview-dates", json=an_hour_ago)) == [["body", "at"]]
    unknown = {**ACME, "topics": [{"topic": "basics"}, {"topic": "astrology", "weight": 1}]}
    assert _fields(plan_client.post("/api/interview-dates", json=unknown)) == [
        ["body", "topics", 1, "topic"]
    ]
    negative = {**ACME, "topics": [{"topic": "basics", "weight": -1}]}
    assert _fields(plan_client.post("/api/interview-dates", json=negative)) == [
        ["body", "topics", 0, "weight"]
    ]
    for bad in (
        {**ACME, "name": ""},
        {**ACME, "name": "x" * 201},
        {**ACME, "at": "next tuesday"},
        {**ACME, "at": "2031-01-01"},  # beyond two years
        {**ACME, "topics": [{"topic": "basics", "weight": 101}]},
        {**ACME, "topics": [{"topic": "basics", "weight": float("nan")}]},
        {**ACME, "topics": [{"topic": "basics"}, {"topic": "basics"}]},
    ):
        response = plan_client.post(
            "/api/interview-dates", content=_json(bad), headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, bad
    assert _rows(session) == []
    date_id = plan_client.post("/api/interview-dates", json=ACME).json()["id"]
    put = plan_client.put(f"/api/interview-dates/{date_id}", json=past)
    assert _fields(put) == [["body", "at"]]
    session.rollback()
    assert session.get(InterviewDate, date_id).name == ACME["name"]


def _json(body: dict[str, object]) -> bytes:
    """The body as JSON text, NaN included (the test client's json= refuses NaN)."""
    return json.dumps(body).encode()


def test_pages_create_edit_and_delete_by_form(plan_client: TestClient, session: Session) -> None:
    form = {"name": "Beta Labs", "date": "2026-03-10", "time": "", "topic": ["maths"],
            "weight-maths": "3"}  # fmt: skip
    created = plan_client.post("/interview-dates", data=form)
    assert created.status_code == 303
    (row,) = _rows(session)
    assert created.headers["location"] == f"/interview-dates/{row.id}"
    assert row.topics == [{"topic": "maths", "weight": 3.0}]
    page = plan_client.get(f"/interview-dates/{row.id}").text
    assert "Beta Labs" in page and "Readiness" in page and "Not yet learned" in page
    listing = plan_client.get("/interview-dates").text
    assert "Beta Labs" in listing and "in 7 days, 23 hours" in listing
    edited = plan_client.post(
        f"/interview-dates/{row.id}/edit",
        data={"name": "Beta Labs onsite", "date": "2026-03-11", "time": "15:00"},
    )
    assert edited.status_code == 303
    session.rollback()
    assert session.get(InterviewDate, row.id).name == "Beta Labs onsite"
    assert session.get(InterviewDate, row.id).topics == []
    assert plan_client.post(f"/interview-dates/{row.id}/delete").status_code == 303
    assert _rows(session) == []


def test_form_errors_are_shown_next_to_the_field(plan_client: TestClient, session: Session) -> None:
    page = plan_client.post(
        "/interview-dates", data={"name": "Gamma", "date": "2026-02-01", "topic": ["nope"]}
    )
    assert page.status_code == 422
    assert 'id="e-date"' in page.text and "must be in the future" in page.text
    assert "unknown topic &#39;nope&#39;" in page.text
    assert _rows(session) == []


def test_past_dates_move_to_history(plan_client: TestClient, clock: Clock) -> None:
    date_id = plan_client.post("/api/interview-dates", json=ACME).json()["id"]
    clock.advance(days=30)
    assert plan_client.get(f"/api/interview-dates/{date_id}").json()["past"] is True
    page = plan_client.get("/interview-dates").text
    assert "No interview date to come." in page and "History" in page
    assert plan_client.get(f"/api/interview-dates/{date_id}/plan").json()["days"] == []


def test_the_dashboard_counts_down_to_the_next_date(
    plan_client: TestClient, clock: Clock, cards: Callable[..., list[str]]
) -> None:
    assert "next-interview" not in plan_client.get("/").text
    later = {**ACME, "name": "Later Inc", "at": "2026-04-01"}
    plan_client.post("/api/interview-dates", json=later)
    plan_client.post("/api/interview-dates", json=ACME)
    home = plan_client.get("/").text
    assert "Acme, ML engineer" in home and "Later Inc" not in home
    assert "in 17 days, 23 hours" in home and "Readiness <strong>0%</strong>" in home
