# One command to set up and run the demo, one to set up and run the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# `make setup` and `make demo` link the `simulacra` command into the first of these folders
# that is on PATH and writable (a user's ~/.local/bin, root's /usr/local/bin), so a new shell
# finds it; elsewhere `source .venv/bin/activate` is the way, and both say so at the end.
LAUNCHER_DIRS ?= $(HOME)/.local/bin $(HOME)/bin /usr/local/bin
ACTIVATE := source $(VENV)/bin/activate

.PHONY: setup demo test lint bench clean screenshot launcher

$(STAMP): pyproject.toml constraints.txt
	@echo "Installing simulacra and its dependencies (PyTorch for the CPU, pandas, scikit-learn,"
	@echo "Dask, matplotlib...: about 2 GB) into $(VENV). This takes a few minutes; pip is"
	@echo "quiet meanwhile."
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)
	@$(MAKE) --no-print-directory launcher

demo: $(STAMP)
	$(VENV)/bin/simulacra demo --out demo_output
	@$(MAKE) --no-print-directory launcher

launcher:  ## link `simulacra` into a folder on PATH, then print the activation line
	@sh scripts/link_launcher.sh $(abspath $(VENV))/bin/simulacra $(LAUNCHER_DIRS)
	@echo "To use simulacra from Python, or if a shell does not find the command, run:"
	@echo "  $(ACTIVATE)"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -q

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

screenshot: $(STAMP)  ## the demo report in headless Chromium (apt-get install chromium-headless-shell)
	test -f demo_output/report.html || $(VENV)/bin/simulacra demo --out demo_output
	chromium-headless-shell --no-sandbox --hide-scrollbars --window-size=1400,1300 \
	  --screenshot=docs/report.png file://$(CURDIR)/demo_output/report.html
	$(VENV)/bin/pytest -q --runslow tests/evaluation/test_screenshot.py

clean:
	rm -rf $(VENV) demo_output .pytest_cache .mypy_cache .ruff_cache
