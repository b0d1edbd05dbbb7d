"""The clinic's own fields in the window: the grade as you type, save and revert off the GUI thread
with who and why, the history with its word diff, and the therapy page that shows them."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from clinic_app.services import clinic_fields
from clinic_app.ui.browse import detail_html
from clinic_app.ui.profile.clinic_fields_dialog import ClinicFieldsDialog, diff_html, diff_text, word_diff

GRADE_10_COST = ("The standard fee for each session is determined by the duration of treatment and your "
                 "insurance coverage.")  # US grade 10.5
PLAIN_COST = "Classes cost $15 each."
CHEAPER_COST = "Classes cost $12 each."
LAPTOP = (1366 - 40, 768 - 80)
WAIT_MS = 30_000  # the first grade loads the reading-grade dictionaries (on a worker)


@pytest.fixture
def open_dialog(qtbot, store, errors):
    def make(slug: str = "yoga", name: str = "Yoga") -> ClinicFieldsDialog:
        dialog = ClinicFieldsDialog(store, slug, name)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        qtbot.waitUntil(lambda: not dialog.pending(), timeout=WAIT_MS)
        return dialog
    return make


def settled(qtbot, dialog: ClinicFieldsDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.pending(), timeout=WAIT_MS)


def sign(dialog: ClinicFieldsDialog, who: str = "Dr Lee", why: str = "new class fees") -> None:
    dialog.who_combo.setEditText(who)
    dialog.why_field.setText(why)


def show_therapy(window, slug: str) -> None:
    window.search_panel.select_slug(slug)
    window.search_panel._open_current()
    assert window.detail_view.detail is not None and window.detail_view.detail.slug == slug


def test_a_grade_10_cost_shows_its_grade_as_typed_and_is_never_saved(qtbot, open_dialog, store):
    dialog = open_dialog()
    sign(dialog)
    editor = dialog.editors["cost"]
    editor.setFocus()
    qtbot.keyClicks(editor, GRADE_10_COST)
    settled(qtbot, dialog)
    grade = dialog.grade_labels["cost"].text()
    found = re.match(r"Grade (\d+\.\d) — patients' text must be grade 8 or lower$", grade)
    assert found and float(found.group(1)) >= 10, grade
    error = dialog.error_labels["cost"]
    assert error.isVisibleTo(dialog) and "cost and coverage (cost) for yoga" in error.text()
    assert "reads at US grade" in error.text()
    assert not dialog.save_button.isEnabled()
    dialog.save()  # Enter, or a stray call: nothing invalid goes to the store
    qtbot.wait(50)
    assert clinic_fields.fields_for(store, "yoga") == {}
    assert clinic_fields.history(store, "yoga") == []
    editor.setPlainText(PLAIN_COST)  # fixed: the grade passes and the message goes
    settled(qtbot, dialog)
    assert re.match(r"Grade (\d+\.\d|1 or lower) — fine for patients$", dialog.grade_labels["cost"].text())
    assert not dialog.error_labels["cost"].isVisibleTo(dialog)
    assert dialog.save_button.isEnabled()


def test_the_grade_waits_for_a_pause_in_typing(qtbot, open_dialog):
    dialog = open_dialog()
    dialog.editors["cost"].setPlainText(GRADE_10_COST)
    assert dialog.pending() and dialog.grade_labels["cost"].text() == ""  # not measured on each key
    settled(qtbot, dialog)
    assert dialog.grade_labels["cost"].text().startswith("Grade ")


def test_save_needs_a_change_who_and_why(qtbot, open_dialog):
    dialog = open_dialog()
    assert not dialog.save_button.isEnabled()  # nothing changed
    dialog.editors["cost"].setPlainText(PLAIN_COST)
    settled(qtbot, dialog)
    assert not dialog.save_button.isEnabled()  # no who, no why
    dialog.who_combo.setEditText("Dr Lee")
    assert not dialog.save_button.isEnabled()
    dialog.why_field.setText("   ")
    assert not dialog.save_button.isEnabled()
    dialog.why_field.setText("new class fees")
    assert dialog.save_button.isEnabled()
    dialog.editors["cost"].setPlainText("")  # back as it is stored: nothing to save
    settled(qtbot, dialog)
    assert not dialog.save_button.isEnabled()


def test_who_is_chosen_from_the_clinic_profile(qtbot, store, open_dialog):
    from dataclasses import replace

    from clinic_app.services.clinic import load_profile, save_profile

    save_profile(store, replace(load_profile(store), clinicians=("Dr Lee", "Sam Park")))
    dialog = open_dialog()
    assert [dialog.who_combo.itemText(i) for i in range(dialog.who_combo.count())] == ["Dr Lee", "Sam Park"]
    assert dialog.who_combo.isEditable() and dialog.who() == ""  # nobody is chosen for the user


def test_a_valid_cost_saves_off_the_gui_thread_and_the_page_shows_it(qtbot, window, store):
    show_therapy(window, "yoga")
    assert "At this clinic" not in window.detail_view.toPlainText()  # nothing set: no section
    assert window.clinic_fields_action.isEnabled()
    window.clinic_fields_action.trigger()
    dialog = window.clinic_fields_dialog
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "Clinic's own fields — Yoga"
    settled(qtbot, dialog)
    dialog.editors["cost"].setPlainText(PLAIN_COST)
    dialog.editors["contact"].setPlainText("Call Anna at the front desk.")
    sign(dialog)
    settled(qtbot, dialog)
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert dialog.pending() and not dialog.save_button.isEnabled()  # running on a worker
    assert clinic_fields.fields_for(store, "yoga") == {"cost": PLAIN_COST, "contact": "Call Anna at the front desk."}
    made = clinic_fields.history(store, "yoga")
    assert {(r.key, r.before, r.after, r.changed_by, r.reason) for r in made} == {
        ("cost", "", PLAIN_COST, "Dr Lee", "new class fees"),
        ("contact", "", "Call Anna at the front desk.", "Dr Lee", "new class fees")}
    page = window.detail_view.toPlainText()  # refreshed by Change.CLINIC_FIELDS
    assert "At this clinic" in page and PLAIN_COST in page and "Call Anna at the front desk." in page
    assert "Saved" in dialog.message_label.text() and dialog.why() == ""  # the next change gives its own reason
    assert dialog.history_model.rowCount() == 2
    assert not dialog.save_button.isEnabled()  # nothing left to save


def test_the_history_lists_each_change_with_its_word_diff(qtbot, store, open_dialog):
    clinic_fields.set_fields(store, "yoga", {"cost": PLAIN_COST}, "Dr Lee", "new class fees")
    clinic_fields.set_fields(store, "yoga", {"cost": CHEAPER_COST}, "Sam Park", "fees went down")
    dialog = open_dialog()
    model = dialog.history_model
    assert model.rowCount() == 2
    assert model.headerData(4, Qt.Orientation.Horizontal) == "Change"
    newest = [model.index(0, column).data() for column in range(5)]
    assert newest[1:] == ["Sam Park", "Cost and coverage", "fees went down", "Classes cost [-$15-] {+$12+} each."]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d$", newest[0])
    assert model.index(1, 4).data() == "{+Classes cost $15 each.+}"
    dialog.tabs.setCurrentIndex(1)
    assert dialog.chosen_revision().after == CHEAPER_COST  # the newest is chosen
    shown = dialog.diff_view.toPlainText()
    assert "[-$15-]" in shown and "{+$12+}" in shown and "fees went down" in shown
    html = dialog.diff_view.toHtml()
    assert "line-through" in html and "underline" in html  # and not by colour alone
    dialog.history_view.setCurrentIndex(model.index(1, 0))
    assert "{+Classes cost $15 each.+}" in dialog.diff_view.toPlainText()


def test_revert_puts_the_old_words_back_as_a_revision_of_its_own(qtbot, store, window):
    clinic_fields.set_fields(store, "yoga", {"cost": PLAIN_COST}, "Dr Lee", "new class fees")
    clinic_fields.set_fields(store, "yoga", {"cost": CHEAPER_COST}, "Sam Park", "fees went down")
    show_therapy(window, "yoga")
    assert CHEAPER_COST in window.detail_view.toPlainText()
    dialog = window.open_clinic_fields("yoga", "Yoga")
    settled(qtbot, dialog)
    dialog.tabs.setCurrentIndex(1)
    undone = dialog.chosen_revision()
    assert undone.after == CHEAPER_COST
    assert not dialog.revert_button.isEnabled()  # who and why first
    dialog.who_combo.setEditText("Dr Lee")
    assert not dialog.revert_button.isEnabled()
    dialog.why_field.setText("fees did not go down after all")
    assert dialog.revert_button.isEnabled() and not dialog.revert_button.isDefault()
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.revert_button, Qt.MouseButton.LeftButton)
    assert clinic_fields.fields_for(store, "yoga") == {"cost": PLAIN_COST}
    revisions = clinic_fields.history(store, "yoga")
    assert len(revisions) == 3
    newest = revisions[0]
    assert (newest.before, newest.after, newest.reverts, newest.changed_by, newest.reason) == (
        CHEAPER_COST, PLAIN_COST, undone.id, "Dr Lee", "fees did not go down after all")
    assert dialog.editors["cost"].toPlainText() == PLAIN_COST
    assert dialog.history_model.rowCount() == 3 and "revert of" in dialog.history_model.index(0, 2).data()
    assert "Reverted" in dialog.message_label.text()
    page = window.detail_view.toPlainText()
    assert PLAIN_COST in page and CHEAPER_COST not in page


def test_a_refused_revert_is_named_in_the_dialog(qtbot, store, open_dialog, errors):
    clinic_fields.set_fields(store, "yoga", {"cost": PLAIN_COST}, "Dr Lee", "new class fees")
    clinic_fields.set_fields(store, "yoga", {"cost": CHEAPER_COST}, "Sam Park", "fees went down")
    dialog = open_dialog()
    dialog.history_view.setCurrentIndex(dialog.history_model.index(1, 0))  # the first: the words changed since
    sign(dialog, why="put it back")
    dialog.revert_chosen()
    qtbot.waitUntil(lambda: not dialog.pending(), timeout=WAIT_MS)
    assert len(clinic_fields.history(store, "yoga")) == 3  # reverting the first clears the field, a revision
    assert clinic_fields.fields_for(store, "yoga") == {}
    dialog.history_view.setCurrentIndex(dialog.history_model.index(2, 0))
    sign(dialog, why="again")
    dialog.revert_chosen()
    qtbot.waitUntil(lambda: "nothing to revert" in dialog.message_label.text().lower(), timeout=WAIT_MS)
    assert errors == [] and len(clinic_fields.history(store, "yoga")) == 3


def test_not_offered_and_the_protocol_are_for_clinicians_only(qtbot, window, store):
    show_therapy(window, "yoga")
    dialog = window.open_clinic_fields("yoga", "Yoga")
    settled(qtbot, dialog)
    dialog.offered_combo.setCurrentIndex(dialog.offered_combo.findData("no"))
    dialog.editors["protocol"].setPlainText("Refer to the Tuesday class at the leisure centre.")
    sign(dialog)
    settled(qtbot, dialog)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        dialog.save()
    assert clinic_fields.fields_for(store, "yoga") == {
        "offered": "no", "protocol": "Refer to the Tuesday class at the leisure centre."}
    page = window.detail_view.toPlainText()
    assert "Not offered here" in page and "Tuesday class" in page
    detail = window.detail_view.detail
    assert not detail.offered
    clinician = detail_html._clinician(detail, 12.0)
    patient = detail_html._patient_box(detail, 12.0)
    assert "Not offered here" in clinician and "Tuesday class" in clinician
    assert "Not offered here" not in patient and "Tuesday class" not in patient
    assert "At this clinic" not in patient  # no cost or contact: nothing for patients
    anchors = [anchor for _text, anchor, _level in window.detail_view.sections()]
    assert "clinician-clinic" in anchors and "patient-clinic" not in anchors


def test_the_page_shows_nothing_of_the_clinic_when_no_field_is_set(store, reader):
    from clinic_app.services.library import get_therapy

    detail = get_therapy(reader, "yoga")
    assert detail.clinic == {}
    for audience in (detail_html.CLINICIAN, detail_html.PATIENT):
        assert "At this clinic" not in detail_html.render(detail, audience=audience)
    clinic_fields.set_fields(store, "yoga", {"contact": "Call Anna.\nMonday to Friday."}, "Dr Lee", "new desk")
    html = detail_html._patient_box(get_therapy(reader, "yoga"), 12.0)
    assert "At this clinic" in html and "Call Anna.<br>Monday to Friday." in html  # its lines kept


def test_the_action_is_enabled_only_while_a_therapy_is_shown(qtbot, window):
    assert window.detail_view.detail is None and not window.clinic_fields_action.isEnabled()
    show_therapy(window, "yoga")
    assert window.clinic_fields_action.isEnabled()
    assert window.clinic_fields_action.text() == "Clinic's own &fields…"
    file_menu = window.menuBar().actions()[0].menu()
    assert window.clinic_fields_action in file_menu.actions()
    keys = [re.search(r"&(.)", a.text()).group(1).lower() for a in file_menu.actions() if "&" in a.text()]
    assert len(keys) == len(set(keys)), keys
    window.detail_view.show_message("Preparing the therapy library…")
    assert not window.clinic_fields_action.isEnabled()


def test_esc_closes_the_dialog_and_it_reopens_where_it_was(qtbot, window):
    show_therapy(window, "yoga")
    window.clinic_fields_action.trigger()
    dialog = window.clinic_fields_dialog
    qtbot.waitExposed(dialog)
    dialog.resize(700, 560)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    again = window.open_clinic_fields("yoga", "Yoga")
    qtbot.waitExposed(again)
    assert again is not dialog and (again.width(), again.height()) == (700, 560)
    again.close()


def test_the_dialog_fits_a_laptop_and_every_control_is_named_with_its_own_alt_key(qtbot, open_dialog):
    dialog = open_dialog()
    least = dialog.minimumSizeHint().expandedTo(dialog.minimumSize())
    assert least.width() <= LAPTOP[0] and least.height() <= LAPTOP[1], least
    assert dialog.width() <= LAPTOP[0] and dialog.height() <= LAPTOP[1]
    texts = [w.text() for w in dialog.findChildren(QAbstractButton) if w.text()]
    texts += [w.text() for w in dialog.findChildren(QLabel) if w.buddy() is not None]
    texts += [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    keys = [m.group(1).lower() for text in texts for m in [re.search(r"&([^&])", text)] if m]
    assert len(keys) == len(set(keys)) and len(keys) >= 10, sorted(keys)
    focusable = [w for w in dialog.findChildren(QWidget)
                 if w.focusPolicy() != Qt.FocusPolicy.NoFocus and w.isVisibleTo(dialog)
                 and not isinstance(w, QAbstractButton | QLabel) and w.parent() is not None
                 and type(w).__name__ not in ("QTabBar", "QScrollBar", "QLineEdit", "QWidget", "QScrollArea")]
    unnamed = [type(w).__name__ for w in focusable if not w.accessibleName()]
    assert not unnamed, unnamed
    assert dialog.who_combo.accessibleName() and dialog.why_field.accessibleName()
    assert not dialog.revert_button.isDefault() and not dialog.revert_button.autoDefault()
    assert dialog.save_button.isDefault() and not dialog.save_button.isEnabled()


def test_the_word_diff_marks_what_went_and_what_came():
    assert word_diff("a b c", "a x c") == [("same", "a"), ("deleted", "b"), ("added", "x"), ("same", "c")]
    assert diff_text("", "new words") == "{+new words+}"
    assert diff_text("old words", "") == "[-old words-]"
    html = diff_html("cost <b>5</b>", "cost 6")
    assert "&lt;b&gt;5&lt;/b&gt;" in html and "line-through" in html and "underline" in html
    assert "[-" in html and "{+" in html


def test_a_few_short_words_show_no_grade_below_one():
    from clinic_app.ui.profile.clinic_fields_dialog import Assessment, grade_text

    assert grade_text(Assessment("cost", "Free.", -2.2, 8.0, "")) == "Grade 1 or lower — fine for patients"
    assert grade_text(Assessment("cost", "x", 6.24, 8.0, "")) == "Grade 6.2 — fine for patients"
