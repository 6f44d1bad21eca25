"""Two app processes share one database: the 8-client grading race of the study issue with
every client alternating between them (and retrying on the other one) loses nothing.

Runs on the suite's database: PostgreSQL in the PostgreSQL run (the case that matters for a
study group), one SQLite file otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from app.accounts.users import create_user
from app.config import Settings
from app.db import make_sessionmaker
from app.models import ReviewLog
from app.study.preferences import user_context
from app.study.rebuild import rebuild_user
from bench.processes import app_processes, grading_race
from tests.factories import add_cards

pytestmark = pytest.mark.slow

ACCOUNTS = [("ada", "ada's long password"), ("bob", "bob's long password")]
SECONDS = 8.0


@pytest.mark.parametrize(("processes", "workers"), [(2, 1), (1, 2)], ids=["2-ports", "workers-2"])
def test_grading_race_across_processes_loses_nothing(
    processes: int, workers: int, settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    with make_sessionmaker(engine)() as session:
        card_ids = add_cards(session, 40)
        users = {name: create_user(session, name, password).id for name, password in ACCOUNTS}
    logs = tmp_path / "logs"
    with app_processes(
        settings.database_url, processes, logs, workers=workers,
        multi_user="true", load_content_on_start="false",
    ) as bases:  # fmt: skip
        result = grading_race(bases, SECONDS, card_ids, clients=8, accounts=ACCOUNTS)
    server_output = "".join(p.read_text() for p in logs.glob("*.log"))
    assert result.failures == []
    assert "Traceback" not in server_output
    assert sum(result.acknowledged.values()) > 20  # enough answers to have raced
    with make_sessionmaker(engine)() as session:
        for name, user_id in users.items():
            rows = session.scalar(
                select(func.count()).select_from(ReviewLog).where(ReviewLog.user_id == user_id)
            )
            assert rows == result.acknowledged[name]
            report = rebuild_user(session, user_context(session, user_id, "UTC"), write=False)
            assert report.reviews == rows and report.mismatched == []
        local = select(func.count()).select_from(ReviewLog).where(ReviewLog.user_id == 1)
        assert session.scalar(local) == 0
