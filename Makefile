# pgchurn: the two commands of the Quick Start are `make demo` and `make test`.
# Each installs whatever is missing first (scripts/bootstrap.sh), and both are idempotent.

VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: setup demo test lint unit bench fuzz db-up db-down clean

setup:
	@./scripts/bootstrap.sh

demo: setup
	$(BIN)/pgchurn demo

test: setup lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

# Fuzzing: the PMML runtime against scikit-learn on hostile random records, 12,000 examples.
fuzz: setup
	PGCHURN_FUZZ_EXAMPLES=2000 $(BIN)/pytest -q tests/unit/pmml/test_explain_and_properties.py -k odd_inputs $(PYTEST_ARGS)

# Benchmarks: long, never part of `make test`. Results go to bench/results/.
bench:
	PGCHURN_EXTRAS=bench ./scripts/bootstrap.sh
	$(BIN)/python -m bench.run $(BENCH_ARGS)

db-up: setup
	$(BIN)/pgchurn db up

db-down: setup
	$(BIN)/pgchurn db down

clean:
	-$(BIN)/pgchurn db down
	rm -rf .pgchurn
