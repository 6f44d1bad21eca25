"""Vendored front-end files are exactly the pinned, checksummed ones, with their licences."""

from __future__ import annotations

import hashlib
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor"


def _sums() -> dict[str, str]:
    sums = {}
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.removeprefix("./")] = digest
    return sums


def test_every_vendored_file_matches_its_checksum() -> None:
    for name, digest in _sums().items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_every_vendored_file_is_listed() -> None:
    on_disk = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()}
    assert on_disk - {"SHA256SUMS"} == set(_sums())


def test_licences_and_versions_are_shipped() -> None:
    licences = {p.name for p in (VENDOR / "licenses").iterdir()}
    assert {"htmx-LICENSE", "katex-LICENSE", "swagger-ui-LICENSE", "axe-core-LICENSE"} <= licences
    versions = (VENDOR / "VERSIONS").read_text()
    assert "htmx.org 2.0." in versions and "katex 0.16." in versions


def test_katex_fonts_are_local() -> None:
    css = (VENDOR / "katex" / "katex.min.css").read_text()
    assert "url(fonts/KaTeX_Main-Regular.woff2)" in css and "http" not in css
