# Two entry points for a fresh machine:  `make run`  and  `make test`.
# Each creates the virtual environment and installs what it needs on first use.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 \
	&& $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& echo $$p && break; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test lint clean i18n

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "bangfu needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Run the bot (SQLite in ./data by default; without a token it starts the sandbox).
run: $(STAMP)
	$(BIN)/bangfu run

## Lint, type-check, then the whole test suite on SQLite and a throw-away PostgreSQL.
test: $(STAMP) lint
	.ci/with-postgres.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## Re-extract message ids from the code into the catalogs (then translate the new ones).
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k t -k N_ --no-location --sort-output \
		--project bangfu -o bot/locale/messages.pot .
	$(BIN)/pybabel update -i bot/locale/messages.pot -d bot/locale -D messages \
		--no-fuzzy-matching --ignore-obsolete
