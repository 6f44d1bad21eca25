"""Requests/s and latency (p50, p99) of the main pages, served by uvicorn, loaded by wrk.

Usage: python bench/http_pages.py [--seconds 10] [--connections 8]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys

from serve import ROOT, running_server


def pages() -> dict[str, str]:
    card = sorted((ROOT / "content" / "training").glob("*.md"))[0].stem
    return {
        "home": "/",
        "topic page": "/topics/training",
        "card page": f"/cards/{card}?reveal=true",
        "search": "/search?q=gradient+descent",
    }


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
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    with running_server() as base:
        print(f"wrk: {args.connections} connections, {args.seconds} s per page, 1 uvicorn worker")
        print(f"{'page':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
        for name, path in pages().items():
            r = wrk(base + path, args.seconds, args.connections)
            row = f"{r['rps']:>8.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>8.0f}"
            print(f"{name:<12} {row}")


if __name__ == "__main__":
    main()
