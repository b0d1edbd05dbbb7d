"""Paints the rows of the therapy list: group headers, therapies with a coloured status tag and
their evidence grade, and search hits with the matched words of their snippet in bold.

Rows exist only once the library is open, so the list imports this module then, after the first
paint (its Qt imports build the Qt namespace's enums, about 20 ms).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QFont, QFontMetrics, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from clinic_app.services.library import GRADE_LABELS, STATUS_LABELS
from clinic_app.ui.browse.therapy_list import (
    KIND_HEADER,
    KIND_HIT,
    KIND_NOTICE,
    MARK_CLOSE,
    MARK_OPEN,
    GradeRole,
    KindRole,
    SnippetRole,
    StatusRole,
)
from clinic_app.ui.status_colours import status_colours

PAD_X, PAD_Y, LINE_GAP = 14, 10, 4
SNIPPET_LINES = 2


def _scaled(font: QFont, factor: float, weight: QFont.Weight | None = None) -> QFont:
    result = QFont(font)
    if font.pointSizeF() > 0:
        result.setPointSizeF(font.pointSizeF() * factor)
    else:
        result.setPixelSize(max(1, round(font.pixelSize() * factor)))
    if weight is not None:
        result.setWeight(weight)
    return result


def _soft(colour: QColor) -> QColor:
    softer = QColor(colour)
    softer.setAlphaF(0.78)
    return softer


class TherapyDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        kind = index.data(KindRole)
        base = QFontMetrics(option.font).height()
        width = self._row_width(option)
        if kind == KIND_HEADER:
            height = QFontMetrics(_scaled(option.font, 0.95, QFont.Weight.Bold)).height() + 26
        elif kind == KIND_NOTICE:
            height = base * 2 + 2 * PAD_Y
        else:
            name_height = self._name_rect(option.font, width - 2 * PAD_X, index.data() or "").height()
            below = SNIPPET_LINES * base if kind == KIND_HIT else 0
            height = 2 * PAD_Y + name_height + LINE_GAP + self._tag_height(option.font) + (LINE_GAP + below if below else 0)
        return QSize(width, height)

    @staticmethod
    def _row_width(option: QStyleOptionViewItem) -> int:
        widget = option.widget
        if widget is not None and hasattr(widget, "viewport"):
            return max(200, widget.viewport().width())
        return max(200, option.rect.width())

    @staticmethod
    def _name_rect(font: QFont, width: int, text: str) -> QRect:
        """The bounding box of a therapy name wrapped to at most two lines."""
        metrics = QFontMetrics(_scaled(font, 1.15, QFont.Weight.DemiBold))
        box = metrics.boundingRect(QRect(0, 0, max(1, width), 10_000), Qt.TextFlag.TextWordWrap, text)
        return QRect(0, 0, width, min(box.height(), 2 * metrics.lineSpacing()))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        kind = index.data(KindRole)
        painter.save()
        try:
            if kind == KIND_HEADER:
                self._paint_header(painter, opt)
            elif kind == KIND_NOTICE:
                self._paint_notice(painter, opt)
            else:
                self._paint_therapy(painter, opt, index)
        finally:
            painter.restore()

    # -- rows -------------------------------------------------------------------------------
    def _paint_header(self, painter: QPainter, opt: QStyleOptionViewItem) -> None:
        font = _scaled(opt.font, 0.95, QFont.Weight.Bold)
        font.setCapitalization(QFont.Capitalization.AllUppercase)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 106)
        painter.setFont(font)
        colour = QColor(opt.palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text))
        colour.setAlphaF(0.72)
        painter.setPen(colour)
        rect = opt.rect.adjusted(PAD_X, 14, -PAD_X, -6)
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, opt.text)
        line_y = opt.rect.bottom() - 3
        colour.setAlphaF(0.25)
        painter.setPen(colour)
        painter.drawLine(opt.rect.left() + PAD_X, line_y, opt.rect.right() - PAD_X, line_y)

    def _paint_notice(self, painter: QPainter, opt: QStyleOptionViewItem) -> None:
        font = QFont(opt.font)
        font.setItalic(True)
        painter.setFont(font)
        painter.setPen(_soft(opt.palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)))
        rect = opt.rect.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap,
                         opt.text)

    def _paint_therapy(self, painter: QPainter, opt: QStyleOptionViewItem, index) -> None:  # noqa: ANN001
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        text = opt.text
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Active if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
        text_colour = opt.palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        content = opt.rect.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)

        name_font = _scaled(opt.font, 1.15, QFont.Weight.DemiBold)
        name_rect = self._name_rect(opt.font, content.width(), text).translated(content.topLeft())
        painter.setFont(name_font)
        painter.setPen(text_colour)
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                         self._fit_two_lines(name_font, text, content.width()))

        tag_top = name_rect.bottom() + 1 + LINE_GAP
        tag_rect = self._paint_tag(painter, opt.font, QRect(content.left(), tag_top, content.width(), 0),
                                   index.data(StatusRole) or "")
        painter.setFont(opt.font)
        painter.setPen(_soft(text_colour))
        grade = GRADE_LABELS.get(index.data(GradeRole) or "", "")
        grade_rect = QRect(tag_rect.right() + 12, tag_rect.top(), content.right() - tag_rect.right() - 12, tag_rect.height())
        painter.drawText(grade_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"Evidence grade: {grade}")
        if index.data(KindRole) == KIND_HIT:
            below = QRect(content.left(), tag_rect.bottom() + 1 + LINE_GAP, content.width(),
                          content.bottom() - tag_rect.bottom() - LINE_GAP)
            self._paint_snippet(painter, opt.font, below, index.data(SnippetRole) or "", _soft(text_colour))

    @staticmethod
    def _fit_two_lines(font: QFont, text: str, width: int) -> str:
        """``text``, shortened with an ellipsis when it would need more than two lines."""
        metrics = QFontMetrics(font)
        if metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, text).height() \
                <= 2 * metrics.lineSpacing():
            return text
        words = text.split()
        while len(words) > 1:
            words.pop()
            candidate = " ".join(words) + "…"
            if metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, candidate).height() \
                    <= 2 * metrics.lineSpacing():
                return candidate
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)

    @staticmethod
    def _tag_height(font: QFont) -> int:
        return QFontMetrics(_scaled(font, 0.9, QFont.Weight.Bold)).height() + 6

    def _paint_tag(self, painter: QPainter, font: QFont, content: QRect, status: str) -> QRect:
        label = STATUS_LABELS.get(status, status)
        tag_font = _scaled(font, 0.9, QFont.Weight.Bold)
        metrics = QFontMetrics(tag_font)
        width, height = metrics.horizontalAdvance(label) + 18, self._tag_height(font)
        rect = QRect(content.left(), content.top(), width, height)
        background, foreground = status_colours(status)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(background))
        painter.drawRoundedRect(QRectF(rect), height / 2, height / 2)
        painter.setFont(tag_font)
        painter.setPen(QColor(foreground))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        return rect

    @staticmethod
    def _paint_snippet(painter: QPainter, font: QFont, rect: QRect, snippet: str, colour: QColor) -> None:
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(font)
        marked = html.escape(snippet).replace(MARK_OPEN, "<b>").replace(MARK_CLOSE, "</b>")
        document.setHtml(marked)
        document.setTextWidth(rect.width())
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, colour)
        context.clip = QRectF(0, 0, rect.width(), rect.height())
        painter.translate(rect.topLeft())
        painter.setClipRect(context.clip)
        document.documentLayout().draw(painter, context)
