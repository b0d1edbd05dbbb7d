from __future__ import annotations

import datetime as dt
import shutil
import sqlite3

import pytest

from clinic_app.errors import DatabaseError
from clinic_app.storage import backup
from clinic_app.storage.database import Database


@pytest.fixture
def store(location):
    Database.open(location).close()
    with sqlite3.connect(location.sqlite_path) as conn:
        conn.execute("INSERT INTO app_meta (key, value) VALUES ('marker', 'original')")
    return location


def marker(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT value FROM app_meta WHERE key='marker'").fetchone()[0]


def test_backup_is_verified_and_complete(store):
    made = backup.create(store)
    assert made.path.parent == store.backup_dir
    assert marker(made.path) == "original"
    assert not list(store.backup_dir.glob("*.partial"))
    assert made.path.stat().st_mode & 0o077 == 0


def test_restore_puts_the_backup_back_and_keeps_the_current_one(store):
    made = backup.create(store)
    with sqlite3.connect(store.sqlite_path) as conn:
        conn.execute("UPDATE app_meta SET value='changed' WHERE key='marker'")
    safety = backup.restore(store, made.path)
    assert marker(store.sqlite_path) == "original"
    assert marker(safety.path) == "changed"


def test_restore_refuses_a_file_that_is_not_a_backup(store, tmp_path):
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_text("hello")
    with pytest.raises(DatabaseError):
        backup.restore(store, bogus)
    assert marker(store.sqlite_path) == "original"


def test_retention_ladder_keeps_daily_weekly_monthly(store):
    start = dt.datetime(2026, 1, 1, 12, 0, 0)
    for day in range(200):  # one backup a day for 200 days, twice on each day
        for hour in (9, 17):
            when = start + dt.timedelta(days=day, hours=hour - 12)
            backup.copy_database(store.sqlite_path, store.backup_dir / f"clinic-{when:%Y%m%d-%H%M%S}-auto.sqlite3")
    backup.create(store, reason="before-upgrade-from-0001", now=start + dt.timedelta(days=201))
    everything = backup.list_backups(store)
    assert any(b.reason.startswith("before-") for b in everything)
    kept = [b for b in everything if b.reason == "auto"]
    days = {b.taken_at.date() for b in kept}
    assert len(kept) == len(days)  # one per day at most
    assert len(kept) <= backup.KEEP_DAILY + backup.KEEP_WEEKLY + backup.KEEP_MONTHLY
    assert len(kept) >= backup.KEEP_DAILY
    assert max(days) == (start + dt.timedelta(days=199)).date()
    assert min(days) < start.date() + dt.timedelta(days=60)  # monthly rungs reach back months


def test_daily_backup_once_a_day_and_manual_backups_survive(store):
    manual = backup.create(store, reason="manual")
    first = backup.daily(store)
    assert first is not None and first.reason == "auto"
    assert backup.daily(store) is None
    backup.prune(store)
    assert manual.path.exists() and first.path.exists()


def test_a_failed_automatic_backup_is_reported_until_one_succeeds(prepared_location):
    from clinic_app.services import store
    from clinic_app.services.maintenance import check_database

    folder = prepared_location.backup_dir
    if folder.exists():
        shutil.rmtree(folder)
    folder.write_text("a file where the backups folder should be")
    message = store.daily_backup(prepared_location)
    assert message and str(folder) in message
    assert store.backup_problem(prepared_location) and "could not be made" in store.backup_problem(prepared_location)
    report = check_database(prepared_location)
    assert not report.ok and any("last automatic backup failed" in p for p in report.problems)
    folder.unlink()
    assert store.daily_backup(prepared_location) is None
    assert store.backup_problem(prepared_location) is None and check_database(prepared_location).ok
