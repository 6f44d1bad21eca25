#!/bin/sh
# Container start: migrate the database on the volume, load the bank, serve.
# The tests run this same script outside Docker with a temporary data folder.
set -eu
exec python -m app serve "$@"
