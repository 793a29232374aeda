# Two commands do all the set-up: `make serve` and `make test` (each creates .venv when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test test-fast lint build test-deps bench clean

$(BIN)/integration-kg: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

serve: $(BIN)/integration-kg
	$(BIN)/integration-kg serve --host $(HOST) --port $(PORT)

build: $(BIN)/integration-kg
	$(BIN)/integration-kg build

# System packages the tests drive for real (a headless browser); installed when missing.
test-deps:
	bash scripts/install-test-deps.sh

test: $(BIN)/integration-kg test-deps
	$(BIN)/python -m pytest

# Lint and format check: run by .ci/run before the tests.
lint: $(BIN)/integration-kg
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite without the browser, Virtuoso and slow tests: for a quick check while editing.
test-fast: $(BIN)/integration-kg
	$(BIN)/python -m pytest -m "not browser and not virtuoso and not slow"

bench: $(BIN)/integration-kg
	$(BIN)/python bench/run.py

clean:
	rm -rf var .pytest_cache
