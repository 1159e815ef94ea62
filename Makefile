# Two commands: `make run` (serve the app) and `make test` (lint, then the whole suite, as CI runs it).
# Both create .venv, install the pinned requirements once and fetch the embedded assets once.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501
CHROMIUM := /usr/bin/chromium

.PHONY: run lint test test-slow test-all install assets browser clean-venv

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $(STAMP)

install: $(STAMP)

assets: $(STAMP)
	$(PY) -m workbench assets fetch

run: assets
	$(PY) -m streamlit run app.py --server.headless true --server.port $(PORT)

# Real-browser tests drive Debian's chromium; install it when missing (needs root or sudo).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Installing Debian chromium for the browser tests ..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-liberation fonts-noto-color-emoji >/dev/null \
		|| { echo "Could not install chromium: run 'apt-get install chromium' as root."; exit 1; }; \
	fi

# ruff, with the rules in ruff.toml; `make test` runs it first.
lint: $(STAMP)
	$(PY) -m ruff check .

# Two workers (pytest-xdist), each given whole test files, the real-browser ones first
# (tests/conftest.py); xdist would otherwise reorder the files by their number of tests, which
# leaves the long one-test browser files for the end.
PARALLEL := -n 2 --dist loadfile --no-loadscope-reorder

test: lint assets browser
	$(PY) -m pytest -m "not slow" $(PARALLEL)

test-slow: assets browser
	$(PY) -m pytest -m slow

test-all: lint assets browser
	$(PY) -m pytest $(PARALLEL)

clean-venv:
	rm -rf $(VENV)
