"""Start the real app under uvicorn on a free port with a temporary database (for benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(
    database_url: str | None = None, workers: int = 1, *, load_content: bool = True
) -> Iterator[str]:
    """Yield the base URL of `dlcards serve` running on a free port; stop it afterwards.

    ``load_content=False`` serves the database as it is (a bench/study_generate database, whose
    generated cards are not files)."""
    with server_process(database_url, workers, load_content=load_content) as (base, _process):
        yield base


@contextmanager
def server_process(
    database_url: str | None = None, workers: int = 1, *, load_content: bool = True
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As ``running_server``, with the server's process (to profile it)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        # Bytecode is kept as on a user's machine (a shell that sets PYTHONDONTWRITEBYTECODE
        # would make every start compile the whole app again, half a second of it).
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "DLCARDS_DATABASE_URL": database_url or f"sqlite:///{tmp}/bench.db",
            "DLCARDS_PORT": str(port),
            "DLCARDS_CONTENT_DIR": str(ROOT / "content"),
            "PYTHONPATH": str(ROOT),
            "DLCARDS_LOAD_CONTENT_ON_START": str(load_content).lower(),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, process)
            yield base, process
        finally:
            process.terminate()
            process.wait(timeout=10)
            process.stderr.close()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start in time")
