"""Start-up time: from launching `dlcards serve` to the first 200 on /healthz.

Run twice on the same database: the first start migrates and loads the bank, the second finds
nothing changed (the case a user meets every day). Prints each, median of ``--runs`` restarts.
Usage: python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from serve import running_server


def timed_start(database_url: str) -> float:
    started = time.perf_counter()
    with running_server(database_url):
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/startup.db"
        first = timed_start(url)
        again = [timed_start(url) for _ in range(args.runs)]
    print(f"first start (migrate + load the bank): {first:.2f} s")
    print(f"start with nothing changed: median {statistics.median(again):.2f} s, "
          f"min {min(again):.2f} s, max {max(again):.2f} s over {args.runs} runs")  # fmt: skip


if __name__ == "__main__":
    main()
