# disengage: `make run` runs the headline experiment, `make test` runs the test suite.
# Both create .venv on first use. Python 3.12+ is required (Mesa 3.5 needs it).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast check smoke calibrate lint bench clean figures browser explore streams-check national \
	stratified-check

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

bench: $(VENV)/.installed-run
	$(BIN)/python -m benchmarks.kernel --england

# After a deliberate change of the random streams: the headline's effects (Wigan, 20 replicates, about two
# minutes) against those recorded before it; exits 1 if one moved by more than 2 standard errors.
streams-check: $(VENV)/.installed-run
	$(BIN)/disengage run experiments/streams_check.yaml --out results/streams_check --quiet
	$(BIN)/python -m model.analysis.mc_error compare tests/data/streams_before_headline.csv results/streams_check

# The national answer: England and Wales, stratified samples with every group resolved (experiments/national.yaml):
# results/national/{england,wales}/ and results/national/national_counts.csv.
national: $(VENV)/.installed-run
	$(BIN)/disengage run experiments/national.yaml

# A stratified, weighted Wigan against the unweighted one (the streams check's 20 replicates, full scale): every
# headline effect, overall and in each segment; exits 1 if the family of comparisons does not agree at a family-wise
# error of 5% (Holm), or an effect is fixed at different values in the two (docs/ODD.md, 5.1 and Validation).
stratified-check: $(VENV)/.installed-run
	$(BIN)/disengage run experiments/streams_check.yaml --out results/streams_check --quiet
	$(BIN)/disengage run experiments/streams_check.yaml --set name=stratified_check --set sample=stratified --out results/stratified_check --quiet
	$(BIN)/python -m model.analysis.mc_error agree results/streams_check results/stratified_check

lint: $(VENV)/.installed-test
	$(BIN)/ruff check model tests benchmarks tools

test: $(VENV)/.installed-test
	@$(MAKE) --no-print-directory browser
	$(BIN)/ruff check model tests benchmarks tools
	$(BIN)/python -m pytest

# The fast tier, for every edit: the rules, their laws, the input schema, the layers and the registry (tests marked
# `fast`, pyproject.toml); under a minute once the rules are compiled. `make test` runs everything, as CI does.
test-fast: $(VENV)/.installed-test
	$(BIN)/ruff check model tests benchmarks tools
	$(BIN)/python -m pytest -m fast

# In CI (CI=true) install Debian's chromium for the report render and explorer browser tests (Playwright drives it;
# no browser is downloaded); elsewhere, or if apt-get fails, those tests skip and say why.
browser:
	@if [ "$$CI" = "true" ] && [ ! -x /usr/bin/chromium ]; then \
	  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) \
	    || echo "chromium could not be installed: the report render test will skip"; \
	fi

# The explorer: run its grid once (experiments/explorer.yaml, a few minutes), then serve it at http://localhost:8765/
explore: $(VENV)/.installed-run
	@[ -f results/explorer/effects.csv ] || $(BIN)/disengage run experiments/explorer.yaml --out results/explorer
	$(BIN)/disengage explore results/explorer --port 8765

# Regenerate the repository's figures/ (PNG, SVG, the CSV beside each, and report.html) from the headline experiment.
figures: $(VENV)/.installed-run
	$(BIN)/disengage run experiments/headline.yaml --out results/headline --force-new
	mkdir -p figures
	rm -f figures/*.png figures/*.svg figures/*.csv figures/report.html
	cp results/headline/figures/*.png results/headline/figures/*.svg results/headline/figures/*.csv \
	  results/headline/report.html figures/

clean:
	rm -rf $(VENV) results

# Regenerate tests/golden/ from experiments/smoke.yaml. Right only after a deliberate change to a rule or a
# parameter, stated in the commit message (see README, "Reproducing results").
.PHONY: golden
golden: $(VENV)/.installed-run
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(BIN)/disengage run experiments/smoke.yaml --out $$tmp/smoke --quiet && \
	mkdir -p tests/golden && \
	cp $$tmp/smoke/runs.csv $$tmp/smoke/timeseries.csv $$tmp/smoke/effects.csv tests/golden/ && \
	sed 's/^seed:/overrides: {behaviour.decision: contact}\nseed:/' experiments/smoke.yaml > $$tmp/contact.yaml && \
	$(BIN)/disengage run $$tmp/contact.yaml --out $$tmp/contact --quiet && \
	mkdir -p tests/golden/contact && rm -rf tests/golden/contact/scenarios && \
	cp $$tmp/contact/runs.csv $$tmp/contact/timeseries.csv $$tmp/contact/effects.csv tests/golden/contact/ && \
	echo "tests/golden/ and tests/golden/contact/ regenerated from experiments/smoke.yaml: say why in the commit message"
