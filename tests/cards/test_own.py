"""Own cards end to end: files in the user's folder, rows with an owner, history kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.content.parse import read_user_bank
from app.models import LOCAL_USER_ID, Card, ReviewLog, ReviewState

ADAM_ID = "why-does-the-adam-update-divide-by-the-square-root-of-v"


def _study(client: TestClient, card_id: str, topic: str, rating: int = 3) -> None:
    shown = client.get("/api/study/next", params={"topic": topic}).json()
    assert shown["card"]["id"] == card_id, shown
    body = {"card_id": card_id, "rating": rating, "review_token": shown["review_token"]}
    assert client.post("/api/reviews", json=body).status_code == 200


def _logs(session: Session, card_id: str) -> int:
    session.rollback()  # a new snapshot: the app committed on its own connection
    query = select(func.count()).select_from(ReviewLog).where(ReviewLog.card_id == card_id)
    return session.scalar(query) or 0


def test_create_writes_a_card_file_and_a_row_of_the_user(
    study_client: TestClient, settings: Settings, session: Session, card_body: Callable[..., Any]
) -> None:
    created = study_client.post("/api/cards", json=card_body())
    assert created.status_code == 201, created.text
    assert created.json() == {"id": ADAM_ID}
    path = settings.own_cards_dir / "my-notes" / f"{ADAM_ID}.md"
    assert path.is_file()
    assert "topic: my-notes" in path.read_text("utf-8")
    # The file is a card file the loader accepts as it is.
    parsed = read_user_bank(settings.own_cards_dir, {"basics", "maths"})
    assert parsed.problems == [] and [c.front.id for c in parsed.cards] == [ADAM_ID]
    row = session.get(Card, ADAM_ID)
    assert row is not None and row.owner_id == LOCAL_USER_ID and not row.retired
    assert '<span class="math inline">' in row.answer_html
    got = study_client.get(f"/api/cards/{ADAM_ID}").json()
    assert (
        got["own"] is True
        and got["topic"] == "my-notes"
        and got["key_points"] == ["per-parameter step size"]
    )
    topic = study_client.get("/topics/my-notes")
    assert topic.status_code == 200 and "yours" in topic.text and "Adam update" in topic.text
    assert "My notes" in study_client.get("/").text


def test_an_invalid_card_names_its_fields_and_writes_nothing(
    study_client: TestClient, settings: Settings, session: Session, card_body: Callable[..., Any]
) -> None:
    bad = card_body(level="expert", tags=["Not Kebab"], key_points=[])
    response = study_client.post("/api/cards", json=bad)
    assert response.status_code == 422
    fields = {issue["loc"][-1] for issue in response.json()["detail"]}
    assert {"level", "key_points"} <= fields
    taken = study_client.post("/api/cards", json=card_body(id="what-is-a-neuron"))
    assert taken.status_code == 422
    assert "already taken" in taken.json()["detail"][0]["msg"]
    assert not settings.own_cards_dir.exists() or not any(settings.own_cards_dir.rglob("*.md"))
    assert session.scalar(select(func.count()).where(Card.owner_id.isnot(None))) == 0
    form = study_client.post(
        "/cards/new", data={"question": "", "answer": "x", "topic": "basics", "level": "beginner"}
    )
    assert form.status_code == 422
    assert 'id="question-error"' in form.text and 'id="key_points-error"' in form.text


def test_editing_a_bank_card_is_a_409_that_says_to_fork(
    study_client: TestClient, card_body: Callable[..., Any]
) -> None:
    response = study_client.put("/api/cards/what-is-a-neuron", json=card_body(topic="basics"))
    assert response.status_code == 409
    assert "fork" in response.json()["detail"]


def test_create_edit_study_rename_keeps_the_history(
    study_client: TestClient, settings: Settings, session: Session, card_body: Callable[..., Any]
) -> None:
    assert study_client.post("/api/cards", json=card_body(id="adam-sqrt")).status_code == 201
    edited = card_body(id="adam-sqrt", answer="Edited: the step is $m/\\sqrt{v}$ per weight.")
    assert study_client.put("/api/cards/adam-sqrt", json=edited).status_code == 200
    assert "Edited" in study_client.get("/api/cards/adam-sqrt").json()["answer"]
    _study(study_client, "adam-sqrt", "my-notes")
    assert _logs(session, "adam-sqrt") == 1
    renamed = study_client.put("/api/cards/adam-sqrt", json=card_body(id="adam-denominator"))
    assert renamed.status_code == 200 and renamed.json() == {"id": "adam-denominator"}
    card = study_client.get("/api/cards/adam-denominator").json()
    assert card["aliases"] == ["adam-sqrt"]
    assert study_client.get("/api/cards/adam-sqrt").status_code == 404
    assert _logs(session, "adam-sqrt") == 0 and _logs(session, "adam-denominator") == 1
    state = session.get(ReviewState, (LOCAL_USER_ID, "adam-denominator"))
    assert state is not None and state.reps == 1
    folder = settings.own_cards_dir / "my-notes"
    assert sorted(p.name for p in folder.glob("*.md")) == ["adam-denominator.md"]


def test_fork_moves_the_history_and_hides_the_bank_card(
    study_client: TestClient, session: Session
) -> None:
    _study(study_client, "what-is-a-neuron", "basics")
    forked = study_client.post("/api/cards/what-is-a-neuron/fork")
    assert forked.status_code == 201
    fork_id = forked.json()["id"]
    assert fork_id == "what-is-a-neuron-mine"
    assert study_client.get(f"/api/cards/{fork_id}").json()["aliases"] == ["what-is-a-neuron"]
    assert _logs(session, "what-is-a-neuron") == 0 and _logs(session, fork_id) == 1
    bank = session.get(Card, "what-is-a-neuron")
    assert bank is not None and not bank.retired and bank.owner_id is None
    assert study_client.get("/api/cards/what-is-a-neuron").status_code == 404
    topic = study_client.get("/topics/basics").text
    assert f"/cards/{fork_id}" in topic and '"/cards/what-is-a-neuron"' not in topic
    # Editing the fork is allowed; the bank card is untouched.
    assert study_client.put(
        f"/api/cards/{fork_id}",
        json={**{k: v for k, v in study_client.get(f"/api/cards/{fork_id}").json().items()
                 if k in {"question", "topic", "level", "tags", "key_points", "answer"}},
              "answer": "My own words."},
    ).status_code == 200  # fmt: skip


def test_retire_hides_keeps_history_and_restores(
    study_client: TestClient, session: Session, card_body: Callable[..., Any]
) -> None:
    assert study_client.post("/api/cards", json=card_body(id="adam-sqrt")).status_code == 201
    _study(study_client, "adam-sqrt", "my-notes")
    assert study_client.delete("/api/cards/adam-sqrt").status_code == 204
    assert study_client.get("/api/cards/adam-sqrt").status_code == 404
    assert "adam-sqrt" in study_client.get("/cards/retired").text
    assert _logs(session, "adam-sqrt") == 1
    assert study_client.post("/cards/adam-sqrt/restore").status_code == 303
    assert study_client.get("/api/cards/adam-sqrt").status_code == 200
    assert _logs(session, "adam-sqrt") == 1


def test_the_preview_renders_math_and_sanitizes(study_client: TestClient) -> None:
    answer = (
        "Softmax $e^{x_i}$ <script>alert(1)</script> <img src=x onerror=alert(1)> [a](javascript:x)"
    )
    preview = study_client.post("/cards/preview", data={"answer": answer})
    assert preview.status_code == 200
    assert '<span class="math inline">e^{x_i}</span>' in preview.text
    assert "<script" not in preview.text and "<img" not in preview.text
    assert 'href="javascript' not in preview.text and "&lt;script&gt;" in preview.text


def test_the_new_card_form_saves_and_redirects(study_client: TestClient, session: Session) -> None:
    page = study_client.get("/cards/new?topic=maths")
    assert page.status_code == 200 and 'value="maths"' in page.text
    form = {
        "question": "What is the derivative of the sigmoid?", "topic": "maths",
        "level": "beginner", "tags": "calculus, activations",
        "key_points": "sigma times one minus sigma\nmaximum 1/4 at zero",
        "answer": "$$\\sigma'(z) = \\sigma(z)(1-\\sigma(z))$$",
    }  # fmt: skip
    saved = study_client.post("/cards/new", data=form)
    assert saved.status_code == 303
    card = session.get(Card, "what-is-the-derivative-of-the-sigmoid")
    assert card is not None and card.tags == ["calculus", "activations"]
    assert card.key_points == ["sigma times one minus sigma", "maximum 1/4 at zero"]
    edit = study_client.get("/cards/what-is-the-derivative-of-the-sigmoid/edit")
    assert edit.status_code == 200 and "maximum 1/4 at zero" in edit.text


def test_a_topic_id_past_the_column_or_a_nul_is_refused_before_anything_is_written(
    study_client: TestClient, settings: Settings, session: Session, card_body: Callable[..., Any]
) -> None:
    # The topics table's id is VARCHAR(64): 65 characters is a 422 naming the topic, on
    # PostgreSQL too (it refused the insert with a 500); a NUL in a text field likewise.
    for bad in (card_body(topic="t" * 65), card_body(question="what\x00now?")):
        response = study_client.post("/api/cards", json=bad)
        assert response.status_code == 422, response.text
        fields = {issue["loc"][-1] for issue in response.json()["detail"]}
        assert fields & {"topic", "question"}
    assert study_client.post("/api/cards", json=card_body(topic="t" * 64)).status_code == 201
    assert session.scalar(select(func.count()).where(Card.owner_id.isnot(None))) == 1


def test_the_study_pickers_topics_and_tags_show_a_new_own_card_at_once(
    study_client: TestClient, card_body: Callable[..., Any]
) -> None:
    """The picker is kept with the bank's revision, which the new card's row moves."""
    before = study_client.get("/study").text
    assert '<option value="my-notes">' not in before and '<option value="adam-only">' not in before
    body = card_body(tags=["adam-only"])
    assert study_client.post("/api/cards", json=body).status_code == 201
    after = study_client.get("/study").text
    assert '<option value="my-notes">My notes</option>' in after
    assert '<option value="adam-only">' in after


def test_a_card_page_shows_an_edit_and_a_fork_at_once(
    study_client: TestClient, card_body: Callable[..., Any]
) -> None:
    """The card page is kept with the bank's revision, which every edit and fork moves."""
    assert study_client.post("/api/cards", json=card_body(id="adam-sqrt")).status_code == 201
    assert "normalizes each step" in study_client.get("/cards/adam-sqrt?reveal=true").text
    edited = card_body(id="adam-sqrt", answer="Edited: the step is $m/\\sqrt{v}$ per weight.")
    assert study_client.put("/api/cards/adam-sqrt", json=edited).status_code == 200
    page = study_client.get("/cards/adam-sqrt?reveal=true").text
    assert "Edited: the step is" in page and "normalizes each step" not in page
    assert study_client.get("/cards/what-is-a-neuron").status_code == 200
    assert study_client.post("/api/cards/what-is-a-neuron/fork").status_code == 201
    assert study_client.get("/cards/what-is-a-neuron").status_code == 404  # the fork stands in
    assert study_client.get("/cards/what-is-a-neuron-mine").status_code == 200
