"""The therapy page as a reader meets it: whose text comes first (clinician by default, remembered),
a "Jump to" list of its sections, and a document a screen reader can walk (headings, links, a caret)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextFormat
from PySide6.QtWidgets import QApplication

from clinic_app.services import library
from clinic_app.ui.browse.detail_view import DetailView


def open_slug(window, slug: str = "platelet-rich-plasma") -> str:
    assert window.search_panel.select_slug(slug)
    window.search_panel._open_current()
    return window.detail_view.toPlainText()


def headings(view) -> list[tuple[int, str]]:
    found, block = [], view.document().begin()
    while block.isValid():
        if block.blockFormat().headingLevel():
            found.append((block.blockFormat().headingLevel(), " ".join(block.text().split())))
        block = block.next()
    return found


def heading_block(view, text: str):
    block = view.document().begin()
    while block.isValid():
        if block.blockFormat().headingLevel() and " ".join(block.text().split()) == text:
            return block
        block = block.next()
    raise AssertionError(f"no heading {text!r}")


# -- whose text first ---------------------------------------------------------------------------
def test_the_clinician_summary_comes_right_after_the_title_by_default(window, reader):
    text = open_slug(window)
    detail = library.get_therapy(reader, "platelet-rich-plasma")
    assert window.page_header.audience_combo.currentText() == "Clinician"
    summary = detail.clinician["clinician_summary"].split(".")[0]
    assert text.index(detail.name) < text.index("For the clinician") < text.index(summary) < text.index("For the patient")


def test_the_patient_switch_puts_the_patient_text_first_and_is_remembered(qtbot, make_window, reader):
    first = make_window()
    open_slug(first)
    combo = first.page_header.audience_combo
    combo.setCurrentIndex(combo.findData("patient"))
    text = first.detail_view.toPlainText()
    assert text.index("For the patient") < text.index("For the clinician")
    assert first.audience_actions["patient"].isChecked()
    assert first.detail_view.verticalScrollBar().value() == 0
    first.close()
    second = make_window()  # reopens the same therapy, for the patient
    assert second.detail_view.audience == "patient" and second.page_header.audience_combo.currentText() == "Patient"
    text = second.detail_view.toPlainText()
    assert text.index("For the patient") < text.index("For the clinician")
    second.audience_actions["clinician"].trigger()  # the View menu switches back
    assert second.page_header.audience_combo.currentData() == "clinician"
    text = second.detail_view.toPlainText()
    assert text.index("For the clinician") < text.index("For the patient")
    second.close()
    assert make_window().detail_view.audience == "clinician"


def test_a_condition_page_follows_the_audience_too(window):
    combo = window.search_panel.condition_filter
    combo.setCurrentIndex(combo.findData("sciatica"))
    text = window.detail_view.toPlainText()
    assert text.index("For the clinician") < text.index("For the patient")
    window.set_audience("patient")
    text = window.detail_view.toPlainText()
    assert text.index("For the patient") < text.index("Get help urgently if") < text.index("For the clinician")


def test_the_audience_is_in_the_view_menu(window):
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    texts = [a.text() for a in view_menu.actions()]
    assert "&Clinician's text first" in texts and "&Patient's text first" in texts
    assert window.audience_actions["clinician"].isChecked() and window.audience_group.isExclusive()


# -- jump to --------------------------------------------------------------------------------------
def test_jump_to_lists_the_sections_of_the_page(window, reader):
    open_slug(window)
    combo = window.page_header.jump_combo
    items = [combo.itemText(i).strip("\u2003") for i in range(combo.count())]
    assert items[0] == "Top of page"
    for part in ("For the clinician", "For the patient", "References", "About this entry"):
        assert part in items
    detail = library.get_therapy(reader, "platelet-rich-plasma")
    for key, heading in library.CLINICIAN_SECTIONS:
        if detail.clinician.get(key):
            assert heading in items
    # sections are indented below their part
    assert combo.itemText(items.index("Summary")).startswith("\u2003")
    assert not combo.itemText(items.index("References")).startswith("\u2003")


def test_jumping_scrolls_the_section_to_the_top_and_puts_the_caret_there(qtbot, window):
    window.resize(1200, 800)
    open_slug(window)
    view, combo = window.detail_view, window.page_header.jump_combo
    assert view.verticalScrollBar().value() == 0
    index = combo.findData("references")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    block = heading_block(view, "References")
    top = view.document().documentLayout().blockBoundingRect(block).top()
    assert view.verticalScrollBar().value() > 0
    assert abs(view.verticalScrollBar().value() - top) <= 2 or \
        view.verticalScrollBar().value() == view.verticalScrollBar().maximum()
    assert view.textCursor().block() == block
    assert view.hasFocus() or qtbot.waitUntil(view.hasFocus) is None


def test_the_section_jumped_to_is_painted(qtbot, reader):
    """Its text shows on screen, not only in the document (a partial relayout once left it blank)."""
    view = DetailView(audience="patient")
    qtbot.addWidget(view)
    view.resize(760, 640)
    view.show()
    qtbot.waitExposed(view)
    view.show_therapy(library.get_therapy(reader, "platelet-rich-plasma"))
    QApplication.processEvents()  # the page is laid out and painted, as the doctor sees it, before the jump
    view.jump_to("references")
    QApplication.processEvents()
    image = view.viewport().grab().toImage()
    band = range(image.height() // 4, image.height() * 3 // 4)  # below the heading, above the next part
    dark = sum(1 for y in band[::3] for x in range(0, image.width(), 3) if image.pixelColor(x, y).lightness() < 128)
    assert dark > 200, dark


def test_the_jump_list_follows_the_page_and_is_off_without_one(qtbot, reader):
    view = DetailView()
    qtbot.addWidget(view)
    from clinic_app.ui.browse.detail_view import PageHeader

    header = PageHeader(view)
    qtbot.addWidget(header)
    assert not header.jump_combo.isEnabled()  # the welcome page has no sections
    view.show_therapy(library.get_therapy(reader, "nsaids"))
    assert header.jump_combo.isEnabled() and header.jump_combo.count() > 5
    assert header.audience_label.buddy() is header.audience_combo and header.jump_label.buddy() is header.jump_combo


# -- a document a screen reader can walk -----------------------------------------------------------
def test_the_page_has_real_headings(window, reader):
    open_slug(window)
    detail = library.get_therapy(reader, "platelet-rich-plasma")
    found = headings(window.detail_view)
    assert [text for level, text in found if level == 1] == [detail.name]
    assert [text for level, text in found if level == 2] == ["For the clinician", "For the patient", "References",
                                                           "About this entry"]
    level3 = {text for level, text in found if level == 3}
    for key, heading in library.CLINICIAN_SECTIONS + library.PATIENT_SECTIONS:
        if detail.clinician.get(key) or detail.patient.get(key):
            assert heading in level3
    assert "<h1" in window.detail_view.toHtml() and "<h2" in window.detail_view.toHtml()


def test_headings_keep_their_size_and_follow_the_zoom(window):
    """Qt's own heading sizes would override the page's (and ignore the zoom)."""
    open_slug(window)
    view = window.detail_view
    for _ in range(2):
        title = heading_block(view, " ".join(view.detail.name.split())).begin().fragment().charFormat()
        part = heading_block(view, "References").begin().fragment().charFormat()
        assert not title.hasProperty(QTextFormat.Property.FontSizeAdjustment)
        assert title.font().pointSizeF() == pytest.approx(view.base_point_size() * 2.0, abs=0.1)
        assert part.font().pointSizeF() == pytest.approx(view.base_point_size() * 1.5, abs=0.1)
        view.zoom_in()


def links(view) -> dict[str, str]:
    """The page's links: their text and where they go."""
    found, block = {}, view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            form = it.fragment().charFormat()
            if form.isAnchor() and form.anchorHref():
                found[it.fragment().text()] = form.anchorHref()
            it += 1
        block = block.next()
    return found


def test_references_and_condition_options_are_links(window, reader):
    open_slug(window)
    hrefs = links(window.detail_view)
    assert any(text.startswith("PubMed") and href.startswith("https://pubmed.ncbi.nlm.nih.gov/")
               for text, href in hrefs.items())
    assert any(href.startswith("https://doi.org/") for href in hrefs.values())
    combo = window.search_panel.condition_filter
    combo.setCurrentIndex(combo.findData("sciatica"))
    hrefs = links(window.detail_view)
    for therapy in library.get_condition(reader, "sciatica").therapies:
        assert hrefs.get(therapy.name) == f"therapy:{therapy.slug}"


def test_the_page_is_a_read_only_browser_with_a_keyboard_caret(qtbot, window):
    open_slug(window)
    view = window.detail_view
    assert view.accessibleName() == "Therapy page"
    assert view.isReadOnly()
    flags = view.textInteractionFlags()
    assert flags & Qt.TextInteractionFlag.TextSelectableByKeyboard
    assert flags & Qt.TextInteractionFlag.LinksAccessibleByKeyboard
    assert flags & Qt.TextInteractionFlag.TextSelectableByMouse
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    before = view.textCursor().position()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.textCursor().position() > before  # the caret moves line by line
    text = view.toPlainText()
    qtbot.keyClick(view, Qt.Key.Key_X)
    assert view.toPlainText() == text  # and typing changes nothing


def test_the_welcome_page_can_be_read_with_the_caret_once_the_library_is_open(window):
    assert window.detail_view.detail is None
    assert window.detail_view.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByKeyboard
