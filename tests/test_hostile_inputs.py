"""Inputs that once gave a 500: ids past 64 bits, infinite minutes, JSON nested 100,000 deep.

Each is a 404 or 422 with a message, on SQLite and PostgreSQL alike (the id never reaches the
driver, which cannot hold it).
"""

from __future__ import annotations

import tempfile

import pytest

from app.deps import MAX_ROW_ID

TOO_BIG = MAX_ROW_ID + 1
INTERVIEW_ROUTES = [
    ("GET", "/interview/{id}"),
    ("POST", "/interview/{id}/answer"),
    ("POST", "/interview/{id}/end"),
    ("GET", "/interview/{id}/summary"),
    ("POST", "/interview/{id}/summary"),
    ("GET", "/api/interviews/{id}"),
    ("POST", "/api/interviews/{id}/answers"),
    ("GET", "/api/interviews/{id}/summary"),
    ("POST", "/api/interviews/{id}/schedule"),
]


@pytest.mark.parametrize(("method", "route"), INTERVIEW_ROUTES)
@pytest.mark.parametrize("interview_id", [TOO_BIG, 2**64, -1, 0])
def test_interview_ids_out_of_range_are_refused(client, method, route, interview_id) -> None:
    url = route.format(id=interview_id)
    response = client.request(method, url, json={} if url.startswith("/api/") else None)
    assert response.status_code == 422, (url, response.status_code)
    if url.startswith("/api/"):
        assert response.json()["detail"][0]["loc"] == ["path", "interview_id"]


@pytest.mark.parametrize(("method", "route"), INTERVIEW_ROUTES)
def test_the_largest_id_is_a_404(client, method, route) -> None:
    url = route.format(id=MAX_ROW_ID)
    body = (
        {"answer": "x"}
        if url.endswith("/answers")
        else {"ratings": {}} if url.endswith("/schedule") else None
    )
    response = client.request(method, url, json=body)
    # 404 for the unknown interview, or 422 for a body refused before the id is looked up
    expected = (404,) if method == "GET" else (404, 422)
    assert response.status_code in expected, (url, response.status_code)


@pytest.mark.parametrize("minutes", ["inf", "-inf", "1e309", "nan", "1e300"])
def test_infinite_minutes_are_a_form_error(client, minutes) -> None:
    response = client.post("/interview", data={"minutes": minutes, "questions": "3"})
    assert response.status_code == 422
    assert "minutes" in response.text.lower()


def test_deeply_nested_json_upload_is_a_form_error(client) -> None:
    files = {"backup": ("backup.json", b"[" * 100_000, "application/json")}
    response = client.post("/import/progress", files=files)
    assert response.status_code == 422
    assert "nested too deeply" in response.text


def test_deeply_nested_json_body_is_refused(client) -> None:
    response = client.post(
        "/api/progress", content="[" * 100_000, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500


def test_a_file_sent_to_a_form_route_is_closed_after_the_request(client, monkeypatch) -> None:
    """A multipart upload to a route that reads its own form leaves no temporary file open."""
    opened: list[object] = []
    real_init = tempfile.SpooledTemporaryFile.__init__

    def remember(self, *args, **kwargs) -> None:
        real_init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "__init__", remember)
    response = client.post(
        "/cards/preview", files={"answer": ("answer.txt", b"x" * 100, "text/plain")}
    )
    assert response.status_code < 500
    assert len(opened) == 1
    assert opened[0].closed


@pytest.mark.parametrize("card_id", ["a\x00b", "Not-An-Id", "what-is-a-neuron\n"])
def test_a_card_id_that_cannot_be_one_never_reaches_the_database(client, card_id) -> None:
    """PostgreSQL refuses a NUL in a parameter: the JSON API refuses such an id by name, and
    a form or path lookup finds no card."""
    body = {"card_id": card_id, "rating": 3, "review_token": "t1"}
    check = {"card_id": card_id, "answer": "x"}
    for url, json in (("/api/reviews", body), ("/api/typed/check", check)):
        response = client.post(url, json=json)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "card_id"]
    assert client.post("/cards/preview", data={"answer": "x", "card": card_id}).status_code == 200
    typed = {"card_id": card_id, "review_token": "t1", "rating": "3"}
    assert client.post("/study/typed/review", data=typed).status_code == 404


def test_a_review_token_with_a_control_character_is_a_422(client) -> None:
    shown = client.get("/api/study/next").json()
    body = {"card_id": shown["card"]["id"], "rating": 3, "review_token": "tok\x00en"}
    response = client.post("/api/reviews", json=body)
    assert response.status_code == 422
    assert "printable" in str(response.json()["detail"])


def test_a_study_filter_that_cannot_be_an_id_is_a_422_naming_it(client) -> None:
    response = client.get("/api/study/next", params={"tag": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "tag"]
    assert client.get("/api/study/next", params={"tag": ""}).status_code == 200
