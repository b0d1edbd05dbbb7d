from __future__ import annotations

import datetime as dt
import shutil
import sqlite3

import pytest

from clinic_app.errors import DatabaseError
from clinic_app.storage import backup
from clinic_app.storage.database import Database


@pytest.fixture
def marked(location):
    Database.open(location).close()
    with sqlite3.connect(location.sqlite_path) as conn:
        conn.execute("INSERT INTO app_meta (key, value) VALUES ('marker', 'original')")
    return location


def marker(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT value FROM app_meta WHERE key='marker'").fetchone()[0]


def test_backup_is_verified_and_complete(marked):
    made = backup.create(marked)
    assert made.path.parent == marked.backup_dir
    assert marker(made.path) == "original"
    assert not list(marked.backup_dir.glob("*.partial"))
    assert made.path.stat().st_mode & 0o077 == 0


def test_a_backup_cut_short_leaves_nothing_once_the_next_backup_runs(marked):
    """A backup killed mid-copy leaves its temporary copy and SQLite's journal beside it; the next
    backup removes them once they are older than the stale window, and leaves a fresh one (another
    backup may be writing it) and any file of the clinic's own."""
    import os
    import time

    from clinic_app.storage import leftovers

    folder = marked.backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    killed = [folder / ".clinic-20261201-101500-auto.sqlite3-k1ll3d_x.partial",
              folder / ".clinic-20261201-101500-auto.sqlite3-k1ll3d_x.partial-journal"]
    running = folder / ".clinic-20261201-101501-manual.sqlite3-st1llgo1.partial"
    theirs = folder / "notes.partial"
    for path in (*killed, running, theirs):
        path.write_bytes(b"x" * 4096)
    old = time.time() - leftovers.STALE_SECONDS - 60
    for path in (*killed, theirs):
        os.utime(path, (old, old))
    made = backup.create(marked)
    assert marker(made.path) == "original"
    assert not any(path.exists() for path in killed)
    assert running.exists() and theirs.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted([made.path.name, running.name, theirs.name])


def test_restore_puts_the_backup_back_and_keeps_the_current_one(marked):
    made = backup.create(marked)
    with sqlite3.connect(marked.sqlite_path) as conn:
        conn.execute("UPDATE app_meta SET value='changed' WHERE key='marker'")
    safety = backup.restore(marked, made.path)
    assert marker(marked.sqlite_path) == "original"
    assert marker(safety.path) == "changed"


def test_restore_refuses_a_file_that_is_not_a_backup(marked, tmp_path):
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_text("hello")
    with pytest.raises(DatabaseError):
        backup.restore(marked, bogus)
    assert marker(marked.sqlite_path) == "original"


def test_retention_ladder_keeps_daily_weekly_monthly(marked):
    start = dt.datetime(2026, 1, 1, 12, 0, 0)
    marked.backup_dir.mkdir()
    for day in range(200):  # one backup a day for 200 days, twice on each day
        for hour in (9, 17):
            when = start + dt.timedelta(days=day, hours=hour - 12)
            backup.copy_database(marked.sqlite_path, marked.backup_dir / f"clinic-{when:%Y%m%d-%H%M%S}-auto.sqlite3")
    backup.create(marked, reason="before-upgrade-from-0001", now=start + dt.timedelta(days=201))
    everything = backup.list_backups(marked)
    assert any(b.reason.startswith("before-") for b in everything)
    kept = [b for b in everything if b.reason == "auto"]
    days = {b.taken_at.date() for b in kept}
    assert len(kept) == len(days)  # one per day at most
    assert len(kept) <= backup.KEEP_DAILY + backup.KEEP_WEEKLY + backup.KEEP_MONTHLY
    assert len(kept) >= backup.KEEP_DAILY
    assert max(days) == (start + dt.timedelta(days=199)).date()
    assert min(days) < start.date() + dt.timedelta(days=60)  # monthly rungs reach back months


def test_daily_backup_once_a_day_and_manual_backups_survive(marked):
    manual = backup.create(marked, reason="manual")
    first = backup.daily(marked)
    assert first is not None and first.reason == "auto"
    assert backup.daily(marked) is None
    backup.prune(marked)
    assert manual.path.exists() and first.path.exists()


def test_a_failed_automatic_backup_is_reported_until_one_succeeds(prepared_location):
    from clinic_app.services import store_setup
    from clinic_app.services.maintenance import check_database

    folder = prepared_location.backup_dir
    if folder.exists():
        shutil.rmtree(folder)
    folder.write_text("a file where the backups folder should be")
    message = store_setup.daily_backup(prepared_location)
    assert message and str(folder) in message
    assert store_setup.backup_problem(prepared_location) and "could not be made" in store_setup.backup_problem(prepared_location)
    report = check_database(prepared_location)
    assert not report.ok and any("last automatic backup failed" in p for p in report.problems)
    folder.unlink()
    assert store_setup.daily_backup(prepared_location) is None
    assert store_setup.backup_problem(prepared_location) is None and check_database(prepared_location).ok


def test_a_backup_is_one_file_in_rollback_journal_mode_that_opens_read_only(marked, tmp_path):
    """Nothing beside it (no -wal, -shm or .partial), and it opens from read-only media: checking
    or restoring it writes nothing next to it."""
    from clinic_app.storage import preflight

    made = backup.create(marked)
    assert sorted(p.name for p in marked.backup_dir.iterdir()) == [made.path.name]
    with made.path.open("rb") as handle:
        header = handle.read(20)
    assert header[18] == header[19] == 1  # 1: rollback journal; 2 would be write-ahead log
    preflight.inspect(made.path)  # as 'db check' and 'db restore' open it: read-only
    with sqlite3.connect(f"file:{made.path}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT value FROM app_meta WHERE key='marker'").fetchone()[0] == "original"
    assert sorted(p.name for p in marked.backup_dir.iterdir()) == [made.path.name]


def test_a_backup_to_a_folder_that_is_not_there_is_refused_and_nothing_is_made(marked, tmp_path):
    missing = tmp_path / "usb-stick" / "backup.sqlite3"
    with pytest.raises(DatabaseError, match="usb-stick does not exist .* no backup was written"):
        backup.create(marked, target=missing)
    assert not (tmp_path / "usb-stick").exists()
    with pytest.raises(DatabaseError, match="does not exist"):
        backup.create(marked, target=f"{tmp_path / 'other-stick'}/")
    with pytest.raises(DatabaseError, match="not a regular file"):
        backup.create(marked, target="/dev/null")
    folder = tmp_path / "stick"
    folder.mkdir()
    made = backup.create(marked, target=folder)  # a folder that exists: the backup goes in, dated
    assert made.path.parent == folder and made.path.name.startswith("clinic-") and marker(made.path) == "original"
    assert sorted(p.name for p in folder.iterdir()) == [made.path.name]


def test_delete_before_removes_only_older_backups_and_keeps_todays_safety_copy(marked):
    today = dt.date(2026, 12, 9)
    made = {when: backup.create(marked, reason=reason, now=when) for when, reason in (
        (dt.datetime(2026, 1, 5, 8), "auto"), (dt.datetime(2026, 2, 1, 9), "manual"),
        (dt.datetime(2026, 2, 10, 9), "before-upgrade-from-0006"), (dt.datetime(2026, 12, 1, 8), "auto"),
        (dt.datetime(2026, 12, 9, 7), "before-restore"), (dt.datetime(2026, 12, 9, 8), "auto"))}
    names = {b.path.name for b in made.values()}
    older = [made[w].path for w in sorted(made) if w.date() < dt.date(2026, 3, 1)]

    would, kept = backup.delete_before(marked, dt.date(2026, 3, 1), today=today, delete=False)
    assert [b.path for b in would] == older and kept == []
    assert {b.path.name for b in backup.list_backups(marked)} == names  # nothing deleted without delete

    deleted, kept = backup.delete_before(marked, dt.date(2026, 3, 1), today=today)
    assert [b.path for b in deleted] == older and not any(p.exists() for p in older)
    assert len(backup.list_backups(marked)) == 3

    deleted, kept = backup.delete_before(marked, dt.date(2026, 12, 10), today=today)
    assert [b.reason for b in deleted] == ["auto", "auto"] and [b.reason for b in kept] == ["before-restore"]
    assert [b.reason for b in backup.list_backups(marked)] == ["before-restore"]
    # a safety copy from another day is deleted like any other
    assert backup.delete_before(marked, dt.date(2026, 12, 10), today=dt.date(2026, 12, 10))[0][0].reason == \
        "before-restore"
    assert backup.list_backups(marked) == []
