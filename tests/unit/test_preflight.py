"""Files that are not a usable database are reported by name and never modified."""

from __future__ import annotations

import sqlite3

import pytest

from clinic_app.errors import NotADatabaseError
from clinic_app.storage import preflight
from clinic_app.storage.database import Database


def test_missing_file_is_a_new_store(tmp_path):
    state = preflight.inspect(tmp_path / "none.sqlite3")
    assert not state.exists and state.needs_upgrade


def test_text_file_is_refused_untouched(location):
    location.sqlite_path.write_text("these are the clinic's notes, not a database\n")
    before = location.sqlite_path.read_bytes()
    with pytest.raises(NotADatabaseError) as caught:
        Database.open(location)
    assert str(location.sqlite_path) in caught.value.message
    assert "not an SQLite file" in caught.value.message
    assert location.sqlite_path.read_bytes() == before


def test_foreign_sqlite_database_is_refused_untouched(location):
    with sqlite3.connect(location.sqlite_path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    before = location.sqlite_path.read_bytes()
    with pytest.raises(NotADatabaseError, match="not one of Clinic Reference's"):
        Database.open(location)
    assert location.sqlite_path.read_bytes() == before


def test_truncated_database_is_refused(location):
    Database.open(location).close()
    data = location.sqlite_path.read_bytes()
    location.sqlite_path.write_bytes(data[:200])
    with pytest.raises(NotADatabaseError, match=str(location.sqlite_path)):
        preflight.inspect(location.sqlite_path)


def test_directory_in_place_of_the_file(location):
    location.sqlite_path.mkdir()
    with pytest.raises(NotADatabaseError, match="is a folder"):
        Database.open(location)
