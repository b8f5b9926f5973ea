# The two commands of the README: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint clean reports

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "paysim needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The flagship routing comparison: 3 arms x 10 replications of one simulated day (~1 min on 2
# idle cores, 3 to 5 min on a busy machine; the first run also installs, ~1.5 min).
demo: $(STAMP)
	$(BIN)/paysim experiment experiments/flagship_routing.yaml --out runs/flagship_routing
	@echo "report: runs/flagship_routing/report.html (and report.md)"

# Every shipped report, regenerated with the current code: reports/<name>/ from
# experiments/<name>.yaml, for each report folder that has its experiment. Each folder records
# the provenance of what produced it; tests/experiment/test_shipped_reports.py checks it.
REPORTS := $(notdir $(patsubst %/,%,$(wildcard reports/*/)))

reports: $(STAMP)
	@for name in $(REPORTS); do \
		if [ -f experiments/$$name.yaml ]; then \
			echo "reports/$$name: experiments/$$name.yaml"; \
			$(BIN)/paysim experiment experiments/$$name.yaml --out reports/$$name || exit 1; \
		fi; \
	done

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/paysim bench
	$(BIN)/python -m pytest tests/benchmarks --benchmark-enable -m "slow or not slow"

lint: $(STAMP)
	$(BIN)/ruff check paysim tests
	$(BIN)/ruff format --check paysim tests

clean:
	rm -rf $(VENV) runs .pytest_cache .benchmarks
