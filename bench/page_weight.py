"""What a first visit to a card page downloads, gzip-compressed, and what a repeat visit asks.

Fetches the page from the live server, then every stylesheet and script it links; sizes are
gzip level 6, as a reverse proxy or browser cache would hold them. KaTeX's fonts load only when
a page shows math, so they are listed apart. A repeat visit sends the ETag of each asset; the
fingerprinted ones are immutable, so a browser does not ask at all.
Usage: python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import re
import urllib.request

from serve import ROOT, running_server


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), dict(response.headers)


def main() -> None:
    card = sorted((ROOT / "content" / "training").glob("*.md"))[0].stem
    with running_server() as base:
        html, _ = fetch(f"{base}/cards/{card}?reveal=true")
        assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
        rows = [("page HTML", len(html), len(gzip.compress(html, 6)), "revalidated")]
        for asset in assets:
            body, headers = fetch(base + asset.decode())
            cache = headers.get("cache-control", "")
            rows.append((asset.decode(), len(body), len(gzip.compress(body, 6)), cache))
        fonts = sorted((ROOT / "static" / "vendor" / "katex" / "fonts").glob("*.woff2"))
    print(f"{'file':<58} {'bytes':>9} {'gzip':>9}  cache-control")
    for name, raw, packed, cache in rows:
        print(f"{name:<58} {raw:>9} {packed:>9}  {cache}")
    total = sum(packed for _, _, packed, _ in rows)
    print(f"{'total, compressed':<58} {'':>9} {total:>9}  ({total / 1024:.1f} KiB)")
    woff2 = sum(f.stat().st_size for f in fonts)
    print(f"KaTeX fonts on demand: {len(fonts)} woff2 files, {woff2 / 1024:.1f} KiB in all")


if __name__ == "__main__":
    main()
