# One command to set up and run each job; each creates .venv and installs the project first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup run serve test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed

## The main job on the embedded default with the sample organization: counts, catalog QC, the AI
## Act classification of its AI systems, and the coverage validation that finds its gaps.
ORG := examples/acme-lending
run: setup
	$(BIN)/aimsgraph stats --data $(ORG)
	$(BIN)/aimsgraph check
	$(BIN)/aimsgraph classify --data $(ORG)
	$(BIN)/aimsgraph validate --data $(ORG) || test $$? -eq 1  # exit 1: findings, as designed

## The HTTP service (REST + SPARQL) on the embedded store with the sample organization.
serve: setup
	$(BIN)/aimsgraph serve

## All tests: lint, then the pytest suite (data files, catalogs, ontology, store, CLI end to end).
test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .

## The benchmark suite at 10^4, 10^5 and 10^6 organization triples (see benchmarks/README.md);
## needs the Oxigraph server for the HTTP baseline: $(BIN)/pip install oxigraph
SCALES ?= 1e4,1e5,1e6
bench: setup
	$(BIN)/python benchmarks/run.py --scales $(SCALES) --repeat 3

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
