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


def test_an_empty_database_file_is_refused_by_name_and_left_as_it_was(location, capsys):
    from clinic_app.cli import main
    from clinic_app.services import store_setup

    path = location.sqlite_path
    path.touch()  # a copy that did not finish
    attempts = (lambda: Database.open(location), lambda: preflight.inspect(path),
                lambda: store_setup.is_ready(location), lambda: store_setup.prepare(location),
                lambda: store_setup.open_store(location))
    for attempt in attempts:
        with pytest.raises(NotADatabaseError) as caught:
            attempt()
        message = caught.value.message
        assert str(path) in message and "is empty (0 bytes)" in message
        assert "clinic-app db restore" in message and "move the empty file out of its folder" in message
    assert main(["--data-dir", str(location.data_dir), "db", "upgrade"]) != 0
    assert "is empty (0 bytes)" in capsys.readouterr().err
    assert path.stat().st_size == 0  # never filled as a new store
    assert sorted(p.name for p in location.data_dir.iterdir()) == [path.name]  # no log, journal or backup beside it


def test_an_empty_database_file_can_be_restored_over_or_moved_away(location, tmp_path):
    from clinic_app import settings
    from clinic_app.storage import backup

    source = settings.resolve(data_dir=tmp_path / "elsewhere")
    Database.open(source).close()
    saved = backup.create(source, target=tmp_path / "saved.sqlite3")
    location.sqlite_path.touch()
    backup.restore(location, saved.path)  # what the message says to do
    db = Database.open(location)
    assert db.revision() == preflight.head_revision()
    db.close()
    fresh = settings.resolve(data_dir=tmp_path / "fresh")
    fresh.data_dir.mkdir()
    fresh.sqlite_path.touch()
    fresh.sqlite_path.rename(tmp_path / "empty-aside.sqlite3")  # or the other thing it says
    Database.open(fresh).close()
    assert fresh.sqlite_path.stat().st_size > 0
