#!/usr/bin/env bash
# The portal on http://127.0.0.1:$1 with the mail/background worker beside it; Ctrl-C stops both.
set -euo pipefail
PORT=${1:-5000}
.venv/bin/huey_consumer leerhuis.tasks.huey --workers 2 --worker-type thread --quiet &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "Regionaal Leerhuis: http://127.0.0.1:$PORT (demo-accounts staan in README.md)"
.venv/bin/flask --app wsgi run --host 127.0.0.1 --port "$PORT"
