"""compose.yaml's postgres profile: a PostgreSQL service with a volume and a health check,
and the app in several replicas against it (the same `serve` the process tests start)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_postgres_profile_has_a_healthy_database_and_replicas() -> None:
    services = COMPOSE["services"]
    postgres, group = services["postgres"], services["group"]
    assert postgres["profiles"] == group["profiles"] == ["postgres"]
    assert "profiles" not in services["dlcards"]  # plain `docker compose up` is unchanged
    assert postgres["volumes"][0].split(":")[0] in COMPOSE["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert group["deploy"]["replicas"] >= 2
    assert group["depends_on"]["postgres"]["condition"] == "service_healthy"
    env = group["environment"]
    assert env["DLCARDS_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["DLCARDS_MULTI_USER"] == "true"
    assert group["command"][:1] == ["--workers"]


def _compose_command() -> list[str] | None:
    """`docker compose` (the plugin) or Debian's `docker-compose`, whichever is installed."""
    if shutil.which("docker") and subprocess.run(
        ["docker", "compose", "version"], capture_output=True
    ).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(_compose_command() is None, reason="no compose tool is installed")
def test_docker_compose_accepts_the_file() -> None:
    result = subprocess.run(
        [*(_compose_command() or []), "--profile", "postgres", "config", "--quiet"],
        cwd=ROOT, capture_output=True, text=True,
        env={"DLCARDS_POSTGRES_PASSWORD": "example", "PATH": "/usr/bin:/usr/local/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
