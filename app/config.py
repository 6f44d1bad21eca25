"""Typed settings, read from ``DLCARDS_*`` environment variables and ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from app.paths import default_content_dir, default_database_url

DEFAULT_LEECH_THRESHOLD = 8  # Anki's default: forgotten 8 times, a card needs another approach


class Settings(BaseSettings):
    """Every setting has a default that needs nothing; the README documents each one."""

    model_config = SettingsConfigDict(env_prefix="DLCARDS_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL of the database (default: ./data/dlcards.db in a checkout, "
        "the user data folder when installed).",
    )
    host: str = Field("127.0.0.1", description="Address `dlcards serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `dlcards serve` listens on.")
    content_dir: Path = Field(
        default_factory=default_content_dir,
        description="Folder of the question bank (default: ./content, or the installed bank).",
    )
    user_content_dir: Path | None = Field(
        None,
        description="Folder of users' own card files (default: own-cards/ next to the SQLite "
        "database, else ./data/own-cards); one sub-folder per user id in multi-user mode.",
    )
    timezone: str | None = Field(
        None, description="IANA zone of the study day (default: the machine's local zone)."
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "[::1]"],
        description="Comma-separated Host header values the server answers (DNS-rebinding guard).",
    )
    load_content_on_start: bool = Field(
        True, description="Sync the question bank into the database when the app starts."
    )
    multi_user: bool = Field(
        False, description="Study-group mode: accounts, sign-in required, progress per user."
    )
    signup: bool = Field(
        True, description="In multi-user mode, let visitors create accounts at /signup."
    )
    https: bool = Field(
        False, description="The site is served over HTTPS: session cookies get the Secure flag."
    )
    secret_key: str | None = Field(
        None,
        description="Key that signs session cookies (default: generated once, stored in the DB).",
    )
    session_days: int = Field(
        30, ge=1, le=365, description="Days a sign-in lasts before the user must sign in again."
    )
    leech_threshold: int = Field(
        DEFAULT_LEECH_THRESHOLD, ge=1, le=1000,
        description="Lapses (a review answered Again) after which a card is a leech.",
    )  # fmt: skip
    leech_suspend: bool = Field(
        False, description="Suspend a card when it becomes a leech (else only list it)."
    )
    auto_optimize_every: int = Field(
        500, ge=0, le=1_000_000,
        description=(
            "Re-fit FSRS parameters in the background after this many answers, and a tenth"
            " more than the last fit saw (0: never)."
        ),
    )  # fmt: skip

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @property
    def database_url_shown(self) -> str:
        """The database URL with any password hidden, for start-up messages."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def own_cards_dir(self) -> Path:
        """Where own card files live: the setting, else next to the database (the data volume)."""
        if self.user_content_dir is not None:
            return self.user_content_dir
        database = self.sqlite_path
        return (database.parent if database else Path("data")) / "own-cards"

    @property
    def sqlite_path(self) -> Path | None:
        """The database file when the URL is a file-backed SQLite one."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :])
        return None
