"""What the browsing pages show: home, topic, card, search, errors, health."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

HTMX = {"HX-Request": "true"}


def test_home_lists_topics_with_counts_and_levels(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'href="/topics/basics"' in page.text and "2 cards" in page.text
    assert "1 beginner" in page.text and "1 intermediate" in page.text
    assert 'href="/topics/maths"' in page.text and "1 cards" not in page.text


def test_topic_page_filters_by_level_and_tag(client: TestClient) -> None:
    page = client.get("/topics/basics")
    assert "What does a single artificial neuron compute?" in page.text
    assert "Why can a single perceptron not learn XOR?" in page.text
    only_beginner = client.get("/topics/basics", params={"level": "beginner"})
    assert "artificial neuron" in only_beginner.text and "XOR?" not in only_beginner.text
    by_tag = client.get("/topics/basics", params={"tag": "xor"}, headers=HTMX)
    assert "XOR?" in by_tag.text and "artificial neuron" not in by_tag.text
    assert "<html" not in by_tag.text  # only the list fragment


def test_card_page_shows_question_then_answer(client: TestClient) -> None:
    hidden = client.get("/cards/what-is-a-neuron")
    assert "What does a single artificial neuron compute?" in hidden.text
    assert "weighted sum of its inputs" not in hidden.text
    assert 'href="/cards/what-is-a-neuron?reveal=true"' in hidden.text  # works without JS
    shown = client.get("/cards/what-is-a-neuron", params={"reveal": "true"})
    assert "weighted sum of its inputs" in shown.text
    assert '<span class="math inline">a = \\phi(w^\\top x + b)</span>' in shown.text
    assert "a weighted sum of the inputs plus a bias" in shown.text  # key point
    assert "Why is the nonlinearity needed?" in shown.text  # follow-up
    assert "Deep Learning (2016), §6.1" in shown.text  # reference


def test_htmx_reveal_returns_only_the_answer_fragment(client: TestClient) -> None:
    fragment = client.get("/cards/what-is-a-neuron?reveal=true", headers=HTMX)
    assert fragment.text.lstrip().startswith('<div id="answer">')
    assert "<html" not in fragment.text and "<nav" not in fragment.text


def test_demo_link_to_missing_demo_is_shown_disabled(client: TestClient) -> None:
    page = client.get("/cards/what-is-a-neuron?reveal=true").text
    assert 'aria-disabled="true"' in page and "not-built-yet" in page
    assert 'href="/demos/not-built-yet' not in page


def test_previous_and_next_within_topic(client: TestClient) -> None:
    first = client.get("/cards/what-is-a-neuron").text
    assert 'rel="next" href="/cards/perceptron-limits"' in first
    assert 'rel="prev"' not in first
    second = client.get("/cards/perceptron-limits").text
    assert 'rel="prev" href="/cards/what-is-a-neuron"' in second


def test_code_is_highlighted_and_tables_rendered(client: TestClient) -> None:
    page = client.get("/cards/softmax-shift?reveal=true").text
    assert '<span class="kn">import</span>' in page
    assert "<th>logits</th>" in page


@pytest.mark.parametrize("path", ["/cards/no-such-card", "/topics/no-such-topic", "/nope"])
def test_unknown_pages_are_404_pages(client: TestClient, path: str) -> None:
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "Not found" in page.text and 'href="/"' in page.text


def test_search_ranks_and_highlights(client: TestClient) -> None:
    page = client.get("/search", params={"q": "perceptron"})
    assert page.status_code == 200
    hits = re.findall(r'<a href="/cards/([a-z-]+)">', page.text.split('id="results"')[1])
    assert hits[0] == "perceptron-limits"
    assert "<mark>perceptron</mark>" in page.text.lower()


def test_search_matches_tags_and_prefixes(client: TestClient) -> None:
    assert "softmax-shift" in client.get("/search", params={"q": "numeri"}).text


@pytest.mark.parametrize(
    "query", ['"', "*", "AND", "NEAR(", '" OR "', "softmax AND", "((", "-", "'", "NOT", "   ", ""]
)
def test_hostile_search_queries_give_a_normal_page(client: TestClient, query: str) -> None:
    page = client.get("/search", params={"q": query})
    assert page.status_code == 200
    assert 'id="results"' in page.text


def test_search_fragment_for_htmx(client: TestClient) -> None:
    fragment = client.get("/search", params={"q": "xor"}, headers=HTMX)
    assert fragment.text.lstrip().startswith('<div id="results">')


def test_over_long_search_query_is_422_not_500(client: TestClient) -> None:
    assert client.get("/search", params={"q": "x" * 1000}).status_code == 422


def test_healthz_reports_revision_and_count(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["cards"] == 3
    assert re.fullmatch(r"[0-9a-f]{12}", body["schema_revision"])


def test_pages_reference_no_other_host(client: TestClient) -> None:
    for path in ["/", "/topics/basics", "/cards/softmax-shift?reveal=true", "/search?q=x"]:
        html = client.get(path).text
        for url in re.findall(r'(?:src|href|action)="([^"]+)"', html):
            assert not url.startswith(("http:", "https:", "//")), (path, url)


def test_api_docs_are_served_from_vendored_files(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/reviews" in paths and "/api/demos/{slug}" in paths


def dashboard_numbers(client: TestClient) -> dict[str, str]:
    html = client.get("/").text
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))


def test_home_dashboard_counts_a_review(client: TestClient) -> None:
    before = dashboard_numbers(client)
    assert before["Answered today"] == "0" and before["New today"] == "3"
    shown = client.get("/api/study/next").json()
    answer = {"card_id": shown["card"]["id"], "rating": 3, "review_token": shown["review_token"]}
    assert client.post("/api/reviews", json=answer).status_code == 200
    after = dashboard_numbers(client)
    assert after["Answered today"] == "1" and after["New today"] == "2"
    assert after["Streak"] == "1 day"


def test_htmx_history_restore_gets_the_whole_page(client: TestClient) -> None:
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    page = client.get("/search", params={"q": "xor"}, headers=headers)
    assert page.text.lstrip().startswith("<!doctype html>")
