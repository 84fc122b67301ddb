# The README's first two commands: `make run` and `make test`. Each builds .venv from the hash-pinned
# lock files with only Python 3.11+ (no uv, no pip-tools needed), then runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench eval lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

run: $(VENV)/.installed
	$(BIN)/monitor run

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy monitor/types.py monitor/errors.py monitor/schedule.py monitor/feeds.py monitor/text.py \
		monitor/match.py monitor/figures.py monitor/numbers.py monitor/digest.py monitor/extract.py monitor/analyze.py

eval: $(VENV)/.installed-dev
	$(BIN)/python -m monitor.eval topics
	$(BIN)/python -m monitor.eval figures
	$(BIN)/python -m monitor.eval articles

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py

# Regenerate the lock files after changing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements.lock
	uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
