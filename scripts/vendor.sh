#!/usr/bin/env bash
# Reproduce static/vendor/ from the npm registry at pinned versions, and verify every file
# against static/vendor/SHA256SUMS. Exit 1 on any mismatch.
#   scripts/vendor.sh           fetch and verify
#   scripts/vendor.sh --update  fetch and rewrite SHA256SUMS (after changing a version)
set -euo pipefail

HTMX_VERSION=2.0.11
KATEX_VERSION=0.16.47
SWAGGER_UI_VERSION=5.35.0
AXE_VERSION=4.14.1

root=$(cd "$(dirname "$0")/.." && pwd)
vendor="$root/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch NAME@VERSION into $work/NAME
  local spec=$1 dir=$2
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$work/$dir"
  tar -xzf "$work"/*.tgz -C "$work/$dir" --strip-components=1
  rm "$work"/*.tgz
}

fetch "htmx.org@$HTMX_VERSION" htmx
fetch "katex@$KATEX_VERSION" katex
fetch "swagger-ui-dist@$SWAGGER_UI_VERSION" swagger
fetch "axe-core@$AXE_VERSION" axe

out="$work/out"
mkdir -p "$out/katex/fonts" "$out/swagger-ui" "$out/licenses" "$out/test"
cp "$work/htmx/dist/htmx.min.js" "$out/htmx.min.js"
cp "$work/htmx/LICENSE" "$out/licenses/htmx-LICENSE"
cp "$work/katex/dist/katex.min.js" "$work/katex/dist/katex.min.css" "$out/katex/"
cp "$work/katex/dist/fonts/"*.woff2 "$out/katex/fonts/"
cp "$work/katex/LICENSE" "$out/licenses/katex-LICENSE"
cp "$work/swagger/swagger-ui-bundle.js" "$work/swagger/swagger-ui.css" "$out/swagger-ui/"
cp "$work/swagger/LICENSE" "$out/licenses/swagger-ui-LICENSE"
# axe-core is used by the browser tests only; it is never loaded by a page.
cp "$work/axe/axe.min.js" "$out/test/axe.min.js"
cp "$work/axe/LICENSE" "$out/licenses/axe-core-LICENSE"
# KaTeX's CSS lists woff, woff2 and ttf fonts; browsers take the first format they support,
# woff2, so only those are shipped.
cat > "$out/VERSIONS" <<VERSIONS
htmx.org $HTMX_VERSION (BSD-2-Clause; dist/htmx.min.js)
katex $KATEX_VERSION (MIT; dist/katex.min.js, dist/katex.min.css, dist/fonts/*.woff2)
swagger-ui-dist $SWAGGER_UI_VERSION (Apache-2.0; swagger-ui-bundle.js, swagger-ui.css)
axe-core $AXE_VERSION (MPL-2.0; axe.min.js, browser tests only)
VERSIONS

(cd "$out" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum) > "$work/SHA256SUMS"

if [[ "${1:-}" == "--update" ]]; then
  rm -rf "$vendor" && mkdir -p "$vendor"
  cp -r "$out"/. "$vendor/"
  cp "$work/SHA256SUMS" "$vendor/SHA256SUMS"
  echo "static/vendor updated; review and commit SHA256SUMS."
  exit 0
fi

if ! diff -u "$vendor/SHA256SUMS" "$work/SHA256SUMS"; then
  echo "checksum mismatch between the registry and static/vendor/SHA256SUMS" >&2
  exit 1
fi
rm -rf "$vendor" && mkdir -p "$vendor"
cp -r "$out"/. "$vendor/"
cp "$work/SHA256SUMS" "$vendor/SHA256SUMS"
(cd "$vendor" && sha256sum --quiet -c SHA256SUMS)
echo "static/vendor matches SHA256SUMS."
