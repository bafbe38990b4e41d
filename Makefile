# The two commands a newcomer needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false

.PHONY: install setup run test lint eval bench check clean

# torch's CPU wheel goes in first: anything that pulls torch afterwards then finds it and adds no CUDA packages.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

setup: install  ## build the embedding model (once) and index knowledge/
	$(BIN)/python -m bot setup

run: setup  ## serve on http://127.0.0.1:8000 (embedded Chroma under data/)
	$(BIN)/python -m bot serve

test: setup  ## the whole suite, with no network
	scripts/offline $(BIN)/python -m pytest -q

check: install  ## validate knowledge/
	$(BIN)/python -m bot knowledge check

lint: install
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests
	$(BIN)/mypy bot

eval: setup
	scripts/offline $(BIN)/python -m bot eval

bench: setup
	scripts/offline $(BIN)/python -m bot bench

clean:
	rm -rf data .pytest_cache
