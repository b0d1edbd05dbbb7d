"""A new store appears whole or not at all: it is migrated and loaded under a temporary name in the
data folder and takes its own name in one step. Killed (SIGKILL) at any point of a first
`clinic-app db upgrade`, the data folder holds no store file or a complete one, never an empty or a
half-loaded one; the next start makes it, and clears what the killed one left once it is stale."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from clinic_app import settings
from clinic_app.content import loader
from clinic_app.errors import DatabaseError
from clinic_app.services import store_setup
from clinic_app.storage import database, preflight
from clinic_app.storage.database import Database

# A first `db upgrade` into the empty folder argv[1]. argv[2] "statement": killed with SIGKILL just
# before its Nth SQL statement (N = argv[3]; 0 counts them and prints the count); "step": killed
# just after the step argv[3].
KILLER = textwrap.dedent("""
    import os, signal, sys, tempfile
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from clinic_app.content import loader
    from clinic_app.storage import backup, preflight

    mode, arg = sys.argv[2], sys.argv[3]
    count = 0
    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    @event.listens_for(Engine, "before_cursor_execute")
    def statement(conn, cursor, sql, *args):
        global count
        count += 1
        if mode == "statement" and count == int(arg):
            die()

    def after(step, real):
        def call(*args, **kwargs):
            result = real(*args, **kwargs)
            if mode == "step" and arg == step and (step != "after-temp-made"
                                                   or kwargs.get("suffix") == preflight.NEW_STORE_SUFFIX):
                die()
            return result
        return call

    tempfile.mkstemp = after("after-temp-made", tempfile.mkstemp)
    loader.load_into = after("after-load", loader.load_into)
    backup._fold_log = after("after-fold", backup._fold_log)
    os.link = after("after-link", os.link)
    from clinic_app.cli import main
    code = main(["--data-dir", sys.argv[1], "db", "upgrade"])
    print("STATEMENTS", count)
    sys.exit(code)
""")

STEPS = {"after-temp-made": False, "after-load": False, "after-fold": False, "after-link": True}


def first_upgrade(data_dir, mode: str, arg) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILLER, str(data_dir), mode, str(arg)], capture_output=True,
                          text=True, timeout=180)


def complete(path) -> bool:
    """The store is there with its schema and the shipped content, whole."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == preflight.head_revision()
        assert conn.execute("SELECT count(*) FROM therapy").fetchone()[0] >= 28
        meta = dict(conn.execute("SELECT key, value FROM app_meta").fetchall())
        assert meta.get("content_fingerprint") and meta.get("library_version")
    finally:
        conn.close()
    return True


def leftovers(data_dir) -> list:
    """What is in the data folder besides the store, its SQLite companions and its backups."""
    usual = {settings.DATABASE_FILE, settings.DATABASE_FILE + "-wal", settings.DATABASE_FILE + "-shm", "backups"}
    return sorted(p for p in data_dir.iterdir() if p.name not in usual)


def check_after_kill(data_dir, point) -> bool:
    """The store is absent or complete, never empty; returns whether it is there."""
    path = data_dir / settings.DATABASE_FILE
    there = path.exists()
    if there:
        assert path.stat().st_size > 0, point
        assert complete(path), point
    pattern = preflight._new_store_name(path)
    assert all(pattern.match(p.name) for p in leftovers(data_dir)), (point, leftovers(data_dir))
    return there


def finish(data_dir, point) -> None:
    """The next start (what the killed one left made stale) makes the store and clears the rest."""
    old = time.time() - preflight.STALE_NEW_STORE_SECONDS - 60
    for path in leftovers(data_dir):
        os.utime(path, (old, old))
    again = first_upgrade(data_dir, "statement", 0)
    assert again.returncode == 0, (point, again.stderr[-800:])
    assert complete(data_dir / settings.DATABASE_FILE) and leftovers(data_dir) == [], point


def test_a_kill_at_any_point_of_a_first_preparation_leaves_no_store_or_a_complete_one(tmp_path):
    counted = first_upgrade(tmp_path / "count", "statement", 0)
    assert counted.returncode == 0, counted.stderr[-800:]
    total = int(counted.stdout.split("STATEMENTS")[-1])
    assert total > 100
    points = [("statement", n) for n in sorted({2, total // 4, 3 * total // 4, total})]
    points += [("step", step) for step in STEPS]

    def kill_then_finish(point) -> None:
        data = tmp_path / f"kill-{point[0]}-{point[1]}"
        killed = first_upgrade(data, *point)
        assert killed.returncode == -9, (point, killed.returncode, killed.stderr[-800:])
        there = check_after_kill(data, point)
        if point[0] == "step":
            assert there == STEPS[point[1]], point
            if point[1] != "after-link":  # killed while it was being made: its files are identifiable
                assert leftovers(data), point
        if point[0] == "step" or point[1] == total // 4:
            finish(data, point)

    with ThreadPoolExecutor(max_workers=2) as pool:  # two processes at a time, one per core
        for future in [pool.submit(kill_then_finish, point) for point in points]:
            future.result()


def test_while_a_new_store_is_made_nothing_is_at_its_name(location, monkeypatch):
    path = location.sqlite_path
    seen = []
    real = loader.load_into

    def load_into(db, *args, **kwargs):
        seen.append((path.exists(), db.location.sqlite_path.parent == path.parent,
                     db.location.sqlite_path.name.startswith(f".{path.name}-")))
        return real(db, *args, **kwargs)

    monkeypatch.setattr(loader, "load_into", load_into)
    result = store_setup.prepare(location)
    assert seen == [(False, True, True)]  # loaded under a temporary name beside it, the name still free
    assert result.revision == preflight.head_revision() and len(result.added) >= 28
    assert complete(path) and leftovers(location.data_dir) == []
    assert path.stat().st_mode & 0o077 == 0 and store_setup.is_ready(location)


def test_a_first_preparation_that_fails_leaves_no_store_file(location, monkeypatch):
    def broken(db, *args, **kwargs):
        raise DatabaseError("the content could not be loaded")

    monkeypatch.setattr(loader, "load_into", broken)
    with pytest.raises(DatabaseError, match="could not be loaded"):
        store_setup.prepare(location)
    assert not location.sqlite_path.exists() and leftovers(location.data_dir) == []
    monkeypatch.undo()
    store_setup.prepare(location)  # the next start makes it
    assert complete(location.sqlite_path)


def test_a_store_another_start_put_in_place_first_is_kept(location, prepared_location, tmp_path):
    other = settings.resolve(data_dir=tmp_path / "other")

    def meanwhile(db) -> str:  # another start finishes first and puts its store in place
        shutil.copyfile(prepared_location.sqlite_path, other.sqlite_path)
        return "filled"

    made, filled = database.create_new(other, fill=meanwhile)
    assert (made, filled) == (False, "filled")
    assert complete(other.sqlite_path) and leftovers(other.data_dir) == []
    db = Database.open(other)  # and it is opened as it is
    assert db.revision() == preflight.head_revision()
    db.close()
