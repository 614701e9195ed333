# The two commands of the README: `make demo` runs the main job on the bundled demo fleet, `make test` runs the
# tests. Both create the virtual environment and install the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench schemas clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/govern demo --run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/pipeline_benchmark.py
	$(BIN)/python benchmarks/drift_benchmark.py

schemas: $(STAMP)
	$(BIN)/python schemas/publish.py

clean:
	rm -rf .state runs
