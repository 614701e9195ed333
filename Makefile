# The two commands of the README: `make demo` runs the main job on the bundled demo fleet, `make test` runs the
# tests. Both create the virtual environment and install the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench schemas clean

# The system packages the pages need: headless Chromium (the board summary's PDF, and the tests that open every
# page in a browser), poppler-utils (the tests render the PDF to images) and a font. Installed with apt-get
# when missing (as root, or through sudo); elsewhere the set-up says what to install and goes on.
SYSTEM_PACKAGES := chromium poppler-utils fonts-dejavu-core

$(STAMP): pyproject.toml
	@if command -v chromium >/dev/null && command -v pdftoppm >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	elif command -v apt-get >/dev/null && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "set-up: install $(SYSTEM_PACKAGES) (or set GOVERN_CHROMIUM to a Chromium or Chrome binary) for the PDF and the page tests"; fi
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
	test -f runs/board/2026-10.html || $(BIN)/govern demo --run  # the pages are rendered from the demo's month
	$(BIN)/python benchmarks/reports_benchmark.py

schemas: $(STAMP)
	$(BIN)/python schemas/publish.py

clean:
	rm -rf .state runs
