"""Requests/s and latency (p50, p99) of the main pages, served by uvicorn, loaded by wrk.

Each row is also given as a ratio of a bare FastAPI + Jinja2 page (bench/bare_page.py) served
by the same uvicorn in the same run, so a noisy machine moves both sides alike.
Usage: python bench/http_pages.py [--seconds 10] [--connections 8 50] [--db GENERATED_DB]

With ``--db``, a copy of a bench/study_generate database is served as it is (10,000 cards and a
million answers, say): the home page's dashboard and the next card then read that history.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from serve import ROOT, free_port, running_server


def pages(db: Path | None = None) -> dict[str, str]:
    """The pages to load: of the bank in content/, or of a generated database's cards."""
    if db is None:
        topic, card = "training", sorted((ROOT / "content" / "training").glob("*.md"))[0].stem
        query = "gradient+descent"
    else:
        with sqlite3.connect(db) as connection:
            topic, card = connection.execute(
                "SELECT topic_id, id FROM cards WHERE NOT retired ORDER BY position LIMIT 1"
            ).fetchone()
        query = "question"  # every generated card's question has the word
    return {
        "home": "/",
        "topic page": f"/topics/{topic}",
        "card page": f"/cards/{card}?reveal=true",
        "search": f"/search?q={query}",
        "study next (JSON)": "/api/study/next",
        "demo page": "/demos/attention",
        "healthz": "/healthz",
    }


@contextmanager
def bare_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bare_page.py")), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "--latency", f"-d{seconds}s", f"-c{connections}", "-t2", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "errors": float(non_2xx.group(1)) if non_2xx else 0.0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 50])
    parser.add_argument("--db", type=Path, default=None, help="a bench/study_generate database")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp, bare_server() as bare:
        url = None
        if args.db is not None:  # a copy: the original stays as generated
            served = Path(tmp) / "served.db"
            shutil.copyfile(args.db, served)
            url = f"sqlite:///{served}"
        with running_server(url, load_content=args.db is None) as base:
            run(bare, base, pages(args.db), args.seconds, args.connections)


def run(bare: str, base: str, paths: dict[str, str], seconds: int, connections: list[int]) -> None:
    for count in connections:
        print(f"\nwrk: {count} connections, {seconds} s per page, 1 uvicorn worker")
        yardstick = wrk(bare, seconds, count)
        header = f"{'page':<18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}"
        print(f"{header} {'x bare':>7}")
        print(_row("bare page", yardstick, yardstick))
        for name, path in paths.items():
            print(_row(name, wrk(base + path, seconds, count), yardstick))


def _row(name: str, r: dict[str, float], bare: dict[str, float]) -> str:
    numbers = f"{r['rps']:>8.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>8.0f}"
    return f"{name:<18} {numbers} {r['rps'] / bare['rps']:>7.2f}"


if __name__ == "__main__":
    main()
