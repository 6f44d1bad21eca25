"""The bank cache: pages reuse what they computed from the bank until a card or topic is written,
by this process or any other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from app.cards.bank_cache import BankCache, bank_revision
from app.config import Settings
from app.content.sync import load_content
from app.db import make_engine, make_sessionmaker
from app.models import Card, Topic


def _revision(engine: Engine) -> int:
    with make_sessionmaker(engine)() as session:
        return bank_revision(session)


def test_a_value_is_kept_for_its_revision_and_dropped_by_the_next() -> None:
    cache = BankCache(max_entries=2)
    calls: list[str] = []

    def compute(name: str) -> Callable[[], str]:
        return lambda: calls.append(name) or name

    assert cache.get(7, "a", compute("a")) == "a"
    assert cache.get(7, "a", compute("a again")) == "a"  # kept
    assert cache.get(8, "a", compute("a at 8")) == "a at 8"  # a new revision recomputes
    cache.get(8, "b", compute("b"))
    cache.get(8, "a", compute("not called"))  # a is now the most recently used
    cache.get(8, "c", compute("c"))  # over the bound: b, the least recently used, goes
    assert cache.get(8, "b", compute("b again")) == "b again"
    assert calls == ["a", "a at 8", "b", "c", "b again"]


def test_a_value_computed_while_the_revision_moved_on_is_not_kept() -> None:
    cache = BankCache()

    def slow() -> str:
        cache.get(11, "other", lambda: "seen at 11")  # another request saw a newer bank
        return "read at 10"

    assert cache.get(10, "key", slow) == "read at 10"
    assert cache.get(11, "key", lambda: "fresh") == "fresh"


def test_every_write_to_cards_or_topics_moves_the_revision(
    engine: Engine, session: Session
) -> None:
    before = _revision(engine)
    session.add(Topic(id="extra", title="Extra", description="", position=9))
    session.commit()
    after_topic = _revision(engine)
    card = {"question": "Q?", "answer_md": "A", "answer_html": "<p>A</p>", "level": "beginner"}
    session.add(Card(id="extra-card", topic_id="extra", content_hash="h", **card))
    session.commit()
    after_insert = _revision(engine)
    session.execute(update(Card).where(Card.id == "extra-card").values(question="Q2?"))
    session.commit()
    after_update = _revision(engine)
    session.execute(text("DELETE FROM cards WHERE id = 'extra-card'"))
    session.commit()
    after_delete = _revision(engine)
    assert before < after_topic < after_insert < after_update < after_delete
    session.execute(text("SELECT 1"))  # a read moves nothing
    session.commit()
    assert _revision(engine) == after_delete


def test_pages_show_an_own_card_made_after_they_were_cached(
    study_client: TestClient, session: Session, card_body: Callable[..., Any]
) -> None:
    last = session.scalars(
        select(Card.id).where(Card.topic_id == "basics").order_by(Card.position.desc())
    ).first()
    pages = {
        "home": "/", "topic": "/topics/basics", "search": "/search?q=square+root",
        "last card": f"/cards/{last}", "demo": "/demos/attention",
    }  # fmt: skip
    before = {name: study_client.get(path).text for name, path in pages.items()}
    cards_before = study_client.get("/healthz").json()["cards"]
    assert "/cards/adam-sqrt" not in "".join(before.values())
    assert 'rel="next"' not in before["last card"]
    links = [{"demo": "attention"}]
    body = card_body(id="adam-sqrt", topic="basics", topic_title=None, demos=links)
    assert study_client.post("/api/cards", json=body).status_code == 201
    after = {name: study_client.get(path).text for name, path in pages.items()}
    for name in ("topic", "search", "demo"):
        assert "/cards/adam-sqrt" in after[name], name
    assert 'rel="next" href="/cards/adam-sqrt"' in after["last card"]  # own cards come after
    assert after["home"] != before["home"]  # the topic's card count moved
    assert study_client.get("/healthz").json()["cards"] == cards_before + 1
    assert study_client.get("/api/stats").json()["card_counts"]["new"] == cards_before + 1
    # Retired again, it leaves every page at once.
    assert study_client.delete("/api/cards/adam-sqrt").status_code == 204
    again = {name: study_client.get(path).text for name, path in pages.items()}
    assert "/cards/adam-sqrt" not in "".join(again.values())
    assert again["home"] == before["home"]
    assert study_client.get("/healthz").json()["cards"] == cards_before


def test_a_sync_by_another_process_shows_on_the_running_app(
    client: TestClient, settings: Settings, bank: Path, write_card: Callable[..., Path]
) -> None:
    assert "/cards/added-by-a-sync" not in client.get("/topics/basics").text
    assert "/cards/added-by-a-sync" not in client.get("/search", params={"q": "zyxword"}).text
    write_card("added-by-a-sync", question="Which zyxword question is this?")
    other = make_engine(settings)  # the CLI's `dlcards content load`, in its own process
    with make_sessionmaker(other)() as session:
        report = load_content(session, bank)
    other.dispose()
    assert report.inserted == 1, report
    assert "/cards/added-by-a-sync" in client.get("/topics/basics").text
    assert "/cards/added-by-a-sync" in client.get("/search", params={"q": "zyxword"}).text
