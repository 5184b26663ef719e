# Identity Watch: `make demo` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# setuptools builds in ./build and ships what an earlier build left there, modules since moved or
# deleted included: every install starts from an empty build folder.
INSTALL := rm -rf build && $(BIN)/python -m pip install --quiet

.PHONY: demo test security lint format bench bench-web bench-scale eval calibrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Non-editable installs: the tests run against what `pip install .` really ships.
demo: $(BIN)/python
	$(INSTALL) .
	$(BIN)/watcher demo --dir demo-output

# The bench extra too: a small run of the district-scale benchmark is one of the tests.
test: $(BIN)/python
	$(INSTALL) ".[test,bench]"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q -p no:cacheprovider -n auto

# The attacks SECURITY.md lists, on their own: the figures of docs/operating.md, "Reliability and security".
security: $(BIN)/python
	$(INSTALL) ".[test,bench]"
	$(BIN)/pytest -q -p no:cacheprovider -n auto -m hostile

lint: $(BIN)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/python
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(BIN)/python
	$(INSTALL) .
	$(BIN)/python bench/bench_scan.py

# The office's pages over 75,000 people and 300,000 findings (a minute).
bench-web: $(BIN)/python
	$(INSTALL) .
	$(BIN)/python bench/bench_web.py

# District scale: 75,000 staff, 100,000 profiles a week (about an hour; --small for a few minutes).
bench-scale: $(BIN)/python
	$(INSTALL) ".[bench]"
	$(BIN)/python bench/bench_scale.py

# Precision and recall of matching on the held-out (test) part of the development corpus, at 60 and
# 240 staff, through the real product; then the per-pair photo false-match rate on that part.
eval: $(BIN)/python
	$(INSTALL) ".[bench]"
	$(BIN)/python bench/eval.py

# Where the thresholds come from: the calibration part (the test part is printed beside it, never fitted).
calibrate: $(BIN)/python
	$(INSTALL) ".[bench]"
	$(BIN)/python bench/calibrate_images.py
	$(BIN)/python bench/calibrate_logos.py

clean:
	rm -rf $(VENV) build demo-output *.egg-info
