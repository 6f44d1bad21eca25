"""The container's files: the Dockerfile lints clean, and its start command serves.

The entrypoint script runs outside Docker with the container's environment and a temporary
/data-like folder; tests/test_docker_image.py builds and runs the image itself.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.sqlite_only, pytest.mark.slow]  # the container: a SQLite file on /data


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(os.sys.executable).parent / "hadolint")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "warning", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_non_root_with_data_volume_and_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "USER 10001" in text and 'VOLUME ["/data"]' in text
    assert "DLCARDS_DATABASE_URL=sqlite:////data/dlcards.db" in text
    assert "HEALTHCHECK" in text and "/healthz" in text and "EXPOSE 8000" in text
    assert "127.0.0.1:8000:8000" in (ROOT / "compose.yaml").read_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PATH": f"{Path(os.sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "DLCARDS_DATABASE_URL": f"sqlite:///{data / 'dlcards.db'}",
        "DLCARDS_HOST": "127.0.0.1",  # the container binds 0.0.0.0; a test stays on loopback
        "DLCARDS_PORT": str(port),
    }
    return subprocess.Popen(
        [str(ROOT / "docker" / "entrypoint.sh")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)
    process.stderr.close()


def _health(port: int, process: subprocess.Popen[bytes]) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(process.stderr.read().decode()[-2000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                return json.load(r)
        except OSError:
            time.sleep(0.25)
    pytest.fail("the entrypoint did not serve within 60 s")


def test_entrypoint_serves_and_progress_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    port = _free_port()
    first = _start(data, port)
    try:
        health = _health(port, first)
        assert health["cards"] >= 12 and health["schema_revision"]
    finally:
        _stop(first)
    with sqlite3.connect(data / "dlcards.db") as db:
        card_id = db.execute("SELECT id FROM cards LIMIT 1").fetchone()[0]
        db.execute(
            "INSERT INTO review_logs (user_id, card_id, rating, reviewed_at, kind) "
            "VALUES (1, ?, 3, '2026-01-01 10:00:00', 'learn')",
            (card_id,),
        )
    second = _start(data, port)
    try:
        _health(port, second)
    finally:
        _stop(second)
    with sqlite3.connect(data / "dlcards.db") as db:
        assert db.execute("SELECT count(*) FROM review_logs").fetchone()[0] == 1
