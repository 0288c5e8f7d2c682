# Every target installs what it needs into a fresh .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime
BENCH_STAMP := $(VENV)/.installed-bench
PORT ?= 8000

.PHONY: install install-runtime browser fonts run test lint unit bench clean

# The tests and tools (pytest, mypy, Playwright, schemathesis): what `make test` needs.
install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUNTIME_STAMP)

# Only what serving needs.
install-runtime: $(RUNTIME_STAMP)

$(RUNTIME_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

# A development keyring (no passphrase) is made in keys/ when none can sign. `make run
# PORT=8001` serves on another port; QR codes follow it unless REGISTRY_PUBLIC_BASE_URL is set.
# var/ and keys/ are this folder's (REGISTRY_HOME), whatever folder a later command runs in.
run: export REGISTRY_HOME ?= $(CURDIR)
run: install-runtime fonts
	REGISTRY_DEV_MODE=$${REGISTRY_DEV_MODE:-1} $(BIN)/registry keys generate --if-missing
	REGISTRY_DEV_MODE=$${REGISTRY_DEV_MODE:-1} \
	  REGISTRY_PUBLIC_BASE_URL=$${REGISTRY_PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/registry serve --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check registry api tests bench
	$(BIN)/ruff format --check registry api tests bench
	$(BIN)/mypy

# The end-to-end tests drive Debian's Chromium; installed here when missing (as root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-wqy-zenhei >/dev/null; \
	  else echo "note: no Chromium and not root: the browser tests will say why they skip"; fi; }

# The PDF certificate embeds a CJK font as a subset and WeasyPrint draws with Pango: both
# from Debian, installed here when missing (as root).
fonts:
	@{ [ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] && \
	  ldconfig -p | grep -q libpangoft2-1.0; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      fonts-wqy-zenhei libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	  else echo "note: no CJK font or Pango and not root: PDF certificates will say why"; fi; }

# Two passes. First every test but the serial ones, on every core (pytest-xdist; each worker
# has its own PostgreSQL database, temp folders and ports); then the serial ones alone (they
# restart or cut off the shared PostgreSQL server). WORKERS=1 for one process.
WORKERS ?= auto
unit: install browser fonts
	$(BIN)/pytest -q -n $(WORKERS) -m 'not serial'
	$(BIN)/pytest -q -m serial

test: lint unit

# BENCH_SCALE=1000000 for the full size; the default is small enough for a few minutes.
bench: install $(BENCH_STAMP)
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench

# The benchmark's own tools, beside the tests' (granian and py-spy; `make test` needs neither).
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
