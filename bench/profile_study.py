"""Where a page spends its time, in-process (cProfile and its SQL statements), on a bench DB.

First the whole request through the real app (FastAPI's TestClient, templates included), its
median over a few requests, and the SQL statements it ran with their time per request (until
the first row); then one profiled request per page, with the app's threadpool hand-offs run
inline (cProfile sees only its own thread). The pages are ``--paths`` (default ``/`` and
``/stats``), the clock ``--now`` (default: two hours after the generated history ends, so the
streak is the history's length) and the user's zone ``--zone``.

    .venv/bin/python -m bench.profile_study --db COPY_OF_BENCH_DB [--zone Europe/Berlin]
        [--paths / /stats /api/study/next /demos/attention]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
from sqlalchemy import Engine, event

from bench.study_generate import END


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--zone", default="UTC")
    parser.add_argument("--now", type=datetime.fromisoformat, default=END + timedelta(hours=2))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--paths", nargs="+", default=["/", "/stats"])
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.deps import get_now
    from app.main import create_app

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{args.db.resolve()}",
        load_content_on_start=False,
        timezone=args.zone,
    )
    app = create_app(settings)
    app.dependency_overrides[get_now] = lambda: args.now
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for path in args.paths:
            client.get(path)  # warm: templates compiled, caches filled
            times = []
            with statement_times(app.state.engine) as statements:
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    assert client.get(path).status_code == 200, path
                    times.append((time.perf_counter() - t) * 1000)
            print(
                f"{path:<11} zone {args.zone}, now {args.now.isoformat()}: median "
                f"{statistics.median(times):.0f} ms of {args.repeat} (min {min(times):.0f})"
            )
            print(_statement_table(statements, args.repeat, args.top))

    # One profiled request per path, whole: the app's thread hand-offs run inline, so the
    # handler, its dependencies and the template render all run in this thread.
    anyio.to_thread.run_sync = _inline

    async def get(path: str) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            assert (await http.get(path)).status_code == 200, path

    for path in args.paths:
        asyncio.run(get(path))
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(get(path))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
            r"app/|jinja2/environment.py.*render|sqlalchemy/engine/base.py.*execute\(|fetchall",
            args.top,
        )
        print(f"\n== GET {path}\n" + out.getvalue().split("\n\n", 2)[-1].rstrip())


@contextmanager
def statement_times(engine: Engine) -> Iterator[dict[str, list[float]]]:
    """Seconds per SQL statement text while the block runs (execute only, not the fetch)."""
    times: dict[str, list[float]] = defaultdict(list)
    started: dict[int, float] = {}

    def before(conn: Any, *_: Any) -> None:
        started[id(conn)] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        times[statement].append(time.perf_counter() - started.pop(id(conn)))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield times
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _statement_table(statements: dict[str, list[float]], requests: int, top: int) -> str:
    total = sum(sum(t) for t in statements.values()) * 1000 / requests
    count = sum(len(t) for t in statements.values()) / requests
    lines = [f"  SQL {total:.2f} ms a request in {count:.0f} statements; the slowest:"]
    slowest = sorted(statements.items(), key=lambda item: -sum(item[1]))[: max(1, top // 4)]
    for statement, seconds in slowest:
        per_request = sum(seconds) * 1000 / requests
        text = " ".join(statement.split())[:150]
        lines.append(f"  {per_request:7.2f} ms x{len(seconds) / requests:<4.1f} {text}")
    return "\n".join(lines)


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


if __name__ == "__main__":
    main()
