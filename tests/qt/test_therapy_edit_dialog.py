"""A therapy's own text in the window: the grade as you type, save, revert and review off the GUI
thread with who and why, the page that shows the new text, and the optional edit passphrase."""

from __future__ import annotations

import re

import pytest
import yaml
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from clinic_app.content.check import load_content
from clinic_app.content.loader import write_content
from clinic_app.services import edit_guard, library, therapy_edits
from clinic_app.ui.profile.therapy_edit_dialog import (
    PassphraseDialog,
    TherapyEditDialog,
    field_label,
    split_problem,
)

SLUG = "yoga"
LOCAL = "Ask our front desk about this."  # clearly local wording added to an existing sentence
HARD = ("Consequently, individuals experiencing considerable uncertainty regarding administrative arrangements "
        "should communicate comprehensively with our appropriately qualified reception personnel beforehand.")
PHRASE = "blue heron at noon"
LAPTOP = (1366 - 40, 768 - 80)
WAIT_MS = 30_000  # the first grade loads the reading-grade dictionaries (on a worker)


def shipped_recovery() -> str:
    return load_content()[0].therapy(SLUG).patient.recovery


@pytest.fixture
def open_dialog(qtbot, store, errors):
    def make(slug: str = SLUG, name: str = "Yoga") -> TherapyEditDialog:
        dialog = TherapyEditDialog(store, slug, name)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        settled(qtbot, dialog)
        return dialog
    return make


def settled(qtbot, dialog: TherapyEditDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.pending(), timeout=WAIT_MS)


def sign(dialog: TherapyEditDialog, who: str = "Dr Lee", why: str = "our front desk") -> None:
    dialog.who_combo.setEditText(who)
    dialog.why_field.setText(why)


def show_therapy(window, slug: str = SLUG) -> None:
    window.search_panel.select_slug(slug)
    window.search_panel._open_current()
    assert window.detail_view.detail is not None and window.detail_view.detail.slug == slug


def edit_recovery(store) -> therapy_edits.EditResult:
    return therapy_edits.edit_therapy(store, SLUG, {"patient.recovery": f"{shipped_recovery()} {LOCAL}"},
                                      by="Dr Lee", why="our front desk")


def newer_shipped(store, content_copy) -> str:
    """Load a library whose yoga is one version newer, with a shortened patient recovery sentence
    (as tests/unit/test_therapy_edits.py does)."""
    path = content_copy / "therapies" / f"{SLUG}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["content_version"] += 1
    shortened = data["patient"]["recovery"].replace(", over several weeks.", ".")
    assert shortened != data["patient"]["recovery"]
    data["patient"]["recovery"] = shortened
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    bundle, problems = load_content(content_copy)
    assert [str(p) for p in problems] == []
    with store.write() as session:
        write_content(session, bundle)
    return shortened


def test_a_hard_patient_sentence_shows_its_grade_and_save_refuses_it(qtbot, open_dialog, store, errors):
    before = therapy_edits.history(store, SLUG)
    dialog = open_dialog()
    dialog.choose_field("patient.risks")
    assert dialog.editor.toPlainText() == therapy_edits.editable_fields(store, SLUG)["patient.risks"]
    dialog.editor.setPlainText(HARD)
    assert dialog.pending()  # measured after a pause, not on each key
    settled(qtbot, dialog)
    found = re.match(r"Grade (\d+\.\d) — patients' text must be grade 8 or lower", dialog.grade_label.text())
    assert found and float(found.group(1)) > 8, dialog.grade_label.text()
    sign(dialog)
    assert dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.problems()), timeout=WAIT_MS)
    settled(qtbot, dialog)
    assert errors == []  # shown in the dialog, not in a box
    error = dialog.error_label
    assert error.isVisibleTo(dialog) and "Reading grade" in error.text() and "above 8" in error.text()
    assert dialog.problems("patient.risks") and "Nothing was saved" in dialog.message_label.text()
    assert "Patient · Risks" in dialog.message_label.text()
    row = dialog.field_model.row_of("patient.risks")
    assert "(problem, changed)" in dialog.field_model.index(row).data()
    assert therapy_edits.history(store, SLUG) == before  # nothing stored
    assert library.get_therapy(store, SLUG).origin == "shipped"
    assert dialog.editor.toPlainText() == HARD  # the words stay to be fixed


def test_a_valid_edit_saves_a_revision_and_the_page_shows_it(qtbot, window, store, errors):
    show_therapy(window)
    assert LOCAL not in window.detail_view.toPlainText()
    assert window.therapy_text_action.isEnabled()
    window.therapy_text_action.trigger()
    dialog = window.therapy_text_dialog
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "Edit the text — Yoga"
    settled(qtbot, dialog)
    dialog.choose_field("patient.recovery")
    dialog.editor.setPlainText(f"{shipped_recovery()} {LOCAL}")
    dialog.choose_field("clinician.recovery")  # changes to several fields are kept until Save
    clinician = therapy_edits.editable_fields(store, SLUG)["clinician.recovery"]
    dialog.editor.setPlainText(f"{clinician} {LOCAL}")
    assert set(dialog.changed_values()) == {"patient.recovery", "clinician.recovery"}
    assert not dialog.save_button.isEnabled()  # who and why first
    sign(dialog)
    settled(qtbot, dialog)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert dialog.pending() and not dialog.save_button.isEnabled()  # on a worker
    newest = therapy_edits.history(store, SLUG)[0]
    assert (newest.author, newest.reason, newest.origin) == ("Dr Lee", "our front desk", "clinic")
    assert {c.path for c in newest.changes} == {"patient.recovery", "clinician.recovery"}
    detail = library.get_therapy(store, SLUG)
    assert detail.patient["recovery"].endswith(LOCAL) and detail.origin == "clinic"
    assert LOCAL in window.detail_view.toPlainText()  # reopened by Change.THERAPY_TEXT
    assert "Saved revision" in dialog.message_label.text() and dialog.why() == ""
    assert dialog.changed_values() == {} and not dialog.save_button.isEnabled()
    assert dialog.history_model.rowCount() == 2
    assert errors == []


def test_revert_restores_the_chosen_revision(qtbot, window, store, errors):
    edit_recovery(store)
    show_therapy(window)
    assert LOCAL in window.detail_view.toPlainText()
    dialog = window.open_therapy_text(SLUG, "Yoga")
    settled(qtbot, dialog)
    dialog.tabs.setCurrentIndex(1)
    model = dialog.history_model
    assert model.rowCount() == 2 and model.index(0, 3).data() == "Clinic" and model.index(0, 2).data() == "Dr Lee"
    assert "{+" + LOCAL + "+}" in dialog.diff_view.toPlainText()
    sign(dialog, why="back to the shipped words")
    assert not dialog.revert_button.isEnabled()  # the newest is the text it has now
    dialog.history_view.setCurrentIndex(model.index(1, 0))
    assert dialog.revert_button.isEnabled() and not dialog.revert_button.isDefault()
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.revert_button, Qt.MouseButton.LeftButton)
    detail = library.get_therapy(store, SLUG)
    assert detail.patient["recovery"] == shipped_recovery() and detail.origin == "shipped"
    newest = therapy_edits.history(store, SLUG)[0]
    assert newest.reason == "reverted to revision 1: back to the shipped words" and newest.author == "Dr Lee"
    assert model.rowCount() == 3 and "Reverted to revision #1" in dialog.message_label.text()
    assert LOCAL not in window.detail_view.toPlainText()
    dialog.choose_field("patient.recovery")
    assert dialog.editor.toPlainText() == shipped_recovery()
    assert errors == []


def test_a_newer_shipped_text_shows_the_banner_and_taking_it_clears_it(qtbot, open_dialog, store,
                                                                       content_copy, errors):
    edit_recovery(store)
    shortened = newer_shipped(store, content_copy)
    dialog = open_dialog()
    assert dialog.banner.isVisibleTo(dialog)
    assert "The shipped text changed since your edit" in dialog.banner_label.text()
    shown = dialog.banner_diff.toPlainText()
    assert "Patient · Recovery" in shown and "[-week, over several weeks.-]" in shown and "{+week.+}" in shown
    assert not dialog.take_button.isEnabled() and not dialog.keep_button.isEnabled()  # who and why first
    sign(dialog, why="the shorter text is fine")
    assert dialog.take_button.isEnabled()
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.take_button, Qt.MouseButton.LeftButton)
    assert therapy_edits.shipped_changed(store) == []
    assert not dialog.banner.isVisibleTo(dialog)
    detail = library.get_therapy(store, SLUG)
    assert detail.patient["recovery"] == shortened and detail.origin == "shipped"
    assert "Took the shipped text" in dialog.message_label.text()
    dialog.choose_field("patient.recovery")
    assert dialog.editor.toPlainText() == shortened


def test_the_passphrase_blocks_the_editors_when_wrong_and_opens_them_when_right(qtbot, window, store, errors):
    edit_guard.set_passphrase(store, PHRASE, by="Dr Lee")
    show_therapy(window)
    asked = window.open_therapy_text(SLUG, "Yoga")
    assert isinstance(asked, PassphraseDialog)
    qtbot.waitExposed(asked)
    asked.field.setText("blue heron")
    qtbot.mouseClick(asked.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "wrong" in asked.message_label.text(), timeout=WAIT_MS)
    assert asked.isVisible() and getattr(window, "therapy_text_dialog", None) is None
    asked.field.setText(PHRASE)
    qtbot.mouseClick(asked.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window, "therapy_text_dialog", None) is not None, timeout=WAIT_MS)
    assert isinstance(window.therapy_text_dialog, TherapyEditDialog) and window.therapy_text_dialog.isVisible()
    window.therapy_text_dialog.close()
    # the clinic's own fields ask too; cancelled, nothing opens
    fields = window.open_clinic_fields(SLUG, "Yoga")
    assert isinstance(fields, PassphraseDialog)
    qtbot.waitExposed(fields)
    fields.reject()
    qtbot.wait(20)
    assert getattr(window, "clinic_fields_dialog", None) is None
    edit_guard.clear_passphrase(store, by="Dr Lee")
    assert isinstance(window.open_therapy_text(SLUG, "Yoga"), TherapyEditDialog)


def test_the_action_is_in_the_file_menu_and_enabled_only_while_a_therapy_is_shown(qtbot, window):
    assert window.detail_view.detail is None and not window.therapy_text_action.isEnabled()
    show_therapy(window)
    assert window.therapy_text_action.isEnabled()
    assert window.therapy_text_action.text() == "Edit this therapy's &text…"
    actions = window.menuBar().actions()[0].menu().actions()
    assert actions.index(window.therapy_text_action) == actions.index(window.clinic_fields_action) + 1
    keys = [re.search(r"&(.)", a.text()).group(1).lower() for a in actions if "&" in a.text()]
    assert len(keys) == len(set(keys)), keys
    window.detail_view.show_message("Preparing the therapy library…")
    assert not window.therapy_text_action.isEnabled()


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
                 if w.window() is dialog  # the combo's own popup list is a window of its own
                 and w.focusPolicy() != Qt.FocusPolicy.NoFocus and not isinstance(w, QAbstractButton | QLabel)
                 and type(w).__name__ not in ("QTabBar", "QScrollBar", "QLineEdit", "QWidget", "QScrollArea",
                                              "QSplitterHandle")]
    unnamed = [type(w).__name__ for w in focusable if not w.accessibleName()]
    assert not unnamed, unnamed
    assert dialog.save_button.isDefault() and not dialog.save_button.isEnabled()
    # every field has a readable label, and the list shows it whole
    labels = [dialog.field_model.index(r).data() for r in range(dialog.field_model.rowCount())]
    assert "Patient · Risks" in labels and "Clinician · Summary" in labels and "Comparison · Cost" in labels
    assert dialog.field_view.viewport().width() >= dialog.field_view.sizeHintForColumn(0)


def test_esc_closes_the_dialog(qtbot, window):
    from PySide6.QtWidgets import QApplication

    show_therapy(window)
    dialog = window.open_therapy_text(SLUG, "Yoga")
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_labels_and_problems_read_as_the_clinic_reads_them():
    assert field_label("patient.risks") == "Patient · Risks"
    assert field_label("clinician.summary") == "Clinician · Summary"
    assert field_label("comparison.cost.text") == "Comparison · Cost"
    assert field_label("patient.paper.evidence_known") == "Patient paper · What we know"
    assert field_label("by_condition[0].patient") == "By condition 1 · Patient"
    assert field_label("patient.figures[1].caption") == "Patient · Figure 2 caption"
    assert split_problem("patient.risks 'Hard words: here': reading grade 14 is above 8; longest") == (
        "patient.risks", "reading grade 14 is above 8; longest")
    assert split_problem("clinician.recovery \"It's TBD\": placeholder 'TBD'") == (
        "clinician.recovery", "placeholder 'TBD'")
    assert split_problem("references: K1 is listed but not cited") == ("references", "K1 is listed but not cited")


def _answer_conflict(button: str, seen: dict) -> None:
    """When the two versions are shown, note the rows and press ``button``."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from clinic_app.ui.profile.conflict_dialog import ConflictDialog

    def press() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, ConflictDialog) and w.isVisible()),
                      None)
        if dialog is None:
            QTimer.singleShot(20, press)
            return
        seen["rows"] = [tuple(dialog.model.index(r, c).data() for c in range(3)) for r in range(dialog.model.rowCount())]
        seen["message"] = dialog.message_label.text()
        getattr(dialog, f"{button}_button").click()

    QTimer.singleShot(0, press)


def test_an_edit_saved_elsewhere_first_is_shown_beside_mine_and_mine_saves_over_it(qtbot, open_dialog, store, errors):
    dialog = open_dialog()
    theirs = edit_recovery(store)  # another room (or window) saves first
    mine = f"{shipped_recovery()} Ask at the front desk."
    dialog.choose_field("patient.recovery")
    dialog.editor.setPlainText(mine)
    sign(dialog)
    settled(qtbot, dialog)
    seen: dict = {}
    _answer_conflict("mine", seen)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert seen["rows"] == [("Patient · Recovery", mine, f"{shipped_recovery()} {LOCAL}")]
    assert "changed by Dr Lee" in seen["message"] and f"(revision {theirs.revision})" in seen["message"]
    history = therapy_edits.history(store, SLUG)
    assert history[0].revision == theirs.revision + 1 and history[1].revision == theirs.revision  # both kept
    assert therapy_edits.editable_fields(store, SLUG)["patient.recovery"] == mine
    assert errors == []


def test_taking_theirs_shows_their_text_and_saves_nothing(qtbot, open_dialog, store, errors):
    dialog = open_dialog()
    theirs = edit_recovery(store)
    dialog.choose_field("patient.recovery")
    dialog.editor.setPlainText(f"{shipped_recovery()} Ask at the front desk.")
    sign(dialog)
    settled(qtbot, dialog)
    _answer_conflict("theirs", {})
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Their text is shown now" in dialog.message_label.text(), timeout=WAIT_MS)
    assert dialog.editor.toPlainText() == f"{shipped_recovery()} {LOCAL}"
    assert therapy_edits.history(store, SLUG)[0].revision == theirs.revision  # nothing of mine stored
