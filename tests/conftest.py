"""Fixtures shared by every test: each test gets its own data directory, never the user's."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from clinic_app import settings  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path_factory):
    """No test reads or writes the developer's own data directory or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv(settings.ENV_DATA_DIR, raising=False)
    monkeypatch.delenv(settings.ENV_DATABASE_URL, raising=False)
    yield
    from clinic_app.storage.store import Store

    Store.close_all()  # each test's store is its own: close what it opened
    import gc

    if not gc.isenabled():  # the window tests collect on the GUI thread only, as the app does
        gc.collect()


@pytest.fixture
def data_dir(tmp_path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def location(data_dir) -> settings.Location:
    return settings.resolve(data_dir=data_dir)


@pytest.fixture(scope="session")
def _prepared_template(tmp_path_factory) -> Path:
    """A store migrated and loaded with the shipped content once per test session."""
    from clinic_app.services import store_setup

    directory = tmp_path_factory.mktemp("prepared")
    store_setup.prepare(settings.resolve(data_dir=directory))
    return directory


@pytest.fixture
def prepared_location(_prepared_template, data_dir) -> settings.Location:
    """A fresh copy of a ready store (migrated, shipped content loaded) in this test's data dir."""
    source = _prepared_template / settings.DATABASE_FILE
    import sqlite3

    src = sqlite3.connect(source)
    dst = sqlite3.connect(data_dir / settings.DATABASE_FILE)
    src.backup(dst)
    src.close()
    dst.close()
    return settings.resolve(data_dir=data_dir)


@pytest.fixture
def store(prepared_location):
    """This process's handle on a fresh ready store."""
    from clinic_app.storage.store import Store

    return Store.of(prepared_location)


@pytest.fixture
def reader(store):
    """The same store, where a test only reads."""
    return store


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of the shipped content, for tests that break it on purpose."""
    from clinic_app.content.paths import shipped_content_dir

    target = tmp_path / "content"
    shutil.copytree(shipped_content_dir(), target, ignore=shutil.ignore_patterns("templates", "icons", "*.qss"))
    return target


@pytest.fixture
def other_location(_prepared_template, tmp_path) -> settings.Location:
    """A second ready install beside ``prepared_location`` (another clinic's, say), copied whole."""
    from store_files import copy_db

    return settings.resolve(data_dir=copy_db(_prepared_template / settings.DATABASE_FILE, tmp_path / "other"))
