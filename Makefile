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

bench: $(STAMP)
	$(BIN)/python bench/bench_deadlines.py

# The installable package (dist/motcua-*.whl): it carries config.yaml and bpmn/ as package data.
wheel: $(STAMP)
	rm -rf build
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis build dist *.egg-info
