"""A local server must not be driven by other websites, nor render scripts from cards."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.content.sync import load_content
from app.markdown import render_markdown
from app.models import Card

EVENT_HANDLER_IN_TAG = re.compile(r"<[a-z][^>]*\son\w+\s*=", re.IGNORECASE)


def test_cross_origin_post_is_refused(client: TestClient) -> None:
    response = client.post("/healthz", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "cross-origin" in response.json()["detail"]


def test_cross_site_fetch_metadata_is_refused(client: TestClient) -> None:
    response = client.post("/healthz", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


def test_same_origin_post_passes_the_guard(client: TestClient) -> None:
    response = client.post(
        "/healthz", headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 405  # reached the app: GET-only route


def test_unknown_host_is_refused(client: TestClient) -> None:
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400


def test_csp_allows_only_this_origin(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "http" not in policy


def test_script_in_card_markdown_is_not_rendered(session: Session, bank: Path, write_card):
    write_card(
        "sneaky",
        body='Text <script>alert(1)</script> and <img src=x onerror="alert(2)"> '
        "[link](javascript:alert(3)) plus enough ordinary words in this answer to pass the "
        "length check that the bank applies to every card answer.",
    )
    load_content(session, bank)
    html = session.get(Card, "sneaky").answer_html
    assert "<script" not in html and not EVENT_HANDLER_IN_TAG.search(html)
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;" in html


def test_markdown_sanitizer_strips_event_handlers() -> None:
    html = render_markdown('![x](data:x "t")\n\n<b onclick="x()">b</b>')
    assert not EVENT_HANDLER_IN_TAG.search(html)
    assert "&lt;b onclick" in html  # shown as text, not a tag
