"""A handout is in the log before, or at the moment, it leaves the app: a PDF takes its name only
once its record is committed (a failed record leaves no PDF and says why), a printer gets the pages
only after the record is made (a failed send says which record to reprint), and a process killed
(SIGKILL) at any step leaves no PDF that the log does not know."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from clinic_app import settings
from clinic_app.errors import DatabaseError, DatabaseLockedError
from clinic_app.printing import handout_jobs, paged
from clinic_app.printing.paged import PrintError
from clinic_app.services import handout_log
from clinic_app.services.handouts import HandoutRequest
from clinic_app.storage import database
from clinic_app.storage.store import Store

REQUEST = HandoutRequest(therapies=("nsaids",))


def records(location) -> int:
    conn = sqlite3.connect(location.sqlite_path)
    try:
        return conn.execute("SELECT count(*) FROM handout_print").fetchone()[0]
    finally:
        conn.close()


def partials(folder) -> list:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(paged.PARTIAL_SUFFIX))


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def locked_log(*args, **kwargs):
    raise DatabaseLockedError("the database /srv/clinic.sqlite3 is busy in another program; try again in a moment")


# --- a PDF -------------------------------------------------------------------------------------


def test_a_log_that_fails_leaves_no_pdf_no_temporary_file_and_says_why(store, prepared_location, out, monkeypatch):
    monkeypatch.setattr(handout_log, "log", locked_log)
    target = out / "h.pdf"
    with pytest.raises(DatabaseLockedError) as caught:
        handout_jobs.produce(store, REQUEST, output=target)
    message = caught.value.message
    assert "The handout was not saved" in message and "could not be recorded in the handout log" in message
    assert "/srv/clinic.sqlite3 is busy in another program" in message  # the database problem, by name
    assert f"No PDF was written to {target}" in message
    assert list(out.iterdir()) == []  # no PDF, and no temporary file either
    assert records(prepared_location) == 0


def test_an_older_pdf_at_the_target_stays_as_it_was_when_the_log_fails(store, out, monkeypatch):
    target = out / "h.pdf"
    target.write_bytes(b"%PDF-1.4 the handout given last week")
    monkeypatch.setattr(handout_log, "log", locked_log)
    with pytest.raises(DatabaseLockedError, match="the file already there was left as it was"):
        handout_jobs.produce(store, REQUEST, output=target)
    assert target.read_bytes() == b"%PDF-1.4 the handout given last week"
    assert list(out.iterdir()) == [target]


def test_a_database_locked_by_another_program_stops_the_pdf_until_it_is_free(store, prepared_location, out,
                                                                              monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    store.database()  # the write engine is open (and waits 0.2 s, not 5 s, for a lock)
    other = sqlite3.connect(prepared_location.sqlite_path, isolation_level=None, timeout=0.2)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    target = out / "h.pdf"
    try:
        with pytest.raises(DatabaseLockedError) as caught:
            handout_jobs.produce(store, REQUEST, output=target)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "not saved" in caught.value.message and str(prepared_location.sqlite_path) in caught.value.message
    assert "busy" in caught.value.message
    assert list(out.iterdir()) == [] and records(prepared_location) == 0
    result = handout_jobs.produce(store, REQUEST, output=target)  # the lock is gone: it goes through
    assert target.is_file() and records(prepared_location) == 1 and result.record_id


def test_a_record_the_database_refuses_leaves_no_pdf(store, prepared_location, out):
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("CREATE TRIGGER no_more BEFORE INSERT ON handout_print "
                     "BEGIN SELECT RAISE(ABORT, 'the log is full'); END")
    conn.close()
    with pytest.raises(DatabaseError) as caught:
        handout_jobs.produce(store, REQUEST, output=out / "h.pdf")
    assert "not saved" in caught.value.message and "the log is full" in caught.value.message
    assert str(prepared_location.sqlite_path) in caught.value.message
    assert list(out.iterdir()) == [] and records(prepared_location) == 0


def test_the_record_is_made_after_the_pdf_is_written_and_before_it_takes_its_name(store, out, monkeypatch):
    target = out / "h.pdf"
    seen = []
    real = handout_log.log

    def record(*args, **kwargs):
        written = [out / name for name in partials(out)]
        seen.append((target.exists(), [p.stat().st_size > 1000 and p.read_bytes()[:5] == b"%PDF-" for p in written]))
        return real(*args, **kwargs)

    monkeypatch.setattr(handout_log, "log", record)
    handout_jobs.produce(store, REQUEST, output=target)
    assert seen == [(False, [True])]  # the whole PDF sat under its temporary name; the target did not exist yet
    assert target.is_file() and partials(out) == []


def test_a_saved_handout_has_its_pdf_and_one_record_whose_sha256_matches(store, prepared_location, out):
    target = out / "h.pdf"
    result = handout_jobs.produce(store, REQUEST, output=target)
    assert target.read_bytes()[:5] == b"%PDF-" and partials(out) == []
    assert records(prepared_location) == 1
    item = handout_log.get_print(store, result.record_id)
    assert item.kind == "pdf" and item.destination == str(target.resolve())
    assert item.sha256 == result.sha256 == handout_log.load_snapshot(store, result.record_id).sha256
    assert handout_jobs.build_document(store, REQUEST)[1].sha256 == result.sha256


def test_a_pdf_that_cannot_take_its_name_after_the_record_says_which_record_to_reprint(store, prepared_location,
                                                                                     out, monkeypatch):
    target = out / "h.pdf"
    real = os.replace

    def failing(source, destination):
        if str(destination) == str(target):
            raise PermissionError(13, "Permission denied")
        real(source, destination)

    monkeypatch.setattr(paged.os, "replace", failing)
    with pytest.raises(PrintError) as caught:
        handout_jobs.produce(store, REQUEST, output=target)
    assert "recorded in the handout log as #1" in caught.value.message
    assert "clinic-app handout reprint 1" in caught.value.message and "Permission denied" in caught.value.message
    assert records(prepared_location) == 1 and list(out.iterdir()) == []


def test_a_reprint_whose_log_fails_leaves_no_pdf(store, prepared_location, out, monkeypatch):
    first = handout_jobs.produce(store, REQUEST, output=out / "first.pdf")
    monkeypatch.setattr(handout_log, "log_reprint", locked_log)
    with pytest.raises(DatabaseLockedError, match="not saved"):
        handout_jobs.reprint(store, first.record_id, output=out / "again.pdf")
    assert sorted(p.name for p in out.iterdir()) == ["first.pdf"] and records(prepared_location) == 1


def test_a_pdf_from_the_print_dialog_is_written_after_its_record_too(store, prepared_location, out, monkeypatch):
    from PySide6.QtPrintSupport import QPrinter

    paged.ensure_gui_application()
    target = out / "dialog.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(target))
    with monkeypatch.context() as patch:
        patch.setattr(handout_log, "log", locked_log)
        with pytest.raises(DatabaseLockedError, match="not saved"):
            handout_jobs.print_on(store, REQUEST, printer)
    assert list(out.iterdir()) == [] and records(prepared_location) == 0
    assert printer.outputFileName() == str(target)  # the dialog's choice is kept for the next try
    result = handout_jobs.print_on(store, REQUEST, printer)
    assert target.read_bytes()[:5] == b"%PDF-" and partials(out) == []
    assert handout_log.get_print(store, result.record_id).kind == "pdf"


# --- a printer ---------------------------------------------------------------------------------


@pytest.fixture
def office_printer(monkeypatch):
    """A printer called "Front desk" that takes the pages (the sends are listed) or fails."""
    sent = []
    monkeypatch.setattr(handout_jobs, "_known_printer", lambda name: None)

    def print_to(item, name, title=""):
        sent.append(name)
        if name == "jammed":
            raise PrintError("the printer or PDF file could not be opened for writing")
        return 2

    monkeypatch.setattr(handout_jobs, "print_to", print_to)
    return sent


def test_a_printer_gets_the_pages_only_after_the_record_is_made(store, prepared_location, office_printer,
                                                                monkeypatch):
    real = handout_log.log
    order = []
    monkeypatch.setattr(handout_log, "log", lambda *a, **k: order.append(("record", office_printer[:])) or real(*a, **k))
    result = handout_jobs.produce(store, REQUEST, printer="Front desk")
    assert order == [("record", [])] and office_printer == ["Front desk"]  # logged, then sent
    assert handout_log.get_print(store, result.record_id).kind == "printer" and records(prepared_location) == 1


def test_a_printer_that_fails_after_the_record_says_the_handout_was_logged_and_to_reprint_it(
        store, prepared_location, office_printer):
    with pytest.raises(PrintError) as caught:
        handout_jobs.produce(store, REQUEST, printer="jammed")
    message = caught.value.message
    assert "recorded in the handout log as #1" in message and "printing on the printer jammed failed" in message
    assert "could not be opened" in message and "clinic-app handout reprint 1 --printer jammed" in message
    assert records(prepared_location) == 1  # the log stays append-only: the record is kept


def test_a_log_that_fails_sends_nothing_to_the_printer(store, prepared_location, office_printer, monkeypatch):
    monkeypatch.setattr(handout_log, "log", locked_log)
    with pytest.raises(DatabaseLockedError) as caught:
        handout_jobs.produce(store, REQUEST, printer="Front desk")
    assert "The handout was not printed" in caught.value.message
    assert "Nothing was sent to the printer Front desk" in caught.value.message
    assert office_printer == [] and records(prepared_location) == 0


def test_an_unknown_printer_is_refused_before_anything_is_logged(store, prepared_location):
    with pytest.raises(PrintError, match="no printer named 'Nowhere'"):
        handout_jobs.produce(store, REQUEST, printer="Nowhere")
    assert records(prepared_location) == 0


def test_a_reprint_to_a_failing_printer_is_logged_as_a_reprint_first(store, prepared_location, office_printer, out):
    first = handout_jobs.produce(store, REQUEST, output=out / "first.pdf")
    with pytest.raises(PrintError, match="recorded in the handout log as #2"):
        handout_jobs.reprint(store, first.record_id, printer="jammed")
    assert handout_log.get_print(store, 2).reprint_of == first.record_id


def test_the_print_dialogs_printer_gets_the_pages_after_the_record(store, prepared_location, monkeypatch):
    from PySide6.QtPrintSupport import QPrinter

    paged.ensure_gui_application()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
    painted = []

    def paint(item, device):
        painted.append(records(prepared_location))
        raise PrintError("the printer or PDF file could not be opened for writing")

    monkeypatch.setattr(handout_jobs, "paint", paint)
    with pytest.raises(PrintError, match="recorded in the handout log as #1"):
        handout_jobs.print_on(store, REQUEST, printer)
    assert painted == [1]  # the record was committed before the first page was painted


# --- what a cut-short run leaves ---------------------------------------------------------------


def test_a_temporary_pdf_left_by_a_cut_short_run_is_removed_by_a_later_one_once_stale(store, out):
    stale = out / ".h-abc123xy.pdf.partial"  # as a run killed before its rename leaves it
    fresh = out / ".k-def456uv.pdf.partial"  # another run, still writing
    mine = out / ".notes.partial"  # not a temporary PDF of this app
    for path in (stale, fresh, mine):
        path.write_bytes(b"%PDF-")
    old = time.time() - paged.STALE_PARTIAL_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(mine, (old, old))
    handout_jobs.produce(store, REQUEST, output=out / "next.pdf")
    assert sorted(p.name for p in out.iterdir()) == sorted([fresh.name, mine.name, "next.pdf"])


# Makes a handout PDF with the command line and kills itself with SIGKILL at the step argv[3].
KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from clinic_app.printing import handout_jobs
    from clinic_app.services import handout_log

    step, target = sys.argv[3], Path(sys.argv[2])
    def die():
        print("KILLED", step, file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    real_build, real_paint, real_record, real_replace = (handout_jobs.build_document, handout_jobs.paint_pdf,
                                                         handout_log.log, os.replace)
    inserted = [False]

    @event.listens_for(Engine, "before_cursor_execute")
    def statement(conn, cursor, sql, *args):
        if sql.lstrip().upper().startswith("INSERT INTO HANDOUT_PRINT"):
            inserted[0] = True

    @event.listens_for(Engine, "commit")
    def commit(conn):
        if step == "during-log" and inserted[0]:  # the row is written, its transaction not committed
            die()

    def build(*args, **kwargs):
        made = real_build(*args, **kwargs)
        if step == "after-layout":
            die()
        return made

    def paint(*args, **kwargs):
        pages = real_paint(*args, **kwargs)
        if step == "after-temp-written":
            die()
        return pages

    def record(*args, **kwargs):
        record_id = real_record(*args, **kwargs)
        if step == "after-log-committed":
            die()
        return record_id

    def replace(source, destination):
        real_replace(source, destination)
        if step == "after-rename" and Path(destination) == target:
            die()

    handout_jobs.build_document, handout_jobs.paint_pdf, handout_log.log, os.replace = build, paint, record, replace
    from clinic_app.cli import main
    sys.exit(main(["--data-dir", sys.argv[1], "handout", "--therapy", "nsaids", "-o", str(target)]))
""")

# step: (PDF at the target, records, temporary PDFs left)
STEPS = {
    "after-layout": (False, 0, 0),
    "after-temp-written": (False, 0, 1),
    "during-log": (False, 0, 1),
    "after-log-committed": (False, 1, 1),
    "after-rename": (True, 1, 0),
    "done": (True, 1, 0),
}


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_any_step_never_leaves_a_pdf_without_its_record(step, prepared_location, tmp_path):
    data = tmp_path / "data-copy"
    shutil.copytree(prepared_location.data_dir, data)
    location = settings.resolve(data_dir=data)
    folder = tmp_path / "handouts"
    folder.mkdir()
    target = folder / "X.pdf"
    killed = subprocess.run([sys.executable, "-c", KILLER, str(data), str(target), step], capture_output=True,
                            text=True, timeout=180)
    assert killed.returncode == (0 if step == "done" else -9), killed.stderr[-800:]
    assert (f"KILLED {step}" in killed.stderr) == (step != "done")  # killed where it was meant to be
    left = [folder / name for name in partials(folder)]
    after = (target.exists(), records(location), len(left))
    assert after == STEPS[step]
    assert not (after[0] and not after[1])  # never a PDF that the log does not know
    if after[1]:
        item = handout_log.list_prints(Store.of(location))[0]
        assert item.destination == str(target.resolve())
        assert handout_log.load_snapshot(Store.of(location), item.id).sha256 == item.sha256
    if after[0]:
        assert target.read_bytes()[:5] == b"%PDF-"
    # What a killed run leaves is a hidden temporary file named after its target; a later run into
    # the same folder removes it once it is stale (a fresh one may be another run's, still writing).
    assert all(paged._PARTIAL_NAME.match(p.name) and p.name.startswith(".X-") for p in left)
    old = time.time() - paged.STALE_PARTIAL_SECONDS - 60
    for path in left:
        os.utime(path, (old, old))
    handout_jobs.produce(Store.of(location), REQUEST, output=folder / "next.pdf")
    assert partials(folder) == [] and (folder / "next.pdf").is_file()
    assert records(location) == after[1] + 1
