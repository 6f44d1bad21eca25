"""8 clients grading at once against uvicorn lose nothing, on a SQLite file or PostgreSQL.

Acknowledged answers equal the rows in review_logs, no request fails (no "database is
locked", no duplicate-token error), retried tokens are recorded once, and every stored state
equals a rebuild from the log.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.models import Card, ReviewLog
from app.study.preferences import user_context
from app.study.rebuild import rebuild_user
from tests.servers import running

pytestmark = pytest.mark.slow

CLIENTS = 8
GRADES_PER_CLIENT = 15  # 120 answers in all: a count, not a time, so a slow machine only waits


class LockedErrors(logging.Handler):
    """Collects every log record that mentions a locked database."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        if "locked" in text.lower():
            self.messages.append(text)


@pytest.fixture
def server(settings: Settings) -> Iterator[tuple[str, Settings, list[str], LockedErrors]]:
    """uvicorn serving the fixture bank (three cards: maximal contention) on the suite's
    database: a SQLite file, or PostgreSQL in that run."""
    handler = LockedErrors()
    for name in ("uvicorn.error", "dlcards", "sqlalchemy"):
        logging.getLogger(name).addHandler(handler)
    with running(create_app(settings)) as url:
        engine = make_engine(settings)
        with make_sessionmaker(engine)() as session:
            card_ids = list(session.scalars(select(Card.id).where(Card.retired.is_(False))))
        engine.dispose()
        assert len(card_ids) >= 3
        yield url, settings, card_ids, handler
    for name in ("uvicorn.error", "dlcards", "sqlalchemy"):
        logging.getLogger(name).removeHandler(handler)


def _client_loop(
    base: str,
    card_ids: list[str],
    worker: int,
    acknowledged: list[int],
    failures: list[str],
) -> None:
    rng = random.Random(worker)
    n = 0
    with httpx.Client(base_url=base, timeout=30) as http:
        while acknowledged[worker] < GRADES_PER_CLIENT and len(failures) < 20:
            if n % 5 == 0:
                shown = http.get("/api/study/next", params={"ahead": "1"})
                if shown.status_code != 200:
                    failures.append(f"next {shown.status_code} {shown.text[:200]}")
            token = f"w{worker}-{n}"
            body = {
                "card_id": rng.choice(card_ids),
                "rating": rng.randint(1, 4),
                "review_token": token,
                "duration_ms": rng.randint(500, 9000),
            }
            # Every fourth answer is sent twice, as a retried request would be.
            for attempt in range(2 if n % 4 == 0 else 1):
                response = http.post("/api/reviews", json=body)
                if response.status_code != 200:
                    failures.append(f"review {response.status_code} {response.text[:200]}")
                elif response.json()["duplicate"] != (attempt == 1):
                    failures.append(f"token {token}: duplicate flag wrong on attempt {attempt}")
                elif attempt == 0:
                    acknowledged[worker] += 1
            n += 1


def test_eight_concurrent_clients_lose_nothing(server) -> None:
    base, settings, card_ids, locked = server
    acknowledged = [0] * CLIENTS
    failures: list[str] = []
    threads = [
        threading.Thread(
            target=_client_loop, args=(base, card_ids, w, acknowledged, failures)
        )
        for w in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert failures == []
    assert locked.messages == []
    engine = make_engine(settings)
    with make_sessionmaker(engine)() as session:
        rows = session.scalar(select(func.count()).select_from(ReviewLog))
        assert sum(acknowledged) > 100
        assert rows == sum(acknowledged)
        ctx = user_context(session, 1, settings.timezone)
        report = rebuild_user(session, ctx, write=False)
        assert report.reviews == rows and report.mismatched == []
    engine.dispose()
