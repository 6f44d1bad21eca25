"""Study-group benchmark: 50 signed-in users grading on 1 SQLite process, and on 1, 2 and 4
PostgreSQL processes, over a database of 10,000 cards and 1,000,000 review logs.

Each simulated user loops GET /api/study/next then POST /api/reviews, alternating between
the processes. Reported per setup: reviews/s, and p50/p99 of both requests; then the check
that every acknowledged review is a row. Numbers are reported, not asserted. The clients run
on the same machine as the servers and the database, so they share its CPUs.

    scripts/with-postgres.sh .venv/bin/python -m bench.group_bench [--seconds 20]

The history (study_generate.py, one user) is spread over the 50 accounts by card: user k
owns the logs and states of cards k, k+50, ... (20,000 logs each).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, make_url, select, text

from app.accounts.passwords import hash_password
from app.dbcopy import copy_database
from app.models import ReviewLog
from bench.processes import app_processes, grading_race
from bench.study_generate import generate

USERS = 50
PASSWORD = "bench password"
ROOT = Path(__file__).resolve().parent.parent


def group_database(path: Path, cards: int, logs: int) -> Path:
    """The generated history, spread over USERS accounts (made once, then reused)."""
    if path.exists():
        return path
    base = path.with_suffix(".one-user.db")
    if not base.exists():
        print(f"generating {cards} cards, {logs} logs into {base} ...", flush=True)
        generate(base, cards, logs)
    shutil.copy(base, path)
    conn = sqlite3.connect(path)
    stamp = "2026-01-01 00:00:00.000000"
    secret = hash_password(PASSWORD)
    conn.executemany(
        "INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)",
        [(2 + k, f"user{k:02d}", stamp) for k in range(USERS)],
    )
    conn.executemany(
        "INSERT INTO passwords (user_id, hash, changed_at) VALUES (?, ?, ?)",
        [(2 + k, secret, stamp) for k in range(USERS)],
    )
    owner = f"2 + CAST(substr(card_id, 6) AS INTEGER) % {USERS}"
    conn.execute(f"UPDATE review_logs SET user_id = {owner}")
    conn.execute(f"UPDATE review_states SET user_id = {owner}")
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return path


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(label: str, url: str, processes: int, seconds: float, logs: Path) -> dict[str, float]:
    accounts = [(f"user{k:02d}", PASSWORD) for k in range(USERS)]
    card_ids = [f"card-{i:05d}" for i in range(100)]
    engine = create_engine(url)
    with engine.connect() as connection:
        before = connection.scalar(select(func.count()).select_from(ReviewLog))
    with app_processes(
        url, processes, logs / label, multi_user="true", load_content_on_start="false",
        secret_key="bench",
    ) as bases:  # fmt: skip
        result = grading_race(
            bases, seconds, card_ids, clients=USERS, accounts=accounts, retries=False
        )
    with engine.connect() as connection:
        after = connection.scalar(select(func.count()).select_from(ReviewLog))
    engine.dispose()
    acknowledged = sum(result.acknowledged.values())
    row = {
        "reviews_per_s": acknowledged / result.seconds,
        "next_p50_ms": statistics.median(result.latencies["next"]) * 1000,
        "next_p99_ms": _pct(result.latencies["next"], 0.99),
        "review_p50_ms": statistics.median(result.latencies["review"]) * 1000,
        "review_p99_ms": _pct(result.latencies["review"], 0.99),
        "failures": len(result.failures),
        "lost": acknowledged - (after - before),
    }
    print(
        f"{label:<22} {row['reviews_per_s']:8.1f} reviews/s   "
        f"next p50 {row['next_p50_ms']:6.1f} p99 {row['next_p99_ms']:7.1f} ms   "
        f"review p50 {row['review_p50_ms']:6.1f} p99 {row['review_p99_ms']:7.1f} ms   "
        f"failures {row['failures']}  lost {row['lost']}",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "group-bench.db")
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    source = group_database(args.db, args.cards, args.logs)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sqlite_copy = work / "sqlite.db"
        shutil.copy(source, sqlite_copy)
        print(f"{USERS} users, {args.seconds:.0f} s per setup, {os.cpu_count()} CPUs", flush=True)
        run("1 process, SQLite", f"sqlite:///{sqlite_copy}", 1, args.seconds, work)
        admin_url = os.environ.get("DLCARDS_TEST_POSTGRES_URL")
        if not admin_url:
            print("PostgreSQL skipped: run under scripts/with-postgres.sh")
            return
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS dlcards_group_bench WITH (FORCE)"))
            connection.execute(text("CREATE DATABASE dlcards_group_bench"))
        admin.dispose()
        url = make_url(admin_url).set(database="dlcards_group_bench")
        pg_url = url.render_as_string(hide_password=False)
        started = time.monotonic()
        copy_database(f"sqlite:///{source}", pg_url)
        print(f"(db copy into PostgreSQL: {time.monotonic() - started:.0f} s)", flush=True)
        with create_engine(pg_url, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        for processes in (1, 2, 4):
            label = f"{processes} process{'es' if processes > 1 else ''}, PostgreSQL"
            run(label, pg_url, processes, args.seconds, work)


if __name__ == "__main__":
    main()
