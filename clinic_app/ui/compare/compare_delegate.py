"""Painting a comparison: cells with their visual cue (a 1-5 scale as dots, an evidence grade as a
badge, a status as a tag) above the text, question cells that mark rows where options differ, and
a column header with each therapy's name, status tag and evidence grade.

The cue is always drawn with its word or number, so colour is never the only signal.
"""

from __future__ import annotations

from math import ceil

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette, QTextLayout, QTextOption
from PySide6.QtWidgets import QHeaderView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from clinic_app.services.comparison import SCALE_MAX
from clinic_app.services.library import GRADE_LABELS, STATUS_LABELS
from clinic_app.ui.compare.compare_model import (
    BadgeRole,
    DiffersRole,
    GradeRole,
    KindRole,
    ScaleRole,
    StatusRole,
    badge_label,
)
from clinic_app.ui.status_colours import grade_colours, status_colours

PAD = 8
GAP = 4
ACCENT = "#1f5f99"
SAME_BACKGROUND = "#eef0f2"
QUESTION_BACKGROUND = "#f6f8fa"
SAME_NOTE = "Same for every option"
_TEXT_CACHE: dict[tuple[str, int, str], int] = {}
_TEXT_CACHE_SIZE = 4096
TAG_PAD = 8  # a tag's padding left and right of its words
TAG_FACTOR = 0.92
# a tag's type size and side padding: smaller only for a word wider than its column
TAG_FITS = ((TAG_FACTOR, TAG_PAD), (TAG_FACTOR, 4), (0.84, 4), (0.76, 3), (0.7, 2))


def _font(base: QFont, factor: float = 1.0, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont(base)
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF() * factor)
    if bold:
        font.setWeight(QFont.Weight.DemiBold)
    font.setItalic(italic)
    return font


def text_layout(font: QFont, width: int, text: str) -> QTextLayout:
    """``text`` laid out in lines no wider than ``width``: at word boundaries, and inside a word
    only when the word alone is wider (so nothing runs past the cell's edge and is cut off).
    Measuring and painting use this same layout, so a row is always as tall as its painted text."""
    layout = QTextLayout(text.replace("\r\n", "\n").replace("\n", "\u2028"), font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    y = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(1, width))
        line.setPosition(QPointF(0, y))
        y += line.height()
    layout.endLayout()
    return layout


def _layout_height(layout: QTextLayout) -> int:
    count = layout.lineCount()
    if not count:
        return 0
    last = layout.lineAt(count - 1)
    return ceil(last.y() + last.height())


def _text_height(font: QFont, width: int, text: str) -> int:
    key = (font.key(), width, text)
    height = _TEXT_CACHE.get(key)
    if height is None:
        if len(_TEXT_CACHE) >= _TEXT_CACHE_SIZE:
            _TEXT_CACHE.clear()
        height = _TEXT_CACHE[key] = _layout_height(text_layout(font, width, text))
    return height


def draw_text(painter: QPainter, font: QFont, rect: QRect, text: str) -> int:
    """Paint ``text`` wrapped to ``rect``'s width from its top left; returns the height used."""
    layout = text_layout(font, rect.width(), text)
    layout.draw(painter, QPointF(rect.left(), rect.top()))
    return _layout_height(layout)


def _tag_font(font: QFont, factor: float = TAG_FACTOR) -> QFont:
    return _font(font, factor, bold=True)


def _wrap_words(font: QFont, room: float, text: str) -> list[str]:
    """``text`` in lines of whole words no wider than ``room`` (a word wider than that on its own)."""
    metrics = QFontMetricsF(font)
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and metrics.horizontalAdvance(candidate) > room:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def _pill_layout(font: QFont, label: str, max_width: int) -> tuple[QFont, int, list[str]]:
    """A tag's font, side padding and lines in ``max_width`` (0: one line). Every word is kept:
    the tag wraps between words; a word too wide for the column gets less padding and a slightly
    smaller type, and only a word too wide even then is broken."""
    if not max_width:
        return _tag_font(font), TAG_PAD, [label]
    for factor, pad in TAG_FITS:
        room = max(1, max_width - 2 * pad)
        tag_font = _tag_font(font, factor)
        metrics = QFontMetricsF(tag_font)
        if all(metrics.horizontalAdvance(word) <= room for word in label.split()):
            return tag_font, pad, _wrap_words(tag_font, room, label) or [label]
    layout = text_layout(tag_font, int(room), label)
    lines = [label[layout.lineAt(i).textStart():layout.lineAt(i).textStart() + layout.lineAt(i).textLength()]
             for i in range(layout.lineCount())]
    return tag_font, pad, [line.strip() for line in lines if line.strip()] or [label]


def pill_lines(font: QFont, label: str, max_width: int = 0) -> list[str]:
    """The lines a tag's ``label`` takes in ``max_width`` (0: one line): every word kept, wrapped
    onto more lines rather than shortened or elided."""
    return _pill_layout(font, label, max_width)[2]


def pill_size(font: QFont, label: str, max_width: int = 0) -> QSize:
    """The size of the tag ``label`` drawn by :func:`draw_pill` in ``max_width``."""
    tag_font, pad, lines = _pill_layout(font, label, max_width)
    metrics = QFontMetricsF(tag_font)
    width = ceil(max(metrics.horizontalAdvance(line) for line in lines)) + 2 * pad
    if max_width:
        width = min(width, max(max_width, 2 * pad + 1))
    return QSize(width, len(lines) * ceil(metrics.lineSpacing()) + 4)


def pill_height(font: QFont) -> int:
    """The height of a one-line tag."""
    return ceil(QFontMetricsF(_tag_font(font)).lineSpacing()) + 4


def draw_pill(painter: QPainter, font: QFont, left: int, top: int, label: str,
              colours: tuple[str, str], max_width: int = 0) -> list[str]:
    """A rounded tag at (left, top) with all of ``label``, on as many lines as ``max_width`` needs;
    returns the lines drawn."""
    tag_font, _pad, lines = _pill_layout(font, label, max_width)
    rect = QRect(QPoint(left, top), pill_size(font, label, max_width))
    spacing = ceil(QFontMetricsF(tag_font).lineSpacing())
    radius = min(pill_height(font), rect.height()) / 2
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colours[0]))
    painter.drawRoundedRect(QRectF(rect), radius, radius)
    painter.setFont(tag_font)
    painter.setPen(QColor(colours[1]))
    for number, line in enumerate(lines):
        line_rect = QRect(rect.left(), rect.top() + 2 + number * spacing, rect.width(), spacing)
        painter.drawText(line_rect, int(Qt.AlignmentFlag.AlignCenter), line)
    painter.restore()
    return lines


def flow_pills(font: QFont, labels: list[str], width: int) -> tuple[list[QRect], int]:
    """Where tags go in ``width``: side by side while they fit, else each on a line of its own.
    Returns the tags' rectangles (from 0, 0) and the height they take."""
    rects: list[QRect] = []
    x = y = line_height = 0
    for label in labels:
        size = pill_size(font, label, width)
        if x and x + size.width() > width:
            x, y, line_height = 0, y + line_height + GAP, 0
        rects.append(QRect(QPoint(x, y), size))
        x += size.width() + GAP
        line_height = max(line_height, size.height())
    return rects, (y + line_height if rects else 0)


def scale_layout(font: QFont, width: int) -> tuple[int, bool, int]:
    """The dots of a 1-5 scale in ``width``: dot size, whether "n of 5" goes under the dots
    (it does not fit beside them), and the height the scale takes."""
    height = pill_height(font)
    size = max(8, int(height * 0.62))
    size = max(6, min(size, (width - 4 * (SCALE_MAX - 1)) // SCALE_MAX))
    dots = SCALE_MAX * (size + 4)
    words = ceil(QFontMetricsF(_tag_font(font)).horizontalAdvance(f"{SCALE_MAX} of {SCALE_MAX}"))
    below = dots + words > width
    return size, below, height * (2 if below else 1)


def _inner(width: int) -> int:
    """The width inside a cell of ``width``, less its padding."""
    return max(24, width - 2 * PAD)


class ComparisonDelegate(QStyledItemDelegate):
    """Cells and question cells of :class:`~clinic_app.ui.compare.compare_model.ComparisonTableModel`.

    ``focus_frame`` False paints no frame around the current cell (the patient's full-screen view)."""

    def __init__(self, view: QWidget, high_contrast: bool = False, focus_frame: bool = True) -> None:
        super().__init__(view)
        self._view = view
        self._high_contrast = high_contrast
        self._focus_frame = focus_frame

    def _width(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> int:
        """The cell's width: its column's, else the width the view gives in ``option``."""
        if hasattr(self._view, "columnWidth") and self._view.columnWidth(index.column()) > 0:
            return self._view.columnWidth(index.column())
        return option.rect.width()

    def _cue_height(self, font: QFont, index, width: int) -> int:  # noqa: ANN001
        if index.column() == 0:
            return 0
        if index.data(ScaleRole) is not None:
            return scale_layout(font, width)[2] + GAP
        if index.data(BadgeRole):
            return pill_size(font, badge_label(index.data(KindRole), index.data(BadgeRole)), width).height() + GAP
        return 0

    def content_height(self, font: QFont, index, width: int) -> int:  # noqa: ANN001
        """How tall the cell's content is in a content ``width``: every line of its text, wrapped."""
        text = index.data() or ""
        if index.column() != 0:
            return self._cue_height(font, index, width) + _text_height(font, width, text)
        height = _text_height(_font(font, bold=True), width, text)
        legend = index.data(ScaleRole)
        if legend:
            height += GAP + _text_height(_font(font, 0.85), width, legend)
        if not index.data(DiffersRole):
            height += GAP + _text_height(_font(font, 0.85, italic=True), width, SAME_NOTE)
        return height

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        width = self._width(option, index)
        return QSize(width, self.content_height(option.font, index, _inner(width)) + 2 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.save()
        try:
            painter.setClipRect(opt.rect)
            self._paint_background(painter, opt, index, selected)
            colour = opt.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
            if self._high_contrast and not selected:
                colour = QColor("#000000")
            content = QRect(opt.rect.left() + PAD, opt.rect.top() + PAD, _inner(opt.rect.width()),
                            max(0, opt.rect.height() - 2 * PAD))
            if index.column() == 0:
                self._paint_question(painter, opt.font, content, index, colour)
            else:
                self._paint_cell(painter, opt.font, content, index, colour)
            if self._focus_frame and opt.state & QStyle.StateFlag.State_HasFocus:
                pen_colour = QColor(colour if selected else ACCENT)
                painter.setPen(pen_colour)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(opt.rect.adjusted(1, 1, -2, -2))
        finally:
            painter.restore()

    def _paint_background(self, painter: QPainter, opt, index, selected: bool) -> None:  # noqa: ANN001
        if selected:
            painter.fillRect(opt.rect, opt.palette.color(QPalette.ColorRole.Highlight))
        elif self._high_contrast:
            painter.fillRect(opt.rect, QColor("#ffffff"))
        elif not index.data(DiffersRole):
            painter.fillRect(opt.rect, QColor(SAME_BACKGROUND))
        elif index.column() == 0:
            painter.fillRect(opt.rect, QColor(QUESTION_BACKGROUND))
        if index.column() == 0 and index.data(DiffersRole):
            painter.fillRect(QRect(opt.rect.left(), opt.rect.top(), 5, opt.rect.height()), QColor(ACCENT))

    def _paint_question(self, painter: QPainter, font: QFont, rect: QRect, index, colour: QColor) -> None:  # noqa: ANN001
        painter.setPen(colour)
        top = rect.top() + draw_text(painter, _font(font, bold=True), rect, index.data() or "")
        small_colour = QColor(colour)
        small_colour.setAlphaF(0.8)
        painter.setPen(small_colour)
        legend = index.data(ScaleRole)
        if legend:
            top += GAP + draw_text(painter, _font(font, 0.85), QRect(rect.left(), top + GAP, rect.width(), 0), legend)
        if not index.data(DiffersRole):
            draw_text(painter, _font(font, 0.85, italic=True), QRect(rect.left(), top + GAP, rect.width(), 0), SAME_NOTE)

    def _paint_cell(self, painter: QPainter, font: QFont, rect: QRect, index, colour: QColor) -> None:  # noqa: ANN001
        top = rect.top()
        scale, badge, kind = index.data(ScaleRole), index.data(BadgeRole), index.data(KindRole)
        if scale is not None:
            top += self._paint_scale(painter, font, rect.left(), top, rect.width(), int(scale), colour) + GAP
        elif badge:
            colours = grade_colours(badge) if kind == "grade" else status_colours(badge)
            label = badge_label(kind, badge)
            draw_pill(painter, font, rect.left(), top, label, colours, rect.width())
            top += pill_size(font, label, rect.width()).height() + GAP
        painter.setPen(colour)
        draw_text(painter, font, QRect(rect.left(), top, rect.width(), 0), index.data() or "")

    def _paint_scale(self, painter: QPainter, font: QFont, left: int, top: int, width: int, value: int,
                     colour: QColor) -> int:
        """The dots and "n of 5" beside them, or under them where they do not fit; returns the height."""
        line = pill_height(font)
        size, below, height = scale_layout(font, width)
        ink = QColor(ACCENT if not self._high_contrast else "#000000")
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for step in range(SCALE_MAX):
            painter.setPen(ink)
            painter.setBrush(ink if step < value else Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QRectF(left + step * (size + 4), top + (line - size) / 2, size, size))
        painter.setFont(_tag_font(font))
        painter.setPen(colour)
        words = QRect(left, top + line, width, line) if below else \
            QRect(left + SCALE_MAX * (size + 4) + 4, top, max(0, width - SCALE_MAX * (size + 4) - 4), line)
        painter.drawText(words, int(Qt.AlignmentFlag.AlignVCenter), f"{value} of {SCALE_MAX}")
        painter.restore()
        return height


class ComparisonHeader(QHeaderView):
    """Column headers: the therapy's name, its status tag and its evidence grade tag, in full words
    (side by side where they fit, else one under the other, wrapped inside where the column is narrow)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.sectionResized.connect(lambda *_: self.updateGeometry())

    def _name_font(self) -> QFont:
        return _font(self.font(), 1.05, bold=True)

    def tags(self, logical: int) -> list[str]:
        """The tags of column ``logical``: its status, then "Evidence: " and its grade."""
        model = self.model()
        if model is None or logical <= 0:
            return []
        status = model.headerData(logical, Qt.Orientation.Horizontal, StatusRole) or ""
        grade = model.headerData(logical, Qt.Orientation.Horizontal, GradeRole) or ""
        return [STATUS_LABELS.get(status, status), f"Evidence: {GRADE_LABELS.get(grade, grade).lower()}"]

    def _section_height(self, logical: int) -> int:
        model = self.model()
        if model is None:
            return 0
        name = model.headerData(logical, Qt.Orientation.Horizontal) or ""
        width = _inner(self.sectionSize(logical))
        height = _text_height(self._name_font(), width, name)
        if logical > 0:
            height += GAP + flow_pills(self.font(), self.tags(logical), width)[1]
        return height + 2 * PAD

    def sizeHint(self) -> QSize:  # noqa: N802
        base = super().sizeHint()
        count = self.count()
        height = max((self._section_height(i) for i in range(count) if not self.isSectionHidden(i)),
                     default=base.height())
        return QSize(base.width(), max(base.height(), height))

    def paintSection(self, painter: QPainter, rect: QRect, logical: int) -> None:  # noqa: N802
        model = self.model()
        if model is None or not rect.isValid():
            return
        painter.save()
        painter.setClipRect(rect)
        palette = self.palette()
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Button))
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.drawLine(rect.topRight(), rect.bottomRight())
        content = QRect(rect.left() + PAD, rect.top() + PAD, _inner(rect.width()), max(0, rect.height() - 2 * PAD))
        name = model.headerData(logical, Qt.Orientation.Horizontal) or ""
        painter.setPen(palette.color(QPalette.ColorRole.ButtonText))
        top = content.top() + draw_text(painter, self._name_font(), content, name) + GAP
        if logical > 0:
            status = model.headerData(logical, Qt.Orientation.Horizontal, StatusRole) or ""
            grade = model.headerData(logical, Qt.Orientation.Horizontal, GradeRole) or ""
            labels = self.tags(logical)
            places, _ = flow_pills(self.font(), labels, content.width())
            for label, place, colours in zip(labels, places, (status_colours(status), grade_colours(grade)),
                                             strict=True):
                draw_pill(painter, self.font(), content.left() + place.left(), top + place.top(), label, colours,
                          content.width())
        painter.restore()
