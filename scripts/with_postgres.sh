#!/usr/bin/env bash
# Run a command with TEST_DATABASE_URL (and BENCH_DATABASE_SERVER) pointing at a throw-away
# PostgreSQL cluster in a temporary directory on a free port; always stopped afterwards.
set -euo pipefail
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "WAARSCHUWING: geen PostgreSQL gevonden; '$*' draait zonder PostgreSQL." >&2
  exec "$@"
fi
DIR=$(mktemp -d /tmp/leerhuis-pg-XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AS=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$DIR"; AS=(runuser -u postgres --); fi
cleanup() {
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
"${AS[@]}" "$PG_BIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
"${AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -w -l "$DIR/log" -o \
  "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null
export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
export BENCH_DATABASE_SERVER="$TEST_DATABASE_URL"
"$@"
