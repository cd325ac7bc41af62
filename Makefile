# Concord: `make demo` runs the demo partnership, `make test` runs the whole suite,
# `make pin-queries` rewrites the generic tests' pinned query counts to what the lists now cost.
# Everything is installed into .venv and node_modules by these targets themselves.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONCORD := $(BIN)/concord
HOST ?= 127.0.0.1:8000

.PHONY: demo demo-sso test install static lint typecheck migrations-check pytest pin-queries bench serve clean

# With no CONCORD_ENV Concord runs as production and refuses to start without a secret key and
# host names (concord/settings.py). These targets are the developer's: they ask for development.
demo demo-sso serve bench pytest pin-queries migrations-check typecheck: export CONCORD_ENV = development

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,redis]'
	touch $@

install: $(VENV)/.installed node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.built: node_modules/.installed scripts/build-static.mjs
	node scripts/build-static.mjs
	touch $@

static: static/vendor/.built

demo: install static
	mkdir -p var
	$(CONCORD) migrate --no-input
	$(CONCORD) demo
	$(if $(SSO),$(CONCORD) demo-sso --site http://$(HOST) & ,)$(CONCORD) serve $(HOST)

# Single sign-on in the demo: loopback OpenID providers for the demo's councils (docs/identity.md).
# Run beside `make demo` (or `make serve`) in another terminal, or start both: `make demo SSO=1`.
demo-sso: install
	$(CONCORD) demo-sso --site http://$(HOST)

serve: install static
	$(CONCORD) serve $(HOST)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

migrations-check: install
	env -u DATABASE_URL $(CONCORD) makemigrations --check --dry-run

# The whole suite runs on SQLite, then again on PostgreSQL when DATABASE_URL names one. Two
# kinds of test are about something other than the database and take minutes, so they run once:
# on PostgreSQL when the suite runs there too, else on SQLite. They are the schema fuzz run
# (marked fuzz: the API's answers against its schema), scim2-tester's whole check of the SCIM
# endpoint (marked scim: the protocol's answers) and the browser tests (marked browser:
# chromium driving pages, axe's accessibility rules, htmx). What each page and endpoint reads
# and writes runs on both databases in the families' tests without a browser.
# Each run is spread over the machine's cores by pytest-xdist, each worker with a test database
# of its own; a worker that runs out of tests takes some of another's (--dist worksteal), so
# that the long tests do not leave one core idle at the end. `make pytest PYTEST_WORKERS=0`
# runs everything in one process.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=10
pytest: install static
	@case "$$DATABASE_URL" in \
	  postgres://*|postgresql://*) \
	    env -u DATABASE_URL $(PYTEST) -m "not fuzz and not browser and not scim" && \
	    echo "== again on PostgreSQL, with the schema fuzz run and the browser tests" && $(PYTEST) ;; \
	  "") $(PYTEST) ;; \
	  *) echo "DATABASE_URL names no PostgreSQL database; the suite runs on SQLite only"; \
	    env -u DATABASE_URL $(PYTEST) ;; \
	esac

test: lint typecheck migrations-check pytest

# The families' pinned query counts (list_queries, api_list_queries in each app's
# tests/test_generic.py) rewritten to what each list page and API list now costs, on SQLite
# (core/testing/families/pins.py); review the diff. A count that grows with the rows still fails.
# In one process (no -n): rewriting test modules is not for several workers at once.
pin-queries: install static
	env -u DATABASE_URL $(BIN)/pytest -q --repin-queries -k "test_page_list_queries or test_api_list_queries"

bench: install static
	$(BIN)/python benches/run.py

clean:
	rm -rf $(VENV) node_modules static/vendor var/staticfiles
