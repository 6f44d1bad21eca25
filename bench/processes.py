"""Several ``dlcards serve`` processes against one database, and the grading race between them.

Used by tests/accounts/test_processes.py (is anything lost?) and bench/group_bench.py (how
fast?). Each client alternates its requests between the processes, and retries every fourth
answer on the other process, so idempotence and shared sessions are exercised across them.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(env: dict[str, str], log: Path, workers: int) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "app", "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start in time: {log.read_text()[-3000:]}")


@contextmanager
def app_processes(
    database_url: str, count: int, logs: Path, *, workers: int = 1, **settings: str
) -> Iterator[list[str]]:
    """Start ``count`` servers on free ports sharing ``database_url``; yield their base URLs.

    ``settings`` become DLCARDS_* variables (e.g. multi_user="true"); server output goes to
    ``logs/server-<i>.log``.
    """
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DLCARDS_DATABASE_URL": database_url,
        "DLCARDS_TIMEZONE": "UTC",
        **{f"DLCARDS_{name.upper()}": value for name, value in settings.items()},
    }
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        bases = [
            stack.enter_context(_server(env, logs / f"server-{i}.log", workers))
            for i in range(count)
        ]
        yield bases


@dataclass
class RaceResult:
    """What the clients saw: answers acknowledged per account, and anything that went wrong."""

    acknowledged: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"next": [], "review": []})
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: float = 0.0  # set once every client has signed in
    seconds: float = 0.0  # how long the grading ran

    def ack(self, account: str) -> None:
        with self.lock:
            self.acknowledged[account] = self.acknowledged.get(account, 0) + 1


def sign_in(http: httpx.Client, base: str, name: str, password: str) -> str | None:
    """Sign the client in (its cookie jar keeps the session); a failure's description."""
    response = http.post(f"{base}/login", data={"name": name, "password": password})
    return None if response.status_code == 303 else f"sign-in {name} {response.status_code}"


def _client(
    bases: list[str],
    account: tuple[str, str] | None,
    worker: int,
    ready: threading.Barrier,
    result: RaceResult,
    card_ids: list[str],
    retries: bool,
) -> None:
    rng = random.Random(worker)
    name = account[0] if account else "local"
    n = 0
    with httpx.Client(timeout=60) as signing:
        failure = sign_in(signing, bases[worker % len(bases)], *account) if account else None
        cookies = signing.cookies
    ready.wait()  # grading starts when every client has signed in
    if failure:
        result.failures.append(failure)
        return
    # A fresh connection pool: the server may have closed the idle keep-alive connections
    # while the other clients were signing in.
    with httpx.Client(timeout=60, cookies=cookies) as http:
        while time.monotonic() < result.stop:
            base = bases[n % len(bases)]
            other = bases[(n + 1) % len(bases)]
            started = time.perf_counter()
            shown = http.get(f"{base}/api/study/next", params={"ahead": "1"})
            result.latencies["next"].append(time.perf_counter() - started)
            if shown.status_code != 200:
                result.failures.append(f"next {shown.status_code} {shown.text[:200]}")
                n += 1
                continue
            card = shown.json()["card"]
            body = {
                "card_id": card["id"] if card else rng.choice(card_ids),
                "rating": rng.randint(1, 4),
                "review_token": shown.json()["review_token"] if card else f"w{worker}-{n}",
                "duration_ms": rng.randint(500, 9000),
            }
            # Every fourth answer is sent again to the other process, as a retry would be.
            for attempt, target in enumerate([other, base][: 2 if retries and n % 4 == 0 else 1]):
                started = time.perf_counter()
                response = http.post(f"{target}/api/reviews", json=body)
                result.latencies["review"].append(time.perf_counter() - started)
                if response.status_code != 200:
                    result.failures.append(f"review {response.status_code} {response.text[:200]}")
                elif response.json()["duplicate"] != (attempt == 1):
                    result.failures.append(f"{body['review_token']}: duplicate flag wrong")
                elif attempt == 0:
                    result.ack(name)
            n += 1


def grading_race(
    bases: list[str],
    seconds: float,
    card_ids: list[str],
    *,
    clients: int = 8,
    accounts: list[tuple[str, str]] | None = None,
    retries: bool = True,
) -> RaceResult:
    """``clients`` threads grade for ``seconds``; client i acts as ``accounts[i % len]``."""
    result = RaceResult()

    def start_clock() -> None:
        result.stop = time.monotonic() + seconds

    ready = threading.Barrier(clients, action=start_clock)
    threads = [
        threading.Thread(
            target=_client,
            args=(bases, accounts[i % len(accounts)] if accounts else None, i, ready, result,
                  card_ids, retries),
        )  # fmt: skip
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 300)
    result.seconds = seconds
    return result
