# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SPEC   ?= examples/ml-platform/trainshare.yaml

.PHONY: demo test lint typecheck unit golden clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/trainshare demo $(SPEC)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests examples
	$(BIN)/ruff format --check src tests examples

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The HTML report is tested in Debian's chromium (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null || { \
	  [ "$$(id -u)" = 0 ] || { echo "make test needs Debian's chromium: sudo apt-get install chromium"; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

unit: $(VENV)/.installed-dev chromium
	$(BIN)/pytest

test: lint typecheck unit

# Rewrite the golden files from the current output (review the diff before committing).
golden: $(VENV)/.installed-dev
	TRAINSHARE_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/unit/test_plan.py -k golden

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
