"""The built wheel runs anywhere: installed into a fresh venv outside the checkout, started from
another folder, it serves pages, demos and static files, and keeps its data in the user data
folder (platformdirs), not in the working directory."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (built,) = out.glob("dlcards-*.whl")
    return built


def test_the_wheel_carries_what_the_app_reads(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "app/_data/alembic.ini",
        "app/_data/templates/base.html",
        "app/_data/static/app.css",
        "app/_data/content/topics.yaml",
        "app/_data/migrations/env.py",
        "app/paths.py",
    ):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "bench/")) for n in names)


def test_installed_wheel_serves_from_any_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # The dependencies come from this test environment (a path line, so its editable install
    # of the checkout is not activated); the app itself only from the wheel.
    ask = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(
        subprocess.check_output([str(venv / "bin" / "python"), "-c", ask], text=True).strip()
    )
    (site / "deps-of-the-test.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    elsewhere, home = tmp_path / "elsewhere", tmp_path / "home"
    elsewhere.mkdir()
    home.mkdir()
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DLCARDS_", "VIRTUAL_ENV"))
    }
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    server = subprocess.Popen(
        [str(venv / "bin" / "dlcards"), "serve", "--port", str(port)],
        cwd=elsewhere, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the installed server did not start"
                time.sleep(0.3)
        assert health.status_code == 200 and health.json()["cards"] > 100
        card = httpx.get(f"{base}/cards/kv-cache?reveal=true", timeout=10)
        assert card.status_code == 200 and "KV cache" in card.text
        demo = httpx.get(f"{base}/demos/attention", timeout=10)
        assert demo.status_code == 200 and "<svg" in demo.text
        css = httpx.get(f"{base}/static/app.css", timeout=10)
        assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    database = home / ".local" / "share" / "dlcards" / "dlcards.db"
    assert database.is_file(), output
    assert f"database: sqlite:///{database}" in output
    assert not (elsewhere / "data").exists()  # nothing written where it was started
    installed = next((venv / "lib").glob("python3*/site-packages/app/__init__.py"))
    assert "/venv/" in str(installed)
