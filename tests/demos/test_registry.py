"""Every registered demo, whoever wrote it: finite results, bounds enforced, pages and links.

These tests read the registry, so a new demo module is covered as soon as it is added.
"""

import json
import math
import typing
from urllib.parse import parse_qs, urlsplit

import pytest
from annotated_types import Ge, Gt, Le, Lt, MaxLen
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.forms import parse_query, shape_of
from app.demos.links import demo_href
from app.demos.registry import all_demos
from app.demos.routes import COMPUTE_ERRORS

DEMOS = all_demos()
SLUGS = sorted(DEMOS)
HTML = {"Accept": "text/html"}


def finite_json(value) -> str:
    """JSON text of a result; raises if any number is NaN or infinite."""
    return json.dumps(value, allow_nan=False)


def presets(slug):
    return {k: v for k, v in DEMOS[slug].examples.items() if not k.startswith("maximum")}


def test_registry_finds_the_demos_of_issue_4():
    assert {"activations", "softmax", "tfidf", "gradient-descent"} <= set(DEMOS)
    for slug, demo in DEMOS.items():
        assert demo.slug == slug and demo.title and demo.summary and demo.explain


@pytest.mark.parametrize("slug", [s for s in SLUGS if DEMOS[s].predict])
def test_prediction_names_a_preset_and_the_page_hides_its_answer(slug, client):
    prediction = DEMOS[slug].predict
    assert prediction.question and prediction.answer
    assert prediction.preset in DEMOS[slug].examples
    page = client.get(f"/demos/{slug}", headers=HTML)
    assert page.status_code == 200
    assert "Predict, then reveal" in page.text and "<details>" in page.text


@pytest.mark.parametrize("slug", SLUGS)
def test_defaults_compute_finite_json_and_render(slug):
    demo = DEMOS[slug]
    params = demo.params()
    result = demo.compute(params)
    finite_json(result)
    view = demo.view(params, result)
    assert isinstance(view, dict)
    assert "nan" not in str(view).lower().replace("nano", "")


@pytest.mark.parametrize("slug", SLUGS)
def test_maximum_example_validates_and_computes_finite_output(slug):
    demo = DEMOS[slug]
    assert "maximum" in demo.examples, f"{slug}: add examples['maximum'] (largest inputs)"
    params = demo.params.model_validate(demo.examples["maximum"])
    finite_json(demo.compute(params))


@pytest.mark.parametrize("slug", SLUGS)
def test_every_example_is_valid(slug):
    demo = DEMOS[slug]
    for name, example in demo.examples.items():
        params = demo.params.model_validate(example)
        finite_json(demo.compute(params)), name


# ---------------------------------------------------------------- the JSON API rejects bad input


def _field_cases(slug):
    """(field, JSON body) pairs that must be rejected: wrong type, NaN, inf, oversized."""
    cases = []
    for name, info in DEMOS[slug].params.model_fields.items():
        cases.append((name, f'{{"{name}": {{"unexpected": []}}}}'))
        shape = shape_of(info.annotation)
        if shape.kind in ("number", "int"):
            cases.append((name, f'{{"{name}": NaN}}'))
            cases.append((name, f'{{"{name}": Infinity}}'))
            cases.append((name, f'{{"{name}": -1e999}}'))
        max_length = next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)
        if max_length is not None and shape.kind in ("list", "matrix", "lines"):
            default = info.get_default(call_default_factory=True)
            item = default[0] if default else {"matrix": [0.0], "lines": "a"}.get(shape.kind, 0.0)
            cases.append((name, json.dumps({name: [item] * (max_length + 1)})))
        if max_length is not None and shape.kind == "str":
            cases.append((name, json.dumps({name: "x" * (max_length + 1)})))
    return cases


@pytest.mark.parametrize("slug", SLUGS)
def test_api_rejects_wrong_types_nan_inf_and_oversized_inputs(client, slug):
    for name, body in _field_cases(slug):
        r = client.post(
            f"/api/demos/{slug}", content=body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422, (slug, body[:80])
        locs = [e["loc"] for e in r.json()["detail"]]
        assert any(loc[:2] == ["body", name] for loc in locs), (slug, name, locs)
    r = client.post(f"/api/demos/{slug}", json={"no_such_parameter": 1})
    assert r.status_code == 422


@pytest.mark.parametrize("slug", SLUGS)
def test_api_defaults_match_compute(client, slug):
    r = client.post(f"/api/demos/{slug}", json={})
    assert r.status_code == 200
    demo = DEMOS[slug]
    assert r.json() == json.loads(finite_json(demo.compute(demo.params())))


# ---------------------------------------------------------------- pages, fragments, deep links


@pytest.mark.parametrize("slug", SLUGS)
def test_page_and_fragment_render(client, slug):
    page = client.get(f"/demos/{slug}", headers=HTML)
    assert page.status_code == 200 and "<html" in page.text and "demo-result" in page.text
    fragment = client.get(f"/demos/{slug}", headers={**HTML, "HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<form" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="demo-result"')


@pytest.mark.parametrize("slug", SLUGS)
def test_deep_links_round_trip(client, slug):
    """A preset encoded as a query string parses back to the same parameters and result."""
    demo = DEMOS[slug]
    for name, preset in presets(slug).items():
        href = demo_href(slug, preset)
        query = parse_qs(urlsplit(href).query, keep_blank_values=True)
        parsed = parse_query(demo.params, query)
        assert parsed.errors == {}, (name, parsed.errors)
        assert parsed.params == demo.params.model_validate(preset), name
        first = client.get(href, headers={**HTML, "HX-Request": "true"})
        again = client.get(href, headers={**HTML, "HX-Request": "true"})
        assert first.status_code == 200, (name, first.text[:500])
        assert first.text == again.text  # deterministic: the link shows the same view


@pytest.mark.parametrize("slug", SLUGS)
def test_form_round_trip_of_the_defaults(slug):
    """The defaults, written into the form and read back, are the defaults."""
    from app.demos.forms import form_fields

    demo = DEMOS[slug]
    query = {}
    for f in form_fields(demo.params, demo.params()):
        if f.kind == "checkbox":
            query[f.name] = ["false"] + (["true"] if f.value == "true" else [])
        elif f.kind == "checkboxes":
            query[f.name] = [""] + f.checked
        else:
            query[f.name] = [f.value]
    parsed = parse_query(demo.params, query)
    assert parsed.errors == {}
    assert parsed.params == demo.params()


# ---------------------------------------------------------------- random valid inputs


def _scalar_strategies(slug):
    """Strategies for the scalar fields (numbers within their bounds, choices, flags)."""
    out = {}
    for name, info in DEMOS[slug].params.model_fields.items():
        shape = shape_of(info.annotation)
        low = next((m.ge if isinstance(m, Ge) else m.gt for m in info.metadata
                    if isinstance(m, Ge | Gt)), None)  # fmt: skip
        high = next((m.le if isinstance(m, Le) else m.lt for m in info.metadata
                     if isinstance(m, Le | Lt)), None)  # fmt: skip
        if shape.kind == "literal":
            out[name] = st.sampled_from([typing.cast(str, o) for o in shape.options])
        elif shape.kind == "bool":
            out[name] = st.booleans()
        elif shape.kind == "int" and low is not None and high is not None:
            out[name] = st.integers(int(math.ceil(low)), int(min(high, low + 10_000)))
        elif shape.kind == "number" and low is not None and high is not None:
            out[name] = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return out


@pytest.mark.parametrize("slug", SLUGS)
def test_random_valid_inputs_never_give_nan_or_a_crash(slug):
    demo = DEMOS[slug]
    fields = _scalar_strategies(slug)
    if not fields:
        pytest.skip("no scalar parameters")

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.fixed_dictionaries({}, optional=fields))
    def check(values):
        try:
            params = demo.params.model_validate(values)
        except ValidationError:
            assume(False)  # bounds hold per field; some combinations are refused as a whole
        try:
            result = demo.compute(params)
        except COMPUTE_ERRORS:
            return  # shown as a 422 with the message, never a 500
        finite_json(result)
        view = demo.view(params, result)
        svgs = [v for v in view.values() if isinstance(v, str) and v.startswith("<svg")]
        assert not any("nan" in s.lower() or "inf" in s.lower() for s in svgs)

    check()


def test_card_presets_in_the_bank_survive_the_query_string():
    """A card's demo link (its params as a URL) opens the demo in exactly that state."""
    from pathlib import Path

    from app.content.parse import read_bank

    bank = read_bank(Path(__file__).resolve().parents[2] / "content")
    links = [(c.front.id, link) for c in bank.cards for link in c.front.demos]
    assert links
    for card_id, link in links:
        demo = DEMOS.get(link.demo)
        if demo is None:
            continue  # tests/content checks that every link names a registered demo
        query = parse_qs(urlsplit(demo_href(link.demo, link.params)).query, keep_blank_values=True)
        parsed = parse_query(demo.params, query)
        assert parsed.errors == {}, (card_id, parsed.errors)
        assert parsed.params == demo.params.model_validate(link.params), card_id
