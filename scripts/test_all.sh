#!/usr/bin/env bash
# Lint, then the whole suite on SQLite, then on a throw-away PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff"
.venv/bin/ruff check leerhuis tests bench scripts
echo "== import contracts"
.venv/bin/lint-imports
echo "== mypy (models, services)"
.venv/bin/mypy
echo "== SQLite"
.venv/bin/python -m pytest -n 2 -q
echo "== PostgreSQL"
scripts/with_postgres.sh .venv/bin/python -m pytest -n 2 -q
