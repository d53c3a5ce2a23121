#!/usr/bin/env bash
# Prints a connection URL of a PostgreSQL server for the registry's pg conformance tests.
#
#   export TINYLLM_TEST_PG_URL=$(bash packages/registry/scripts/ensure-postgres.sh)
#
# If TINYLLM_TEST_PG_URL is already set it is printed as is. Otherwise a throwaway cluster is
# initialized in a temp directory owned by the `postgres` user (initdb refuses to run as root),
# started on 127.0.0.1 on a free port (54329 upwards), and a database is created. Everything but
# the URL goes to stderr, so the output can be captured. Stop it with:
#   su postgres -c "pg_ctl -D <data dir printed on stderr> stop"
set -euo pipefail

if [[ -n "${TINYLLM_TEST_PG_URL:-}" ]]; then
  echo "$TINYLLM_TEST_PG_URL"
  exit 0
fi

log() { echo "ensure-postgres: $*" >&2; }

find_bindir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/initdb" ]]; then echo "$dir"; fi
  done | sort -V | tail -n 1
}

BINDIR="$(find_bindir || true)"
if [[ -z "$BINDIR" ]]; then
  log "PostgreSQL not found; installing it with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BINDIR="$(find_bindir)"
fi

if ! id postgres >/dev/null 2>&1; then
  useradd --system --create-home --shell /bin/bash postgres
fi

port_free() { ! (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT="${TINYLLM_TEST_PG_PORT:-54329}"
while ! port_free "$PORT"; do PORT=$((PORT + 1)); done

BASE="$(mktemp -d "${TMPDIR:-/tmp}/tinyllm-pg.XXXXXX")"
DATA="$BASE/data"
chown postgres:postgres "$BASE"
chmod 700 "$BASE"
as_postgres() { su postgres -s /bin/bash -c "$*"; }

log "initializing a cluster in $DATA"
as_postgres "'$BINDIR/initdb' -D '$DATA' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8" >&2 \
  || as_postgres "'$BINDIR/initdb' -D '$DATA' -U postgres --auth=trust --encoding=UTF8 --no-locale" >&2
log "starting on 127.0.0.1:$PORT"
as_postgres "'$BINDIR/pg_ctl' -D '$DATA' -l '$BASE/server.log' -w -t 60 -o \"-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories='$BASE' -c fsync=off -c max_connections=100\" start" >&2
as_postgres "'$BINDIR/createdb' -h 127.0.0.1 -p $PORT -U postgres tinyllm_test" >&2
log "data directory: $DATA"
echo "postgres://postgres@127.0.0.1:$PORT/tinyllm_test"
