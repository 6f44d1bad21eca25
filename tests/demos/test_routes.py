"""Demo pages, htmx fragments and the JSON API, over the real app with the fixture bank."""

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select, update

from app.demos import routes
from app.demos.registry import Demo, DemoParams, all_demos
from app.models import Card
from tests.factories import card_row

HTML = {"Accept": "text/html"}
HTMX = {"HX-Request": "true", "Accept": "text/html"}


def test_index_lists_every_demo_and_the_cards_linking_to_it(client):
    page = client.get("/demos", headers=HTML)
    assert page.status_code == 200
    for slug, demo in all_demos().items():
        assert f'href="/demos/{slug}"' in page.text
        assert demo.summary.replace("'", "&#39;") in page.text
    assert "What does a single artificial neuron compute?" in page.text


def test_page_has_form_result_explanation_and_related_cards(client):
    page = client.get("/demos/activations", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert '<form class="demo-form" action="/demos/activations" method="get"' in text
    assert 'hx-get="/demos/activations"' in text
    assert 'hx-trigger="input changed delay:200ms, change delay:200ms, submit"' in text
    assert 'hx-target="#demo-result"' in text and 'hx-replace-url="true"' in text
    assert '<section id="demo-result"' in text and "<svg" in text
    assert "What to look for" in text and "<strong>Shaded regions</strong>" in text
    # the fixture card links here with a preset, and to a demo that does not exist
    assert 'href="/cards/what-is-a-neuron"' in text
    assert 'href="/demos/activations?fn=relu"' in text


def test_another_users_own_card_is_not_listed_the_users_own_is(client, session):
    """A demo page once listed every live card linking it, other users' own cards too."""
    from app.models import LOCAL_USER_ID, User

    session.add(User(id=2, name="other"))
    session.flush()
    link = [{"demo": "activations", "label": "a preset", "params": {"fn": "tanh"}}]
    for owner, question in ((2, "Someone else's private question?"), (LOCAL_USER_ID, "Mine?")):
        topic = session.scalar(select(Card.topic_id).where(Card.id == "what-is-a-neuron"))
        card = card_row(f"u{owner}-linked", topic, question=question, demos=link, owner_id=owner)
        session.add(card)
    session.commit()
    for url in ("/demos/activations", "/demos"):
        text = client.get(url, headers=HTML).text
        assert 'href="/cards/u1-linked"' in text and 'href="/cards/what-is-a-neuron"' in text
        assert "u2-linked" not in text and "private question" not in text


def test_a_card_naming_the_slug_only_in_a_label_is_not_listed(client, session):
    """The demo page prefilters on the links' JSON text; the links themselves decide."""
    topic = session.scalar(select(Card.topic_id).where(Card.id == "what-is-a-neuron"))
    link = [{"demo": "softmax", "label": "activations", "params": {"z": "activations"}}]
    session.add(card_row("names-it-elsewhere", topic, question="Elsewhere?", demos=link))
    session.commit()
    assert "names-it-elsewhere" not in client.get("/demos/activations", headers=HTML).text
    assert 'href="/cards/names-it-elsewhere"' in client.get("/demos/softmax", headers=HTML).text


def test_retired_cards_are_not_listed(client, session):
    session.execute(update(Card).where(Card.id == "what-is-a-neuron").values(retired=True))
    session.commit()
    assert "what-is-a-neuron" not in client.get("/demos/activations", headers=HTML).text


def test_htmx_request_gets_only_the_result_fragment(client):
    fragment = client.get("/demos/softmax?z=1,2,3&temperature=2", headers=HTMX)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="demo-result"')
    assert "<html" not in fragment.text and "<form" not in fragment.text
    assert "<svg" in fragment.text and "hx-swap-oob" in fragment.text
    # caches keep the fragment apart from the page (and gzip adds Accept-Encoding)
    assert "HX-Request" in [v.strip() for v in fragment.headers["vary"].split(",")]


def test_bad_query_parameters_give_422_with_the_message_next_to_the_field(client):
    page = client.get("/demos/softmax?temperature=0&z=1,x", headers=HTML)
    assert page.status_code == 422
    assert re.search(
        r'id="error-temperature" class="field-error">temperature: Input should be greater '
        r"than or equal to 0.001</span>",
        page.text,
    )
    assert 'id="error-z" class="field-error">z: item 1:' in page.text
    assert 'value="0"' in page.text  # what the user typed is kept in the form
    fragment = client.get("/demos/softmax?temperature=0", headers=HTMX)
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="error-temperature" class="field-error" hx-swap-oob="true">temperature:' in (
        fragment.text
    )


@pytest.mark.parametrize(
    "query",
    ["lr=nan", "lr=inf", "lr=-1", "steps=10001", "steps=abc", "start=1,2,3", "function=ackley",
     "betas=0.9", "start=" + ",".join(["1"] * 5000)],
)  # fmt: skip
def test_invalid_pages_are_422_never_500(client, query):
    assert client.get(f"/demos/gradient-descent?{query}", headers=HTML).status_code == 422


def test_unknown_demo_is_404(client):
    assert client.get("/demos/no-such-demo", headers=HTML).status_code == 404
    assert client.post("/api/demos/no-such-demo", json={}).status_code == 404


def test_api_returns_the_contract(client):
    r = client.post("/api/demos/softmax", json={"z": [1, 2, 3], "temperature": 1})
    assert r.status_code == 200
    assert r.json()["p"] == pytest.approx([0.0900, 0.2447, 0.6652], abs=5e-5)
    r = client.post("/api/demos/activations", json={"fn": "sigmoid", "x": [0]})
    assert r.json()["y"] == [0.5] and r.json()["dy"] == [0.25]
    r = client.post(
        "/api/demos/gradient-descent",
        json={"function": "bowl", "start": [-4, 2], "optimizer": "sgd", "lr": 0.21, "steps": 200},
    )
    body = r.json()
    assert body["diverged"] is True and body["diverged_at"] == 130 and len(body["path"]) == 130
    r = client.post("/api/demos/tfidf", json={"documents": ["a b", "a"], "log_base": 10})
    assert r.json()["vocabulary"] == ["a", "b"] and r.json()["idf"][1] == pytest.approx(0.30103)
    assert client.post("/api/demos/softmax").status_code == 200  # no body: the defaults


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"temperature": 0}, ["body", "temperature"]),
        ({"z": [1] * 51}, ["body", "z"]),
        ({"z": "1,2"}, ["body", "z"]),
        ({"unknown": 1}, ["body", "unknown"]),
    ],
)
def test_api_rejects_invalid_parameters_naming_them(client, body, loc):
    r = client.post("/api/demos/softmax", json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == loc


def test_api_rejects_nan_and_infinity_literals(client):
    for raw in ('{"z": [NaN]}', '{"temperature": Infinity}', '{"z": [1e999]}', "[1, 2]", "{"):
        r = client.post(
            "/api/demos/softmax", content=raw, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422, raw


def test_a_compute_that_refuses_its_inputs_is_a_422(client, monkeypatch):
    def refuse(params):
        raise ValueError("kernel larger than the padded image")

    broken = Demo("broken", "Broken", "s", DemoParams, refuse, lambda p, r: {}, "e")
    monkeypatch.setattr(routes, "get_demo", lambda slug: broken)
    page = client.get("/demos/broken", headers=HTML)
    assert page.status_code == 422 and "kernel larger than the padded image" in page.text
    api = client.post("/api/demos/broken", json={})
    assert api.status_code == 422 and "kernel larger" in api.json()["detail"][0]["msg"]


def test_gradient_descent_divergence_is_explained_on_the_page(client):
    text = client.get("/demos/gradient-descent?lr=0.25&steps=200", headers=HTML).text
    assert "Diverged at step" in text and "2/λ_max = 0.2" in text
    text = client.get("/demos/gradient-descent?lr=0.21&steps=50", headers=HTML).text
    assert "is above 2/λ_max = 0.2" in text  # not yet past 1e12, already unstable
    text = client.get("/demos/gradient-descent?lr=0.05", headers=HTML).text
    assert "Diverged" not in text and "is above 2/λ_max" not in text


def test_step_run_and_reset_links_keep_the_state_in_the_url(client):
    text = client.get("/demos/gradient-descent?lr=0.1&steps=7", headers=HTML).text
    links = {
        m.group(2): parse_qs(urlsplit(m.group(1).replace("&amp;", "&")).query)
        for m in re.finditer(r'href="([^"]+)" data-steps="([^"]+)"', text)
    }
    assert links["+1"] == {"lr": ["0.1"], "steps": ["8"]}
    assert links["+50"]["steps"] == ["57"]
    assert links["0"]["steps"] == ["0"]


def test_compare_shows_two_path_plots_side_by_side(client):
    text = client.get(
        "/demos/gradient-descent?compare_optimizer=adam&compare_lr=0.3", headers=HTML
    ).text
    heatmaps = re.findall(r'class="plot plot-heatmap[^"]*"', text)
    assert len(heatmaps) == 2 and "adam, lr 0.3 (compare)" in text


def test_pages_have_no_inline_scripts_or_handlers(client):
    for slug in ("activations", "softmax", "tfidf", "gradient-descent"):
        text = client.get(f"/demos/{slug}", headers=HTML).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", text)
        assert not re.search(r"\son[a-z]+=", text)


def test_a_form_too_long_for_a_url_can_be_posted(client):
    documents = "\n".join(f"document {i} " + "word " * 900 for i in range(60))
    r = client.post(
        "/demos/tfidf",
        content=urlencode({"documents": documents, "norm": "l2"}),
        headers={**HTMX, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200 and r.headers["hx-push-url"] == "false"
    assert "<html" not in r.text and "d30" in r.text and " of 60 × " in r.text
    too_big = client.post(
        "/demos/tfidf",
        content=b"documents=" + b"x" * 4_000_001,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert too_big.status_code == 413


def test_htmx_history_restore_gets_the_whole_page(client):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    page = client.get("/demos/softmax?temperature=2", headers=headers)
    assert page.status_code == 200 and "<html" in page.text and "hx-swap-oob" not in page.text


def test_a_demo_at_its_defaults_is_computed_once_and_other_parameters_each_time(
    client, monkeypatch
):
    demo = all_demos()["attention"]
    calls: list[DemoParams] = []
    counted = Demo(**{**demo.__dict__, "compute": lambda p: calls.append(p) or demo.compute(p)})
    monkeypatch.setattr(routes, "get_demo", lambda slug: counted if slug == demo.slug else None)
    routes._at_defaults.cache_clear()
    first = client.get("/demos/attention", headers=HTML)
    again = client.get("/demos/attention", headers=HTML)
    assert first.status_code == again.status_code == 200 and first.text == again.text
    assert client.post("/api/demos/attention", json={}).json() == demo.compute(demo.params())
    assert calls == [demo.params()]  # the page twice and the API: one computation
    other = client.get("/demos/attention?length=4", headers=HTML)
    client.get("/demos/attention?length=4", headers=HTML)
    assert other.status_code == 200 and len(calls) == 3
    routes._at_defaults.cache_clear()
