"""A restore never drops committed records: killed (SIGKILL) at each of its steps, or failing after
the copy, it leaves the live store as it was (every committed record, even one that lived only in the
write-ahead log) or the restored one, whole."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from clinic_app.errors import DatabaseError
from clinic_app.storage import backup

# Restores argv[2] into the data folder argv[1] and kills itself with SIGKILL at the step argv[3].
RESTORE = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from clinic_app import settings
    from clinic_app.storage import backup

    step = sys.argv[3]
    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    verified = [0]
    real_verify, real_fold, real_replace = backup._verify, backup._fold_log, os.replace

    def verify(path):
        real_verify(path)
        verified[0] += 1
        if (step, verified[0]) in (("after-safety-backup", 1), ("after-copy-verified", 2)):
            die()

    def fold(path):
        if step == "before-fold":
            die()
        real_fold(path)
        if step == "after-fold":
            die()

    def replace(source, target):
        real_replace(source, target)
        if step == "after-rename" and Path(target).name == "clinic.sqlite3":
            die()

    backup._verify, backup._fold_log, backup.os.replace = verify, fold, replace
    backup.restore(settings.resolve(data_dir=Path(sys.argv[1])), Path(sys.argv[2]))
    print("restored")
""")

# Commits a record and is killed before it closes: the record lives only in the write-ahead log.
COMMIT_AND_DIE = textwrap.dedent("""
    import os, signal, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1])
    conn.execute("UPDATE app_meta SET value = 'live' WHERE key = 'marker'")
    conn.execute("INSERT INTO consultation (recorded_at, started_at, clinician, therapies, rows, content_versions, "
                 "library_version) VALUES ('2026-12-01', '2026-12-01', 'Dr Live', '[]', '[]', '{}', 'x')")
    conn.commit()
    os.kill(os.getpid(), signal.SIGKILL)
""")

STEPS = ("after-safety-backup", "after-copy-verified", "before-fold", "after-fold", "after-rename", "done")


def contents(path) -> tuple[str, list, str]:
    with sqlite3.connect(path) as conn:
        marker = conn.execute("SELECT value FROM app_meta WHERE key = 'marker'").fetchone()[0]
        clinicians = [row[0] for row in conn.execute("SELECT clinician FROM consultation")]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    return marker, clinicians, integrity


@pytest.fixture
def live_and_backup(prepared_location, tmp_path):
    """A live store whose newest record is only in its write-ahead log, and an older backup."""
    path = prepared_location.sqlite_path
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO app_meta (key, value) VALUES ('marker', 'from-backup')")
    conn.commit()
    conn.close()
    older = tmp_path / "older.sqlite3"
    backup.create(prepared_location, target=older)
    subprocess.run([sys.executable, "-c", COMMIT_AND_DIE, str(path)], check=False, timeout=60)
    assert (path.parent / (path.name + "-wal")).stat().st_size > 0  # the record is in the log only
    return prepared_location, older


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_any_step_of_a_restore_leaves_the_live_store_or_the_restored_one(live_and_backup, tmp_path, step):
    location, older = live_and_backup
    data = tmp_path / "data-copy"
    shutil.copytree(location.data_dir, data)  # the file and its log, as the crash left them
    result = subprocess.run([sys.executable, "-c", RESTORE, str(data), str(older), step], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == (0 if step == "done" else -9), result.stderr[-500:]
    marker, clinicians, integrity = contents(data / location.sqlite_path.name)
    assert integrity == "ok"
    if step in ("after-rename", "done"):
        assert (marker, clinicians) == ("from-backup", [])  # restored, whole
    else:
        assert (marker, clinicians) == ("live", ["Dr Live"])  # as it was, the logged record included
    safety = sorted((data / "backups").glob("*-before-restore.sqlite3"))
    if step != "after-safety-backup":
        assert safety and contents(safety[-1])[:2] == ("live", ["Dr Live"])  # and kept aside first


def test_a_restore_that_fails_after_the_copy_leaves_the_live_store_as_it_was(live_and_backup, monkeypatch):
    location, older = live_and_backup
    calls = []

    def failing_verify(path):
        calls.append(path)
        if len(calls) == 2:  # the restored copy (the first is the safety backup)
            raise DatabaseError("disk full")

    monkeypatch.setattr(backup, "_verify", failing_verify)
    with pytest.raises(DatabaseError, match="disk full"):
        backup.restore(location, older)
    assert contents(location.sqlite_path)[:2] == ("live", ["Dr Live"])
    assert not list(location.data_dir.glob("*.partial"))
