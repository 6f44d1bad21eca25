"""A bounded schemathesis run over /openapi.json against a real uvicorn: no input is a 500.

Examples, fuzzing and the stateful phase (links between operations), 10 examples per operation,
on the suite's database (a SQLite file, or PostgreSQL in that run). The coverage phase is left
out: on Python 3.11 it crashes inside hypothesis's lambda inspection, not in this app.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import Settings
from app.main import create_app
from tests.servers import running

pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).with_name("st")


@pytest.mark.skipif(
    not SCHEMATHESIS.exists() and shutil.which("st") is None,
    reason="schemathesis is not installed (pip install -e '.[test]')",
)
def test_no_generated_request_gets_a_server_error(settings: Settings) -> None:
    with running(create_app(settings)) as url:
        result = subprocess.run(
            [
                str(SCHEMATHESIS if SCHEMATHESIS.exists() else "st"),
                "run",
                f"{url}/openapi.json",
                "--checks", "not_a_server_error",
                "--phases", "examples,fuzzing,stateful",
                "--max-examples", "10",
                "--request-timeout", "20",
                "--seed", "20261202",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
