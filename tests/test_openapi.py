"""/openapi.json describes every route: bodies of forms read by hand, and one error shape."""

from __future__ import annotations

import pytest


@pytest.fixture
def spec(client) -> dict:
    return client.get("/openapi.json").json()


NO_BODY = {
    "/api/reviews/undo", "/settings/optimize", "/interview/{interview_id}/end",
    "/interview-dates/{interview_date_id}/delete",
    # Own cards: the card id in the path is the whole request.
    "/api/cards/{card_id}/fork", "/cards/{card_id}/fork", "/cards/{card_id}/delete",
    "/cards/{card_id}/restore",
}  # fmt: skip


def test_every_write_route_documents_its_body(spec) -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put", "patch")
        and "requestBody" not in operation
        and path not in NO_BODY
    ]
    assert missing == []


def test_form_routes_name_their_fields(spec) -> None:
    settings = spec["paths"]["/settings"]["post"]["requestBody"]["content"]
    fields = settings["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert {"desired_retention", "new_per_day", "timezone"} <= set(fields)
    upload = spec["paths"]["/import/progress"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["backup"]["format"] == "binary"


def test_errors_have_one_documented_shape(spec) -> None:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("404", "422"):
                assert responses[status]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"
                }, f"{method.upper()} {path} {status}"
    detail = spec["components"]["schemas"]["ErrorOut"]["properties"]["detail"]
    assert len(detail["anyOf"]) == 3  # a sentence, validation issues, or a list of problems


def test_a_string_422_and_a_list_422_both_fit_the_shape(client) -> None:
    listed = client.post("/api/reviews", json={"card_id": 1}).json()["detail"]
    assert isinstance(listed, list) and {"loc", "msg", "type"} <= set(listed[0])
    sentence = client.get("/api/stats?days=7").json()["detail"]
    assert isinstance(sentence, str)


def test_a_bogus_content_length_on_a_demo_form_is_not_a_500(client) -> None:
    response = client.post(
        "/demos/softmax", content=b"x=1", headers={"content-length": "3", "x-ignored": "abc"}
    )
    assert response.status_code in (200, 422)
