"""The clinic's own writes are all or nothing: `edit set` (a therapy's text), `therapy add` (a
therapy of the clinic's own), `therapy remove` and `therapy restore`, `condition set` and
`condition revert` (a condition's text), `fields set` (cost and contact) and `clinic set --edit-passphrase`
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
CONDITION = "chronic-low-back-pain"
# a command that finds its work already done says so and changes nothing
ALREADY_DONE = ("nothing changed", "nothing to revert", "was removed already", "is not a therapy the clinic removed")


def shorter_what_it_is() -> str:
    """The shipped patient text of the condition without its last sentence: shipped words only."""
    from clinic_app.content.check import load_content

    text = next(c for c in load_content()[0].conditions if c.slug == CONDITION).patient.what_it_is
    return text[: text.rindex("That kind of leg pain")].strip()


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
        if command in ("remove", "restore"):
            return (conn.execute("SELECT count(*) FROM therapy WHERE slug = ?", (fixture.SLUG,)).fetchone()[0],
                    conn.execute("SELECT count(*) FROM withdrawn_therapy").fetchone()[0],
                    conn.execute("SELECT count(*) FROM content_revision").fetchone()[0],
                    conn.execute("SELECT count(*) FROM search_index").fetchone()[0])
        if command in ("condition", "condition-revert"):
            return (conn.execute("SELECT patient_text FROM condition WHERE slug = ?", (CONDITION,)).fetchone()[0],
                    conn.execute("SELECT count(*) FROM condition_revision WHERE condition_slug = ?",
                                 (CONDITION,)).fetchone()[0])
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
    if command == "remove":
        return [*base, "therapy", "remove", fixture.SLUG, "--by", "Dr Lee", "--why", "the class has stopped"]
    if command == "restore":
        return [*base, "therapy", "restore", fixture.SLUG, "--by", "Dr Lee", "--why", "running again"]
    if command == "condition":
        return [*base, "condition", "set", CONDITION, "--field", "patient.what_it_is", "--text", shorter_what_it_is(),
                "--by", "Dr Lee", "--why", "shorter"]
    if command == "condition-revert":
        return [*base, "condition", "revert", CONDITION, "1", "--by", "Dr Lee", "--why", "the shipped text"]
    if command == "fields":
        return [*base, "fields", "set", "yoga", "--cost", "A class costs $15. Most plans do not pay for it.",
                "--contact", "Call the front desk.", "--by", "Dr Lee", "--why", "class fees"]
    return [*base, "clinic", "set", "--edit-passphrase", "correct horse battery", "--by", "Dr Lee"]


def run(command: str, data: Path, tmp: Path, kill_at: int) -> subprocess.CompletedProcess:
    return run_killed(argv(command, data, tmp), kill_at)


# what must be stored before the command can run: the commands that do it, in order
BEFORE = {"remove": ("therapy",), "restore": ("therapy", "remove"), "condition-revert": ("condition",)}


@pytest.mark.parametrize("command", ["edit", "therapy", "fields", "passphrase", "remove", "restore", "condition",
                                     "condition-revert"])
def test_a_kill_at_any_statement_leaves_the_old_state_or_the_new(command, prepared_location, tmp_path):
    seed = prepared_location.data_dir
    database = prepared_location.sqlite_path.name
    for first in BEFORE.get(command, ()):
        done = run(first, seed, tmp_path, 0)
        assert done.returncode == 0, done.stderr
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
        assert again.returncode == 0 or any(said in again.stderr.lower() for said in ALREADY_DONE), (
            point, again.stderr[-500:])
        assert state(data / database, command) == after, point

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(kill_then_finish, point) for point in points]:
            future.result()
