"""Server time of every demo: compute + view at its defaults and at examples["maximum"].

Prints slug | p50 / p99 ms at defaults | p50 / p99 ms at maximum, then one in-process HTTP
request per demo (the full page at defaults, the JSON API at maximum). Goals: p50 ≤ 10 ms
at defaults, ≤ 100 ms at maxima. Numbers are reported, not asserted.
Usage: python bench/demos.py [--runs 200] [--budget 4] [--slug SLUG ...] [--clock wall|cpu]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from app.config import Settings  # noqa: E402
from app.demos.registry import Demo, all_demos  # noqa: E402
from app.main import create_app  # noqa: E402

DEFAULT_GOAL_MS, MAXIMUM_GOAL_MS = 10.0, 100.0


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = time.perf_counter  # --clock cpu: this process's CPU time, fairer on a busy machine


def timings(call: Callable[[], object], runs: int, budget_s: float) -> list[float]:
    """Milliseconds per call: ``runs`` calls, fewer if they exceed the time budget (≥ 10)."""
    call()  # warm-up: imports, caches
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < runs and (len(samples) < 10 or time.perf_counter() < deadline):
        start = clock()
        call()
        samples.append((clock() - start) * 1000)
    return samples


def p50_p99(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def compute_and_view(demo: Demo, values: dict) -> Callable[[], object]:
    params = demo.params.model_validate(values)

    def run() -> object:
        return demo.view(params, demo.compute(params))

    return run


def bench_compute(demos: dict[str, Demo], runs: int, budget: float) -> None:
    name = "CPU" if clock is time.process_time else "wall-clock"
    print(f"compute + view, {name} time, {runs} runs (fewer when one takes long)")
    print(f"{'slug':<24}| {'default p50':>11} | {'p99':>7} | {'maximum p50':>11} | {'p99':>7} |")
    print(f"{'-' * 24}|{'-' * 13}|{'-' * 9}|{'-' * 13}|{'-' * 9}|")
    for slug, demo in demos.items():
        d50, d99 = p50_p99(timings(compute_and_view(demo, {}), runs, budget))
        maximum = demo.examples.get("maximum")
        if maximum is None:
            m = "   (none)   |         "
        else:
            m50, m99 = p50_p99(timings(compute_and_view(demo, maximum), runs, budget))
            flag = " !" if m50 > MAXIMUM_GOAL_MS else "  "
            m = f"{m50:>9.2f}{flag}| {m99:>7.2f}"
        flag = " !" if d50 > DEFAULT_GOAL_MS else "  "
        print(f"{slug:<24}| {d50:>9.2f}{flag}| {d99:>7.2f} | {m} |")
    print("(ms; ! marks a p50 above the goal: 10 ms at defaults, 100 ms at maximum)")


def bench_http(demos: dict[str, Demo]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            content_dir=ROOT / "content",
            allowed_hosts=["testserver"],
        )
        with TestClient(create_app(settings)) as client:
            print("\nin-process HTTP, one request each after a warm-up")
            print(f"{'slug':<24}| {'GET page ms':>11} | {'POST API max ms':>15} | status")
            for slug, demo in demos.items():
                page = _timed(
                    lambda s=slug: client.get(f"/demos/{s}", headers={"Accept": "text/html"})
                )
                body = demo.examples.get("maximum", {})
                api = _timed(lambda s=slug, b=body: client.post(f"/api/demos/{s}", json=b))
                status = f"{page[1]}/{api[1]}"
                print(f"{slug:<24}| {page[0]:>11.2f} | {api[0]:>15.2f} | {status}")


def _timed(request: Callable[[], object]) -> tuple[float, int]:
    request()
    start = time.perf_counter()
    response = request()
    return (time.perf_counter() - start) * 1000, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--budget", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--slug", action="append", help="only these demos")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    demos = {s: d for s, d in all_demos().items() if not args.slug or s in args.slug}
    bench_compute(demos, args.runs, args.budget)
    if not args.no_http:
        bench_http(demos)


if __name__ == "__main__":
    main()
