# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SPEC   ?= examples/ml-platform/trainshare.yaml

.PHONY: demo test lint typecheck unit golden clean chromium bench bench-full bench-emulator-l

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# `make demo` needs the emulator (moto): the extra trainshare[emulator]. The dev extra includes it.
$(VENV)/.installed-emulator: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[emulator]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $(VENV)/.installed-emulator $@

demo: $(VENV)/.installed-emulator
	$(BIN)/trainshare demo $(SPEC)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests examples bench
	$(BIN)/ruff format --check src tests examples bench

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

# Benchmarks: each run adds its figures to BENCHMARKS.json (keeping the stages it did not run,
# each figure naming its run) and rewrites BENCHMARKS.md from it. `bench`: sizes S and M (and
# `capacity` at M; at L it comes from `bench-emulator-l`'s kept run);
# `bench-full` adds L and L-rcp (about 25 minutes).
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run --sizes S,M --repeat 5 --audit M --throttled-audit M --capacity M --out BENCHMARKS.md

bench-full: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run --sizes S,M,L,L-rcp --repeat 3 --audit M --throttled-audit M --capacity M --out BENCHMARKS.md

# The emulator stages at L on their own: the throttled audit and `capacity` of the 10,000-account
# organization, put in place by trainshare.emulator.seed (the Pulumi engine would take over 15
# minutes to deploy it). 4 min 17 s here on a quiet machine (9 min 35 s on 2 cores shared with
# other work), 2.6 GB resident. Most of it is setup: the organization put in place (seed_world, seed_deployed), then
# the audit read unthrottled and throttled (about 2 minutes), then the capacity world (seed_world
# again, one consumer per capacity share); BENCHMARKS.md gives the measured figures.
bench-emulator-l: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run --sizes L --repeat 1 --pure-sizes '' --audit '' --component-sizes '' --split-sizes '' --throttled-audit L --capacity L --out BENCHMARKS.md

# Rewrite the golden files from the current output (review the diff before committing).
golden: $(VENV)/.installed-dev
	TRAINSHARE_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/unit/test_plan.py tests/unit/test_cli_access.py tests/unit/test_diff.py -k golden

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
