"""The compare grid and the patient's full-screen view, as a usability and accessibility review
found them: presentation pages whole rows and says when more follow, rows and tags keep every
word at any type size, and each cell tells assistive technology which question it answers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QTextLayout, QTextOption
from PySide6.QtWidgets import QApplication, QHeaderView, QStyleOptionViewItem, QTableView

from clinic_app.services.comparison import compare
from clinic_app.services.library import GRADE_LABELS, STATUS_LABELS
from clinic_app.ui import messages
from clinic_app.ui.compare import compare_delegate
from clinic_app.ui.compare.compare_delegate import PAD, ComparisonDelegate, ComparisonHeader
from clinic_app.ui.compare.compare_model import QUESTION_HEADER, ComparisonTableModel, ScaleRole
from clinic_app.ui.compare.compare_view import CompareView
from clinic_app.ui.compare.presentation import PresentationWindow

TWO = ["nsaids", "self-care"]
THREE = ["platelet-rich-plasma", "nsaids", "self-care"]
SIX = ["platelet-rich-plasma", "nsaids", "self-care", "exercise-therapy", "lumbar-fusion", "acupuncture"]
LEGEND = "1 = none, 5 = open surgery"
ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole


@pytest.fixture
def view(qtbot, reader, prepared_location, monkeypatch):
    monkeypatch.setattr(messages, "show_error", lambda *a, **k: None)
    widget = CompareView(reader)
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def presentation(qtbot, reader, prepared_location):
    window = PresentationWindow(compare(reader, TWO))
    qtbot.addWidget(window)
    window.present()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    return window


def shown_rows(window) -> list[int]:
    return [r for r in range(window.model.rowCount()) if not window.table.isRowHidden(r)]


def check_page(window) -> list[int]:
    """The rows on screen are whole, follow each other, start at the top, and are as many as fit."""
    table, height = window.table, window.table.viewport().height()
    rows = shown_rows(window)
    assert rows and rows == list(range(rows[0], rows[-1] + 1))
    assert table.rowViewportPosition(rows[0]) == 0
    bottom = table.rowViewportPosition(rows[-1]) + table.rowHeight(rows[-1])
    if len(rows) > 1:
        assert bottom <= height, (rows, bottom, height)
    following = rows[-1] + 1
    if following < window.model.rowCount():
        assert bottom + table.sizeHintForRow(following) > height  # the next one would not fit whole
    return rows


def test_presentation_shows_whole_rows_says_more_follow_and_pages_by_keyboard(qtbot, presentation):
    window, count = presentation, presentation.model.rowCount()
    assert all(window.table.sizeHintForRow(r) < window.table.viewport().height() for r in range(count))
    rows = check_page(window)
    assert len(rows) < count  # thirteen rows do not fit one screen at this size
    assert window.more_below.isVisible() and "More below ↓" in window.more_below.text()
    assert not window.more_above.isVisible()

    qtbot.keyClick(window.table, Qt.Key.Key_PageDown)
    second = check_page(window)
    assert second[0] == rows[-1] + 1
    assert window.more_above.isVisible() and "More above" in window.more_above.text()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert check_page(window)[0] == second[0] + 1
    qtbot.keyClick(window.table, Qt.Key.Key_Up)
    assert check_page(window)[0] == second[0]
    qtbot.keyClick(window.table, Qt.Key.Key_PageUp)
    assert check_page(window)[0] == 0 and not window.more_above.isVisible()

    for _ in range(count):
        qtbot.keyClick(window.table, Qt.Key.Key_PageDown)
    assert check_page(window)[-1] == count - 1
    assert not window.more_below.isVisible() and window.more_above.isVisible()
    qtbot.keyClick(window.table, Qt.Key.Key_Home)
    assert check_page(window)[0] == 0


def test_presentation_keeps_whole_rows_after_the_type_grows(qtbot, presentation):
    window = presentation
    before = len(check_page(window))
    window.set_point_size(window.point_size() + 4)
    QApplication.processEvents()
    assert len(check_page(window)) <= before and window.more_below.isVisible()


def test_presentation_draws_no_focus_frame(qtbot, presentation):
    window, table = presentation, presentation.table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    cell = window.model.index(0, 1)
    table.setCurrentIndex(cell)
    image = table.viewport().grab().toImage()
    rect = table.visualRect(cell)
    for y in (rect.top() + 1, rect.bottom() - 1):
        colours = {image.pixelColor(x, y).name() for x in range(rect.left() + 3, rect.right() - 3)}
        assert colours == {"#ffffff"}, (y, colours)


def wrapped_height(font: QFont, width: int, text: str) -> int:
    """How tall ``text`` is when no line may be wider than ``width`` (long words break anywhere)."""
    layout = QTextLayout(text.replace("\n", "\u2028"), font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    y = 0.0
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        line.setPosition(QPointF(0, y))
        y += line.height()
    layout.endLayout()
    assert all(layout.lineAt(i).naturalTextWidth() <= width + 0.5 for i in range(layout.lineCount()))
    return int(y) - 1


@pytest.mark.parametrize("factor", [1, 1.5, 2])
def test_rows_grow_to_fit_wrapped_text_at_every_scale(qtbot, reader, prepared_location, factor):
    """At 200 % (a font twice the size) in narrow columns, every cell's row holds all its text."""
    table = QTableView()
    qtbot.addWidget(table)
    font = QFont(table.font())
    font.setPointSizeF(11 * factor)
    table.setFont(font)
    header = ComparisonHeader(table)
    header.setFont(font)
    table.setHorizontalHeader(header)
    model = ComparisonTableModel(table)
    model.set_matrix(compare(reader, SIX))
    table.setModel(model)
    delegate = ComparisonDelegate(table)
    table.setItemDelegate(delegate)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.resize(900, 700)
    table.show()
    qtbot.waitExposed(table)
    width = 90
    for column in range(model.columnCount()):
        table.setColumnWidth(column, width)
    QApplication.processEvents()
    for row in range(model.rowCount()):
        table.resizeRowToContents(row)
        for column in range(model.columnCount()):
            index = model.index(row, column)
            option = QStyleOptionViewItem()
            option.font = font
            option.rect = table.visualRect(index)
            text_font = QFont(font)
            if column == 0:
                text_font.setWeight(QFont.Weight.DemiBold)
            need = wrapped_height(text_font, width - 2 * PAD, index.data()) + 2 * PAD
            hint = delegate.sizeHint(option, index).height()
            assert hint >= need, (factor, index.data())
            assert table.rowHeight(row) >= hint
    for section in range(1, model.columnCount()):  # the header holds the name and both whole tags
        name_font = QFont(font)
        name_font.setWeight(QFont.Weight.DemiBold)
        name = model.headerData(section, Qt.Orientation.Horizontal)
        assert header.sizeHint().height() >= wrapped_height(name_font, width - 2 * PAD, name) + 2 * PAD


@pytest.mark.parametrize("factor", [1, 2])
def test_tags_keep_their_full_words_at_narrow_widths(qtbot, factor):
    font = QFont(QApplication.font())
    font.setPointSizeF(11 * factor)
    labels = [*STATUS_LABELS.values(), *(f"Evidence: {label.lower()}" for label in GRADE_LABELS.values())]
    for width in range(40, 320, 9):
        for label in labels:
            lines = compare_delegate.pill_lines(font, label, width)
            assert "".join(lines).replace(" ", "") == label.replace(" ", ""), (width, label, lines)
            assert "…" not in "".join(lines)
            smallest = QFont(font)  # a word wider than the column is set smaller, down to this
            smallest.setWeight(QFont.Weight.DemiBold)
            smallest.setPointSizeF(font.pointSizeF() * 0.7)
            metrics = QFontMetricsF(smallest)
            if all(metrics.horizontalAdvance(word) <= width - 4 for word in label.split()):
                assert all(word in label.split() for line in lines for word in line.split()), (width, lines)
            assert compare_delegate.pill_size(font, label, width).width() <= width, (width, label)


def test_the_header_draws_the_whole_evidence_tag_in_a_narrow_column(qtbot, view, monkeypatch):
    drawn = []
    real = compare_delegate.draw_pill

    def spy(painter, font, left, top, label, colours, max_width=0):
        drawn.append(label)
        return real(painter, font, left, top, label, colours, max_width)

    monkeypatch.setattr(compare_delegate, "draw_pill", spy)
    view.set_therapies(SIX)
    view.resize(700, 700)
    QApplication.processEvents()
    view.table.horizontalHeader().grab()
    grades = [label for label in drawn if isinstance(label, str) and label.startswith("Evidence: ")]
    assert len(grades) >= len(SIX) and all(isinstance(label, str) for label in drawn)
    assert not set(drawn) & set(GRADE_LABELS.values())  # never the bare "Moderate"


def test_each_cell_names_its_question_and_the_scale_is_explained(view):
    view.set_therapies(THREE)
    view.set_rows(["what_is_it", "invasiveness"])
    model = view.table_model
    for row in range(model.rowCount()):
        question = model.index(row, 0).data()
        for column in range(model.columnCount()):
            text = model.index(row, column).data(ACCESSIBLE)
            assert text.startswith(question), text
    scale = model.index(1, 1)
    assert f"{scale.data(ScaleRole)} of 5" in scale.data(ACCESSIBLE) and LEGEND in scale.data(ACCESSIBLE)
    assert model.headerData(0, Qt.Orientation.Horizontal) == QUESTION_HEADER
    assert LEGEND in view.table.accessibleDescription() and "1 to 5" in view.table.accessibleDescription()
    assert view.legend_label.isVisible() and LEGEND in view.legend_label.text()
    view.set_rows(["what_is_it"])
    assert LEGEND not in view.table.accessibleDescription()
    assert view.presentation is None
    view.set_rows(["what_is_it", "invasiveness"])
    view.present()
    assert LEGEND in view.presentation.table.accessibleDescription()
    view.presentation.close()


def test_presentation_on_a_small_logical_screen_still_shows_a_whole_row_and_whole_words(qtbot, reader):
    """200% scaling on a 1440×900 screen leaves 720×450 to lay out: the type comes down until the
    headings leave room for a whole row, and no word of the question column breaks inside itself."""
    from PySide6.QtGui import QFontMetrics

    window = PresentationWindow(compare(reader, ["platelet-rich-plasma", "exercise-therapy", "self-care"]))
    qtbot.addWidget(window)
    window.resize(720, 450)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: bool(shown_rows(window)))
    QApplication.processEvents()
    table = window.table
    header = table.horizontalHeader().height()
    rows = shown_rows(window)
    assert rows and table.rowViewportPosition(rows[0]) == 0
    assert table.rowHeight(rows[0]) <= table.viewport().height()  # the first row whole, below the headings
    assert header < table.contentsRect().height() * 0.5
    words = [word for row in range(window.model.rowCount())
             for word in str(window.model.index(row, 0).data()).split()] + ["Question"]
    metrics = QFontMetrics(table.horizontalHeader().font())
    assert table.columnWidth(0) >= max(metrics.horizontalAdvance(word) for word in words)
