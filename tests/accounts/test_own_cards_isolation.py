"""In multi-user mode a user's own cards are theirs alone: folder, pages, API, study, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.interview.models import InterviewQuestion
from app.models import Card, User

IN_A_MONTH = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
CARD = {
    "id": "bobs-secret-card",
    "question": "What did Bob's interviewer ask about zebra normalization?",
    "topic": "basics",
    "level": "beginner",
    "key_points": ["zebra"],
    "answer": "Zebra normalization is Bob's private mnemonic.",
}


def test_own_cards_are_invisible_to_other_users(
    group_app: FastAPI, member: Callable[[str], TestClient]
) -> None:
    bob, ada = member("bob"), member("ada")
    created = bob.post("/api/cards", json=CARD)
    assert created.status_code == 201
    secret = created.json()["id"]  # in Bob's namespace: u<bob's id>-bobs-secret-card
    with group_app.state.sessionmaker() as session:
        bob_id = session.scalar(select(User.id).where(User.name == "bob"))
        card = session.get(Card, secret)
        assert card is not None and card.owner_id == bob_id
    root = group_app.state.settings.own_cards_dir
    assert (root / str(bob_id) / "basics" / f"{secret}.md").is_file()
    assert sorted(p.name for p in root.iterdir()) == [str(bob_id)]

    assert bob.get(f"/api/cards/{secret}").status_code == 200
    assert "zebra" in bob.get("/search", params={"q": "zebra"}).text.lower()
    for path in (f"/api/cards/{secret}", f"/cards/{secret}"):
        assert ada.get(path).status_code == 404
    assert "bobs-secret-card" not in ada.get("/topics/basics").text
    assert "bobs-secret-card" not in ada.get("/search", params={"q": "zebra"}).text
    assert "zebra" not in ada.get("/export/csv").text.lower()
    assert ada.put(f"/api/cards/{secret}", json=CARD).status_code == 404
    assert ada.delete(f"/api/cards/{secret}").status_code == 404
    assert ada.post(f"/api/cards/{secret}/fork").status_code == 404
    assert ada.put(f"/api/cards/{secret}/note", json={"note": "x"}).status_code == 404
    body = {"card_id": secret, "rating": 3, "review_token": "t1"}
    assert ada.post("/api/reviews", json=body).status_code == 404
    # Ada's study queue (new cards of the topic) never offers Bob's card.
    seen = set()
    for _ in range(4):
        shown = ada.get("/api/study/next", params={"topic": "basics"}).json()
        if not shown.get("card"):
            break
        seen.add(shown["card"]["id"])
        answer = {
            "card_id": shown["card"]["id"],
            "rating": 4,
            "review_token": shown["review_token"],
        }
        assert ada.post("/api/reviews", json=answer).status_code == 200
    assert seen and secret not in seen
    check = ada.post("/api/typed/check", json={"card_id": secret, "answer": "zebra"})
    assert check.status_code == 404
    # Ada's mock interviews and interview-date forecasts never draw Bob's card.
    started = ada.post("/api/interviews", json={"questions": 20, "topics": ["basics"]})
    assert started.status_code == 201, started.text
    with group_app.state.sessionmaker() as session:
        query = select(InterviewQuestion.card_id).where(
            InterviewQuestion.interview_id == started.json()["id"]
        )
        drawn = set(session.scalars(query))
    assert drawn and secret not in drawn
    dated = ada.post("/api/interview-dates", json={"name": "Ada's", "at": IN_A_MONTH})
    assert dated.status_code == 201, dated.text
    forecast = ada.get(f"/api/interview-dates/{dated.json()['id']}/forecast").json()
    assert forecast["cards"] and secret not in {c["card_id"] for c in forecast["cards"]}
    # Ada's card of the same id is hers, in her namespace: nothing tells her Bob's exists
    # (tests/cards/test_own_ids.py).
    mine = ada.post("/api/cards", json=CARD)
    assert mine.status_code == 201 and mine.json()["id"] != secret
