"""Consultations from the command line: list, show, export, purge, reprint, and bad input."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3

import pytest
from pypdf import PdfReader

from clinic_app.cli import main
from clinic_app.printing import handout_jobs
from clinic_app.services import consultations
from clinic_app.services.consultations import ConsultationDraft
from clinic_app.services.handouts import HandoutRequest

STARTED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


@pytest.fixture
def visit(prepared_location, reader, tmp_path):
    """Consultation #1: NSAIDs and self-care discussed, one NSAIDs handout given; #2 another clinician's."""
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("INSERT INTO clinic_profile (name, address, phone, website, clinicians, disclaimer, paper_size, "
                     "large_print, keep_patient_names) VALUES ('Spine Clinic', '', '', '', '[]', '', 'a4', 0, 1)")
    printed = handout_jobs.produce(reader, HandoutRequest(therapies=("nsaids",)), output=tmp_path / "h.pdf")
    consultations.record(reader, ConsultationDraft(
        clinician="Dr A. Shah", patient_label="J. Smith", therapies=("nsaids", "self-care"), rows=("main_risks",),
        notes="=1+1 worried about the stomach", started_at=STARTED, handout_print_ids=(printed.record_id,)))
    consultations.record(reader, ConsultationDraft(
        clinician="Dr B. Okafor", therapies=("exercise-therapy",), started_at=STARTED + dt.timedelta(days=10)))
    return printed


def test_list_filters_and_json(prepared_location, visit, capsys):
    assert run(prepared_location, "consultations", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("#2 ") and "exercise-therapy" in lines[0]
    assert lines[1].startswith("#1 ") and "2026-11-20 09:30" in lines[1] and "nsaids, self-care" in lines[1]
    assert f"#{visit.record_id}" in lines[1]
    assert run(prepared_location, "consultations", "list", "--therapy", "self-care", "--clinician", "SHAH",
               "--since", "2026-11-20", "--until", "2026-11-20", "--json") == 0
    [item] = json.loads(capsys.readouterr().out)
    assert item["id"] == 1 and item["therapies"] == ["nsaids", "self-care"] and item["patient_label"] == "J. Smith"
    assert item["started_at"] == "2026-11-20T09:30:00" and item["content_versions"] == {"nsaids": 2, "self-care": 2}
    assert item["handouts"] == [{"id": visit.record_id, "sha256": visit.sha256}]
    assert run(prepared_location, "consultations", "list", "--since", "2026-11-21") == 0
    assert [line[:3] for line in capsys.readouterr().out.splitlines()] == ["#2 "]
    assert run(prepared_location, "consultations", "list", "--therapy", "lumbar-fusion") == 0
    assert capsys.readouterr().out.strip() == "no consultations match"


def test_show_checks_the_handouts(prepared_location, visit, capsys):
    assert run(prepared_location, "consultations", "show", "1") == 0
    out = capsys.readouterr().out
    for words in ("consultation #1", "Dr A. Shah", "J. Smith", "nsaids, self-care", "main_risks", "worried about the stomach",
                  f"handout #{visit.record_id}: SHA-256 {visit.sha256[:12]} verified"):
        assert words in out, words
    assert run(prepared_location, "consultations", "show", "1", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["notes"] == "=1+1 worried about the stomach" and data["handouts_verified"][0]["ok"] is True
    assert run(prepared_location, "consultations", "show", "7") == 2
    assert "no consultation with id 7" in capsys.readouterr().err


def test_export_writes_csv_and_nothing_on_a_bad_path(prepared_location, visit, tmp_path, capsys):
    out = tmp_path / "visits.csv"
    assert run(prepared_location, "consultations", "export", "--since", "2026-11-01", "-o", out) == 0
    assert "2 consultation(s) written" in capsys.readouterr().out
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [r["id"] for r in rows] == ["2", "1"]
    assert rows[1]["notes"] == "'=1+1 worried about the stomach" and rows[1]["handout sha256s"] == visit.sha256
    assert run(prepared_location, "consultations", "export", "--since", "2026-11-21", "-o", out) == 0
    assert [r["id"] for r in csv.DictReader(out.open(encoding="utf-8", newline=""))] == ["2"]
    missing = tmp_path / "no" / "visits.csv"
    assert run(prepared_location, "consultations", "export", "--since", "2026-11-01", "-o", missing) == 1
    assert f"cannot write {missing}: the folder {missing.parent} does not exist" in capsys.readouterr().err
    assert not missing.parent.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["data", "h.pdf", "visits.csv"]


KILLED_EXPORT = """
import os, signal, sys
real_replace = os.replace

def replace(source, target, *args, **kwargs):
    if str(source).endswith(".partial"):  # the export is written whole; it dies before it takes its name
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(source, target, *args, **kwargs)

os.replace = replace
from clinic_app.cli import main
sys.exit(main(["--data-dir", sys.argv[1], "consultations", "export", "--since", "2026-01-01", "-o", sys.argv[2]]))
"""


def test_an_export_killed_before_its_rename_leaves_the_old_file_and_the_next_export_tidies(
        prepared_location, visit, tmp_path, capsys):
    """kill -9 between writing the CSV and giving it its name: the file there before is untouched;
    the temporary file left behind goes with the next export once it is stale, a fresh one stays."""
    import os
    import subprocess
    import sys
    import time

    from clinic_app.storage import leftovers

    target = tmp_path / "visits.csv"
    target.write_text("last month's export\n")
    killed = subprocess.run([sys.executable, "-c", KILLED_EXPORT, str(prepared_location.data_dir), str(target)],
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert target.read_text() == "last month's export\n"
    [left] = [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert "Dr A. Shah" in left.read_text()  # the whole new export, never under the file's own name
    old = time.time() - leftovers.STALE_SECONDS - 60
    os.utime(left, (old, old))
    running = tmp_path / ".visits-st1llgo1.partial"  # another export still writing
    running.write_text("x")
    assert run(prepared_location, "consultations", "export", "--since", "2026-01-01", "-o", target) == 0
    assert not left.exists() and running.exists()
    assert "Dr A. Shah" in target.read_text()


def test_purge_asks_for_yes_first(prepared_location, visit, reader, capsys):
    assert run(prepared_location, "consultations", "purge", "--before", "2026-11-25") == 1
    assert "would remove patient labels and notes from 1 consultation(s)" in capsys.readouterr().out
    assert consultations.get(reader, 1).patient_label == "J. Smith"
    assert run(prepared_location, "consultations", "purge", "--before", "2026-11-25", "--yes") == 0
    assert "removed patient labels and notes from 1 consultation(s)" in capsys.readouterr().out
    purged, later = consultations.get(reader, 1), consultations.get(reader, 2)
    assert purged.patient_label is None and purged.notes is None and purged.therapies == ("nsaids", "self-care")
    assert later.purged_at is None


@pytest.fixture
def backups(prepared_location):
    """Backups in the backups folder: two from before 2026-11-25, one after, and a restore's safety copy today."""
    from clinic_app.storage import backup

    today = dt.datetime.now().replace(microsecond=0)
    return {b.reason: b for b in (backup.create(prepared_location, reason=reason, now=when) for reason, when in (
        ("auto", dt.datetime(2026, 11, 1, 8)), ("manual", dt.datetime(2026, 11, 24, 18)),
        ("before-upgrade-from-0006", dt.datetime(2026, 11, 26, 8)), ("before-restore", today)))}


def test_purge_removes_handout_notes_and_file_names_and_reports_older_handouts(prepared_location, visit, reader,
                                                                                tmp_path, capsys):
    from dataclasses import replace

    from clinic_app.printing.handout_html import render_handout_html
    from clinic_app.services import handout_log
    from clinic_app.services.handouts import compose_handout
    from clinic_app.storage.store import Store

    noted = handout_jobs.produce(reader, HandoutRequest(therapies=("nsaids",), notes="Okapi", next_steps="Quokka"),
                                 output=tmp_path / "handout-nsaids.pdf")
    handout = compose_handout(reader, HandoutRequest(therapies=("nsaids",), notes="Okapi-old"))
    doc = render_handout_html(handout)
    old = replace(doc, html=doc.filled_html(), notes="")  # recorded before notes were kept apart
    handout_log.record(Store.of(prepared_location), handout, old, kind="printer", destination="Front desk")
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)

    assert run(prepared_location, "consultations", "purge", "--before", tomorrow) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert ("would remove patient labels and notes from 2 consultation(s)" in out and "from 2 handout record(s) "
            "printed before it: patient names (0), notes and next steps (1), file names of saved PDFs (1;" in out)
    assert ("1 handout record(s) printed before this version of Clinic Reference hold their notes or next steps "
            "inside the stored handout itself" in out and "those records keep that text" in out)
    assert "Nothing was changed" in out

    assert run(prepared_location, "consultations", "purge", "--before", tomorrow, "--yes") == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "removed patient labels and notes from 2 consultation(s)" in out
    assert "notes and next steps (1), file names of saved PDFs (1; their folders are kept)" in out
    assert "every stored handout still matches its SHA-256" in out and "those records keep that text" in out
    assert "Copies of the database kept anywhere else" in out and "purge again" not in out
    assert handout_log.get_print(reader, visit.record_id).destination.endswith("(file name removed by a purge)")
    assert handout_log.get_print(reader, noted.record_id).destination == str(tmp_path.resolve() / "handout-nsaids.pdf")
    assert handout_log.load_snapshot(reader, noted.record_id).notes == ""
    assert run(prepared_location, "consultations", "show", "1") == 0  # its handout still verifies
    assert "verified" in capsys.readouterr().out


def test_purge_deletes_older_backups_only_when_asked_and_lists_them(prepared_location, visit, backups, reader,
                                                                      capsys):
    from clinic_app.storage import backup

    names = {reason: b.path.name for reason, b in backups.items()}
    assert run(prepared_location, "consultations", "purge", "--before", "2026-11-25") == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "4 backup(s) in" in out and "may still hold the text it would remove" in out
    assert "of those, 2 made before 2026-11-25 (add --backups to delete them with the purge)" in out

    assert run(prepared_location, "consultations", "purge", "--before", "2026-11-25", "--backups") == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("would delete 2 backup(s) made before 2026-11-25 from") for line in lines)
    assert f"  {names['auto']}" in lines and f"  {names['manual']}" in lines
    assert "Nothing was changed. Run again with --yes to purge and delete those backups." in lines
    assert len(backup.list_backups(prepared_location)) == 4  # a dry run deletes nothing
    assert consultations.get(reader, 1).patient_label == "J. Smith"

    assert run(prepared_location, "consultations", "purge", "--before", "2026-11-25", "--yes") == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "run again with --yes --backups to delete them" in out and "deleted" not in out
    assert len(backup.list_backups(prepared_location)) == 4  # nothing deleted without --backups

    assert run(prepared_location, "consultations", "purge", "--before", "2026-11-25", "--yes", "--backups") == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("deleted 2 backup(s) made before 2026-11-25 from") for line in lines)
    assert f"  {names['auto']}" in lines and f"  {names['manual']}" in lines
    assert {b.path.name for b in backup.list_backups(prepared_location)} == {
        names["before-upgrade-from-0006"], names["before-restore"]}
    assert "2 other backup(s) in" in " ".join(lines)

    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    assert run(prepared_location, "consultations", "purge", "--before", tomorrow, "--yes", "--backups") == 0
    out = capsys.readouterr().out
    assert f"  {names['before-upgrade-from-0006']}" in out.splitlines()
    assert f"kept {names['before-restore']}: the safety copy made today before a restore" in out
    assert [b.path.name for b in backup.list_backups(prepared_location)] == [names["before-restore"]]


def test_reprint_writes_each_handout_marked_and_logged(prepared_location, visit, tmp_path, capsys):
    folder = tmp_path / "again"
    folder.mkdir()
    assert run(prepared_location, "consultations", "reprint", "1", "-o", folder) == 0
    assert "verified" in capsys.readouterr().out
    pdf = folder / f"consultation-1-handout-{visit.record_id}.pdf"
    assert [p.name for p in folder.iterdir()] == [pdf.name]
    assert f"REPRINT of handout #{visit.record_id}" in " ".join(PdfReader(str(pdf)).pages[0].extract_text().split())
    assert run(prepared_location, "handout", "log", "--json") == 0
    newest = json.loads(capsys.readouterr().out)[0]
    assert newest["id"] != visit.record_id and newest["reprint_of"] == visit.record_id
    assert newest["sha256"] == visit.sha256 and newest["destination"] == str(pdf.resolve())


def test_reprint_refuses_a_missing_folder_a_tampered_copy_and_no_handouts(prepared_location, visit, tmp_path, capsys):
    assert run(prepared_location, "consultations", "reprint", "1", "-o", tmp_path / "nowhere") == 1
    assert f"cannot write the handouts to {tmp_path / 'nowhere'}: the folder does not exist" in capsys.readouterr().err
    assert run(prepared_location, "consultations", "reprint", "2", "-o", tmp_path) == 1
    assert "no handouts were given in consultation #2" in capsys.readouterr().err
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("DROP TRIGGER handout_print_unchanged")
        conn.execute("UPDATE handout_print SET sha256 = ? WHERE id = ?", ("0" * 64, visit.record_id))
    assert run(prepared_location, "consultations", "reprint", "1", "-o", tmp_path) == 1
    assert "consultation #1 was not reprinted" in capsys.readouterr().err
    assert run(prepared_location, "consultations", "show", "1") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "h.pdf"]
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM handout_print").fetchone() == (1,)


def test_usage_summary(prepared_location, visit, capsys):
    expected = {("2026-11", slug): [1, 0] for slug in ("nsaids", "self-care", "exercise-therapy")}
    expected.setdefault((dt.datetime.now(dt.UTC).strftime("%Y-%m"), "nsaids"), [0, 0])[1] = 1
    assert run(prepared_location, "consultations", "usage", "--months", "1200", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["month"], r["slug"]): [r["discussed"], r["handed_out"]] for r in rows} == expected
    assert run(prepared_location, "consultations", "usage", "--months", "1200") == 0
    assert "nsaids" in capsys.readouterr().out


@pytest.mark.parametrize("args", [
    ("list", "--since", "2026-13-01"),
    ("export", "--since", "2026-13-01", "-o", "x.csv"),
])
def test_bad_dates_are_named(prepared_location, capsys, args):
    assert run(prepared_location, "consultations", *args) == 1
    assert capsys.readouterr().err.strip() == "clinic-app: error: --since '2026-13-01' is not a date like 2026-12-31"


def test_dates_must_be_written_in_full(prepared_location, capsys):
    assert run(prepared_location, "consultations", "purge", "--before", "20261201") == 1
    assert "--before '20261201' is not a date like 2026-12-31" in capsys.readouterr().err
