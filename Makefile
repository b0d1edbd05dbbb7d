# The README's two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Re-install when the dependency list changes.
APP_STAMP  := $(VENV)/.app-installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: run test lint bench wheel clean help

help:
	@echo "make run    - set up .venv, prepare the database and open Clinic Reference"
	@echo "make test   - set up .venv with the test tools and run the whole suite headless"
	@echo "make lint   - ruff"
	@echo "make bench  - start-up, search and handout benchmarks (ratios against a floor)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Clinic Reference needs Python 3.11 or newer ($(PYTHON) is $$($(PYTHON) --version 2>&1))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): install the venv module, e.g. 'sudo apt-get install python3-venv'."; exit 1; }
	@$(BIN)/python -m pip install -q --upgrade pip

$(APP_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(TEST_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@ $(APP_STAMP)

run: $(APP_STAMP)
	@.ci/system-deps
	$(BIN)/clinic-app db upgrade
	$(BIN)/clinic-app

# Each start-up test runs in a process of its own, as the app does (one start per process): a
# second application start in one process, after the library was loaded there before, crashed the
# interpreter in a GUI-thread callback (PySide6 6.11, Python 3.11); the cause is still open.
test: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q --ignore=tests/qt/test_startup.py
	@n=0; for t in $$(QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q --collect-only tests/qt/test_startup.py | grep '::'); do \
	  QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider "$$t" >/tmp/clinic-startup-test.log 2>&1 \
	    && { echo "ok   $$t"; n=$$((n + 1)); } || { cat /tmp/clinic-startup-test.log; echo "FAIL $$t"; exit 1; }; \
	done; echo "startup: $$n passed, 0 failed"

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

bench: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/startup.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/handout.py
	$(BIN)/python bench/keystroke.py
	$(BIN)/python bench/upgrade.py
	$(BIN)/python bench/write.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/gui_gaps.py

wheel: $(TEST_STAMP)
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
