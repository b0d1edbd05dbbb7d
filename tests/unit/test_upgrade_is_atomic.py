"""A schema upgrade and the content load it needs are all or nothing, together: the process is killed
(SIGKILL, as a power cut or kill -9 would) at many points of `clinic-app db upgrade`, and each time
the store is left at the old revision or the new one, whole, with every record; the next
`db upgrade` finishes the job."""

from __future__ import annotations

import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from kill_at_statement import run_killed, statements

from clinic_app.storage import preflight
from clinic_app.storage.database import Database


def upgrade(data_dir, kill_at: int) -> subprocess.CompletedProcess:
    """``db upgrade``, killed with SIGKILL just before its Nth SQL statement (0: not killed)."""
    return run_killed(["--data-dir", data_dir, "db", "upgrade"], kill_at)


def kill_points(total: int) -> list[int]:
    """Every 20th statement through the schema changes (the first 200), then spread over the
    content load that follows."""
    early = list(range(1, min(total, 200), 25))
    late = [200 + (total - 200) * k // 4 for k in range(1, 4)] if total > 200 else []
    return sorted(set(early + late + [total]))


def state(path) -> dict:
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
        return {
            "revision": row[0] if row else None,
            "tables": tables - {"sqlite_sequence"},
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "broken_links": conn.execute("PRAGMA foreign_key_check").fetchall(),
            "consultations": conn.execute("SELECT clinician FROM consultation").fetchall()
            if "consultation" in tables else [],
            "therapies": conn.execute("SELECT count(*) FROM therapy").fetchone()[0] if "therapy" in tables else 0,
            "content": (conn.execute("SELECT value FROM app_meta WHERE key = 'content_fingerprint'").fetchone()
                        or [None])[0] if "app_meta" in tables else None,
        }


def at_0004_with_a_record(location) -> None:
    from alembic import command

    with sqlite3.connect(location.sqlite_path) as conn:  # (commits; closed below)
        conn.execute("INSERT INTO consultation (recorded_at, started_at, clinician, therapies, rows, content_versions, "
                     "library_version) VALUES ('2026-11-30', '2026-11-30', 'Dr A', '[\"nsaids\"]', '[]', '{}', 'x')")
    conn.close()
    db = Database.open(location)
    db.migrate(lambda config: command.downgrade(config, "0004"))
    db.close()


@pytest.mark.parametrize("start", ["empty", "0004 with a record"])
def test_a_kill_at_any_point_of_an_upgrade_leaves_the_old_store_or_the_new(start, prepared_location, tmp_path):
    seed = tmp_path / "seed"
    seed.mkdir()
    if start != "empty":
        at_0004_with_a_record(prepared_location)
        source = sqlite3.connect(prepared_location.sqlite_path)  # the file and its write-ahead log, whole
        copy = sqlite3.connect(seed / prepared_location.sqlite_path.name)
        source.backup(copy)
        source.close()
        copy.close()
    old = None if start == "empty" else "0004"
    head = preflight.head_revision()
    counted = upgrade(seed_copy(seed, tmp_path / "count"), 0)
    assert counted.returncode == 0, counted.stderr
    total = statements(counted)
    points = kill_points(total)
    assert len(points) >= 12

    def kill_then_finish(point: int) -> None:
        data = seed_copy(seed, tmp_path / f"kill-{point}")
        killed = upgrade(data, point)
        if killed.returncode == 0:
            # the batching of the content load varies a little from run to run (rows grouped by the
            # keys they carry): a run with fewer statements than this point finished whole, unkilled
            assert point > statements(killed), (point, statements(killed), killed.stderr[-500:])
        else:
            assert killed.returncode == -9, (point, killed.returncode, killed.stderr[-500:])
        path = data / prepared_location.sqlite_path.name
        if path.exists() and path.stat().st_size:
            after = state(path)
            assert after["revision"] in (old, head), (point, after["revision"])  # never between
            if after["revision"] is None:  # the old state of a new store: nothing in it at all
                assert after["tables"] == set(), (point, sorted(after["tables"]))
            assert after["integrity"] == "ok" and after["broken_links"] == [], point
            if after["revision"] == head:  # the new schema only ever with its content: one transaction
                assert after["content"] and after["therapies"] >= 28, (point, after["content"], after["therapies"])
            if old is not None:
                assert after["consultations"] == [("Dr A",)], point
        again = upgrade(data, 0)  # the next upgrade finishes the job
        assert again.returncode == 0, (point, again.stderr[-500:])
        final = state(path)
        assert final["revision"] == head and final["therapies"] >= 28 and final["broken_links"] == [], point
        if old is not None:
            assert final["consultations"] == [("Dr A",)], point

    with ThreadPoolExecutor(max_workers=2) as pool:  # two processes at a time, one per core
        for future in [pool.submit(kill_then_finish, point) for point in points]:
            future.result()


def seed_copy(seed, target):
    import shutil

    shutil.copytree(seed, target)
    return target
