"""Every setting is documented in the README's configuration table, with its default."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def test_every_setting_has_a_row_in_the_readme() -> None:
    for name in Settings.model_fields:
        assert f"| `DLCARDS_{name.upper()}` |" in README, f"DLCARDS_{name.upper()} undocumented"


def test_defaults_need_nothing(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(f"DLCARDS_{name.upper()}", raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///./data/dlcards.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert "127.0.0.1" in settings.allowed_hosts and "localhost" in settings.allowed_hosts


def test_allowed_hosts_from_comma_separated_env(monkeypatch) -> None:
    monkeypatch.setenv("DLCARDS_ALLOWED_HOSTS", "example.test, 10.0.0.5")
    assert Settings(_env_file=None).allowed_hosts == ["example.test", "10.0.0.5"]
