"""Own-card ids never tell a user that someone else's card exists (multi-user mode).

Ids are global, so each user's own ids live in a namespace of their own (``u<user id>-``):
whatever user B types or imports, the answer is the same whether or not user A has a card
of that id, and the same input gives the same id again (a re-import finds its cards).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.main import create_app
from app.models import Card, User

PASSWORD = "correct horse battery"
CARD = {
    "question": "What did my interviewer ask about zebra normalization?",
    "topic": "basics",
    "level": "beginner",
    "key_points": ["zebra"],
    "answer": "A private mnemonic.",
}


@pytest.fixture
def group_app(settings: Settings) -> FastAPI:
    return create_app(settings.model_copy(update={"multi_user": True}))


@pytest.fixture
def signed_in(group_app: FastAPI) -> Iterator[dict[str, TestClient]]:
    """Ada and Bob, each signed in with a client of their own."""
    clients = {}
    for name in ("ada", "bob"):
        client = TestClient(group_app, follow_redirects=False)
        client.__enter__()
        signup = {"name": name, "password": PASSWORD, "confirm": PASSWORD}
        assert client.post("/signup", data=signup).status_code == 303
        clients[name] = client
    yield clients
    for client in clients.values():
        client.__exit__(None, None, None)


def _user_id(app: FastAPI, name: str) -> int:
    with app.state.sessionmaker() as session:
        return int(session.scalar(select(User.id).where(User.name == name)) or 0)


def _answer(client: TestClient, body: dict[str, Any]) -> tuple[int, Any]:
    response = client.post("/api/cards", json=body)
    return response.status_code, response.json()


def test_a_taken_id_of_another_user_looks_like_a_free_one(
    group_app: FastAPI, signed_in: dict[str, TestClient]
) -> None:
    ada, bob = signed_in["ada"], signed_in["bob"]
    ada_id, bob_id = _user_id(group_app, "ada"), _user_id(group_app, "bob")
    assert _answer(bob, {**CARD, "id": "zebra-card"}) == (201, {"id": f"u{bob_id}-zebra-card"})
    assert _answer(bob, CARD)[0] == 201  # Bob's card with the id derived from the question
    # Ada asks for Bob's id and for an id nobody has: the same kind of answer, her own id.
    assert _answer(ada, {**CARD, "id": "zebra-card"}) == (201, {"id": f"u{ada_id}-zebra-card"})
    assert _answer(ada, {**CARD, "id": "nobody-has-it"}) == (
        201, {"id": f"u{ada_id}-nobody-has-it"},
    )  # fmt: skip
    # The id derived from the same question is hers, without the "-2" a clash would add.
    derived = f"u{ada_id}-what-did-my-interviewer-ask-about-zebra-normalization"
    assert _answer(ada, CARD) == (201, {"id": derived})
    # Even typing Bob's full id gives her an id in her own namespace.
    status, body = _answer(ada, {**CARD, "id": f"u{bob_id}-zebra-card"})
    assert status == 201 and body["id"] == f"u{ada_id}-u{bob_id}-zebra-card"
    assert ada.get(f"/api/cards/u{bob_id}-zebra-card").status_code == 404
    # Her own id clashing with her own card is the one "taken" she can be told about.
    again = ada.post("/api/cards", json={**CARD, "id": "zebra-card"})
    assert again.status_code == 422 and "already taken" in again.text
    with group_app.state.sessionmaker() as session:
        owners = dict(
            session.execute(select(Card.id, Card.owner_id).where(Card.owner_id.isnot(None))).all()
        )
    assert owners[f"u{bob_id}-zebra-card"] == bob_id and owners[f"u{ada_id}-zebra-card"] == ada_id


def test_imports_get_the_same_namespaced_ids_again(
    group_app: FastAPI, signed_in: dict[str, TestClient]
) -> None:
    ada, bob = signed_in["ada"], signed_in["bob"]
    ada_id = _user_id(group_app, "ada")
    csv_file = b"id,question,answer\nshared-id,What is shared?,Nothing of Bob's.\n"

    def post(client: TestClient) -> dict[str, Any]:
        files = {"file": ("mine.csv", csv_file, "text/csv")}
        response = client.post("/api/import", files=files, data={"format": "csv"})
        assert response.status_code == 200, response.text
        return dict(response.json())

    assert post(bob)["created"] == [f"u{_user_id(group_app, 'bob')}-shared-id"]
    assert post(ada)["created"] == [f"u{ada_id}-shared-id"]
    again = post(ada)
    assert again["created"] == [] and again["skipped"] == [
        {"source": "mine.csv:2", "reason": f"already imported as u{ada_id}-shared-id"}
    ]
    # Editing keeps the id as it is (the form sends it back unchanged).
    page = ada.get(f"/cards/u{ada_id}-shared-id/edit")
    assert page.status_code == 200 and f'value="u{ada_id}-shared-id"' in page.text
