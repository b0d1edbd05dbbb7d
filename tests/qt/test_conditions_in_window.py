"""The doctor picks the patient's condition first: the list holds its options, the window shows the
condition (with its warning signs), a therapy opens with its note for that condition, and compare
and the handout know which condition they are about."""

from __future__ import annotations

from PySide6.QtCore import Qt

from clinic_app.services import library
from clinic_app.ui.browse.therapy_list import KIND_HIT, KIND_NOTICE, KIND_THERAPY, KindRole, SlugRole


def listed(model) -> list[str]:
    return [model.index(r, 0).data(SlugRole) for r in range(model.rowCount())
            if model.index(r, 0).data(KindRole) in (KIND_THERAPY, KIND_HIT)]


def choose_condition(window, slug: str) -> None:
    combo = window.search_panel.condition_filter
    combo.setCurrentIndex(combo.findData(slug))


def test_choosing_a_condition_lists_its_options_and_shows_it(window, reader):
    choose_condition(window, "sciatica")
    expected = {t.slug for t in library.get_condition(reader, "sciatica").therapies}
    assert set(listed(window.search_panel.model)) == expected
    assert "discectomy" in expected and "radiofrequency-denervation" not in expected
    page = window.detail_view.toPlainText()
    assert "Sciatica" in page and "Get help urgently if" in page
    assert "Options for sciatica" in page
    choose_condition(window, "")
    assert len(listed(window.search_panel.model)) == len(library.list_therapies(reader))


def test_a_therapy_opened_for_a_condition_shows_its_note_for_it_first(qtbot, window):
    choose_condition(window, "sciatica")
    window.search_panel.select_slug("epidural-steroid-injection")
    qtbot.keyClick(window.search_panel.list_view, Qt.Key.Key_Return)
    detail = window.detail_view.detail
    assert detail.slug == "epidural-steroid-injection"
    note = detail.position_for("sciatica")
    assert note is not None
    text = window.detail_view.toPlainText()
    assert note.patient.split(".")[0] in text
    other = detail.position_for("chronic-low-back-pain")
    assert other is None or other.patient.split(".")[0] not in text  # only the chosen condition's note


def test_a_condition_page_links_open_the_therapy(qtbot, window):
    from PySide6.QtCore import QUrl

    choose_condition(window, "spinal-stenosis")
    window.detail_view.anchorClicked.emit(QUrl("therapy:decompression-surgery"))
    assert window.detail_view.detail.slug == "decompression-surgery"


def test_a_typo_shows_what_was_searched_instead(qtbot, window):
    panel = window.search_panel
    panel.search_field.setText("acupunture")
    qtbot.waitUntil(lambda: panel.model.is_searching() and panel.model.rowCount() > 1)
    first = panel.model.index(0, 0)
    assert first.data(KindRole) == KIND_NOTICE
    assert "Showing results for \u201cacupuncture\u201d" in first.data()
    assert listed(panel.model)[0] == "acupuncture"
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Return)
    assert window.detail_view.detail.slug == "acupuncture"


def test_compare_and_handout_know_the_condition(qtbot, window, monkeypatch):
    choose_condition(window, "sciatica")
    window.search_panel.select_slug("discectomy")
    qtbot.keyClick(window.search_panel.list_view, Qt.Key.Key_Return)
    window.compare_action.trigger()
    compare = window.compare_window
    qtbot.waitUntil(lambda: compare.view.shown_matrix() is not None)
    assert compare.view.shown_matrix().condition == "Sciatica"
    assert "sciatica" in compare.windowTitle()
    assert compare.view.summary_label.text().startswith("For sciatica:")
    compare.close()
    window.handout_action.trigger()
    builder = window.handout_builder
    assert builder.request().condition == "sciatica"
    builder.close()
