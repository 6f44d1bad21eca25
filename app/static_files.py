"""Static files under fingerprinted URLs, so a repeat visit revalidates nothing but the HTML.

Templates link ``{{ static("app.css") }}``, which is ``/static/app.css?v=<content hash>``. A
request carrying the file's current hash is cached for a year as immutable (a changed file gets
a new URL); any other static request (fonts a stylesheet names, an old hash) is ``no-cache``:
the browser revalidates it with its ETag and gets a 304 while it is unchanged.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class FingerprintedStatic(StaticFiles):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory)
        self.root = directory
        # path -> (mtime_ns, size, hash): a file edited while the server runs gets a new hash
        self._hashes: dict[str, tuple[int, int, str]] = {}

    def fingerprint(self, path: str) -> str:
        """The first 12 hex digits of the SHA-256 of the file at ``path`` (under the root)."""
        stat = os.stat(self.root / path)
        known = self._hashes.get(path)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        digest = hashlib.sha256((self.root / path).read_bytes()).hexdigest()[:12]
        self._hashes[path] = (stat.st_mtime_ns, stat.st_size, digest)
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
        current = asked and asked == self.fingerprint(relative)
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
        return response
