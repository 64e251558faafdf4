# Verdict: `make dev` runs the platform, `make test` runs every check. Everything else is a helper of those two.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced
WEB_STAMP := web/static/vendor/.built

.PHONY: dev test lint typecheck unit setup web bench-sandbox bench-judge bench-web bench-api bench-fleet bench-burst bench-similarity \
	clean help

help:
	@echo "make dev    run Verdict locally (API + web UI, judge worker, api-tasks worker, embedded Redis, SQLite)"
	@echo "make test   install what is needed and run lint, type checks and the whole test suite"

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Verdict needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-extras --python $(PYTHON)
	@touch $@

$(WEB_STAMP): web/package.json web/package-lock.json scripts/build-web.sh
	scripts/build-web.sh
	@touch $@

setup: $(STAMP) $(WEB_STAMP)

dev:
	@scripts/ensure-system.sh dev
	@$(MAKE) --no-print-directory setup
	$(VENV)/bin/verdict dev

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Lint, types and tests all run, so one failure does not hide another; any failure fails the target.
test:
	@scripts/ensure-system.sh test
	@$(MAKE) --no-print-directory setup
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory typecheck || status=1; \
	$(VENV)/bin/pytest || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see lint, type check or test output above)"; fi; \
	exit $$status

bench-sandbox: $(STAMP)
	$(VENV)/bin/python bench/sandbox_bench.py

bench-judge: $(STAMP)
	$(VENV)/bin/python bench/judge_bench.py

bench-web: $(STAMP)
	$(VENV)/bin/python bench/web_bench.py

bench-api: $(STAMP)
	$(VENV)/bin/python bench/api_bench.py

bench-fleet: $(STAMP)
	$(VENV)/bin/python bench/fleet_bench.py

bench-burst: $(STAMP)
	$(VENV)/bin/python bench/burst_bench.py

bench-similarity: $(STAMP)
	$(VENV)/bin/python bench/similarity_bench.py

clean:
	rm -rf $(VENV) $(TOOLS) .var web/node_modules web/static/vendor .mypy_cache .ruff_cache .pytest_cache
