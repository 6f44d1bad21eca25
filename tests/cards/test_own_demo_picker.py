"""The own-card form's demo picker: demos and presets from the registry, never typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.demos.links import demo_href
from app.demos.registry import all_demos, get_demo
from app.models import Card

FORM = {
    "question": "Why does leaky ReLU keep a small slope?",
    "answer": "So negative inputs still pass a gradient $\\alpha x$.",
    "key_points": "a gradient for negative inputs",
    "topic": "basics",
    "level": "beginner",
}
PRESET = get_demo("activations").examples["relu-vs-leaky"]
PRESET_HREF = demo_href("activations", PRESET)


def _own_count(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).where(Card.owner_id.isnot(None))) or 0


def test_the_picker_offers_every_demo_and_its_presets(study_client: TestClient) -> None:
    page = study_client.get("/cards/new").text
    picker = page.split('<select id="demos" name="demos" multiple')[1].split("</select>")[0]
    assert '<optgroup label="Activation functions and their derivatives">' in picker
    assert '<option value="activations" >' in picker
    assert '<option value="activations:relu-vs-leaky" >' in picker
    assert "activations:maximum" not in picker  # the size-bound example is not a preset
    listed = study_client.get("/api/demo-presets").json()
    activations = next(g for g in listed if g["title"].startswith("Activation functions"))
    label = "Activation functions and their derivatives: relu-vs-leaky"
    choice = {"value": "activations:relu-vs-leaky", "label": label, "href": PRESET_HREF}
    assert choice in activations["choices"]
    assert len(listed) == len(all_demos())
    assert all(":" not in group["choices"][0]["value"] for group in listed)


def test_chosen_demos_become_the_cards_links_and_the_preview_shows_them(
    study_client: TestClient,
) -> None:
    preview = study_client.post(
        "/cards/preview", data={"answer": "x", "demos": ["activations:relu-vs-leaky"]}
    )
    assert preview.status_code == 200
    assert f'<a href="{PRESET_HREF.replace("&", "&amp;")}">' in preview.text
    form = {**FORM, "demos": ["activations", "activations:relu-vs-leaky"]}
    saved = study_client.post("/cards/new", data=form)
    assert saved.status_code == 303, saved.text
    card_id = saved.headers["location"].split("/cards/")[1].split("?")[0]
    card = study_client.get(f"/api/cards/{card_id}").json()
    assert [(d["demo"], d["params"]) for d in card["demos"]] == [
        ("activations", {}), ("activations", PRESET)
    ]  # fmt: skip
    assert (
        PRESET_HREF.replace("&", "&amp;") in study_client.get(f"/cards/{card_id}?reveal=true").text
    )
    edit = study_client.get(f"/cards/{card_id}/edit").text
    assert '<option value="activations:relu-vs-leaky" selected>' in edit
    assert '<option value="activations" selected>' in edit
    # Deselecting one in the form removes that link only.
    kept = {**FORM, "id": card_id, "demos": ["activations:relu-vs-leaky"]}
    assert study_client.post(f"/cards/{card_id}/edit", data=kept).status_code == 303
    assert [d["params"] for d in study_client.get(f"/api/cards/{card_id}").json()["demos"]] == [
        PRESET
    ]


def test_a_link_with_its_own_parameters_is_kept_when_editing(
    study_client: TestClient, card_body: Callable[..., Any]
) -> None:
    custom = {"demo": "activations", "params": {"fn": "tanh", "alpha": 0.3}}
    card_id = study_client.post("/api/cards", json=card_body(demos=[custom])).json()["id"]
    edit = study_client.get(f"/cards/{card_id}/edit").text
    assert '<optgroup label="This card\'s links">' in edit
    assert '<option value="keep:0" selected>activations (this card&#39;s parameters)' in edit
    form = {**FORM, "id": card_id, "topic": "my-notes", "demos": ["keep:0", "activations"]}
    assert study_client.post(f"/cards/{card_id}/edit", data=form).status_code == 303
    links = study_client.get(f"/api/cards/{card_id}").json()["demos"]
    assert [(d["demo"], d["params"]) for d in links] == [
        ("activations", {"fn": "tanh", "alpha": 0.3}), ("activations", {})
    ]  # fmt: skip


def test_a_forged_or_unknown_demo_is_refused_by_name_and_nothing_is_written(
    study_client: TestClient, session: Session, card_body: Callable[..., Any]
) -> None:
    for value, message in [
        ("no-such-demo", "unknown demo &#39;no-such-demo&#39;"),
        ("activations:no-such-preset", "activations has no preset &#39;no-such-preset&#39;"),
        ("keep:3", "&#39;keep:3&#39; is not one of this card&#39;s demo links"),
    ]:
        page = study_client.post("/cards/new", data={**FORM, "demos": [value]})
        assert page.status_code == 422
        assert f'<p class="field-error" id="demos-error" role="alert">{message}' in page.text
    bad_params = {**FORM, "demos": ["activations"]}
    assert study_client.post("/cards/new", data=bad_params).status_code == 303  # the valid one
    api = study_client.post("/api/cards", json=card_body(demos=[{"demo": "no-such-demo"}]))
    assert api.status_code == 422
    assert [i["loc"][-1] for i in api.json()["detail"]] == ["demos"]
    assert _own_count(session) == 1
    preview = study_client.post("/cards/preview", data={"answer": "x", "demos": ["nope"]})
    assert preview.status_code == 422 and "demos: unknown demo" in preview.text


def test_the_new_card_form_is_prefilled_from_a_mock_interview_question(
    study_client: TestClient,
) -> None:
    page = study_client.get(
        "/cards/new",
        params={
            "question": "What is a neuron?",
            "answer": "A weighted sum <b>then</b> f",
            "topic": "basics",
        },
    )
    assert page.status_code == 200
    assert 'id="question" name="question" value="What is a neuron?"' in page.text
    assert "A weighted sum &lt;b&gt;then&lt;/b&gt; f</textarea>" in page.text
