"""Study benchmark on a large database: requests/s and latency through uvicorn over HTTP.

Measures GET /api/study/next and POST /api/reviews (8 concurrent clients), the /stats page
render time, and a 30 s grading run of 8 clients checking that nothing is lost
(acknowledged answers == new rows in review_logs, no failed request, no "database is
locked"), with the server's resident memory (VmRSS and its peak VmHWM from /proc) under that
load. The database (10,000 cards, 1,000,000 review logs) is built by study_generate.py on
first use. ``--scaling 10000,100000,1000000`` adds how the cost grows: next card, grade,
dashboard and /stats on databases of those many logs (built next to ``--db``, each run on a
fresh copy). Numbers are reported, not asserted.

    .venv/bin/python -m bench.study_bench [--db data/bench.db] [--seconds 10] [--stress 30]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI

from bench.study_generate import generate

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 8


def make_app() -> FastAPI:
    """uvicorn factory: the real app on DLCARDS_DATABASE_URL, bank loading off (the bench
    database holds generated cards that are not files)."""
    from app.config import Settings
    from app.main import create_app

    return create_app(Settings(load_content_on_start=False))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """uvicorn in a child process (its own interpreter and GIL), stderr kept for inspection."""

    def __init__(self, db: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = db.with_suffix(".server.log")
        env = {
            **os.environ,
            "DLCARDS_DATABASE_URL": f"sqlite:///{db.resolve()}",
            "DLCARDS_LOAD_CONTENT_ON_START": "false",
            "DLCARDS_TIMEZONE": "UTC",
            "PYTHONPATH": str(ROOT),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.study_bench:make_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start: " + self.log.read_text()[-2000:])

    def memory_mb(self) -> tuple[float, float]:
        """(VmRSS, VmHWM) of the uvicorn process in MB: resident now, and its peak so far."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines())
        return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(timeout=20)
        return self.log.read_text()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def load(
    base: str,
    request: Callable[[httpx.Client, random.Random, int], httpx.Response],
    seconds: float,
    clients: int = CLIENTS,
) -> dict[str, float]:
    """Run ``clients`` threads calling ``request`` for ``seconds``; latency in ms."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop = time.monotonic() + seconds

    def worker(w: int) -> None:
        rng = random.Random(w)
        n = 0
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.monotonic() < stop:
                t = time.perf_counter()
                response = request(http, rng, w * 10_000_000 + n)
                latencies[w].append((time.perf_counter() - t) * 1000)
                errors[w] += response.status_code != 200
                n += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    flat = [x for per in latencies for x in per]
    return {
        "requests": len(flat),
        "rps": len(flat) / elapsed,
        "p50": _percentile(flat, 0.50),
        "p99": _percentile(flat, 0.99),
        "errors": sum(errors),
    }


def _log_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM review_logs").fetchone()[0])


def verify(db: Path) -> int:
    """Replay the whole log (``dlcards study rebuild --check``); print and return mismatches."""
    from app.config import Settings
    from app.db import make_engine, make_sessionmaker
    from app.study.preferences import user_context
    from app.study.rebuild import rebuild_all

    settings = Settings(_env_file=None, database_url=f"sqlite:///{db}", timezone="UTC")
    engine = make_engine(settings)
    t = time.perf_counter()
    with make_sessionmaker(engine)() as session:
        report = rebuild_all(session, lambda s, u: user_context(s, u, "UTC"), write=False)
    engine.dispose()
    print(
        f"rebuild check: {report.cards} cards, {report.reviews:,} answers replayed in "
        f"{time.perf_counter() - t:.0f} s, {len(report.mismatched)} stored states differ"
    )
    return len(report.mismatched)


class Grader:
    """POST /api/reviews of random cards and ratings; counts the answers the server took."""

    def __init__(self, card_ids: list[str], tag: str) -> None:
        self.card_ids, self.tag = card_ids, tag
        self.acknowledged = 0
        self.lock = threading.Lock()

    def __call__(self, h: httpx.Client, r: random.Random, n: int) -> httpx.Response:
        response = h.post(
            "/api/reviews",
            json={
                "card_id": r.choice(self.card_ids),
                "rating": r.randint(1, 4),
                "review_token": f"{self.tag}-{time.time_ns()}-{n}",
                "duration_ms": 4000,
            },
        )
        if response.status_code == 200 and not response.json()["duplicate"]:
            with self.lock:
                self.acknowledged += 1
        return response


def _has_fit(db: Path) -> bool:
    with sqlite3.connect(db) as conn:
        return bool(conn.execute("SELECT count(*) FROM parameter_fits").fetchone()[0])


def _ensure(db: Path, cards: int, logs: int, regenerate: bool = False) -> None:
    # A database of an older generator has no fit: its first grade would fit the whole log.
    if regenerate or not db.exists() or not _has_fit(db):
        t = time.perf_counter()
        generate(db, cards, logs)
        print(f"generated {db} ({cards} cards, {logs} logs) in {time.perf_counter() - t:.0f} s")


def _fresh_copy(db: Path) -> Path:
    """A copy of ``db`` to run on, so every run starts from the same generated history."""
    copy = db.with_suffix(".run.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db, copy)
    return copy


def scaling(db: Path, cards: int, sizes: list[int], seconds: float) -> None:
    """Next card, grade, dashboard and /stats at each size of the log, and the server's RSS."""
    card_ids = [f"card-{i:05d}" for i in range(cards)]
    table = []
    for logs in sizes:
        source = db.with_name(f"{db.stem}-{logs}{db.suffix}")
        _ensure(source, cards, logs)
        copy = _fresh_copy(source)
        server = Server(copy)
        before, grader = _log_rows(copy), Grader(card_ids, "scale")
        try:
            row = {
                "next": load(server.base, lambda h, r, n: h.get("/api/study/next"), seconds),
                "grade": load(server.base, grader, seconds),
                "home": load(server.base, lambda h, r, n: h.get("/"), seconds),
                "stats": load(server.base, lambda h, r, n: h.get("/stats"), seconds, clients=1),
            }
            rss, peak = server.memory_mb()
        finally:
            server.stop()
        lost = grader.acknowledged - (_log_rows(copy) - before)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        table.append((logs, row, lost, rss, peak))
    print(
        f"\nscaling: {cards} cards, {CLIENTS} clients (1 for /stats), {seconds:g} s each, "
        "req/s and p50 ms; lost: acknowledged grades missing from review_logs; RSS of the "
        "uvicorn process after the runs (peak VmHWM)\n"
    )
    print(
        f"{'logs':>10} {'next req/s':>11} {'p50':>6} {'grade/s':>8} {'p50':>6} {'lost':>5} "
        f"{'home req/s':>11} {'p50':>6} {'/stats p50':>11} {'p99':>6} {'RSS MB':>7} {'peak':>6}"
    )
    for logs, row, lost, rss, peak in table:
        print(
            f"{logs:>10,} {row['next']['rps']:>11.1f} {row['next']['p50']:>6.1f} "
            f"{row['grade']['rps']:>8.1f} {row['grade']['p50']:>6.1f} {lost:>5} "
            f"{row['home']['rps']:>11.1f} {row['home']['p50']:>6.1f} "
            f"{row['stats']['p50']:>11.1f} {row['stats']['p99']:>6.1f} {rss:>7.0f} {peak:>6.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "bench.db")
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10, help="per endpoint")
    parser.add_argument("--stress", type=float, default=30, help="seconds of 8-client grading")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="skip replaying the whole log against the stored states",
    )
    parser.add_argument(
        "--scaling",
        type=lambda text: [int(n) for n in text.split(",")],
        help="comma-separated log sizes for the scaling table (e.g. 10000,100000,1000000)",
    )
    args = parser.parse_args()
    _ensure(args.db, args.cards, args.logs, args.regenerate)
    card_ids = [f"card-{i:05d}" for i in range(args.cards)]
    server = Server(args.db)
    results: dict[str, dict[str, float]] = {}
    try:
        results["GET /api/study/next"] = load(
            server.base, lambda h, r, n: h.get("/api/study/next"), args.seconds
        )
        results["POST /api/reviews"] = load(server.base, Grader(card_ids, "bench"), args.seconds)
        results["GET /study (page)"] = load(
            server.base, lambda h, r, n: h.get("/study"), args.seconds
        )
        results["GET / (home)"] = load(server.base, lambda h, r, n: h.get("/"), args.seconds)
        results["GET /stats (1 client)"] = load(
            server.base, lambda h, r, n: h.get("/stats"), args.seconds, clients=1
        )
        results["GET /stats?days=365 (1 client)"] = load(
            server.base, lambda h, r, n: h.get("/stats?days=365"), args.seconds, clients=1
        )

        before, grader = _log_rows(args.db), Grader(card_ids, "stress")
        stress = load(server.base, grader, args.stress)
        results[f"stress: 8 clients grading {args.stress:g} s"] = stress
        rss, peak = server.memory_mb()
    finally:
        log = server.stop()
    added = _log_rows(args.db) - before
    locked = log.lower().count("database is locked")

    print(
        f"\n{args.db}: {args.cards} cards, {before:,} review logs before the stress run; "
        f"{CLIENTS} clients over HTTP (httpx), 1 uvicorn worker\n"
    )
    print(
        f"{'endpoint':<34} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    for name, r in results.items():
        print(
            f"{name:<34} {r['requests']:>9.0f} {r['rps']:>8.1f} {r['p50']:>8.1f} "
            f"{r['p99']:>8.1f} {r['errors']:>7.0f}"
        )
    print(
        f"\nserver RSS after the stress run: {rss:.0f} MB (VmRSS), peak {peak:.0f} MB (VmHWM), "
        f"from /proc/{server.process.pid}/status"
    )
    mismatched = 0 if args.no_verify else verify(args.db)
    ok = grader.acknowledged == added and not locked and not stress["errors"] and not mismatched
    print(
        f"\nstress check: acknowledged {grader.acknowledged}, new rows {added}, failed requests "
        f"{stress['errors']:.0f}, 'database is locked' in server log: {locked} -> "
        f"{'OK' if ok else 'FAIL'}"
    )
    if args.scaling:
        scaling(args.db, args.cards, args.scaling, args.seconds)


if __name__ == "__main__":
    main()
