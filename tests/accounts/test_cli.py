"""``dlcards users add``: the password from standard input, then sign-in works."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app


def _env(settings) -> dict[str, str]:
    return {
        "DLCARDS_DATABASE_URL": settings.database_url,
        "DLCARDS_CONTENT_DIR": str(settings.content_dir),
    }


def test_users_add_reads_the_password_from_stdin(group_settings) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["users", "add", "grace"], input="a long password\n", env=_env(group_settings)
    )
    assert result.exit_code == 0, result.output
    assert "created account 'grace'" in result.output
    again = runner.invoke(
        cli, ["users", "add", "Grace"], input="another password\n", env=_env(group_settings)
    )
    assert again.exit_code == 1 and "is taken" in again.output
    short = runner.invoke(cli, ["users", "add", "bob"], input="short\n", env=_env(group_settings))
    assert short.exit_code == 1 and "at least 8" in short.output
    with TestClient(create_app(group_settings), follow_redirects=False) as client:
        response = client.post("/login", data={"name": "grace", "password": "a long password"})
        assert response.status_code == 303
