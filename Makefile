# Minesafe: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/minesafe
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run install demo test test-sqlite test-postgres test-browser lint typecheck migrations-check bench soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) -m minesafe demo

## make run: set everything up on the embedded SQLite default and serve at http://127.0.0.1:8000,
## the demo mines streaming live (docs/demo.md); `make run DEMO_FEED=` serves without the feed
DEMO_FEED ?= --demo-feed
run: demo
	$(PY) -m minesafe serve $(DEMO_FEED)

## make test: the whole suite (in CI also on PostgreSQL, with lint, types and the browser test)
test: install
	bash scripts/test.sh

test-sqlite: install
	$(PY) -m pytest -q

test-postgres: install
	DATABASE_URL=$(PG_URL) $(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check minesafe tests bench
	$(VENV)/bin/ruff format --check minesafe tests bench

typecheck: install
	$(VENV)/bin/mypy minesafe/engine minesafe/conf.py minesafe/localtime.py minesafe/ruledata.py minesafe/citations.py minesafe/core/chain.py minesafe/core/workflow.py $(wildcard minesafe/*/rules.py)

migrations-check: install
	$(PY) -m minesafe manage makemigrations --check --dry-run

## make bench: every benchmark, results as JSON under bench/results/
bench: install
	$(PY) -m bench.engine
	$(PY) -m bench.engine_nats
	$(PY) -m bench.hazards
	$(PY) -m bench.evidence
	$(PY) -m bench.web

## make soak: one engine worker at the national rate for an hour (SOAK_SECONDS=300 for a short run)
SOAK_SECONDS ?= 3600
soak: install
	$(PY) -m bench.soak --seconds $(SOAK_SECONDS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
