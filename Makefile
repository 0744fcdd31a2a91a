# Two commands for a fresh machine: `make run` and `make test`.
# Everything goes into .venv; Debian packages are installed when missing (as root).

# The interpreter .venv is made from: Debian's optimised build when there is one (see the script).
PYTHON ?= $(or $(shell bash scripts/pick_python.sh),python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5000
STAMP := $(VENV)/.installed
export LEERHUIS_HUEY ?=

.PHONY: run prod test test-sqlite test-postgres bench install lock system-packages assets translations messages migrate seed lint clean

install: $(STAMP) system-packages assets translations

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Exactly the versions and files in requirements.lock (hash-checked), then the portal itself
# without dependencies (they are all in the lock) and with the locked build backend.
$(STAMP): requirements.lock pyproject.toml $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e '.[redis,test,demo]'
	@# deduce builds its lookup cache on first use (~70 s); build it once here, because two
	@# test workers building it at the same time write a corrupt pickle.
	$(PY) -c 'from deduce import Deduce; Deduce()'
	touch $(STAMP)

# requirements.lock from pyproject.toml's ranges (.[redis,test,demo]) and build-requirements.in, for
# CPython 3.11 on Linux x86_64. Keeps every pin that still fits; `make lock UPGRADE=1` moves
# each package to its newest allowed release, `make lock UPGRADE=flask` only that one.
LOCK_TOOLS := .venv-lock
lock:
	@test -x $(LOCK_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_TOOLS) && \
		$(LOCK_TOOLS)/bin/pip install --quiet pip-tools; }
	$(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --extra redis --extra test --extra demo \
		$(if $(filter 1,$(UPGRADE)),--upgrade,$(if $(UPGRADE),--upgrade-package $(UPGRADE))) \
		-o requirements.lock pyproject.toml build-requirements.in

system-packages:
	@scripts/system_packages.sh

assets:
	@scripts/build_assets.sh

translations: $(STAMP)
	@if ls leerhuis/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(VENV)/bin/pybabel compile -d leerhuis/translations >/dev/null; fi

# Re-extract every translatable string and merge it into the catalogues; then translate what
# is new in leerhuis/translations/en/LC_MESSAGES/messages.po (tests/test_translations.py
# lists what is missing).
messages: $(STAMP)
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		--no-location --sort-output --omit-header -o leerhuis/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i leerhuis/translations/messages.pot -d leerhuis/translations \
		--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	@$(MAKE) --no-print-directory translations

migrate: install
	$(VENV)/bin/flask --app leerhuis db upgrade

seed: migrate
	$(VENV)/bin/flask --app leerhuis seed-demo

run: seed
	@scripts/run_dev.sh $(PORT)

# The production profile locally: PostgreSQL, Redis, gunicorn (wsgi.py) and the Huey worker.
prod: install
	@PORT=$(PORT) scripts/run_production.sh

test: install
	@scripts/test_all.sh

test-sqlite: install
	$(PY) -m pytest -n 2 -q

test-postgres: install
	@scripts/with_postgres.sh $(PY) -m pytest -n 2 -q

bench: install
	@scripts/with_postgres.sh $(PY) -m bench

lint: install
	$(VENV)/bin/ruff check leerhuis tests bench scripts

clean:
	rm -rf $(VENV) $(LOCK_TOOLS) leerhuis/static/vendor node_modules
