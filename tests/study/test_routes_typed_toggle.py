"""The study screen offers typed answers; /study?mode=typed keeps the filters."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_study_screen_links_to_typed_mode(client: TestClient) -> None:
    page = client.get("/study", params={"topic": "basics"}).text
    assert 'href="/study?topic=basics&mode=typed"' in page.replace("&amp;", "&")


def test_typed_mode_redirects_with_filters(client: TestClient) -> None:
    response = client.get("/study?mode=typed&topic=basics", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/study/typed?topic=basics"
    typed = client.get(response.headers["location"])
    assert typed.status_code == 200 and 'id="typed-answer"' in typed.text
