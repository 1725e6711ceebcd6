# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CASE ?= cases/default.yaml
# e.g. BENCH_ARGS='--long-repeats 3' or '--full'; see benchmarks/README.md
BENCH_ARGS ?=
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) run_sim.py $(CASE)

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy grid dispatch forecasting sim run_sim.py

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

# benchmarks against HiGHS alone, PyPSA and pandapower; writes benchmarks/RESULTS.md (~40 min)
bench: $(BENCH_STAMP)
	$(PY) -m benchmarks.run_all $(BENCH_ARGS)

# re-run every figure the README and the case READMEs print; fail on drift (~20 min)
figures-check: $(STAMP)
	$(PY) cases/figures.py --check

# re-run them and paste the new figures
figures: $(STAMP)
	$(PY) cases/figures.py --write

clean:
	rm -rf $(VENV) results .pytest_cache
