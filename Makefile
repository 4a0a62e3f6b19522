# Strides. The scripts in scripts/ do the work; see docs/testing.md and docs/deployment.md.
.DEFAULT_GOAL := help
.PHONY: help install demo serve test test-sqlite test-postgres test-e2e lint format bench clean distclean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

install: ## .venv with Strides and its dev tools, plus Debian's PostgreSQL server and Chromium
	@scripts/install.sh

demo: ## the small demo trust at http://127.0.0.1:8000 (SQLite, web server and worker)
	@scripts/demo.sh

serve: ## development server on var/strides.sqlite3, no demo data (STRIDES_MODE=development)
	@scripts/install.sh --python-only
	STRIDES_MODE=development .venv/bin/strides migrate --noinput -v 0
	STRIDES_MODE=development .venv/bin/strides runserver 127.0.0.1:8000

test: ## lint, migrations, deploy checks, the suite on SQLite and PostgreSQL, browser journeys
	@scripts/test.sh

test-sqlite: ## only the suite on SQLite
	@scripts/test.sh sqlite

test-postgres: ## only the suite on a throwaway PostgreSQL cluster
	@scripts/test.sh postgres

test-e2e: ## only the browser journeys
	@scripts/test.sh e2e

lint: ## ruff check and format --check, the layering contracts (lint-imports), mypy
	@scripts/install.sh --python-only
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-cache
	.venv/bin/mypy

format: ## ruff format and the safe ruff fixes
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: ## benchmarks on a quiet machine, PostgreSQL and SQLite, written to docs/performance.md (BENCH_ARGS="--engine sqlite" etc.)
	@scripts/install.sh --python-only
	.venv/bin/python -m bench.run $(BENCH_ARGS)

clean: ## caches and build leftovers (keeps .venv and the database in var/)
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .mypy_cache .import_linter_cache .hypothesis test-results build dist var/static

distclean: clean ## also the virtual environment and var/ (the local database!)
	rm -rf .venv var
