"""Painting a comparison: cells with their visual cue (a 1-5 scale as dots, an evidence grade as a
badge, a status as a tag) above the text, question cells that mark rows where options differ, and
a column header with each therapy's name, status tag and evidence grade.

The cue is always drawn with its word or number, so colour is never the only signal.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
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
_WRAP = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)


def _font(base: QFont, factor: float = 1.0, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont(base)
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF() * factor)
    if bold:
        font.setWeight(QFont.Weight.DemiBold)
    font.setItalic(italic)
    return font


def _text_height(font: QFont, width: int, text: str) -> int:
    return QFontMetrics(font).boundingRect(QRect(0, 0, max(1, width), 100_000), _WRAP, text).height()


def _fit_label(font: QFont, labels: tuple[str, ...], max_width: int) -> tuple[QFont, str]:
    """The first label that fits ``max_width`` in the tag font; else the last one in a smaller
    font (down to 70 %), elided only when even that is too wide."""
    for factor in (0.92, 0.84, 0.76, 0.7):
        tag_font = _font(font, factor, bold=True)
        metrics = QFontMetrics(tag_font)
        choices = labels if factor == 0.92 else labels[-1:]
        for label in choices:
            if not max_width or metrics.horizontalAdvance(label) + 16 <= max_width:
                return tag_font, label
    return tag_font, metrics.elidedText(labels[-1], Qt.TextElideMode.ElideRight, max(8, max_width - 16))


def draw_pill(painter: QPainter, font: QFont, left: int, top: int, labels: tuple[str, ...] | str,
              colours: tuple[str, str], max_width: int = 0) -> QRect:
    """A rounded tag at (left, top) showing the first of ``labels`` that fits ``max_width``."""
    tag_font, label = _fit_label(font, (labels,) if isinstance(labels, str) else labels, max_width)
    metrics = QFontMetrics(tag_font)
    rect = QRect(left, top, metrics.horizontalAdvance(label) + 16, pill_height(font))
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colours[0]))
    painter.drawRoundedRect(QRectF(rect), rect.height() / 2, rect.height() / 2)
    painter.setFont(tag_font)
    painter.setPen(QColor(colours[1]))
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label)
    painter.restore()
    return rect


def pill_height(font: QFont) -> int:
    return QFontMetrics(_font(font, 0.92, bold=True)).height() + 4


class ComparisonDelegate(QStyledItemDelegate):
    """Cells and question cells of :class:`~clinic_app.ui.compare.compare_model.ComparisonTableModel`."""

    def __init__(self, view: QWidget, high_contrast: bool = False) -> None:
        super().__init__(view)
        self._view = view
        self._high_contrast = high_contrast

    def _width(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> int:
        width = self._view.columnWidth(index.column()) if hasattr(self._view, "columnWidth") else option.rect.width()
        return max(40, width - 2 * PAD)

    def _cue_height(self, font: QFont, index) -> int:  # noqa: ANN001
        if index.column() == 0:
            return 0
        if index.data(ScaleRole) is not None or index.data(BadgeRole):
            return pill_height(font) + GAP
        return 0

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        font = option.font
        width = self._width(option, index)
        text = index.data() or ""
        if index.column() == 0:
            height = _text_height(_font(font, bold=True), width, text)
            legend = index.data(ScaleRole)
            if legend:
                height += GAP + _text_height(_font(font, 0.85), width, legend)
            if not index.data(DiffersRole):
                height += GAP + _text_height(_font(font, 0.85, italic=True), width, SAME_NOTE)
        else:
            height = self._cue_height(font, index) + _text_height(font, width, text)
        return QSize(width + 2 * PAD, height + 2 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.save()
        try:
            self._paint_background(painter, opt, index, selected)
            colour = opt.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
            if self._high_contrast and not selected:
                colour = QColor("#000000")
            content = opt.rect.adjusted(PAD, PAD, -PAD, -PAD)
            if index.column() == 0:
                self._paint_question(painter, opt.font, content, index, colour)
            else:
                self._paint_cell(painter, opt.font, content, index, colour)
            if opt.state & QStyle.StateFlag.State_HasFocus:
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
        bold = _font(font, bold=True)
        painter.setFont(bold)
        painter.setPen(colour)
        text = index.data() or ""
        painter.drawText(rect, _WRAP, text)
        top = rect.top() + _text_height(bold, rect.width(), text)
        small_colour = QColor(colour)
        small_colour.setAlphaF(0.8)
        painter.setPen(small_colour)
        legend = index.data(ScaleRole)
        if legend:
            small = _font(font, 0.85)
            painter.setFont(small)
            below = QRect(rect.left(), top + GAP, rect.width(), rect.bottom() - top)
            painter.drawText(below, _WRAP, legend)
            top += GAP + _text_height(small, rect.width(), legend)
        if not index.data(DiffersRole):
            note = _font(font, 0.85, italic=True)
            painter.setFont(note)
            painter.drawText(QRect(rect.left(), top + GAP, rect.width(), rect.bottom() - top), _WRAP, SAME_NOTE)

    def _paint_cell(self, painter: QPainter, font: QFont, rect: QRect, index, colour: QColor) -> None:  # noqa: ANN001
        top = rect.top()
        scale, badge, kind = index.data(ScaleRole), index.data(BadgeRole), index.data(KindRole)
        if scale is not None:
            self._paint_scale(painter, font, rect.left(), top, int(scale), colour)
            top += pill_height(font) + GAP
        elif badge:
            colours = grade_colours(badge) if kind == "grade" else status_colours(badge)
            draw_pill(painter, font, rect.left(), top, badge_label(kind, badge), colours, rect.width())
            top += pill_height(font) + GAP
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(QRect(rect.left(), top, rect.width(), rect.bottom() - top + 1), _WRAP, index.data() or "")

    def _paint_scale(self, painter: QPainter, font: QFont, left: int, top: int, value: int, colour: QColor) -> None:
        height = pill_height(font)
        size = max(8, int(height * 0.62))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for step in range(SCALE_MAX):
            filled = step < value
            painter.setPen(QColor(ACCENT if not self._high_contrast else "#000000"))
            painter.setBrush(QColor(ACCENT if not self._high_contrast else "#000000") if filled else Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QRectF(left + step * (size + 4), top + (height - size) / 2, size, size))
        painter.setFont(_font(font, 0.92, bold=True))
        painter.setPen(colour)
        text_left = left + SCALE_MAX * (size + 4) + 4
        painter.drawText(QRect(text_left, top, 200, height), int(Qt.AlignmentFlag.AlignVCenter), f"{value} of {SCALE_MAX}")


class ComparisonHeader(QHeaderView):
    """Column headers: the therapy's name, its status tag and its evidence grade badge."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.sectionResized.connect(lambda *_: self.updateGeometry())

    def _name_font(self) -> QFont:
        return _font(self.font(), 1.05, bold=True)

    def _section_height(self, logical: int) -> int:
        model = self.model()
        if model is None:
            return 0
        name = model.headerData(logical, Qt.Orientation.Horizontal) or ""
        width = max(40, self.sectionSize(logical) - 2 * PAD)
        height = _text_height(self._name_font(), width, name)
        if logical > 0:
            height += 2 * (GAP + pill_height(self.font()))
        return height + 2 * PAD

    def sizeHint(self) -> QSize:  # noqa: N802
        base = super().sizeHint()
        count = self.count()
        height = max((self._section_height(i) for i in range(count)), default=base.height())
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
        content = rect.adjusted(PAD, PAD, -PAD, -PAD)
        name = model.headerData(logical, Qt.Orientation.Horizontal) or ""
        font = self._name_font()
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.ButtonText))
        name_height = _text_height(font, content.width(), name)
        painter.drawText(QRect(content.left(), content.top(), content.width(), name_height), _WRAP, name)
        if logical > 0:
            status = model.headerData(logical, Qt.Orientation.Horizontal, StatusRole) or ""
            grade = model.headerData(logical, Qt.Orientation.Horizontal, GradeRole) or ""
            top = content.top() + name_height + GAP
            draw_pill(painter, self.font(), content.left(), top, STATUS_LABELS.get(status, status),
                      status_colours(status), content.width())
            top += pill_height(self.font()) + GAP
            grade_label = GRADE_LABELS.get(grade, grade)
            draw_pill(painter, self.font(), content.left(), top, (f"Evidence: {grade_label.lower()}", grade_label),
                      grade_colours(grade), content.width())
        painter.restore()
