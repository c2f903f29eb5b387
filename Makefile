# Two commands: `make run` (the service, demo organisation included) and `make test`.
# Each creates .venv on first use. torch==2.13.0 in pyproject picks the CPU wheel.
VENV ?= .venv
PY := $(VENV)/bin/python

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(VENV)/bin/laurel run --demo

chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install -y chromium" >&2; exit 1; fi; }

test: setup chromium
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check service assessment recommender issuance embeddings tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

.PHONY: setup run chromium test lint
