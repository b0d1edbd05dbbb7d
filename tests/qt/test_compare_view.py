"""The Compare view as a doctor drives it: add options, tick rows, hide same rows, presets,
reorder and remove columns, present to the patient, print and export."""

from __future__ import annotations

import sqlite3

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QListView, QTableView

from clinic_app.services import comparison_export, presets
from clinic_app.services.comparison import compare, row_catalogue
from clinic_app.ui import dialogs, messages
from clinic_app.ui.compare.compare_model import ComparisonTableModel, RowChoiceModel, ScaleRole
from clinic_app.ui.compare.compare_view import CompareView, open_compare

THREE = ["platelet-rich-plasma", "nsaids", "self-care"]


@pytest.fixture
def view(qtbot, reader, prepared_location, monkeypatch):
    errors = []
    monkeypatch.setattr(messages, "show_error", lambda parent, title, message, detail="": errors.append(message))
    widget = CompareView(reader)
    widget.errors = errors
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def column_slugs(view):
    model = view.table_model
    return [model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.UserRole + 8)
            for c in range(1, model.columnCount())]


def shown_questions(view):
    model = view.table_model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_models_pass_the_model_tester(qtmodeltester, reader):
    table = ComparisonTableModel()
    table.set_matrix(compare(reader, THREE))
    qtmodeltester.check(table)
    table.set_clinician_labels(True)
    qtmodeltester.check(table)
    rows = RowChoiceModel()
    rows.set_rows(row_catalogue(reader))
    qtmodeltester.check(rows)


def test_adding_options_fills_the_table(view, qtbot):
    assert view.table_model.columnCount() == 0 and "Add" in view.summary_label.text()
    for slug in THREE[:2]:
        view.add_combo.setCurrentIndex(view.add_combo.findData(slug))
        qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    assert view.therapies() == THREE[:2]
    assert view.table_model.columnCount() == 3 and view.table_model.rowCount() == 13
    assert view.add_combo.findData("nsaids") == -1
    view.add_therapy("self-care")
    assert column_slugs(view) == THREE
    header = view.table_model.headerData(2, Qt.Orientation.Horizontal)
    assert header.startswith("Anti-inflammatory")
    for slug in ("prolotherapy", "exercise-therapy", "lumbar-fusion", "prolotherapy"):
        view.add_therapy(slug)
    assert len(view.therapies()) == 6 and not view.add_button.isEnabled()
    view.add_therapy("nsaids")
    assert len(view.therapies()) == 6


def test_ticking_rows_changes_view_and_printout(view, qtbot, reader):
    view.set_therapies(THREE)
    index = view.row_model.index(0)
    view.row_list.setFocus()
    view.row_list.setCurrentIndex(index)
    qtbot.keyClick(view.row_list, Qt.Key.Key_Space)
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert "What is it?" not in shown_questions(view) and view.table_model.rowCount() == 12
    view.no_rows_button.click()
    assert view.table_model.rowCount() == 0 and not view.print_button.isEnabled()
    view.set_rows(["invasiveness", "main_risks"])
    assert shown_questions(view) == ["What are the main risks?", "How invasive is it?"]
    assert view.table_model.index(1, 0).data(ScaleRole) == "1 = none, 5 = open surgery"
    assert view.table_model.index(1, 1).data(ScaleRole) in range(1, 6)
    assert view.shown_matrix() == compare(reader, THREE, ["invasiveness", "main_risks"])


def test_hide_rows_that_are_the_same(qtbot, reader, prepared_location):
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("UPDATE attribute_value SET text = 'Same text.', reference_keys = '[]' "
                     "WHERE attribute_id = (SELECT id FROM attribute WHERE key = 'recovery')")
    view = CompareView(reader)
    qtbot.addWidget(view)
    view.set_therapies(["nsaids", "self-care"])
    assert "How long is recovery and time off?" in shown_questions(view)
    view.hide_same_box.click()
    assert "How long is recovery and time off?" not in shown_questions(view)
    assert view.table_model.rowCount() == 12 and "differ in 12" in view.summary_label.text()
    view.hide_same_box.click()
    assert view.table_model.rowCount() == 13


def test_clinician_labels_toggle(view):
    view.set_therapies(THREE)
    first = view.table_model.index(0, 0)
    assert first.data() == "What is it?" and "Description" in first.data(Qt.ItemDataRole.ToolTipRole)
    view.set_rows(["what_is_it", "invasiveness"])
    scale_row = view.table_model.index(1, 0)
    assert scale_row.data(ScaleRole) == "1 = none, 5 = open surgery"
    view.clinician_box.click()
    assert first.data() == "Description" and view.row_model.index(0).data() == "Description"
    assert scale_row.data() == "Invasiveness (1 = none, 5 = open surgery)" and scale_row.data(ScaleRole) is None
    view.no_rows_button.click()
    assert not view.save_preset_button.isEnabled()


def test_reorder_and_remove_columns(view, qtbot):
    view.set_therapies(THREE)
    view.table.setFocus()
    view.table.setCurrentIndex(view.table_model.index(0, 1))
    qtbot.keyClick(view.table, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert view.therapies() == ["nsaids", "platelet-rich-plasma", "self-care"]
    assert view.table.currentIndex().column() == 2
    view.move_left_action.trigger()
    assert view.therapies() == THREE
    view.table.horizontalHeader().moveSection(3, 1)  # a header dragged to the front of the options
    assert view.therapies() == ["self-care", "platelet-rich-plasma", "nsaids"]
    assert [view.table.horizontalHeader().logicalIndex(v) for v in range(4)] == [0, 1, 2, 3]
    assert column_slugs(view) == view.therapies()
    view.table.setCurrentIndex(view.table_model.index(0, 1))
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    assert view.therapies() == ["platelet-rich-plasma", "nsaids"]


def test_built_in_preset(view):
    name = "Injection vs exercise vs surgery"
    view.set_rows(["what_is_it"])
    view.apply_preset(name)
    assert view.therapies() == ["platelet-rich-plasma", "exercise-therapy", "lumbar-fusion", "self-care"]
    assert view.table_model.rowCount() == 13
    assert view.preset_combo.currentData() == name and not view.delete_preset_button.isEnabled()


def test_save_apply_and_delete_a_clinic_preset(view, qtbot, monkeypatch, prepared_location, reader):
    view.set_therapies(["self-care", "nsaids"])
    view.set_rows(["cost", "main_risks"])
    monkeypatch.setattr(dialogs.PresetNameDialog, "ask", classmethod(lambda cls, *a: "Desk talk"))
    view.save_preset_button.click()
    qtbot.waitUntil(lambda: view.preset_combo.findData("Desk talk") >= 0, timeout=10_000)
    stored = presets.get_preset(reader, "Desk talk")
    assert stored.slugs == ("self-care", "nsaids") and stored.row_keys == ("main_risks", "cost")
    view.set_therapies(THREE)
    view.set_rows(view.row_model.all_keys())
    view.apply_preset("Desk talk")
    assert view.therapies() == ["self-care", "nsaids"] and view.table_model.rowCount() == 2
    assert view.delete_preset_button.isEnabled()
    monkeypatch.setattr(dialogs.ConfirmDialog, "ask", classmethod(lambda cls, *a: True))
    view.delete_preset_button.click()
    qtbot.waitUntil(lambda: view.preset_combo.findData("Desk talk") == -1, timeout=10_000)
    assert all(p.name != "Desk talk" for p in presets.list_presets(reader)) and view.errors == []


def test_refused_preset_name_shows_the_reason(view, qtbot, monkeypatch):
    view.set_therapies(["self-care", "nsaids"])
    monkeypatch.setattr(dialogs.PresetNameDialog, "ask", classmethod(lambda cls, *a: "x" * 101))
    view.save_preset_button.click()
    qtbot.waitUntil(lambda: bool(view.errors), timeout=10_000)
    assert "limit is 100" in view.errors[0]


def test_present_to_the_patient(view, qtbot):
    view.set_therapies(THREE)
    view.set_rows(["what_is_it", "main_risks"])
    view.present_button.click()
    window = view.presentation
    qtbot.waitExposed(window)
    assert window.isFullScreen()
    assert window.model.rowCount() == 2 and window.model.columnCount() == 4
    assert window.table.font().pointSize() >= 16
    assert window.model.index(0, 0).data() == "What is it?"
    qtbot.keyClick(window.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.presentation is None)


def test_exports_write_the_matrix_on_screen(qtbot, view, monkeypatch, tmp_path, reader):
    view.set_therapies(["nsaids", "exercise-therapy", "self-care", "prolotherapy"])
    view.set_rows(["what_is_it", "invasiveness"])
    targets = iter([tmp_path / "c.csv", tmp_path / "c", tmp_path / "c.pdf"])
    monkeypatch.setattr(dialogs.SaveFileDialog, "ask", classmethod(lambda cls, *a: next(targets)))

    def written(action) -> None:  # files are written off the GUI thread; the buttons wait meanwhile
        action.trigger()
        assert view.output.busy and not view.pdf_action.isEnabled()
        qtbot.waitUntil(lambda: not view.output.busy, timeout=30_000)

    written(view.csv_action)
    written(view.md_action)
    view.paper_combo.setCurrentIndex(view.paper_combo.findData("letter"))
    written(view.pdf_action)
    matrix = view.shown_matrix()
    assert (tmp_path / "c.csv").read_bytes().decode("utf-8") == comparison_export.to_csv(matrix)
    assert "| **What is it?** |" in (tmp_path / "c.md").read_text(encoding="utf-8")
    pdf = PdfReader(str(tmp_path / "c.pdf"))
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)
    assert "c.pdf" in view.note_label.text() and view.errors == []


def test_print_and_preview_paint_the_same_pages(qtbot, view, monkeypatch, tmp_path):
    view.set_therapies(THREE)
    view.set_rows(["what_is_it"])
    painted = []

    def preview(cls, parent, printer, paint):
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "preview.pdf"))
        painted.append(paint(printer))

    def print_dialog(cls, parent, printer):
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "printed.pdf"))
        return True

    monkeypatch.setattr(dialogs.PreviewDialog, "ask", classmethod(preview))
    monkeypatch.setattr(dialogs.PrintDialog, "ask", classmethod(print_dialog))
    view.preview_button.click()
    view.print_button.click()
    qtbot.waitUntil(lambda: "Sent" in view.note_label.text(), timeout=30_000)  # printed off the GUI thread
    assert painted and painted[0] == len(PdfReader(str(tmp_path / "printed.pdf")).pages)
    assert "Sent" in view.note_label.text()


def test_controls_have_accessible_names_and_open_compare_window(qtbot, reader, prepared_location):
    window = open_compare(None, reader, ["nsaids", "self-care"])
    qtbot.addWidget(window)
    assert window.view.therapies() == ["nsaids", "self-care"]
    for kind in (QAbstractButton, QComboBox, QListView, QTableView):
        for widget in window.findChildren(kind):
            if widget.isVisibleTo(window):
                assert widget.accessibleName(), f"{type(widget).__name__} {widget.objectName()} has no name"
    window.close()
    QApplication.processEvents()


def test_enter_in_a_confirmation_cancels_rather_than_destroys(qtbot):
    """'Discard consultation?' and 'Delete preset?': the safe choice is the default, so Enter keeps
    the visit or the preset; the destructive action needs its own click."""
    from PySide6.QtCore import QTimer

    dialog = dialogs.ConfirmDialog(None, "Discard consultation", "Discard this consultation?", "Discard")
    qtbot.addWidget(dialog)
    assert dialog.cancel_button.isDefault() and not dialog.action_button.isDefault()
    QTimer.singleShot(50, lambda: qtbot.keyClick(dialog, Qt.Key.Key_Return))
    assert dialog.exec() == dialogs.QDialog.DialogCode.Rejected
    dialog = dialogs.ConfirmDialog(None, "Delete preset", "Delete the preset?", "Delete")
    qtbot.addWidget(dialog)
    QTimer.singleShot(50, dialog.action_button.click)
    assert dialog.exec() == dialogs.QDialog.DialogCode.Accepted
