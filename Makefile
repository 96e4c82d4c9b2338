# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test setup messages makemessages migrate demo lint format bench clean conformance

# Development set-up: the runtime pins (requirements.txt, all the Docker image installs) and the dev tools.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed messages

# Compiles every translation catalogue (locale/*/LC_MESSAGES/*.po -> .mo) with Babel: pure Python, so a fresh
# machine needs no gettext. Fuzzy entries are left out, as Django's compilemessages does.
messages: $(VENV)/.installed
	@for po in locale/*/LC_MESSAGES/*.po; do \
	  [ -e "$$po" ] || continue; \
	  $(VENV)/bin/pybabel -q compile -i "$$po" -o "$${po%.po}.mo" || exit 1; \
	done

# Re-extracts the strings marked for translation into locale/es (needs GNU gettext: apt-get install gettext).
# A changed English string comes back fuzzy, and tests/test_translations.py fails until it is translated again.
MAKEMESSAGES = $(PY) manage.py makemessages -l es --add-location=file --no-obsolete --no-wrap \
	-i "tests/*" -i "benchmarks/*" -i "docs/*" -i "staticfiles/*" -i "test-artifacts/*" -i "static/vendor/*"
makemessages: $(VENV)/.installed
	$(MAKEMESSAGES) -d django
	$(MAKEMESSAGES) -d djangojs
	$(MAKE) messages

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# PORT=8001 make run serves on another port; links in e-mails follow it (SITE_URL), unless SITE_URL is set.
PORT ?= 8000
run: demo
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The FHIR conformance tools we did not write (@medplum/core, LHC-Forms), pinned in tests/conformance's lockfile
# and run with the machine's Node; without npm the tests that need them say so (and fail in CI).
CONFORMANCE := tests/conformance/node_modules/.package-lock.json
$(CONFORMANCE): tests/conformance/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the FHIR conformance tests will be skipped (apt-get install nodejs npm)"; fi

conformance: $(CONFORMANCE)

test: setup conformance
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

# The load benchmark on the real stack (benchmarks/README.md): PostgreSQL and Redis must be running.
# Its own database (created when missing) and Redis db, so it never writes into a dev or CI database.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ketamine_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/3
bench: setup
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m benchmarks.load $(BENCH_ARGS)

# Dead code: vulture with pyproject.toml's [tool.vulture] (tests/test_dead_code.py runs the same in the suite).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m tests.test_dead_code

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
