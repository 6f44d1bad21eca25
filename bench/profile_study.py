"""Where /stats and the home dashboard spend their time, in-process (cProfile), on a bench DB.

First the whole request through the real app (FastAPI's TestClient, templates included), its
median over a few requests; then one profiled call of the work the handler does (cProfile
sees only its own thread, and the app runs handlers in a threadpool): the dashboard's
numbers, or /stats's numbers, calibration and charts. The clock is ``--now`` (default: two
hours after the generated history ends, so the streak is the history's length) and the
user's zone ``--zone``.

    .venv/bin/python -m bench.profile_study --db COPY_OF_BENCH_DB [--zone Europe/Berlin]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

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
    from app.db import make_engine, make_sessionmaker
    from app.deps import get_now
    from app.main import create_app
    from app.models import LOCAL_USER_ID
    from app.study import calibration, stats, stats_charts
    from app.study.preferences import user_context

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
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

    engine = make_engine(settings)
    with make_sessionmaker(engine)() as session:

        def stats_page() -> Any:
            ctx = user_context(session, LOCAL_USER_ID, args.zone)
            data = stats.study_stats(session, ctx, args.now)
            data["calibration"] = calibration.calibration(session, ctx)
            return stats_charts.stats_charts(data), calibration.calibration_chart(
                data["calibration"]
            )

        work: dict[str, Callable[[], Any]] = {
            "dashboard (home page)": lambda: stats.dashboard(
                session, LOCAL_USER_ID, args.now, default_zone=args.zone
            ),
            "/stats numbers, calibration and charts": stats_page,
        }
        for name, call in work.items():
            call()
            profiler = cProfile.Profile()
            profiler.enable()
            call()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
                r"app/|sqlalchemy/engine/base.py.*execute\(|fetchall|numpy", args.top
            )
            print(f"\n== {name}\n" + out.getvalue().split("\n\n", 2)[-1].rstrip())
    engine.dispose()


if __name__ == "__main__":
    main()
