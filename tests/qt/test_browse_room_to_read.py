"""Room to read: with the visit panel open the therapy page keeps a readable width (the list gives way
first, then the panel), and titles and tags never break inside a word, in the page or in the list."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyleOptionViewItem

from clinic_app.services import library
from clinic_app.ui.browse.detail_view import PAGE_MIN_WIDTH, DetailView
from clinic_app.ui.browse.therapy_delegate import PAD_X, title_lines
from clinic_app.ui.browse.therapy_list import KIND_THERAPY, KindRole

BREAKS = (" ", "\xa0", "-")  # a line may start after a space or a hyphen, nowhere else


def open_with_visit(qtbot, window, size: tuple[int, int], slug: str = "nsaids"):
    window.setup_later_button.click()  # the clinic prompt's height would change with the width
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    assert window.search_panel.select_slug(slug)
    window.search_panel._open_current()
    list_before = window.search_panel.width()
    window.new_consultation_action.trigger()
    panel = window.consultation_panel
    qtbot.waitUntil(lambda: panel.isVisible() and window.page.width() > 0
                    and window.splitter.sizes()[1] >= window.page.minimumSizeHint().width())
    return list_before


@pytest.mark.parametrize("size", [(1200, 800), (1024, 700)])
def test_the_visit_panel_never_squeezes_the_page_below_a_readable_width(qtbot, window, size):
    list_before = open_with_visit(qtbot, window, size)
    panel = window.consultation_panel
    assert window.width() == size[0]  # the window was not pushed wider to make room
    assert window.detail_view.width() >= PAGE_MIN_WIDTH
    assert window.search_panel.isVisible() and panel.isVisible()
    assert window.search_panel.width() < list_before  # the list gave way
    assert panel.width() >= panel.minimumSizeHint().width()


def test_the_list_gives_way_before_the_visit_panel(qtbot, window):
    open_with_visit(qtbot, window, (1200, 800))
    wide_panel = window.consultation_panel.width()
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.detail_view.width() >= PAGE_MIN_WIDTH)
    # the list is at its narrowest before the panel narrowed at all
    assert window.search_panel.width() == window.search_panel.minimumWidth()
    assert window.consultation_panel.width() < wide_panel


def test_the_list_gets_its_width_back_when_the_visit_ends(qtbot, window):
    list_before = open_with_visit(qtbot, window, (1200, 800))
    window.consultation_panel.hide()
    qtbot.waitUntil(lambda: window.search_panel.width() == list_before)


def word_boundaries_only(text: str, starts: list[int]) -> bool:
    return all(start == 0 or text[start - 1] in BREAKS for start in starts)


def heading_lines(view: DetailView, level: int = 1) -> tuple[str, list[int]]:
    block = view.document().begin()
    while block.isValid() and block.blockFormat().headingLevel() != level:
        block = block.next()
    layout = block.layout()
    return block.text(), [layout.lineAt(i).textStart() for i in range(layout.lineCount())]


def test_the_page_title_wraps_at_word_boundaries_with_the_visit_open(qtbot, window):
    open_with_visit(qtbot, window, (1024, 700))
    text, starts = heading_lines(window.detail_view)
    assert text.startswith("NSAIDs")
    assert word_boundaries_only(text, starts), [text[s:] for s in starts]


def test_at_any_zoom_titles_break_between_words_and_tags_stay_whole(qtbot, reader):
    view = DetailView(zoom=12)  # the title at 48 pt: "inflammatory" alone nearly fills the page
    qtbot.addWidget(view)
    view.resize(PAGE_MIN_WIDTH, 700)
    view.show()
    qtbot.waitExposed(view)
    detail = library.get_therapy(reader, "nsaids")
    view.show_therapy(detail)
    text, starts = heading_lines(view)
    assert len(starts) > 1 and word_boundaries_only(text, starts), [text[s:] for s in starts]
    block = view.document().findBlock(view.document().find("Evidence").position())
    layout, tags_text = block.layout(), block.text()
    starts = [layout.lineAt(i).textStart() for i in range(layout.lineCount())]
    for tag in (detail.status_label, f"Evidence grade: {detail.grade_label}"):
        at = tags_text.index(tag.replace(" ", "\xa0"))
        assert not any(at < s < at + len(tag) for s in starts), f"the tag {tag!r} is split"


def test_list_titles_wrap_at_word_boundaries_at_the_width_the_list_has(qtbot, window, reader):
    open_with_visit(qtbot, window, (1024, 700))
    view = window.search_panel.list_view
    width = view.viewport().width() - 2 * PAD_X
    names = [t.name for t in library.list_therapies(reader)]
    metrics = QFontMetrics(view.font())
    assert width > 0 and metrics.height() > 0
    for name in names:
        lines = title_lines(view.font(), name, width)
        assert 1 <= len(lines) <= 2
        rest = name
        for number, line in enumerate(lines):
            if line.endswith("…"):  # words left out: only on the last line, and after a whole word
                assert number == len(lines) - 1
                kept = line[:-1]
                assert rest.startswith(kept) and (rest[len(kept)] in BREAKS or kept.endswith("-")), (name, lines)
                break
            assert rest.startswith(line), (name, lines)
            rest = rest[len(line):]
            assert not rest or rest[0] in BREAKS or line.endswith("-"), (name, lines)
            rest = rest.lstrip()
        else:
            assert rest == "", (name, lines)


def rows_fit(view) -> bool:
    """Every therapy row is as tall as the delegate says it must be at the list's width now."""
    model, delegate = view.model(), view.itemDelegate()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data(KindRole) != KIND_THERAPY:
            continue
        option = QStyleOptionViewItem()
        option.font, option.widget = view.font(), view
        if view.visualRect(index).height() != delegate.sizeHint(option, index).height():
            return False
    return True


def test_list_rows_are_laid_out_again_when_the_list_narrows(qtbot, window):
    """Rows wrap to the list's width: a narrower list (the visit panel, the splitter dragged) lays
    them out again, or a row taller than before would be painted over the next one."""
    window.setup_later_button.click()
    window.resize(1024, 700)
    view = window.search_panel.list_view
    assert window.search_panel.select_slug("nsaids")
    qtbot.waitUntil(lambda: rows_fit(view))
    width = view.viewport().width()
    window.splitter.setSizes([window.search_panel.minimumWidth(), 2000])  # only the width changes
    qtbot.waitUntil(lambda: view.viewport().width() < width)
    qtbot.waitUntil(lambda: rows_fit(view))
    index = window.search_panel.model.index(window.search_panel.model.row_of("nsaids"), 0)
    qtbot.waitUntil(lambda: view.viewport().rect().intersects(view.visualRect(index)))  # the chosen row stays in view


def test_closing_during_a_visit_keeps_the_list_width_from_before_it(qtbot, make_window, ui_settings):
    first = make_window()
    first.setup_later_button.click()
    first.resize(1200, 800)
    qtbot.waitUntil(lambda: first.width() == 1200)
    before, list_before = first.splitter.saveState(), first.search_panel.width()
    first.new_consultation_action.trigger()
    qtbot.waitUntil(lambda: first.search_panel.width() < list_before)  # the list gave way to the visit panel
    assert first.detail_view.width() >= PAGE_MIN_WIDTH
    first.close()
    ui_settings.sync()
    assert ui_settings.splitter_state == before  # what the next start restores
