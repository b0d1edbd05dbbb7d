"""The clinic's own writes are all or nothing: `edit set` (a therapy's text), `therapy add` (a
therapy of the clinic's own), `fields set` (cost and contact) and `clinic set --edit-passphrase`
are killed with SIGKILL just before each of many of their SQL statements, and each time the
store holds what it held before or everything the command was to write, never part of it; it
passes integrity_check, and the same command run again then finishes the job."""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from kill_at_statement import run_killed, statements

_spec = importlib.util.spec_from_file_location(
    "clinic_therapy_fixture", Path(__file__).parent / "test_clinic_therapies.py")
fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture)

TEXT = "Ask our front desk about this."


def state(path: Path, command: str) -> tuple:
    """What ``command`` changes, read with SQLite alone."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if command == "edit":
            row = conn.execute("SELECT origin, recovery FROM therapy "
                               "WHERE slug = 'nsaids'").fetchone()
            revisions = conn.execute("SELECT count(*) FROM content_revision r JOIN therapy t ON t.id = r.therapy_id "
                                     "WHERE t.slug = 'nsaids'").fetchone()[0]
            return (*row, revisions)
        if command == "therapy":
            return (conn.execute("SELECT count(*) FROM therapy WHERE slug = ?", (fixture.SLUG,)).fetchone()[0],
                    conn.execute("SELECT count(*) FROM reference WHERE verification = 'CLINIC'").fetchone()[0],
                    conn.execute("SELECT count(*) FROM content_revision").fetchone()[0])
        if command == "fields":
            return (tuple(conn.execute("SELECT field_key, value FROM clinic_field WHERE therapy_slug = 'yoga' "
                                       "ORDER BY field_key")),
                    conn.execute("SELECT count(*) FROM clinic_field_revision").fetchone()[0])
        return tuple(conn.execute("SELECT key FROM app_meta WHERE key LIKE 'edit_passphrase%' ORDER BY key"))


def argv(command: str, data: Path, tmp: Path) -> list[str]:
    base = ["--data-dir", str(data)]
    if command == "edit":
        return [*base, "edit", "set", "nsaids", "--field", "clinician.recovery", "--text", TEXT,
                "--by", "Dr Lee", "--why", "local note"]
    if command == "therapy":
        path = tmp / "back-care-class.yaml"
        if not path.exists():
            path.write_text(yaml.safe_dump(fixture.clinic_document(), sort_keys=False), encoding="utf-8")
        return [*base, "therapy", "add", str(path), "--by", "Dr Lee", "--why", "our own class"]
    if command == "fields":
        return [*base, "fields", "set", "yoga", "--cost", "A class costs $15. Most plans do not pay for it.",
                "--contact", "Call the front desk.", "--by", "Dr Lee", "--why", "class fees"]
    return [*base, "clinic", "set", "--edit-passphrase", "correct horse battery", "--by", "Dr Lee"]


def run(command: str, data: Path, tmp: Path, kill_at: int) -> subprocess.CompletedProcess:
    return run_killed(argv(command, data, tmp), kill_at)


@pytest.mark.parametrize("command", ["edit", "therapy", "fields", "passphrase"])
def test_a_kill_at_any_statement_leaves_the_old_state_or_the_new(command, prepared_location, tmp_path):
    seed = prepared_location.data_dir
    database = prepared_location.sqlite_path.name
    before = state(prepared_location.sqlite_path, command)
    counted_dir = tmp_path / "count"
    shutil.copytree(seed, counted_dir)
    counted = run(command, counted_dir, tmp_path, 0)
    assert counted.returncode == 0, counted.stderr
    after = state(counted_dir / database, command)
    assert after != before
    total = statements(counted)
    points = sorted(set(range(1, total + 1, max(1, total // 12))) | {total})

    def kill_then_finish(point: int) -> None:
        data = tmp_path / f"kill-{point}"
        shutil.copytree(seed, data)
        killed = run(command, data, tmp_path, point)
        assert killed.returncode == -9, (point, killed.returncode, killed.stderr[-500:])
        assert state(data / database, command) in (before, after), point  # never between
        again = run(command, data, tmp_path, 0)
        assert again.returncode == 0 or "nothing changed" in again.stderr.lower(), (point, again.stderr[-500:])
        assert state(data / database, command) == after, point

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(kill_then_finish, point) for point in points]:
            future.result()
