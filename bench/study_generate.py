"""Build a large study database for the benchmarks: N cards and M review logs.

Every card's answers are replayed through the app's FSRS wrapper, so ``review_states`` is
exactly what the app (and ``dlcards study rebuild``) would compute from the log. Rows go in
with executemany in big transactions, with the log indexes dropped during the load. Last, the
app's automatic fit runs as it would have after these answers (it replays the log when adopted).

    .venv/bin/python -m bench.study_generate --db data/bench.db --cards 10000 --logs 1000000
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from app.config import Settings
from app.db import make_engine, make_sessionmaker, migrate, write
from app.models import LOCAL_USER_ID
from app.study import elapsed, hours, optimize
from app.study.preferences import user_context
from app.study.scheduler import NEW_CARD, SchedulerConfig, State, review

TOPICS = 20
END = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
SPAN_DAYS = 730
RATING_P = (0.1, 0.1, 0.7, 0.1)
CONFIG = SchedulerConfig()


def _iso(moment: datetime | None) -> str | None:
    # The format SQLAlchemy's SQLite DateTime stores: naive UTC with microseconds.
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def simulate_card(args: tuple[int, int, int]) -> tuple[list[tuple], tuple]:
    """One card's answers at random times over the span, and its final state."""
    index, reviews, seed = args
    rng = np.random.default_rng(seed)
    card_id = f"card-{index:05d}"
    offsets = np.sort(rng.uniform(0, SPAN_DAYS * 86400, reviews))
    ratings = rng.choice([1, 2, 3, 4], size=reviews, p=RATING_P)
    start = END - timedelta(days=SPAN_DAYS)
    state = NEW_CARD
    key = f"{LOCAL_USER_ID}:{card_id}"
    logs = []
    for offset, rating in zip(offsets, ratings, strict=True):
        at = start + timedelta(seconds=float(offset))
        outcome = review(CONFIG, state, int(rating), at, key)
        before, after = outcome.before, outcome.after
        logs.append(
            (
                LOCAL_USER_ID,
                card_id,
                int(rating),
                _iso(at),
                int(rng.integers(800, 20000)),
                outcome.kind,
                None,
                int(before.state) if before.state else None,
                before.step,
                before.stability,
                before.difficulty,
                _iso(before.due),
                int(after.state),
                after.step,
                after.stability,
                after.difficulty,
                _iso(after.due),
            )
        )
        state = after
    final = None
    if reviews:
        final = (
            LOCAL_USER_ID,
            card_id,
            int(state.state or State.Learning),
            state.step,
            state.stability,
            state.difficulty,
            _iso(state.due),
            _iso(state.last_review),
            state.reps,
            state.lapses,
            0,
            None,
        )
    return logs, final


LOG_SQL = (
    "INSERT INTO review_logs (user_id, card_id, rating, reviewed_at, duration_ms, kind, "
    "review_token, state_before, step_before, stability_before, difficulty_before, due_before, "
    "state_after, step_after, stability_after, difficulty_after, due_after) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
STATE_SQL = (
    "INSERT INTO review_states (user_id, card_id, state, step, stability, difficulty, due, "
    "last_review, reps, lapses, suspended, buried_until) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)


def generate(db: Path, cards: int, logs: int, seed: int = 0) -> dict[str, float]:
    """Create ``db`` from scratch with the real migrations, then fill it; returns timings."""
    timings: dict[str, float] = {}
    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    settings = Settings(_env_file=None, database_url=f"sqlite:///{db}")
    engine = make_engine(settings)
    migrate(settings, engine)
    engine.dispose()

    rng = np.random.default_rng(seed)
    # A skewed number of answers per card (some cards are hard), summing to ``logs``.
    weights = rng.gamma(2.0, 1.0, cards)
    per_card = np.floor(weights / weights.sum() * logs).astype(int)
    per_card[: logs - per_card.sum()] += 1
    # A tenth of the bank is never studied: new cards for the queue.
    unseen = rng.choice(cards, cards // 10, replace=False)
    moved = per_card[unseen].sum()
    per_card[unseen] = 0
    seen = np.flatnonzero(per_card)
    per_card[seen[: moved % len(seen)]] += 1
    per_card[seen] += moved // len(seen)

    t = time.perf_counter()
    with multiprocessing.get_context("fork").Pool() as pool:
        results = pool.map(
            simulate_card,
            [(i, int(per_card[i]), seed * 100003 + i) for i in range(cards)],
            chunksize=50,
        )
    timings["simulate_s"] = time.perf_counter() - t

    t = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    now = _iso(END)
    conn.executemany(
        "INSERT INTO topics (id, title, description, position) VALUES (?,?,?,?)",
        [(f"topic-{k:02d}", f"Topic {k}", "", k) for k in range(TOPICS)],
    )
    conn.executemany(
        "INSERT INTO cards (id, topic_id, question, answer_md, answer_html, level, tags, "
        'key_points, follow_ups, demos, "references", synonyms, aliases, source_path, '
        "content_hash, position, retired, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                f"card-{i:05d}",
                f"topic-{i % TOPICS:02d}",
                f"Question {i}?",
                "Answer.",
                "<p>Answer.</p>",
                ("beginner", "intermediate", "advanced")[i % 3],
                f'["tag-{i % 50}"]',
                "[]",
                "[]",
                "[]",
                "[]",
                "[]",
                "[]",
                "",
                "bench",
                i,
                0,
                now,
            )
            for i in range(cards)
        ],
    )
    # Indexes and the triggers that keep review_hours and elapsed_days go during the load
    # (the elapsed_days trigger looks up each card's previous answer); recounted after it.
    indexes = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
        "AND tbl_name='review_logs' AND sql IS NOT NULL ORDER BY type"
    ).fetchall()
    for kind, name, _ in indexes:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    for card_logs, _ in results:
        conn.executemany(LOG_SQL, card_logs)
    conn.executemany(STATE_SQL, [final for _, final in results if final is not None])
    conn.commit()
    timings["insert_s"] = time.perf_counter() - t
    t = time.perf_counter()
    for _, _, sql in indexes:
        conn.execute(sql)
    # No ANALYZE: the app never runs it, so users' databases have no statistics. With them,
    # owner_id (NULL on every bank card) looks useless as an index, SQLite scans all cards for
    # each card in the visibility check, and the home page took 6.8 s instead of 24 ms.
    conn.commit()
    conn.close()
    timings["index_s"] = time.perf_counter() - t
    t = time.perf_counter()
    engine = make_engine(settings)
    with make_sessionmaker(engine)() as session, write(session, LOCAL_USER_ID):
        elapsed.recompute(session, LOCAL_USER_ID)
        hours.recount(session, LOCAL_USER_ID)
    engine.dispose()
    timings["derived_s"] = time.perf_counter() - t
    # The automatic fit the app has made by now, so the benchmarks' grades do not start one.
    t = time.perf_counter()
    engine = make_engine(settings)
    with make_sessionmaker(engine)() as session:
        optimize.auto_fit(session, user_context(session, LOCAL_USER_ID, "UTC"), END)
    engine.dispose()
    timings["fit_s"] = time.perf_counter() - t
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("data/bench.db"))
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t = time.perf_counter()
    timings = generate(args.db, args.cards, args.logs, args.seed)
    total = time.perf_counter() - t
    print(
        f"{args.db}: {args.cards} cards, {args.logs} review logs in {total:.1f} s "
        + ", ".join(f"{k} {v:.1f}" for k, v in timings.items())
    )


if __name__ == "__main__":
    main()
