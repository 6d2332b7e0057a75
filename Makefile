# Một Cửa: `make run` sets up and serves the demo province; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install bench lint-bpmn lint-imports wheel clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/motcua init-db
	$(BIN)/motcua seed-demo
	$(BIN)/motcua serve --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q

lint-imports: $(STAMP)
	$(BIN)/lint-imports

lint-bpmn: $(STAMP)
	$(BIN)/motcua validate bpmn

# Every benchmark, each printing its table with ratios against baselines of the same run, on SQLite
# and on PostgreSQL when reachable (BENCH_DATABASE_URL, default postgres@127.0.0.1/perf_bench; each
# run works in a temporary schema). Sizes are flags; the README gives the full-size commands.
BENCH_STEPS ?= 100
BENCH_REPLAYS ?= 40
BENCH_CHAINS ?= 20000
BENCH_OPEN ?= 20000
BENCH_YEAR ?= 50000
bench: $(STAMP)
	$(BIN)/python bench/bench_deadlines.py --n 100000
	$(BIN)/python bench/bench_engine.py --dossiers $(BENCH_STEPS)
	$(BIN)/python bench/bench_audit.py --replays $(BENCH_REPLAYS) --dossiers $(BENCH_CHAINS)
	$(BIN)/python bench/bench_recompute.py --dossiers $(BENCH_OPEN)
	$(BIN)/python bench/bench_scheduler.py --dossiers $(BENCH_OPEN)
	$(BIN)/python bench/bench_index766.py --dossiers $(BENCH_YEAR)

# The installable package (dist/motcua-*.whl): it carries config.yaml and bpmn/ as package data.
wheel: $(STAMP)
	rm -rf build
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis build dist *.egg-info
