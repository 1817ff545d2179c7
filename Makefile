# One command to set up and run the demo, one to set up and run the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean screenshot

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/simulacra demo --out demo_output

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
