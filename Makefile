# The README's two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Re-install when the dependency list changes.
APP_STAMP  := $(VENV)/.app-installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: run test lint bench wheel clean help desktop

help:
	@echo "make run    - set up .venv, prepare the database and open Clinic Reference"
	@echo "make test   - set up .venv with the test tools and run the whole suite headless"
	@echo "make lint   - ruff"
	@echo "make bench  - start-up, search and handout benchmarks (ratios against a floor)"
	@echo "make desktop - put Clinic Reference in this user's applications menu (with its icon)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Clinic Reference needs Python 3.11 or newer ($(PYTHON) is $$($(PYTHON) --version 2>&1))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): install the venv module, e.g. 'sudo apt-get install python3-venv'."; exit 1; }
	@$(BIN)/python -m pip install -q --upgrade pip

# setuptools warns about editable installs in a box of asterisks on every install; this checkout
# is installed editable on purpose (the app runs from here), so the warning is only noise.
PIP_INSTALL := PYTHONWARNINGS=ignore $(BIN)/python -m pip install -q

$(APP_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e .
	@touch $@

$(TEST_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e '.[test]'
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

# The applications menu entry for this user: the same .venv/bin/clinic-app that `make run` starts.
APPS_DIR ?= $(HOME)/.local/share/applications
desktop: $(APP_STAMP)
	@mkdir -p $(APPS_DIR)
	@sed -e 's|@BIN@|$(abspath $(BIN))|' -e 's|@ICON@|$(abspath resources/icons/clinic-reference.svg)|' \
	  packaging/clinic-reference.desktop.in > $(APPS_DIR)/clinic-reference.desktop
	@echo "Clinic Reference is in the applications menu ($(APPS_DIR)/clinic-reference.desktop)."

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
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/rooms.py

wheel: $(TEST_STAMP)
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
