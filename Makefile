# disengage: `make run` runs the headline experiment, `make test` runs the test suite.
# Both create .venv on first use. Python 3.12+ is required (Mesa 3.5 needs it).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check smoke calibrate lint clean

$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null || { \
	  echo "disengage needs Python 3.12 or newer (Mesa 3.5 does); '$(PY)' is $$($(PY) --version 2>&1)."; \
	  echo "Install Python 3.12 (pyenv reads .python-version) or run: make PY=/path/to/python3.12 ..."; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/disengage run experiments/headline.yaml

smoke: $(VENV)/.installed-run
	$(BIN)/disengage run experiments/smoke.yaml

calibrate: $(VENV)/.installed-run
	$(BIN)/disengage calibrate experiments/calibration.yaml

check: $(VENV)/.installed-run
	$(BIN)/disengage check params/*.yaml params/places/*.yaml params/scenarios/*.yaml experiments/*.yaml

lint: $(VENV)/.installed-test
	$(BIN)/ruff check model tests

test: $(VENV)/.installed-test
	$(BIN)/ruff check model tests
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) results
