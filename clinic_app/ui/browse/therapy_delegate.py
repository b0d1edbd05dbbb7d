"""Paints the rows of the therapy list: group headers, therapies with a coloured status tag and
their evidence grade, and search hits with the matched words of their snippet in bold.

Rows exist only once the library is open, so the list imports this module then, after the first
paint (its Qt imports build the Qt namespace's enums, about 20 ms).

A therapy's name wraps at word boundaries only (at most two lines; a word wider than the row is
elided, never split), its status tag is one unit, and the evidence grade moves below the tag when
the row is too narrow for both. The selected row uses :data:`~clinic_app.ui.status_colours.SELECTION`,
whose title and evidence line reach 7.1:1 and 6.1:1 (:meth:`TherapyDelegate.row_colours`).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextDocument,
    QTextLayout,
    QTextOption,
)
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
    MarksRole,
    SnippetRole,
    StatusRole,
)
from clinic_app.ui.status_colours import SECONDARY_ALPHA, SELECTED_SECONDARY_ALPHA, SELECTION, status_colours

PAD_X, PAD_Y, LINE_GAP = 14, 10, 4
SNIPPET_LINES = 2
TITLE_LINES = 2
GRADE_GAP = 12  # between the status tag and the evidence grade beside it
MIN_ROW_WIDTH = 120  # rows are laid out for at least this width (a list not yet shown has none)


def _scaled(font: QFont, factor: float, weight: QFont.Weight | None = None) -> QFont:
    result = QFont(font)
    if font.pointSizeF() > 0:
        result.setPointSizeF(font.pointSizeF() * factor)
    else:
        result.setPixelSize(max(1, round(font.pixelSize() * factor)))
    if weight is not None:
        result.setWeight(weight)
    return result


def _soft(colour: QColor, alpha: float = SECONDARY_ALPHA) -> QColor:
    softer = QColor(colour)
    softer.setAlphaF(alpha)
    return softer


def _title_font(font: QFont) -> QFont:
    return _scaled(font, 1.15, QFont.Weight.DemiBold)


def header_font(font: QFont) -> QFont:
    """Group headers: small bold capitals, slightly spaced."""
    header = _scaled(font, 0.95, QFont.Weight.Bold)
    header.setCapitalization(QFont.Capitalization.AllUppercase)
    header.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 106)
    return header


def header_lines(font: QFont, text: str, width: int) -> int:
    """How many lines a group header takes at ``width`` pixels, wrapped at word boundaries."""
    layout = QTextLayout(text, header_font(font))
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    count = 0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(1, width))
        count += 1
    layout.endLayout()
    return max(1, count)


def _utf16_slice(text: str, start: int, length: int) -> str:
    """``text[start:start+length]`` in UTF-16 units, as QTextLayout counts."""
    units = text.encode("utf-16-le")
    return units[2 * start:2 * (start + length)].decode("utf-16-le")


def title_lines(font: QFont, text: str, width: int, max_lines: int = TITLE_LINES) -> list[str]:
    """``text`` as the list draws it at ``width`` pixels in the title font made from ``font``: wrapped
    at word boundaries only (after a space or a hyphen, never inside a word), at most ``max_lines``
    lines, the last ending in "…" when words were left out; a single word wider than the row is
    elided rather than split."""
    title = _title_font(font)
    metrics = QFontMetrics(title)
    width = max(1, width)
    layout = QTextLayout(text, title)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    spans = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    lines = [_utf16_slice(text, start, length).strip() for start, length in spans]
    lines = [line for line in lines if line]
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        words = kept[-1].split()
        while words:
            candidate = " ".join(words) + "…"
            if metrics.horizontalAdvance(candidate) <= width:
                break
            words.pop()
        kept[-1] = " ".join(words) + "…" if words else metrics.elidedText(kept[-1], Qt.TextElideMode.ElideRight, width)
        lines = kept
    return [line if metrics.horizontalAdvance(line) <= width
            else metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines]


class TherapyDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        kind = index.data(KindRole)
        base = QFontMetrics(option.font).height()
        width = self._row_width(option)
        if kind == KIND_HEADER:
            height = self._header_height(option.font, width - 2 * PAD_X, index.data() or "") + 26
        elif kind == KIND_NOTICE:
            height = base * 2 + 2 * PAD_Y
        else:
            content = width - 2 * PAD_X
            name_height = self._name_height(option.font, content, index.data() or "")
            below = SNIPPET_LINES * base if kind == KIND_HIT else 0
            height = 2 * PAD_Y + name_height + LINE_GAP + self._tag_height(option.font) + (LINE_GAP + below if below else 0)
            if self._grade_below(option.font, content, index.data(StatusRole) or "", index.data(GradeRole) or "",
                                 index.data(MarksRole) or ()):
                height += LINE_GAP + base
        return QSize(width, height)

    @staticmethod
    def _row_width(option: QStyleOptionViewItem) -> int:
        widget = option.widget
        if widget is not None and hasattr(widget, "viewport"):
            return max(MIN_ROW_WIDTH, widget.viewport().width())
        return max(MIN_ROW_WIDTH, option.rect.width())

    @staticmethod
    def _header_height(font: QFont, width: int, text: str) -> int:
        """The height of a group header wrapped at word boundaries to ``width`` (a narrow list shows
        "Regenerative therapies (experimental)" whole, on two lines, rather than cut)."""
        metrics = QFontMetrics(header_font(font))
        return (header_lines(font, text, width) - 1) * metrics.lineSpacing() + metrics.height()

    @staticmethod
    def _name_height(font: QFont, width: int, text: str) -> int:
        """The height of a therapy name wrapped to at most two lines."""
        metrics = QFontMetrics(_title_font(font))
        lines = max(1, len(title_lines(font, text, width)))
        return (lines - 1) * metrics.lineSpacing() + metrics.height()

    @staticmethod
    def _grade_text(grade: str, font: QFont | None = None, width: int = 0, marks: tuple[str, ...] = ()) -> str:
        """"Evidence grade: Moderate", or "Evidence: Moderate" where the row is too narrow for it;
        the content team's marks after it ("· Review due", "· Shipped text changed")."""
        label = GRADE_LABELS.get(grade, grade)
        due = "".join(f" \u00b7 {mark}" for mark in marks)
        full = f"Evidence grade: {label}{due}"
        if font is None or QFontMetrics(font).horizontalAdvance(full) <= width:
            return full
        return f"Evidence: {label}{due}"

    def _grade_below(self, font: QFont, width: int, status: str, grade: str, marks: tuple[str, ...] = ()) -> bool:
        """Whether the evidence grade goes on a line of its own: the row is too narrow for it beside the tag."""
        text = self._grade_text(grade, marks=marks)
        beside = self._tag_width(font, status) + GRADE_GAP + QFontMetrics(font).horizontalAdvance(text)
        return beside > width

    @staticmethod
    def row_colours(opt: QStyleOptionViewItem) -> tuple[QColor, QColor, QColor]:
        """The colours a therapy row is painted in: (background, title, evidence line), the evidence
        line already blended onto the background. ``opt`` has been through :meth:`initStyleOption`."""
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Active if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
        background = opt.palette.color(group, QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
        title = opt.palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        alpha = SELECTED_SECONDARY_ALPHA if selected else SECONDARY_ALPHA
        evidence = QColor.fromRgbF(*(alpha * t + (1 - alpha) * b for t, b in zip(
            title.getRgbF()[:3], background.getRgbF()[:3], strict=True)))
        return background, title, evidence

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        """The list's own selection colours, in every colour group (focused or not)."""
        super().initStyleOption(option, index)
        background, text = (QColor(c) for c in SELECTION)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            option.palette.setColor(group, QPalette.ColorRole.Highlight, background)
            option.palette.setColor(group, QPalette.ColorRole.HighlightedText, text)

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
        painter.setFont(header_font(opt.font))
        colour = QColor(opt.palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text))
        colour.setAlphaF(0.72)
        painter.setPen(colour)
        rect = opt.rect.adjusted(PAD_X, 14, -PAD_X, -6)
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, opt.text)
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
        _background, text_colour, evidence_colour = self.row_colours(opt)
        content = opt.rect.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)

        name_font = _title_font(opt.font)
        metrics = QFontMetrics(name_font)
        painter.setFont(name_font)
        painter.setPen(text_colour)
        top = content.top()
        for line in title_lines(opt.font, text, content.width()):
            painter.drawText(QRect(content.left(), top, content.width(), metrics.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, line)
            top += metrics.lineSpacing()
        name_bottom = content.top() + self._name_height(opt.font, content.width(), text)

        status, grade = index.data(StatusRole) or "", index.data(GradeRole) or ""
        marks = index.data(MarksRole) or ()
        tag_rect = self._paint_tag(painter, opt.font, QRect(content.left(), name_bottom + LINE_GAP, content.width(), 0),
                                   status)
        painter.setFont(opt.font)
        painter.setPen(evidence_colour)
        if self._grade_below(opt.font, content.width(), status, grade, marks):
            line_height = QFontMetrics(opt.font).height()
            grade_rect = QRect(content.left(), tag_rect.bottom() + 1 + LINE_GAP, content.width(), line_height)
        else:
            left = tag_rect.right() + 1 + GRADE_GAP
            grade_rect = QRect(left, tag_rect.top(), content.right() - left, tag_rect.height())
        painter.drawText(grade_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self._grade_text(grade, opt.font, grade_rect.width(), marks))
        if index.data(KindRole) == KIND_HIT:
            below = QRect(content.left(), grade_rect.bottom() + 1 + LINE_GAP, content.width(),
                          content.bottom() - grade_rect.bottom() - LINE_GAP)
            self._paint_snippet(painter, opt.font, below, index.data(SnippetRole) or "", evidence_colour)

    @staticmethod
    def _tag_height(font: QFont) -> int:
        return QFontMetrics(_scaled(font, 0.9, QFont.Weight.Bold)).height() + 6

    @staticmethod
    def _tag_width(font: QFont, status: str) -> int:
        return QFontMetrics(_scaled(font, 0.9, QFont.Weight.Bold)).horizontalAdvance(STATUS_LABELS.get(status, status)) + 18

    def _paint_tag(self, painter: QPainter, font: QFont, content: QRect, status: str) -> QRect:
        label = STATUS_LABELS.get(status, status)
        tag_font = _scaled(font, 0.9, QFont.Weight.Bold)
        width, height = self._tag_width(font, status), self._tag_height(font)
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
