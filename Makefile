# Two commands do all the set-up: `make serve` and `make test` (each creates .venv when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test test-fast lint typecheck build test-deps bench-deps bench clean

# Serving needs only the package; the test and bench extras are installed by `make test`, `make bench`
# and `make lint` (each stamp records what was installed when pyproject.toml last changed).
$(BIN)/integration-kg: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-extras: $(BIN)/integration-kg
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.bench-extras: $(BIN)/integration-kg
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

serve: $(BIN)/integration-kg
	$(BIN)/integration-kg serve --host $(HOST) --port $(PORT)

build: $(BIN)/integration-kg
	$(BIN)/integration-kg build

# System packages the tests drive for real (a headless browser); installed when missing.
test-deps:
	bash scripts/install-test-deps.sh

# The benchmark's load generator (wrk); installed when missing. The tests of bench/load.py drive it too.
bench-deps:
	bash scripts/install-bench-deps.sh

test: $(VENV)/.test-extras $(VENV)/.bench-extras test-deps bench-deps
	$(BIN)/python -m pytest

# Lint, format and type checks: run by .ci/run before the tests.
lint: $(VENV)/.test-extras
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Static types ([tool.mypy] in pyproject.toml): `mypy` checks service/.
typecheck: $(VENV)/.test-extras
	$(BIN)/mypy

# The suite without the browser, Virtuoso and slow tests: for a quick check while editing.
test-fast: $(VENV)/.test-extras $(VENV)/.bench-extras
	$(BIN)/python -m pytest -m "not browser and not virtuoso and not slow"

# 290 and 1 000 municipalities, under load from wrk: about 45 minutes (docs/performance.md).
bench: $(VENV)/.bench-extras bench-deps
	$(BIN)/python bench/run.py

clean:
	rm -rf var .pytest_cache
