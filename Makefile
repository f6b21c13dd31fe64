# Jianguan: `make demo` installs everything, builds the demo city and serves it;
# `make test` runs lint, types and the whole test suite (DATABASE_URL selects PostgreSQL).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
SCALE ?= city
SEED ?= 2015
UV := $(shell command -v uv 2>/dev/null || echo .venv-uv/bin/uv)

.PHONY: help demo test install lint types pytest system-deps system-deps-test messages serve bench clean

help:
	@echo "make demo    install, build the demo city (SCALE=tiny|city|province) and serve it on http://127.0.0.1:8000"
	@echo "make test    lint (ruff), types (mypy) and the test suite; DATABASE_URL=postgres://… for PostgreSQL"

demo: system-deps install
	$(PY) -m jianguan demo --reset --scale $(SCALE) --seed $(SEED)

serve: install
	$(PY) -m jianguan serve

test: system-deps-test install lint types pytest

install: .venv/.synced node_modules/.installed .messages.stamp

system-deps:
	@scripts/system-deps.sh runtime

system-deps-test:
	@scripts/system-deps.sh test

.venv-uv/bin/uv:
	python3 -m venv .venv-uv
	.venv-uv/bin/pip install -q uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python 3.11
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.messages.stamp: $(shell find src -name '*.po' 2>/dev/null) .venv/.synced
	$(PY) -m jianguan compilemessages --ignore=.venv --ignore=.venv-uv --ignore=node_modules -v0
	@touch $@

messages: .venv/.synced
	for app in src/jianguan/*/; do \
	  if [ -d "$$app/locale" ]; then (cd $$app && ../../../.venv/bin/jianguan makemessages -l zh_Hans --no-obsolete -v0); fi; \
	done

lint: .venv/.synced
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

types: .venv/.synced
	.venv/bin/mypy

pytest: install
	.venv/bin/pytest $(PYTEST_ARGS)

bench: install
	for script in bench/bench_*.py; do echo "== $$script"; .venv/bin/python $$script || exit 1; done

clean:
	rm -rf .venv .venv-uv node_modules var .messages.stamp
