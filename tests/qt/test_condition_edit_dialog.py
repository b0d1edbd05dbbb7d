"""A condition's own text in the window, driven as a user does: the grade as you type, a refused
grade-10 sentence, a saved edit the condition's page shows, the history and a revert; and the search
words and reference list of a therapy or condition, edited on their own tab."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt

from clinic_app.content.check import load_content
from clinic_app.services import condition_edits, library, search, therapy_edits
from clinic_app.ui.profile.condition_edit_dialog import ConditionEditDialog
from clinic_app.ui.profile.therapy_edit_dialog import TherapyEditDialog

SLUG = "chronic-low-back-pain"
HARD = ("Consequently, individuals experiencing considerable uncertainty regarding administrative arrangements "
        "should communicate comprehensively with our appropriately qualified reception personnel beforehand.")
CUT = "That kind of leg pain is called sciatica, and it has its own page."
WAIT_MS = 30_000  # the first grade loads the reading-grade dictionaries (on a worker)


def shipped_what_it_is() -> str:
    return next(c for c in load_content()[0].conditions if c.slug == SLUG).patient.what_it_is


def settled(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.pending(), timeout=WAIT_MS)


def sign(dialog, who: str = "Dr Lee", why: str = "shorter for our leaflet") -> None:
    dialog.who_combo.setEditText(who)
    dialog.why_field.setText(why)


def opened_from_the_menu(qtbot, window) -> ConditionEditDialog:
    assert not window.condition_text_action.isEnabled()  # no condition chosen yet
    window.search_panel.set_condition(SLUG)
    assert window.current_condition() == SLUG and window.condition_text_action.isEnabled()
    window.condition_text_action.trigger()
    dialog = window.condition_text_dialog
    qtbot.waitExposed(dialog)
    settled(qtbot, dialog)
    return dialog


def test_a_grade_10_sentence_is_refused_with_its_grade_and_nothing_is_stored(qtbot, window, store, errors):
    before = condition_edits.history(store, SLUG)
    dialog = opened_from_the_menu(qtbot, window)
    dialog.choose_field("patient.first_steps")
    dialog.editor.setPlainText(HARD)
    settled(qtbot, dialog)
    found = re.match(r"Grade (\d+\.\d) — patients' text must be grade 8 or lower", dialog.grade_label.text())
    assert found and float(found.group(1)) > 8, dialog.grade_label.text()
    sign(dialog)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.problems()), timeout=WAIT_MS)
    settled(qtbot, dialog)
    assert "Reading grade" in dialog.error_label.text() and "above 8" in dialog.error_label.text()
    assert "Nothing was saved" in dialog.message_label.text()
    assert condition_edits.history(store, SLUG) == before
    assert errors == []


def test_save_shows_on_the_page_then_history_and_revert(qtbot, window, store, errors):
    dialog = opened_from_the_menu(qtbot, window)
    assert CUT in window.detail_view.toPlainText()
    dialog.choose_field("patient.what_it_is")
    dialog.editor.setPlainText(shipped_what_it_is().replace(CUT, "").strip())
    sign(dialog)
    settled(qtbot, dialog)
    assert dialog.grade_label.text().endswith("fine for patients")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert library.get_condition(store, SLUG).patient["what_it_is"] == shipped_what_it_is().replace(CUT, "").strip()
    assert CUT not in window.detail_view.toPlainText()  # the page shows the clinic's text
    assert "Saved revision #2" in dialog.message_label.text()

    model = dialog.history_model
    assert model.rowCount() == 2 and model.index(0, 3).data() == "Clinic" and model.index(0, 2).data() == "Dr Lee"
    dialog.tabs.setCurrentIndex(2)
    dialog.history_view.setCurrentIndex(model.index(0, 0))
    assert "[-" + CUT + "-]" in dialog.diff_view.toPlainText()
    assert not dialog.revert_button.isEnabled()  # the newest is the text it has now
    dialog.history_view.setCurrentIndex(model.index(1, 0))
    sign(dialog, why="back to the shipped words")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.revert_button, Qt.MouseButton.LeftButton)
    assert library.get_condition(store, SLUG).patient["what_it_is"] == shipped_what_it_is()
    assert condition_edits.history(store, SLUG)[0].reason == "reverted to revision 1: back to the shipped words"
    assert CUT in window.detail_view.toPlainText()
    assert errors == []


def test_unticking_a_cited_reference_or_a_clashing_word_is_refused_by_name(qtbot, store, errors):
    dialog = ConditionEditDialog(store, SLUG, "Chronic low back pain")
    qtbot.addWidget(dialog)
    dialog.show()
    settled(qtbot, dialog)
    listed = condition_edits.editable_fields(store, SLUG)["references"].splitlines()
    assert dialog.reference_model.chosen() == listed
    assert dialog.set_reference("G8", False)
    sign(dialog, why="fewer sources")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.problems()), timeout=WAIT_MS)
    settled(qtbot, dialog)
    # the text that cites it is named, and shown with its problem
    assert dialog.tabs.currentIndex() == 0 and dialog.field_view.currentIndex().data().startswith("Clinician · Red flags")
    assert "Cites [G8] but it is not in this condition's references" in dialog.error_label.text()
    assert dialog.set_reference("G8", True)
    dialog.aliases_editor.setPlainText(dialog.aliases_editor.toPlainText() + "\nsciatica")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.problems("aliases")), timeout=WAIT_MS)
    assert dialog.tabs.currentIndex() == 1 and dialog.lists_error_label.isVisibleTo(dialog)
    assert "Already names condition sciatica" in dialog.lists_error_label.text()
    assert condition_edits.editable_fields(store, SLUG)["references"].splitlines() == listed
    assert len(condition_edits.history(store, SLUG)) == 1
    assert errors == []


def test_a_search_word_added_in_the_therapy_dialog_finds_the_therapy(qtbot, store, errors):
    dialog = TherapyEditDialog(store, "yoga", "Yoga")
    qtbot.addWidget(dialog)
    dialog.show()
    settled(qtbot, dialog)
    assert "hatha" not in [hit.slug for hit in search.search(store, "hatha")]
    assert dialog.reference_model.rowCount() > 100  # the whole library to choose from
    assert dialog.reference_model.chosen() == ["K15", "K16", "G4", "G5", "G6"]
    row = dialog.reference_model.row_of("K15")
    assert dialog.reference_model.index(row).data().startswith("K15 \u2014 ")
    dialog.aliases_editor.setPlainText(dialog.aliases_editor.toPlainText() + "\nhatha")
    assert dialog.changed_values().keys() == {"aliases"}
    sign(dialog, why="what patients type")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert library.get_therapy(store, "yoga").aliases[-1] == "hatha"
    assert [hit.slug for hit in search.search(store, "hatha")][:1] == ["yoga"]
    assert [c.path for c in therapy_edits.history(store, "yoga")[0].changes] == ["aliases"]
    assert errors == []
