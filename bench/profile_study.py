"""Where /stats and the home dashboard spend their time, in-process (cProfile), on a bench DB.

First the whole request through the real app (FastAPI's TestClient, templates included), its
median over a few requests; then one profiled request per page, with the app's threadpool
hand-offs run inline (cProfile sees only its own thread). The clock is ``--now`` (default: two
hours after the generated history ends, so the streak is the history's length) and the
user's zone ``--zone``.

    .venv/bin/python -m bench.profile_study --db COPY_OF_BENCH_DB [--zone Europe/Berlin]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx

from bench.study_generate import END


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--zone", default="UTC")
    parser.add_argument("--now", type=datetime.fromisoformat, default=END + timedelta(hours=2))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=20)
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
        for path in ("/", "/stats", "/api/stats"):
            client.get(path)  # warm: templates compiled, caches filled
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                assert client.get(path).status_code == 200, path
                times.append((time.perf_counter() - t) * 1000)
            print(
                f"{path:<11} zone {args.zone}, now {args.now.isoformat()}: median "
                f"{statistics.median(times):.0f} ms of {args.repeat} (min {min(times):.0f})"
            )

    # One profiled request per path, whole: the app's thread hand-offs run inline, so the
    # handler, its dependencies and the template render all run in this thread.
    anyio.to_thread.run_sync = _inline

    async def get(path: str) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            assert (await http.get(path)).status_code == 200, path

    for path in ("/", "/stats"):
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


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


if __name__ == "__main__":
    main()
