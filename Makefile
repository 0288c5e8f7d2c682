# Every target installs what it needs into a fresh .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser fonts run test lint unit bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# A development keyring (no passphrase) is made in keys/ when none can sign.
run: install fonts
	REGISTRY_DEV_MODE=$${REGISTRY_DEV_MODE:-1} $(BIN)/registry keys generate --if-missing
	REGISTRY_DEV_MODE=$${REGISTRY_DEV_MODE:-1} $(BIN)/registry serve --host 127.0.0.1 --port 8000

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

unit: install browser fonts
	$(BIN)/pytest -q

test: lint unit

# BENCH_SCALE=1000000 for the full size; the default is small enough for a few minutes.
bench: install
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
