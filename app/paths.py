"""Where the app's own files and the user's data live: one rule for a checkout and a wheel.

In a checkout (``make run``, Docker) templates/, static/, content/, migrations/ and alembic.ini
sit next to ``app/`` and data goes to ``./data``. An installed wheel carries the same folders
inside the package, as ``app/_data/`` (setup.py copies them at build time), and keeps data in
the platform's user data folder (platformdirs: ``~/.local/share/dlcards`` on Linux).
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "_data"
INSTALLED = BUNDLED_DIR.is_dir()
FILES_ROOT = BUNDLED_DIR if INSTALLED else PACKAGE_DIR.parent

TEMPLATES_DIR = FILES_ROOT / "templates"
STATIC_DIR = FILES_ROOT / "static"
MIGRATIONS_DIR = FILES_ROOT / "migrations"
ALEMBIC_INI = FILES_ROOT / "alembic.ini"
BANK_DIR = FILES_ROOT / "content"


def default_database_url() -> str:
    """SQLite in ``./data`` of a checkout (relative to where it runs), else the user data folder."""
    if not INSTALLED:
        return "sqlite:///./data/dlcards.db"
    return f"sqlite:///{user_data_path('dlcards', appauthor=False) / 'dlcards.db'}"


def default_content_dir() -> Path:
    return BANK_DIR if INSTALLED else Path("content")
