"""Delivery: fingerprinted static files cached as immutable, others revalidated; gzip."""

from __future__ import annotations

import hashlib
import re

from app.paths import STATIC_DIR

HTML = {"accept": "text/html"}


def _linked(text: str) -> dict[str, str]:
    """Static path -> fingerprint of every stylesheet and script a page links."""
    return dict(re.findall(r'(?:href|src)="/static/([^"?]+)\?v=([0-9a-f]+)"', text))


def test_pages_link_static_files_by_their_content_hash(client):
    linked = _linked(client.get("/", headers=HTML).text)
    assert {"app.css", "charts.css", "app.js", "vendor/htmx.min.js"} <= set(linked)
    for path, fingerprint in linked.items():
        digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()
        assert fingerprint == digest[:12], path
    assert not re.search(r'(?:href|src)="/static/[^"?]+"', client.get("/", headers=HTML).text)


def test_a_fingerprinted_url_is_immutable_and_any_other_revalidates_with_a_304(client):
    url = "/static/app.css?v=" + _linked(client.get("/", headers=HTML).text)["app.css"]
    fresh = client.get(url)
    assert fresh.status_code == 200 and fresh.headers["cache-control"] == (
        "public, max-age=31536000, immutable"
    )
    for other in ("/static/app.css", "/static/app.css?v=000000000000"):
        response = client.get(other)
        assert response.headers["cache-control"] == "no-cache"
        again = client.get(other, headers={"if-none-match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b""


def test_an_edited_file_gets_a_new_fingerprint(tmp_path):
    from app.static_files import FingerprintedStatic

    (tmp_path / "a.css").write_text("body { color: red }")
    clock = [100.0]
    static = FingerprintedStatic(tmp_path, recheck_seconds=1.0, clock=lambda: clock[0])
    before = static.url("a.css")
    (tmp_path / "a.css").write_text("body { color: blue; }")
    clock[0] += 0.5
    assert static.url("a.css") == before  # looked at again only after recheck_seconds
    clock[0] += 0.6
    after = static.url("a.css")
    assert before != after
    digest = hashlib.sha256(b"body { color: blue; }").hexdigest()[:12]
    assert after == f"/static/a.css?v={digest}"


def test_pages_and_assets_are_gzipped_for_a_browser_that_asks_and_plain_otherwise(client):
    for url in ("/", "/static/vendor/htmx.min.js"):
        packed = client.get(url, headers={**HTML, "accept-encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip" and "accept-encoding" in (
            packed.headers["vary"].lower()
        )
        wire = int(packed.headers["content-length"])
        assert wire < len(packed.content) / 2  # httpx decoded it; the wire held under half
        plain = client.get(url, headers={**HTML, "accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == packed.content


def test_every_template_links_static_files_through_static():
    """A bare /static/ link would be revalidated on every visit instead of cached."""
    from app.paths import TEMPLATES_DIR

    bare = [
        f"{path.relative_to(TEMPLATES_DIR)}: {link}"
        for path in sorted(TEMPLATES_DIR.rglob("*.html"))
        for link in re.findall(r'(?:href|src)="/static/[^"]*"', path.read_text("utf-8"))
    ]
    assert bare == []
