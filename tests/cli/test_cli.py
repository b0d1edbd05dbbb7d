"""The command line as a clinic's script or IT person uses it, bad input included."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

import pytest

from clinic_app import __version__
from clinic_app.cli import main


def run(*args):
    return main([str(a) for a in args])


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        run("--version")
    assert stop.value.code == 0 and __version__ in capsys.readouterr().out


def test_help_describes_every_command(capsys):
    with pytest.raises(SystemExit):
        run("--help")
    out = capsys.readouterr().out
    for command in ("gui", "search", "content", "db", "--data-dir", "--database-url"):
        assert command in out
    for sub, words in (("db", ("upgrade", "check", "backup", "restore")), ("content", ("check", "report"))):
        with pytest.raises(SystemExit):
            run(sub, "--help")
        out = capsys.readouterr().out
        assert all(w in out for w in words)


def test_search_text_and_json(prepared_location, capsys):
    assert run("--data-dir", prepared_location.data_dir, "search", "plasma") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("platelet-rich-plasma")
    assert run("--data-dir", prepared_location.data_dir, "search", "plasma", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"][0]["slug"] == "platelet-rich-plasma" and "[" in data["results"][0]["snippet"]


def test_search_with_no_result_exits_1(prepared_location, capsys):
    assert run("--data-dir", prepared_location.data_dir, "search", "qqqzzz") == 1
    assert "no therapy matches" in capsys.readouterr().out


def test_first_search_creates_the_store(data_dir, capsys):
    assert run("--data-dir", data_dir, "search", "exercise") == 0
    assert "exercise-therapy" in capsys.readouterr().out


def test_environment_variable_points_to_the_data(prepared_location, monkeypatch, capsys):
    monkeypatch.setenv("CLINIC_APP_DATA_DIR", str(prepared_location.data_dir))
    assert run("db", "check") == 0
    assert str(prepared_location.data_dir) in capsys.readouterr().out


def test_db_check_reports_revision_and_content(prepared_location, capsys):
    assert run("--data-dir", prepared_location.data_dir, "db", "check") == 0
    out = capsys.readouterr().out
    assert "schema revision" in out and re.search(r"integrity check\s+ok", out) and "result: OK" in out


def test_db_check_without_a_database(data_dir, capsys):
    assert run("--data-dir", data_dir, "db", "check") == 1
    assert "clinic-app db upgrade" in capsys.readouterr().out


def test_not_a_database_is_named_and_untouched(location, capsys):
    location.sqlite_path.write_text("patient list, do not delete\n")
    for args in (("search", "plasma"), ("db", "check"), ("db", "upgrade")):
        assert run("--data-dir", location.data_dir, *args) == 1
        err = capsys.readouterr().err
        assert str(location.sqlite_path) in err and "not an SQLite file" in err and "Traceback" not in err
    assert location.sqlite_path.read_text() == "patient list, do not delete\n"


def test_newer_database_is_refused(prepared_location, capsys):
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num='9999'")
    before = prepared_location.sqlite_path.read_bytes()
    assert run("--data-dir", prepared_location.data_dir, "db", "upgrade") == 1
    assert "newer version of Clinic Reference" in capsys.readouterr().err
    assert prepared_location.sqlite_path.read_bytes() == before


def test_backup_list_and_restore(prepared_location, tmp_path, capsys):
    target = tmp_path / "copy.sqlite3"
    assert run("--data-dir", prepared_location.data_dir, "db", "backup", "-o", target) == 0
    assert target.exists() and "verified" in capsys.readouterr().out
    assert run("--data-dir", prepared_location.data_dir, "db", "backup") == 0
    assert run("--data-dir", prepared_location.data_dir, "db", "backups") == 0
    assert "manual" in capsys.readouterr().out
    assert run("--data-dir", prepared_location.data_dir, "db", "restore", target) == 0
    assert "restored" in capsys.readouterr().out
    assert run("--data-dir", prepared_location.data_dir, "db", "restore", tmp_path / "missing.sqlite3") == 1
    assert "does not exist" in capsys.readouterr().err


def test_content_report_text_and_json(capsys):
    assert run("content", "report") == 0
    out = capsys.readouterr().out
    assert "patient grade" in out and "platelet-rich-plasma" in out
    assert run("content", "report", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 28 and all(r["references"] >= 1 and r["patient_grade"] <= 8 for r in rows)


def test_gui_without_a_display_prints_one_clear_line(data_dir, monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert run("--data-dir", data_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no display" in err[0] and "clinic-app search" in err[0]


def test_unsupported_database_url(capsys):
    assert run("--database-url", "mysql://clinic/db", "db", "check") == 2
    assert "mysql://clinic/db" in capsys.readouterr().err


def test_a_server_that_cannot_be_reached_is_named(capsys):
    assert run("--database-url", "postgresql://clinic@127.0.0.1:1/db", "search", "prp") == 1
    err = capsys.readouterr().err
    assert "cannot reach the clinic's database server" in err and "Traceback" not in err


def test_module_entry_point_without_traceback(tmp_path):
    bad = tmp_path / "clinic.sqlite3"
    bad.write_bytes(b"\x00\x01 not sqlite")
    result = subprocess.run([sys.executable, "-m", "clinic_app", "--data-dir", str(tmp_path), "db", "check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and str(bad) in result.stderr


def test_db_upgrade_on_an_up_to_date_store_only_reads_it(prepared_location):
    """An up-to-date 'db upgrade' (every 'make run') neither migrates nor checks the content again:
    it reads the schema revision and the content fingerprint with SQLite alone, in a fresh process."""
    import subprocess
    import sys

    code = ("import sys; from clinic_app.cli import main; "
            f"rc = main(['--data-dir', {str(prepared_location.data_dir)!r}, 'db', 'upgrade']); "
            "print(rc, 'sqlalchemy' in sys.modules, 'alembic' in sys.modules, 'clinic_app.content.check' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "at schema revision" in out and out.strip().splitlines()[-1] == "0 False False False"


def test_an_unexpected_fault_is_one_line_and_its_traceback_stays_in_the_data_folder(data_dir, capsys, monkeypatch,
                                                                                     tmp_path):
    import stat
    import tempfile

    from clinic_app.cli import main, parser

    def fault(args):
        raise RuntimeError("a fault with J. Smith in it")

    monkeypatch.setitem(parser.HANDLERS, "search", fault)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "shared-temp"))
    (tmp_path / "shared-temp").mkdir()
    assert main(["--data-dir", str(data_dir), "search", "back"]) == 70
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unexpected error" in err[0] and "Traceback" not in err[0]
    log = data_dir / "clinic-app.log"
    assert "a fault with J. Smith in it" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert list((tmp_path / "shared-temp").iterdir()) == []


def test_a_write_that_waits_for_the_window_says_so_and_then_lands(prepared_location):
    """Another program (the window) holds the write lock: the command says it waits, and once the
    lock is let go its write is stored."""
    holder = sqlite3.connect(prepared_location.sqlite_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    command = subprocess.Popen([sys.executable, "-m", "clinic_app", "--data-dir", str(prepared_location.data_dir),
                                "clinic", "set", "--name", "Northside Spine Clinic"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = command.stderr.readline()  # the lock is held until the command has said it waits
        holder.execute("COMMIT")
        said += command.stderr.read()
        assert command.wait(timeout=60) == 0, said
    finally:
        holder.close()
        if command.poll() is None:
            command.kill()
    assert "in use by another program" in said and "waiting" in said
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        assert conn.execute("SELECT name FROM clinic_profile").fetchone()[0] == "Northside Spine Clinic"


def test_db_check_verifies_the_record_chain(prepared_location, capsys):
    from clinic_app.services import consultations
    from clinic_app.storage.store import Store

    consultations.record(Store.of(prepared_location), consultations.ConsultationDraft(clinician="Dr A",
                                                                                      therapies=("nsaids",)))
    assert run("--data-dir", prepared_location.data_dir, "db", "check") == 0
    out = capsys.readouterr().out
    assert re.search(r"chain\s+1 record, verified", out) and re.search(r"append-only rules\s+all 8 in place", out)
    assert re.search(r"stored handouts\s+0 verified", out) and "result: OK" in out


def test_db_check_names_the_first_broken_link_and_exits_1(prepared_location, capsys):
    from clinic_app.services import consultations
    from clinic_app.storage.store import Store

    store = Store.of(prepared_location)
    for clinician in ("Dr A", "Dr B"):
        consultations.record(store, consultations.ConsultationDraft(clinician=clinician, therapies=("nsaids",)))
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("DROP TRIGGER consultation_unchanged")
        conn.execute("UPDATE consultation SET therapies = '[\"self-care\"]' WHERE id = 1")
    conn.close()
    assert run("--data-dir", prepared_location.data_dir, "db", "check") == 1
    out = capsys.readouterr().out
    assert ("problem: record chain broken; the first broken link: consultation #1 does not match its chain entry "
            "(changed after it was recorded)") in out
    assert "consultation_unchanged (it stops consultation records being changed)" in out
    assert re.search(r"chain\s+2 records, broken", out) and "result: 2 problem(s)" in out
