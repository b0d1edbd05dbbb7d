"""A room's outbox file on its own (no server): an older file is upgraded in place with its entries
kept; a refusal is noted on an entry; a refused entry is set aside in one transaction, never lost,
even when the process is killed at any statement of the move; and ``clinic-app db outbox`` lists,
exports and sets aside, refusing a bad key or file by name with nothing changed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import uuid

import pytest

from clinic_app.cli import main
from clinic_app.storage.outbox import FILE_NAME, Outbox, OutboxError, waiting_on

# A server no test reaches: the outbox commands never need one.
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/clinic"
OLD_SCHEMA = ("CREATE TABLE IF NOT EXISTS entry (id INTEGER PRIMARY KEY AUTOINCREMENT, record_key TEXT NOT NULL UNIQUE, "
              "kind TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL)")


def consultation(handout_keys=(), clinician="Dr A. Shah") -> dict:
    return {"clinician": clinician, "patient_label": "", "therapies": ["nsaids", "self-care"], "rows": [],
            "notes": "Walk daily", "started_at": "2026-12-01T09:00:00+00:00", "handout_print_ids": [],
            "handout_keys": list(handout_keys), "corrects": None, "recorded_at": "2026-12-01T09:30:00"}


def handout() -> dict:
    return {"kind": "pdf", "destination": "/out/j-smith.pdf", "therapies": ["nsaids"], "clinician": "Dr A. Shah",
            "snapshot": "eJwDAAAAAAE=", "sha256": "0" * 64, "printed_at": "2026-12-01T09:10:00"}


def key() -> str:
    return str(uuid.uuid4())


def run(data_dir, *args, capsys):
    code = main(["--data-dir", str(data_dir), "--database-url", UNREACHABLE, "db", "outbox", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def rows(path) -> tuple[list, list]:
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("SELECT record_key FROM entry ORDER BY id").fetchall(),
                conn.execute("SELECT record_key FROM set_aside ORDER BY id").fetchall())
    finally:
        conn.close()


def test_an_outbox_file_from_before_refusals_is_upgraded_in_place_and_its_entries_kept(tmp_path):
    path = tmp_path / FILE_NAME
    first, second = key(), key()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(OLD_SCHEMA)
    for record_key, kind, payload in ((first, "handout", handout()), (second, "consultation", consultation([first]))):
        conn.execute("INSERT INTO entry (record_key, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                     (record_key, kind, json.dumps(payload), "2026-12-01T09:10:00+00:00"))
    conn.commit()
    conn.close()

    outbox = Outbox(path)
    held = outbox.entries()
    assert [(e.key, e.kind) for e in held] == [(first, "handout"), (second, "consultation")]
    assert held[1].payload == consultation([first]) and not any(e.refused for e in held)
    assert outbox.set_aside_entries() == [] and outbox.count() == 2
    conn = sqlite3.connect(path)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(entry)")}
    conn.close()
    assert {"refused_at", "refusal"} <= columns

    outbox.refuse(held[0].id, "value too long")  # the upgraded file takes refusals and set-asides
    assert outbox.set_aside(first).refusal == "value too long"
    assert [e.key for e in outbox.entries()] == [second] and [e.key for e in Outbox(path).set_aside_entries()] == [first]


def test_a_refusal_is_noted_and_only_a_refused_entry_can_be_set_aside(tmp_path):
    outbox = Outbox(tmp_path / FILE_NAME)
    refused, untried = key(), key()
    outbox.hold(refused, "handout", handout())
    outbox.hold(untried, "consultation", consultation([refused]))
    entry = outbox.entries()[0]
    outbox.refuse(entry.id, "the database refused the handout log record (value too long)")
    held = outbox.entries()
    assert held[0].refused and held[0].refusal.endswith("(value too long)") and not held[1].refused
    assert waiting_on(held) == {untried: refused}  # the consultation gave that handout: it waits

    with pytest.raises(OutboxError, match=f"'{untried}' has not been refused by the server"):
        outbox.set_aside(untried)
    with pytest.raises(OutboxError, match="holds no record with the key 'no-such-key'"):
        outbox.set_aside("no-such-key")
    assert [e.key for e in outbox.entries()] == [refused, untried] and outbox.set_aside_entries() == []

    moved = outbox.set_aside(refused)
    assert moved.set_aside_at and moved.payload == handout()
    with pytest.raises(OutboxError, match="already set aside"):
        outbox.set_aside(refused)
    assert [e.key for e in outbox.entries()] == [untried] and outbox.count() == 1
    assert [e.key for e in outbox.set_aside_entries()] == [refused]
    assert outbox.find(refused).set_aside_at == moved.set_aside_at  # still found, to export


def test_db_outbox_lists_exports_and_sets_aside(data_dir, capsys):
    outbox = Outbox(data_dir / FILE_NAME)
    printed, visit, later = key(), key(), key()
    outbox.hold(printed, "handout", handout())
    outbox.hold(visit, "consultation", consultation([printed]))
    outbox.hold(later, "consultation", consultation(clinician="Dr B. Jones"))
    outbox.refuse(outbox.entries()[0].id, "value too long for type character varying(200)")

    code, out, _ = run(data_dir, capsys=capsys)
    assert code == 0
    assert "3 record(s) held" in out and printed in out and visit in out and later in out
    assert "nsaids (pdf /out/j-smith.pdf)" in out and "Dr B. Jones: nsaids, self-care" in out
    assert "refused by the server" in out and "value too long for type character varying(200)" in out
    assert f"waits for the handout (key {printed})" in out

    target = data_dir / "refused.json"
    code, out, _ = run(data_dir, "--export", printed, target, capsys=capsys)
    assert code == 0 and str(target) in out
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written["kind"] == "handout" and written["record_key"] == printed and written["record"] == handout()
    assert written["refusal"] == "value too long for type character varying(200)" and written["held_at"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o600)

    code, out, err = run(data_dir, "--export", visit, target, capsys=capsys)  # never over an existing file
    assert code == 1 and f"{target} already exists" in err
    assert json.loads(target.read_text(encoding="utf-8"))["record_key"] == printed

    code, out, err = run(data_dir, "--set-aside", printed, capsys=capsys)
    assert code == 0 and "set aside the handout" in out and visit in out  # the consultation that gave it is named
    code, out, _ = run(data_dir, capsys=capsys)
    assert "2 record(s) held" in out and "set aside (1)" in out
    assert out.index("set aside (1)") < out.index(printed)  # listed under "set aside"

    code, _, _ = run(data_dir, "--export", printed, data_dir / "aside.json", capsys=capsys)  # set aside: still there
    assert code == 0 and json.loads((data_dir / "aside.json").read_text(encoding="utf-8"))["set_aside_at"]


def test_db_outbox_refuses_a_bad_key_or_file_by_name_and_changes_nothing(data_dir, capsys):
    outbox = Outbox(data_dir / FILE_NAME)
    code, out, err = run(data_dir, "--set-aside", "no-such-key", capsys=capsys)
    assert code == 1 and "'no-such-key'" in err and "no outbox" in err and "Traceback" not in err
    assert not outbox.path.exists()
    code, out, _ = run(data_dir, capsys=capsys)
    assert code == 0 and "nothing held in this room" in out

    held = key()
    outbox.hold(held, "consultation", consultation())
    before = rows(outbox.path)
    for args, named in ((("--set-aside", held), "has not been refused"),
                        (("--set-aside", "no-such-key"), "'no-such-key'"),
                        (("--set-aside", "a\0b"), "NUL"),
                        (("--export", "no-such-key", data_dir / "out.json"), "'no-such-key'"),
                        (("--export", held, data_dir / "missing" / "out.json"), str(data_dir / "missing" / "out.json"))):
        code, out, err = run(data_dir, *args, capsys=capsys)
        assert code == 1 and named in err and "Traceback" not in err, (args, out, err)
        assert rows(outbox.path) == before, args
    assert not (data_dir / "out.json").exists() and not (data_dir / "missing").exists()


# Kill-safety: the child counts every statement the outbox sends to SQLite and is killed (SIGKILL,
# as a power cut) just before the Nth; 0 runs it whole and prints how many there were.
_CHILD = textwrap.dedent("""
    import os, signal, sqlite3, sys
    count, target = 0, int(sys.argv[1])
    connect = sqlite3.connect

    def traced(statement):
        global count
        count += 1
        if count == target:
            os.kill(os.getpid(), signal.SIGKILL)

    def counting_connect(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(traced)
        return conn

    sqlite3.connect = counting_connect
    from clinic_app.cli import main
    code = main(sys.argv[2:])
    print("STATEMENTS", count)
    sys.exit(code)
""")


def test_setting_aside_killed_at_any_statement_leaves_the_entry_in_exactly_one_place(tmp_path):
    room = tmp_path / "room"
    room.mkdir(mode=0o700)
    refused, after = key(), key()

    def fresh() -> Outbox:
        for suffix in ("", "-wal", "-shm"):
            (room / f"{FILE_NAME}{suffix}").unlink(missing_ok=True)
        outbox = Outbox(room / FILE_NAME)
        outbox.hold(refused, "handout", handout())
        outbox.hold(after, "consultation", consultation())
        outbox.refuse(outbox.entries()[0].id, "value too long")
        return outbox

    def set_aside(kill_at: int) -> subprocess.CompletedProcess:
        argv = ["--data-dir", room, "--database-url", UNREACHABLE, "db", "outbox", "--set-aside", refused]
        return subprocess.run([sys.executable, "-c", _CHILD, str(kill_at), *map(os.fspath, argv)],
                              capture_output=True, text=True, timeout=120)

    fresh()
    whole = set_aside(0)
    assert whole.returncode == 0, whole.stderr[-2000:]
    total = int(whole.stdout.split("STATEMENTS")[-1])
    assert total > 4
    seen = set()
    for kill_at in range(1, total + 1):
        outbox = fresh()
        killed = set_aside(kill_at)
        assert killed.returncode == -9, (kill_at, killed.stdout, killed.stderr[-2000:])
        queued = [e.key for e in outbox.entries()]
        aside = [e.key for e in outbox.set_aside_entries()]
        assert (refused in queued) != (refused in aside), (kill_at, queued, aside)  # one place, never both or neither
        assert after in queued and after not in aside, kill_at
        moved = refused in aside
        seen.add(moved)
        if moved:
            assert outbox.set_aside_entries()[0].refusal == "value too long" and outbox.find(refused).payload == handout()
        else:
            assert outbox.entries()[0].refused and outbox.set_aside(refused).key == refused  # the move can be done again
    assert seen == {False, True}  # killed both before and after the move committed
