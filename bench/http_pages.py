"""Requests/s and latency (p50, p99) of the main pages, served by uvicorn, loaded by wrk.

Each row is also given as a ratio of a bare FastAPI + Jinja2 page (bench/bare_page.py) served
by the same uvicorn in the same run, so a noisy machine moves both sides alike.
Usage: python bench/http_pages.py [--seconds 10] [--connections 8 50]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from serve import ROOT, free_port, running_server


def pages() -> dict[str, str]:
    card = sorted((ROOT / "content" / "training").glob("*.md"))[0].stem
    return {
        "home": "/",
        "topic page": "/topics/training",
        "card page": f"/cards/{card}?reveal=true",
        "search": "/search?q=gradient+descent",
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
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    with bare_server() as bare, running_server() as base:
        for connections in args.connections:
            print(f"\nwrk: {connections} connections, {args.seconds} s per page, 1 uvicorn worker")
            yardstick = wrk(bare, args.seconds, connections)
            header = f"{'page':<18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}"
            print(f"{header} {'x bare':>7}")
            print(_row("bare page", yardstick, yardstick))
            for name, path in pages().items():
                print(_row(name, wrk(base + path, args.seconds, connections), yardstick))


def _row(name: str, r: dict[str, float], bare: dict[str, float]) -> str:
    numbers = f"{r['rps']:>8.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>8.0f}"
    return f"{name:<18} {numbers} {r['rps'] / bare['rps']:>7.2f}"


if __name__ == "__main__":
    main()
