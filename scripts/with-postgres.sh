#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster: initdb into a temp folder, start it on a
# free port as the postgres user, export DLCARDS_TEST_POSTGRES_URL, run the command, stop the
# cluster and remove it, and exit with the command's exit code.
#   scripts/with-postgres.sh make test
set -uo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$pg_bin" ]]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cluster=$(mktemp -d /tmp/dlcards-pg.XXXXXX)
chown postgres:postgres "$cluster"
as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

as_postgres "$pg_bin/initdb" -D "$cluster/data" -U postgres -A trust >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$cluster/data" -o "-p $port -k $cluster -c listen_addresses=127.0.0.1" \
  -l "$cluster/log" -w start >/dev/null
stop() {
  as_postgres "$pg_bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null
  rm -rf "$cluster"
}
trap stop EXIT

export DLCARDS_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on port $port"
"$@"
status=$?
exit $status
