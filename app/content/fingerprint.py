"""Whether a start can skip reading the bank: nothing it would read has changed.

A start that finds the same card files, own-card folders and parsing code as the last load,
and the bank's revision where that load left it (no write to cards or topics since, from any
process), has nothing to sync: reading and validating 435 card files was 1.7 s of a 3 s
start (bench/startup.py). Files are compared by path, size and modification time, as make
does; a changed file, a new one or one removed changes the fingerprint.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.cards.bank_cache import bank_revision
from app.config import Settings
from app.content.parse import RENDER_VERSION
from app.models import BankRevision

CODE_DIR = Path(__file__).resolve().parent.parent  # app/: a change of the parser is a change


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(p for p in folder.rglob(pattern) if p.is_file()) if folder.is_dir() else []


def bank_fingerprint(settings: Settings) -> str:
    """A digest of everything a start-up load reads, and of how it would read it."""
    digest = hashlib.sha256(f"{RENDER_VERSION}:{settings.multi_user}\n".encode())
    sources = [
        *_files(settings.content_dir.resolve(), "*"),
        *_files(settings.own_cards_dir.resolve(), "*"),
        *_files(CODE_DIR, "*.py"),  # not __pycache__: compiling must not count as a change
    ]
    for path in sources:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def unchanged_since_last_load(session: Session, fingerprint: str) -> bool:
    row = session.get(BankRevision, 1)
    return row is not None and row.loaded_from == fingerprint and row.loaded_at == row.n


def remember_load(session: Session, fingerprint: str) -> None:
    """After a successful load: its fingerprint and the revision it left the bank at."""
    revision = bank_revision(session)
    session.execute(update(BankRevision).values(loaded_from=fingerprint, loaded_at=revision))
    session.commit()
