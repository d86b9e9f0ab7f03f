# One command to set up and run each job; each creates .venv and installs the project first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup run test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed

## The main job on the embedded default: load everything, show the counts, run the catalog QC.
run: setup
	$(BIN)/aimsgraph stats
	$(BIN)/aimsgraph check

## All tests: lint, then the pytest suite (data files, catalogs, ontology, store, CLI end to end).
test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .

## Load and query figures, rdflib vs Oxigraph (see benchmarks/README.md).
bench: setup
	$(BIN)/python benchmarks/bench_store.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
