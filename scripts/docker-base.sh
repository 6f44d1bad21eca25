#!/usr/bin/env bash
# Build a stand-in for the python:3.11-slim base image from Debian's own packages and tag it as
# such, for machines that reach Debian's mirror and PyPI but no container registry (CI here).
# The project's Dockerfile then builds unchanged. The machine's CA bundle goes into the image,
# with a pip.conf that trusts it, so pip inside the build trusts what pip outside trusts.
set -euo pipefail
TAG=${1:-python:3.11-slim}
if docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "base image $TAG already present"
  exit 0
fi
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$(mktemp -d /tmp/dlcards-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
  bookworm "$root" "$MIRROR" >/dev/null
bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
install -D -m 0644 "$bundle" "$root/usr/local/share/ca-certificates/build-machine.crt"
cp "$bundle" "$root/etc/ssl/certs/ca-certificates.crt"
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$root/etc/pip.conf"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
chmod 755 "$root"  # mktemp made it 700: as the image's / it would lock every non-root user out
tar -C "$root" -c . | docker import - "$TAG" >/dev/null
echo "built stand-in base image $TAG ($(docker image inspect -f '{{.Size}}' "$TAG") bytes)"
