"""Static files under fingerprinted URLs, so a repeat visit revalidates nothing but the HTML.

Templates link ``{{ static("app.css") }}``, which is ``/static/app.css?v=<content hash>``. A
request carrying the file's current hash is cached for a year as immutable (a changed file gets
a new URL); any other static request (fonts a stylesheet names, an old hash) is ``no-cache``:
the browser revalidates it with its ETag and gets a 304 while it is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class FingerprintedStatic(StaticFiles):
    def __init__(
        self,
        directory: Path,
        recheck_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(directory=directory)
        self.root = directory
        self.recheck_seconds = recheck_seconds
        self._clock = clock
        # path -> (checked at, mtime_ns, size, hash): a page links a dozen files, and a stat of
        # each on every page was a tenth of a card page's time, so a file is looked at again
        # only after ``recheck_seconds``; a file edited while the server runs gets a new hash.
        self._hashes: dict[str, tuple[float, int, int, str]] = {}

    def fingerprint(self, path: str, stat: os.stat_result | None = None) -> str:
        """The first 12 hex digits of the SHA-256 of the file at ``path`` (under the root).

        Given the file's ``stat`` (a file being served), it is checked against it at once.
        """
        now = self._clock()
        known = self._hashes.get(path)
        if stat is None and known and now - known[0] < self.recheck_seconds:
            return known[3]
        stat = stat or os.stat(self.root / path)
        if known and known[1:3] == (stat.st_mtime_ns, stat.st_size):
            digest = known[3]
        else:
            digest = hashlib.sha256((self.root / path).read_bytes()).hexdigest()[:12]
        self._hashes[path] = (now, stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def url(self, path: str) -> str:
        """The URL a template links: ``/static/<path>?v=<fingerprint>``."""
        return f"/static/{path}?v={self.fingerprint(path)}"

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        relative = Path(full_path).resolve().relative_to(self.root.resolve()).as_posix()
        current = asked and asked == self.fingerprint(relative, stat_result)
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
        return response
