"""The consultation records window as a clinic uses it: find past consultations, check and reprint
what the patient took home, ask for a correction, export the list, and see which therapies were
discussed and handed out most."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from clinic_app.printing import handout_jobs
from clinic_app.services import consultations, handout_log
from clinic_app.services.consultations import ConsultationDraft
from clinic_app.services.handouts import HandoutRequest
from clinic_app.ui import dialogs
from clinic_app.ui.operations import store_events
from clinic_app.ui.records.consultation_records import ConsultationsWindow, ConsultationTableModel, FolderDialog, open_records
from clinic_app.ui.records.usage_chart import BarRole, UsageModel, month_label, usage_for

PRP = "platelet-rich-plasma"
NSAIDS = "NSAIDs (non-steroidal anti-inflammatory drugs)"


@pytest.fixture
def records(prepared_location, reader, tmp_path):
    """Ana's consultation with an NSAIDs handout, and Ben's PRP consultation corrected to PRP and NSAIDs."""
    now = dt.datetime.now(dt.UTC)
    handout = handout_jobs.produce(reader, HandoutRequest(therapies=("nsaids",)), output=tmp_path / "h.pdf")

    def record(corrects=None, **fields):
        return consultations.record(reader, ConsultationDraft(**fields), corrects=corrects)

    ana = record(clinician="Dr Ana Lee", therapies=("nsaids",), notes="Knee pain.\nSecond line.",
                 started_at=now - dt.timedelta(minutes=2), handout_print_ids=(handout.record_id,))
    ben = record(clinician="Dr Ben Ortiz", therapies=(PRP,), started_at=now - dt.timedelta(minutes=1))
    fixed = record(corrects=ben, clinician="Dr Ben Ortiz", therapies=(PRP, "nsaids"), notes="Also discussed NSAIDs",
                   started_at=now - dt.timedelta(minutes=1))
    return {"ana": ana, "ben": ben, "fixed": fixed, "print": handout.record_id, "sha256": handout.sha256}


def settle(qtbot, window):
    """Wait until the records read on the worker are shown (the read starts after a pause in typing)."""
    qtbot.waitUntil(lambda: not window.is_loading())


@pytest.fixture
def make_records_window(qtbot, reader, prepared_location, errors):
    def make():
        window = ConsultationsWindow(reader)
        window.errors = errors
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        settle(qtbot, window)
        return window
    return make


@pytest.fixture
def window(records, make_records_window):
    return make_records_window()


def shown_ids(window):
    model = window.table_model
    return [model.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(model.rowCount())]


def select(window, consultation_id):
    window.table.selectRow(window.table_model.row_of(consultation_id))
    assert window.selected_item().id == consultation_id


def usage_rows(window):
    model = window.usage_model
    return {model.index(r, 0).data(Qt.ItemDataRole.UserRole): (model.index(r, 1).data(), model.index(r, 2).data())
            for r in range(model.rowCount())}


def test_models_pass_the_model_tester(qtmodeltester, reader, records):
    table = ConsultationTableModel({"nsaids": "NSAIDs"})
    table.set_items(consultations.list_consultations(reader, include_superseded=True))
    qtmodeltester.check(table)
    usage = UsageModel()
    usage.set_rows(usage_for(consultations.usage(reader, 12)), "in the last 12 months")
    qtmodeltester.check(usage)


def test_the_list_shows_the_latest_records_and_all_with_the_checkbox(qtbot, window, records):
    assert shown_ids(window) == [records["fixed"], records["ana"]]
    assert "2 consultations" in window.summary_label.text()
    model = window.table_model
    first = [model.index(0, c).data() for c in range(model.columnCount())]
    assert first[1:] == ["Dr Ben Ortiz", "—", f"Intradiscal platelet-rich plasma (PRP), {NSAIDS}", "0",
                         "Also discussed NSAIDs", f"corrects #{records['ben']}"]
    started = consultations.get(window.store, records["fixed"]).started_at.replace(tzinfo=dt.UTC).astimezone()
    assert first[0] == f"{started.day} {started:%b %Y %H:%M}"
    ana = model.row_of(records["ana"])
    assert model.index(ana, 4).data() == "1" and model.index(ana, 5).data() == "Knee pain."
    window.superseded_box.setChecked(True)
    settle(qtbot, window)
    assert shown_ids(window) == [records["fixed"], records["ben"], records["ana"]]
    assert model.index(model.row_of(records["ben"]), 6).data() == f"corrected by #{records['fixed']}"


def test_filters_narrow_the_rows(qtbot, window, records):
    window.clinician_field.setText("ana")
    settle(qtbot, window)
    assert shown_ids(window) == [records["ana"]]
    window.clinician_field.clear()
    window.therapy_combo.setCurrentIndex(window.therapy_combo.findData(PRP))
    settle(qtbot, window)
    assert shown_ids(window) == [records["fixed"]]
    window.superseded_box.setChecked(True)
    settle(qtbot, window)
    assert shown_ids(window) == [records["fixed"], records["ben"]]
    window.therapy_combo.setCurrentIndex(0)
    window.to_edit.setDate(window.to_edit.date().addDays(-3))
    settle(qtbot, window)
    assert shown_ids(window) == [] and window.summary_label.text() == "No consultations match these filters."
    assert not window.export_button.isEnabled() and not window.correct_button.isEnabled()


def checked(qtbot, window) -> str:
    """The details once the hash checks (run off the GUI thread) are in."""
    qtbot.waitUntil(lambda: "Checking" not in window.details.toPlainText(), timeout=10_000)
    return window.details.toPlainText()


def test_details_show_every_field_and_the_verified_hash(qtbot, window, records):
    select(window, records["ana"])
    text = checked(qtbot, window)
    assert f"Consultation #{records['ana']}" in text and "Clinician: Dr Ana Lee" in text
    assert "Knee pain.\nSecond line." in text and f"{NSAIDS} v" in text
    assert f"✓ Handout #{records['print']} verified" in text
    assert window.reprint_button.isEnabled()
    select(window, records["fixed"])
    checked(qtbot, window)
    assert f"Corrects consultation #{records['ben']}." in window.details.toPlainText()
    assert "none given" in window.details.toPlainText() and not window.reprint_button.isEnabled()


def test_reprint_writes_the_handouts_and_logs_them_as_reprints(qtbot, window, records, reader, tmp_path,
                                                                monkeypatch):
    folder = tmp_path / "reprints"
    folder.mkdir()
    monkeypatch.setattr(FolderDialog, "ask", classmethod(lambda cls, parent: folder))
    select(window, records["ana"])
    with qtbot.waitSignal(store_events().changed, timeout=30_000):  # written off the GUI thread
        window.reprint()
    assert window.errors == []
    assert [p.name for p in folder.iterdir()] == [f"consultation-{records['ana']}-handout-{records['print']}.pdf"]
    latest = handout_log.list_prints(reader)[0]
    assert latest.reprint_of == records["print"] and latest.sha256 == records["sha256"]
    assert window.note_label.text() == f"Wrote 1 PDF to {folder}. Logged as handout #{latest.id}."


def test_a_tampered_handout_is_not_reprinted(qtbot, window, records, prepared_location, tmp_path, monkeypatch):
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("DROP TRIGGER handout_print_unchanged")
        conn.execute("UPDATE handout_print SET sha256 = ? WHERE id = ?", ("0" * 64, records["print"]))
    folder = tmp_path / "reprints"
    folder.mkdir()
    monkeypatch.setattr(FolderDialog, "ask", classmethod(lambda cls, parent: folder))
    window.refresh()
    settle(qtbot, window)
    select(window, records["ana"])
    assert f"✗ Handout #{records['print']}" in checked(qtbot, window)
    window.reprint()
    qtbot.waitUntil(lambda: bool(window.errors), timeout=10_000)
    assert len(window.errors) == 1 and "was not reprinted" in window.errors[0]
    assert list(folder.iterdir()) == [] and window.note_label.text() == ""


def test_correct_asks_for_the_latest_record_of_the_chain(window, records, qtbot):
    window.superseded_box.setChecked(True)
    settle(qtbot, window)
    select(window, records["ben"])
    with qtbot.waitSignal(window.correct_requested) as signal:
        window.correct_button.click()
    assert signal.args == [records["fixed"]]


def test_usage_counts_each_consultation_once_and_draws_bars(window, records):
    window.tabs.setCurrentIndex(1)
    assert window.usage_table.isVisible() and not window.usage_empty.isVisible()
    assert usage_rows(window) == {"nsaids": (2, 1), PRP: (1, 0)}
    model = window.usage_model
    assert model.index(0, 0).data(Qt.ItemDataRole.UserRole) == "nsaids"
    assert model.index(0, 1).data(BarRole) == 1.0 and model.index(1, 1).data(BarRole) == 0.5
    assert model.index(1, 2).data(BarRole) == 0.0
    this_month = month_label(dt.datetime.now(dt.UTC).strftime("%Y-%m"))
    combo = window.period_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["Last 12 months", this_month]
    combo.setCurrentIndex(1)
    assert usage_rows(window) == {"nsaids": (2, 1), PRP: (1, 0)}
    assert model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole) == f"{NSAIDS}: discussed 2 times in {this_month}"
    assert model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole).endswith(f"handed out once in {this_month}")
    image = window.usage_table.viewport().grab().toImage()
    rect = window.usage_table.visualRect(model.index(0, 1))
    assert image.pixelColor(rect.left() + 20, rect.center().y()).name() == "#143d59"


def test_an_empty_store_says_so(make_records_window):
    window = make_records_window()
    assert window.table_model.rowCount() == 0 and window.usage_model.rowCount() == 0
    window.tabs.setCurrentIndex(1)
    assert window.usage_empty.isVisible() and not window.usage_table.isVisible()
    assert window.usage_empty.text() == "No consultations recorded in this period."
    assert not any(b.isEnabled() for b in (window.export_button, window.reprint_button, window.correct_button))


def test_export_writes_the_listed_consultations(qtbot, window, records, tmp_path, monkeypatch):
    target = tmp_path / "list"
    monkeypatch.setattr(dialogs.SaveFileDialog, "ask", classmethod(lambda cls, *a: target))
    assert window.export_csv() == target.with_suffix(".csv")
    qtbot.waitUntil(lambda: window.note_label.text().startswith("Exported"), timeout=10_000)
    rows = list(csv.reader(io.StringIO(target.with_suffix(".csv").read_text(encoding="utf-8"))))
    assert rows[0] == list(consultations.CSV_COLUMNS)
    assert [int(r[0]) for r in rows[1:]] == [records["fixed"], records["ana"]]
    assert window.note_label.text() == f"Exported 2 consultations to {target.with_suffix('.csv')}."


def test_open_records_and_refresh_after_a_new_record(qtbot, reader, prepared_location, records, errors):
    window = open_records(None, reader)
    qtbot.addWidget(window)
    assert window.isVisible() and window.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    settle(qtbot, window)
    new = consultations.record(reader, ConsultationDraft(clinician="Dr Cho", therapies=("self-care",)))
    window.refresh()
    settle(qtbot, window)
    assert shown_ids(window)[0] == new and usage_rows(window)["self-care"] == (1, 0)


def test_a_visit_recorded_in_the_window_reaches_the_open_records(qtbot, window, records, reader):
    from clinic_app.ui.operations import Change, Operation

    owner = QWidget()
    qtbot.addWidget(owner)
    draft = ConsultationDraft(clinician="Dr Cho", therapies=("self-care",))
    made = []
    Operation(owner, "Cannot record", consultations.record, reader, draft, changes={Change.CONSULTATIONS},
              on_done=made.append).run()
    qtbot.waitUntil(lambda: bool(made) and shown_ids(window)[:1] == made, timeout=10_000)  # no refresh asked for


def test_print_again_asks_for_a_real_printer(window, records, reader, monkeypatch, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    def choose_pdf(cls, parent, printer, title=""):
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "x.pdf"))
        return True

    monkeypatch.setattr(dialogs.PrintDialog, "ask", classmethod(choose_pdf))
    select(window, records["ana"])
    before = len(handout_log.list_prints(reader))
    assert window.print_again() is None
    assert "Choose a printer" in window.note_label.text() and len(handout_log.list_prints(reader)) == before


@pytest.mark.skipif(not __import__("os").environ.get("CLINIC_APP_TEST_PRINTER"), reason="no CUPS test queue here")
def test_print_again_sends_the_handouts_to_the_printer(qtbot, window, records, reader, monkeypatch):
    import os

    from PySide6.QtPrintSupport import QPrinter

    name = os.environ["CLINIC_APP_TEST_PRINTER"]

    def choose_queue(cls, parent, printer, title=""):
        printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
        printer.setPrinterName(name)
        return True

    monkeypatch.setattr(dialogs.PrintDialog, "ask", classmethod(choose_queue))
    select(window, records["ana"])
    with qtbot.waitSignal(store_events().changed, timeout=30_000):
        window.print_again()
    assert window.errors == []
    latest = handout_log.list_prints(reader)[0]
    assert latest.kind == "printer" and latest.reprint_of == records["print"] and latest.sha256 == records["sha256"]


@pytest.fixture
def reads(monkeypatch):
    """The filters of every read of the records the window starts (each still reads the store)."""
    from clinic_app.ui.records import consultation_records

    seen = []
    original = consultation_records.read_records

    def counting(store, query):
        seen.append(query)
        return original(store, query)

    monkeypatch.setattr(consultation_records, "read_records", counting)
    return seen


def test_typing_a_clinician_reads_once_after_the_pause(qtbot, window, records, reads):
    reads.clear()
    window.clinician_field.setFocus()
    qtbot.keyClicks(window.clinician_field, "Ben Ort")
    assert reads == [] and window.is_loading()  # nothing read while the keys come
    settle(qtbot, window)
    assert [query.clinician for query in reads] == ["Ben Ort"]
    assert shown_ids(window) == [records["fixed"]]
    assert window.summary_label.text().startswith("1 consultation started")


def test_a_newer_filter_is_never_replaced_by_an_older_result(qtbot, window, records, monkeypatch):
    import threading

    from clinic_app.ui.records import consultation_records

    release = threading.Event()
    original = consultation_records.read_records

    def slow_for_ana(store, query):
        if query.clinician == "ana":
            release.wait(10)  # this read finishes after the newer one
        return original(store, query)

    monkeypatch.setattr(consultation_records, "read_records", slow_for_ana)
    window.clinician_field.setText("ana")
    window.refresh()
    window.clinician_field.setText("ben")
    window.refresh()
    qtbot.waitUntil(lambda: shown_ids(window) == [records["fixed"]])
    release.set()
    qtbot.waitUntil(lambda: not window._tasks.is_busy())
    assert shown_ids(window) == [records["fixed"]] and not window.is_loading()
    assert window.clinician_field.text() == "ben"


def test_thousands_of_records_all_show_when_scrolled_to_the_end(qtbot, prepared_location, make_records_window):
    count = 3000
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [((now - dt.timedelta(minutes=10 * n)).isoformat(sep=" "), f"Dr {n % 7}", '["nsaids"]', "[]",
             '{"nsaids": 1}', "test") for n in range(count)]
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.executemany("INSERT INTO consultation (recorded_at, started_at, clinician, therapies, rows, "
                         "content_versions, library_version) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6)", rows)
    window = make_records_window()
    model = window.table_model
    assert window.summary_label.text().startswith(f"{count} consultations started")
    assert model.total() == count and 0 < model.rowCount() < count  # handed to the view as it scrolls

    def last_row_in_sight():
        window.table.scrollToBottom()
        last = model.index(count - 1, 0)
        return last.isValid() and window.table.viewport().rect().intersects(window.table.visualRect(last))

    qtbot.waitUntil(last_row_in_sight)
    assert model.rowCount() == count and len(set(shown_ids(window))) == count
    assert model.index(count - 1, 1).data() == f"Dr {(count - 1) % 7}"


def test_the_chosen_record_far_down_stays_chosen_after_a_refresh(qtbot, prepared_location, make_records_window):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [((now - dt.timedelta(minutes=n)).isoformat(sep=" "), '["nsaids"]') for n in range(1000)]
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.executemany("INSERT INTO consultation (recorded_at, started_at, clinician, therapies, rows, "
                         "content_versions, library_version) VALUES (?1, ?1, 'Dr A', ?2, '[]', '{}', '')", rows)
    window = make_records_window()
    window.table_model.fetch_to(899)
    window.table.selectRow(899)
    chosen = window.selected_item().id
    window.refresh()
    settle(qtbot, window)
    assert window.selected_item().id == chosen


def test_a_busy_database_is_said_in_the_summary(qtbot, window, records, monkeypatch):
    from clinic_app.errors import DatabaseLockedError
    from clinic_app.ui.records import consultation_records

    def busy(store, query):
        raise DatabaseLockedError("the database is busy; try again in a moment")

    monkeypatch.setattr(consultation_records, "read_records", busy)
    window.refresh()
    settle(qtbot, window)
    assert window.summary_label.text() == "the database is busy; try again in a moment"
    assert shown_ids(window) == [] and not window.export_button.isEnabled()


# -- found by the usability and accessibility review ----------------------------------------
LAPTOP = (1366 - 40, 768 - 80)  # a 1366×768 laptop, less the window frame, title bar and task bar


def test_first_use_says_there_are_no_consultations_yet(qtbot, make_records_window):
    window = make_records_window()
    assert window.summary_label.text().startswith("No consultations yet")
    window.clinician_field.setText("Dr Nobody")
    settle(qtbot, window)
    assert window.summary_label.text().startswith("No consultations yet")  # no filter hides any


def test_the_count_of_consultations_shown_reaches_assistive_technology(qtbot, window, records):
    from PySide6.QtGui import QAccessible

    name = QAccessible.queryAccessibleInterface(window.summary_label).text(QAccessible.Text.Name)
    assert "2 consultations" in name
    window.clinician_field.setText("ana")
    settle(qtbot, window)
    name = QAccessible.queryAccessibleInterface(window.summary_label).text(QAccessible.Text.Name)
    assert "1 consultation" in name and name.startswith(window.summary_label.text().split(" started")[0])


def test_details_say_verified_and_keep_the_hash_one_click_away(qtbot, window, records):
    select(window, records["ana"])
    text = checked(qtbot, window)
    assert f"✓ Handout #{records['print']} verified: the stored copy is the one handed out." in text
    assert "SHA-256" not in text and records["sha256"][:12] not in text
    assert not window.hashes_box.isChecked() and window.hashes_box.isVisible()
    window.hashes_box.click()
    assert f"SHA-256 {records['sha256']}" in window.details.toPlainText()
    window.hashes_box.click()
    assert "SHA-256" not in window.details.toPlainText()


def test_long_notes_show_in_full_in_the_details(qtbot, reader, prepared_location, make_records_window, records):
    """Nine lines of notes on a laptop screen: all on view with the record, no scrolling to find them."""
    notes = "\n".join(f"Line {n}: knee pain worse on stairs, discussed exercise first." for n in range(1, 10))
    consultations.record(reader, ConsultationDraft(clinician="Dr Ana Lee", therapies=("nsaids",), notes=notes,
                                                   handout_print_ids=(records["print"],)))
    window = make_records_window()
    window.resize(LAPTOP[0] - 80, LAPTOP[1])
    qtbot.waitUntil(lambda: window.height() == LAPTOP[1])
    window.table.selectRow(0)
    details = window.details
    assert notes in checked(qtbot, window)
    cursor = details.document().find("Line 9")
    cursor.movePosition(cursor.MoveOperation.EndOfBlock)
    details.setTextCursor(cursor)
    details.verticalScrollBar().setValue(0)
    end = details.cursorRect(cursor)
    assert 0 <= end.bottom() <= details.viewport().height(), (end, details.viewport().size())
    assert details.lineWrapMode() != details.LineWrapMode.NoWrap


def test_the_records_window_fits_a_laptop_and_closes_on_escape_and_ctrl_w(qtbot, reader, prepared_location, errors):
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    window = open_records(None, reader)  # deleted when closed
    qtbot.waitExposed(window)
    settle(qtbot, window)
    least = window.minimumSizeHint().expandedTo(window.minimumSize())
    assert least.width() <= LAPTOP[0] and least.height() <= LAPTOP[1], least
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert window.width() <= max(area.width(), least.width()) and window.height() <= max(area.height(), least.height())
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    texts = [w.text() for w in window.findChildren(QAbstractButton) if w.isVisibleTo(window)]
    texts += [w.text() for w in window.findChildren(QLabel) if w.isVisibleTo(window) and w.buddy() is not None]
    texts += [window.tabs.tabText(i) for i in range(window.tabs.count())]
    keys = [m.group(1).lower() for text in texts for m in [re.search(r"&([^&])", text)] if m]
    assert len(keys) == len(set(keys)), sorted(keys)
    size = (window.minimumSizeHint().width(), min(area.height(), 520))  # within this (small) test screen
    window.resize(*size)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
    again = open_records(None, reader)
    qtbot.waitExposed(again)
    settle(qtbot, again)
    assert (again.width(), again.height()) == size  # where it was left
    again.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is again)
    qtbot.keyClick(again, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not again.isVisible()


def test_a_therapy_the_clinic_removed_since_is_named_and_said_to_be_removed(reader, make_records_window, tmp_path):
    import importlib.util
    from pathlib import Path

    from clinic_app.services import clinic_therapies

    spec = importlib.util.spec_from_file_location(
        "clinic_therapy_fixture", Path(__file__).parents[1] / "unit" / "test_clinic_therapies.py")
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)
    added = fixture.add(reader, fixture.write_file(tmp_path, fixture.clinic_document()))
    recorded = consultations.record(reader, ConsultationDraft(clinician="Dr Ana Lee", therapies=(fixture.SLUG,),
                                                              started_at=dt.datetime.now(dt.UTC)))
    clinic_therapies.remove_therapy(reader, fixture.SLUG, by="Dr Lee", why="the class has stopped")
    window = make_records_window()
    row = window.table_model.row_of(recorded)
    assert window.table_model.index(row, 3).data() == f"{added.name} (removed)"
