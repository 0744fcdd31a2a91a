#!/usr/bin/env bash
# The production profile on this machine: PostgreSQL, Redis (queue + rate limits), gunicorn
# serving wsgi.py with LEERHUIS_ENV=production, and the Huey worker as a separate process.
#
#   scripts/run_production.sh            # http://127.0.0.1:8000, demo data, Ctrl-C stops all
#   PORT=8100 WORKERS=4 SEED=0 scripts/run_production.sh   (PORT=0: any free port)
#
# Without DATABASE_URL it runs inside a throw-away PostgreSQL cluster (scripts/with_postgres.sh);
# Redis is a private redis-server on a free port unless REDIS_URL is given. Debian's
# redis-server is installed when missing (as root). MAIL_SERVER/MAIL_PORT go to the worker;
# without them mail is written as .eml files. When everything answers it prints one line
# "LEERHUIS READY <url> <redis-url> <database-url>"; exit code 75 means Redis could not be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# with_postgres.sh uses PORT for its own cluster: keep ours under another name.
export PROFILE_PORT=${PROFILE_PORT:-${PORT:-8000}}
if [ -z "${DATABASE_URL:-}" ] && [ -z "${TEST_DATABASE_URL:-}" ]; then
  exec scripts/with_postgres.sh "$0" "$@"
fi

if ! command -v redis-server >/dev/null 2>&1 && [ -z "${REDIS_URL:-}" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Debian-pakket redis-server installeren" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -qq redis-server >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }; } || true
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server ontbreekt en kon niet worden geïnstalleerd (apt-get install redis-server)." >&2
    exit 75
  fi
fi

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WORKERS=${WORKERS:-2}
RUN=$(mktemp -d /tmp/leerhuis-prod-XXXXXX)
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  # A database of our own on the throw-away cluster (its name settable, so that two test
  # workers sharing one cluster each get their own).
  PRODUCTION_DATABASE=${PRODUCTION_DATABASE:-leerhuis_production}
  DATABASE_URL="${TEST_DATABASE_URL%/*}/$PRODUCTION_DATABASE"
  .venv/bin/python - "$TEST_DATABASE_URL" "$PRODUCTION_DATABASE" <<'EOF'
import sys
import sqlalchemy as sa
engine = sa.create_engine(sys.argv[1].replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}"'))
    conn.execute(sa.text(f'CREATE DATABASE "{sys.argv[2]}"'))
EOF
fi

if [ -z "${REDIS_URL:-}" ]; then
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$RUN" --logfile "$RUN/redis.log" &
  PIDS+=($!)
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  for _ in $(seq 50); do
    .venv/bin/python -c "import redis,sys; redis.Redis.from_url(sys.argv[1]).ping()" "$REDIS_URL" \
      2>/dev/null && break
    sleep 0.1
  done
fi

# PORT=0: a free port, picked now that PostgreSQL and Redis have taken theirs.
PORT=$PROFILE_PORT
if [ "$PORT" = 0 ]; then PORT=$(free_port); fi
export LEERHUIS_ENV=production
export DATABASE_URL REDIS_URL
export SECRET_KEY=${SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}
export BASE_URL=${BASE_URL:-http://127.0.0.1:$PORT}
export CERTIFICATE_DIR=${CERTIFICATE_DIR:-$RUN/certificates}
export UPLOAD_DIR=${UPLOAD_DIR:-$RUN/uploads}
export MAIL_FILE_DIR=${MAIL_FILE_DIR:-$RUN/mail}
# The queue is Redis here, never the embedded SQLite or the tests' in-memory one.
export LEERHUIS_HUEY=

.venv/bin/flask --app leerhuis db upgrade >/dev/null
if [ "${SEED:-1}" = "1" ]; then .venv/bin/flask --app leerhuis seed-demo >/dev/null; fi

.venv/bin/huey_consumer leerhuis.tasks.huey --workers 2 --worker-type thread --quiet >&2 &
PIDS+=($!)
.venv/bin/gunicorn --config gunicorn.conf.py --workers "$WORKERS" --bind "127.0.0.1:$PORT" \
  --log-level warning --chdir "$ROOT" wsgi:app &
PIDS+=($!)

for _ in $(seq 900); do
  if .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
      "http://127.0.0.1:$PORT/" 2>/dev/null; then
    echo "LEERHUIS READY http://127.0.0.1:$PORT $REDIS_URL $DATABASE_URL"
    break
  fi
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "Een proces van het productieprofiel stopte." >&2; exit 1; }
  done
  sleep 0.2
done
echo "Regionaal Leerhuis (productieprofiel): http://127.0.0.1:$PORT — gunicorn $WORKERS workers, Huey-worker, Redis $REDIS_URL, PostgreSQL. Ctrl-C stopt alles." >&2
wait -n "${PIDS[@]}"
