"""A visit as a doctor runs it: start a consultation, build the list from search, tick what
matters, compare, print the handout bundle, end and record; correct a record; reprint it exactly."""

from __future__ import annotations

import re
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from clinic_app.printing import consultation_jobs
from clinic_app.services import consultations, handout_log
from clinic_app.ui import dialogs
from clinic_app.ui.visit.consultation_panel import WorkingListModel


def open_therapy(window, slug):
    assert window.search_panel.select_slug(slug)
    window.search_panel._open_current()


def test_working_list_model_obeys_qt_rules_and_keeps_order(qtmodeltester):
    model = WorkingListModel({"a": "Alpha", "b": "Beta", "c": "Gamma"})
    for slug in ("a", "b", "c", "b", "zzz"):
        model.add(slug)
    assert model.slugs() == ("a", "b", "c")
    assert model.move(2, -1) == 1 and model.slugs() == ("a", "c", "b")
    model.remove(0)
    assert model.slugs() == ("c", "b")
    qtmodeltester.check(model)


def test_a_whole_visit_is_recorded_with_its_handout(qtbot, window, reader, prepared_location, monkeypatch, tmp_path,
                                                    errors):
    open_therapy(window, "prolotherapy")
    window.new_consultation_action.trigger()
    panel = window.consultation_panel
    assert panel.isVisible() and window.end_consultation_action.isEnabled()
    assert panel.working_model.slugs() == ("prolotherapy",)
    open_therapy(window, "self-care")
    window.add_to_visit_action.trigger()
    assert panel.working_model.slugs() == ("prolotherapy", "self-care")
    panel.patient_field.setText("JS-1042")
    panel.clinician_combo.setCurrentText("Dr A. Shah")
    panel.row_model.set_chosen(["main_risks", "cost"])
    panel.notes_field.setPlainText("Wants to avoid injections for now.")

    compare = panel.compare()
    assert compare.view.therapies() == ["prolotherapy", "self-care"]
    assert set(compare.view.shown_matrix().row_keys) == {"main_risks", "cost"}
    compare.close()

    builder = panel.print_handouts()
    request = builder.request()
    assert request.therapies == ("prolotherapy", "self-care") and request.include_comparison
    assert set(request.comparison_rows) == {"main_risks", "cost"} and request.patient_name == "JS-1042"
    monkeypatch.setattr(dialogs.SaveFileDialog, "ask", classmethod(lambda cls, *a: tmp_path / "bundle.pdf"))
    with qtbot.waitSignal(builder.printed, timeout=30000):
        builder.save_pdf()  # written and logged off the GUI thread
    assert len(panel.handout_ids) == 1 and "#" in panel.handouts_label.text()
    builder.close()

    with qtbot.waitSignal(panel.recorded) as signal:
        window.end_consultation_action.trigger()
    assert not errors and not panel.isVisible() and not window.end_consultation_action.isEnabled()
    item = consultations.get(reader, signal.args[0])
    assert item.therapies == ("prolotherapy", "self-care") and set(item.rows) == {"main_risks", "cost"}
    assert item.notes == "Wants to avoid injections for now." and item.clinician == "Dr A. Shah"
    assert item.patient_label is None  # the clinic has not turned on keeping labels
    printed = handout_log.get_print(reader, panel.handout_ids[0])
    assert item.handouts == ((printed.id, printed.sha256),)
    assert f"#{item.id}" in window.statusBar().currentMessage()


def test_reopened_visit_reprints_the_same_document_after_the_content_changed(qtbot, window, reader, prepared_location,
                                                                           monkeypatch, tmp_path, errors):
    open_therapy(window, "nsaids")
    window.new_consultation_action.trigger()
    panel = window.consultation_panel
    builder = panel.print_handouts()
    monkeypatch.setattr(dialogs.SaveFileDialog, "ask", classmethod(lambda cls, *a: tmp_path / "first.pdf"))
    with qtbot.waitSignal(builder.printed, timeout=30000):
        builder.save_pdf()
    builder.close()
    with qtbot.waitSignal(panel.recorded) as recorded:
        panel.end()
    record_id = recorded.args[0]
    original = handout_log.get_print(reader, panel.handout_ids[0])
    with sqlite3.connect(prepared_location.sqlite_path) as conn:  # the library moves on
        conn.execute("UPDATE therapy SET content_version = content_version + 1 WHERE slug = 'nsaids'")
    out = tmp_path / "again"
    out.mkdir()
    results = consultation_jobs.reprint_consultation(reader, record_id, output_dir=out)
    assert [r.sha256 for r in results] == [original.sha256]
    again = handout_log.get_print(reader, results[0].record_id)
    assert again.reprint_of == original.id and again.sha256 == original.sha256


def test_a_correction_is_a_new_record_pointing_at_the_old(qtbot, window, reader, errors):
    open_therapy(window, "nsaids")
    window.new_consultation_action.trigger()
    with qtbot.waitSignal(window.consultation_panel.recorded) as recorded:
        window.consultation_panel.end()
    first = recorded.args[0]
    window.correct_consultation(first)
    panel = window.consultation_panel
    assert panel.isVisible() and f"#{first}" in panel.started_label.text()
    assert panel.working_model.slugs() == ("nsaids",)
    open_therapy(window, "exercise-therapy")
    window.add_to_visit_action.trigger()
    with qtbot.waitSignal(panel.recorded) as recorded:
        panel.end()
    second = recorded.args[0]
    assert second != first and consultations.get(reader, second).corrects == first
    assert consultations.get(reader, first).therapies == ("nsaids",)  # the old record is unchanged
    assert [i.id for i in consultations.list_consultations(reader)] == [second]


def test_a_refused_record_keeps_the_panel_open(qtbot, window, reader, errors):
    open_therapy(window, "nsaids")
    window.new_consultation_action.trigger()
    panel = window.consultation_panel
    panel.notes_field.setPlainText("x" * (consultations.MAX_NOTES + 1))
    panel.end()
    qtbot.waitUntil(lambda: bool(errors))
    assert "notes" in errors[0] and panel.isVisible() and panel.end_button.isEnabled()
    assert consultations.list_consultations(reader) == []


def test_discard_asks_first_and_records_nothing(qtbot, window, reader, monkeypatch, errors):
    open_therapy(window, "nsaids")
    window.new_consultation_action.trigger()
    panel = window.consultation_panel
    answers = [False]
    monkeypatch.setattr(dialogs.ConfirmDialog, "ask", classmethod(lambda cls, *a: answers[0]))
    panel.discard()
    assert panel.isVisible()
    answers[0] = True
    panel.discard()
    assert not panel.isVisible() and consultations.list_consultations(reader) == []


def test_an_empty_list_cannot_be_ended(qtbot, window):
    window.new_consultation_action.trigger()  # nothing on screen yet
    panel = window.consultation_panel
    assert panel.working_model.rowCount() == 0
    assert not panel.end_button.isEnabled() and not panel.handout_button.isEnabled()


@pytest.mark.parametrize(("answer", "closes", "recorded"), [("cancel", False, 0), ("record", True, 1),
                                                           ("discard", True, 0)])
def test_closing_the_window_during_a_visit_asks_first(qtbot, window, reader, monkeypatch, errors, answer, closes,
                                                      recorded):
    from clinic_app.ui.visit import consultation_panel

    open_therapy(window, "nsaids")
    window.new_consultation_action.trigger()
    asked = []
    monkeypatch.setattr(consultation_panel.OpenVisitDialog, "ask",
                        classmethod(lambda cls, parent: asked.append(1) or answer))
    closed_at_once = window.close()
    if answer == "record":  # the visit is recorded off the GUI thread, then the window closes
        assert not closed_at_once
        qtbot.waitUntil(lambda: not window.isVisible())
    else:
        assert closed_at_once is closes
    assert window.isVisible() is not closes
    assert asked == [1] and len(consultations.list_consultations(reader)) == recorded


def alt_key(text: str) -> str | None:
    found = re.search(r"&([^&])", text)
    return found.group(1).lower() if found else None


def test_every_panel_button_has_an_alt_key_of_its_own(qtbot, window):
    """Alt+C and Alt+H open the Compare and Help menus; the panel's buttons take other letters, one
    each, that no other control of the window takes; Up and Down are Ctrl+Up and Ctrl+Down."""
    open_therapy(window, "nsaids")
    window.new_consultation_action.trigger()
    panel = window.consultation_panel
    qtbot.waitUntil(panel.isVisible)
    open_therapy(window, "self-care")
    window.add_to_visit_action.trigger()
    menus = [alt_key(action.text()) for action in window.menuBar().actions() if action.isVisible()]
    assert {"c", "h"} <= set(menus)
    moves = (panel.up_button, panel.down_button)
    buttons = [b for b in panel.findChildren(QAbstractButton) if b.isVisibleTo(panel) and b.text() and b not in moves]
    assert len(buttons) == 7 and all(alt_key(b.text()) for b in buttons), [b.text() for b in buttons]
    labels = [w for w in window.findChildren(QLabel) if w.isVisibleTo(window) and w.buddy() is not None]
    owners = [w for w in [*window.findChildren(QAbstractButton), *labels] if w.isVisibleTo(window) and alt_key(w.text())]
    keys = [alt_key(w.text()) for w in owners] + menus
    assert len(keys) == len(set(keys)), sorted(zip(keys, [w.text() for w in owners] + ["(menu)"] * len(menus)))
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    with qtbot.waitSignal(panel.compare_button.clicked):
        qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    for opened in panel.windows:
        opened.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    panel.working_view.setFocus()
    panel.working_view.setCurrentIndex(panel.working_model.index(0, 0))
    qtbot.keyClick(panel.working_view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.working_model.slugs() == ("self-care", "nsaids"))
    qtbot.keyClick(panel.working_view, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.working_model.slugs() == ("nsaids", "self-care"))
