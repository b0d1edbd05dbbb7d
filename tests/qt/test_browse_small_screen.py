"""A 1366×768 laptop at 200% scaling gives the window 683×384 logical pixels: the whole window fits,
the therapy page keeps a readable width with "Jump to" on screen, and the narrow list shows its
search hint and group headers whole rather than cut ("Search therapies (C…", "REGENERATIVE THER…")."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyleOptionViewItem

from clinic_app.ui.browse.detail_view import PAGE_MIN_WIDTH
from clinic_app.ui.browse.search_panel import PANEL_MIN_WIDTH
from clinic_app.ui.browse.therapy_delegate import PAD_X, header_font, header_lines
from clinic_app.ui.browse.therapy_list import KIND_HEADER, KindRole

LAPTOP_AT_200 = (683, 384)  # 1366×768 at a scale factor of 2
HEADER_PADDING = 20  # a group header's text starts 14 px below the row's top and ends 6 px above its bottom


def right_edge_in(window, widget) -> int:
    return widget.mapTo(window, QPoint(widget.width(), 0)).x()


def test_the_window_fits_a_1366x768_laptop_at_200_percent(qtbot, window):
    assert window.setup_bar.isVisible()  # the first start, with its welcome: the tallest the top gets
    assert window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    hint = window.minimumSizeHint()
    assert hint.width() <= LAPTOP_AT_200[0] and hint.height() <= LAPTOP_AT_200[1], hint
    window.resize(*LAPTOP_AT_200)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == LAPTOP_AT_200)  # not held wider or taller
    view = window.detail_view
    assert view.width() >= PAGE_MIN_WIDTH  # the page keeps its readable measure
    assert window.search_panel.width() >= PANEL_MIN_WIDTH
    for widget in (view, window.page_header.jump_combo, window.page_header.audience_combo):
        assert widget.isVisible() and right_edge_in(window, widget) <= window.width(), widget.objectName()
    assert window.page_header.jump_combo.width() >= window.page_header.jump_combo.minimumSizeHint().width()


def test_a_narrow_list_shows_a_search_hint_that_fits(qtbot, window):
    window.resize(*LAPTOP_AT_200)
    window.splitter.setSizes([PANEL_MIN_WIDTH, 2000])
    field = window.search_panel.search_field
    qtbot.waitUntil(lambda: window.search_panel.width() == PANEL_MIN_WIDTH)
    font = field.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)  # the desktop's larger type: the full hint no longer fits
    field.setFont(font)
    full = "Search therapies  (Ctrl+F)"
    assert QFontMetrics(font).horizontalAdvance(full) > field.contentsRect().width()
    hint = field.placeholderText()
    assert hint.startswith("Search") and hint != full
    assert QFontMetrics(font).horizontalAdvance(hint) <= field.contentsRect().width() - 8
    window.resize(1400, 800)
    window.splitter.setSizes([600, 800])  # room again: the hint names the shortcut
    qtbot.waitUntil(lambda: field.placeholderText() == full)


def test_a_narrow_list_wraps_its_group_headers_instead_of_cutting_them(qtbot, window):
    window.resize(*LAPTOP_AT_200)
    window.splitter.setSizes([PANEL_MIN_WIDTH, 2000])
    view = window.search_panel.list_view
    qtbot.waitUntil(lambda: window.search_panel.width() == PANEL_MIN_WIDTH)
    model, delegate = view.model(), view.itemDelegate()
    headers = [model.index(row, 0) for row in range(model.rowCount()) if model.index(row, 0).data(KindRole) == KIND_HEADER]
    longest = max(headers, key=lambda index: len(index.data()))
    assert longest.data() == "Regenerative therapies (experimental)"
    width = view.viewport().width() - 2 * PAD_X
    lines = header_lines(view.font(), longest.data(), width)
    assert lines >= 2  # too wide for one line at this width
    option = QStyleOptionViewItem()
    option.font, option.widget = view.font(), view
    qtbot.waitUntil(lambda: view.visualRect(longest).height() == delegate.sizeHint(option, longest).height())
    # the row is tall enough for the wrapped words below its top padding and above its rule
    needed = QFontMetrics(header_font(view.font())).boundingRect(
        QRect(0, 0, width, 10_000), int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap), longest.data())
    assert needed.width() <= width
    assert view.visualRect(longest).height() - HEADER_PADDING >= needed.height()
