"""The usage chart: which therapies were discussed and handed out most, as a table whose count
cells are drawn as bars. The counts stay numbers in the model, so the chart reads aloud and copies
as text; :class:`BarDelegate` only draws them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from clinic_app.services.consultations import UsageRow
from clinic_app.ui.records.table_model import Index, ReadOnlyTableModel

BarRole = Qt.ItemDataRole.UserRole + 1  # a count as a fraction of the largest count shown
DISCUSSED_COLOUR, HANDED_OUT_COLOUR = "#143d59", "#2e7d32"
PAD, GAP = 8, 6


def month_label(month: str) -> str:
    """'2026-11' as 'November 2026'."""
    year, number = (int(part) for part in month.split("-"))
    return f"{dt.date(year, number, 1):%B %Y}"


def times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def usage_for(rows: list[UsageRow], month: str | None = None) -> list[UsageRow]:
    """Each therapy's counts in ``month`` ('YYYY-MM'), or summed over all ``rows``; most discussed first."""
    totals: dict[str, UsageRow] = {}
    for row in rows:
        if month is None or row.month == month:
            seen = totals.get(row.slug)
            totals[row.slug] = row if seen is None else replace(
                seen, discussed=seen.discussed + row.discussed, handed_out=seen.handed_out + row.handed_out)
    return sorted(totals.values(), key=lambda r: (-r.discussed, -r.handed_out, r.name.casefold()))


class UsageModel(ReadOnlyTableModel):
    """One therapy per row with how often it was discussed and handed out in a period. The counts
    stay numbers (DisplayRole); BarRole gives each as a fraction of the largest count in either
    column: one scale, so one handout is drawn a quarter as long as four discussions."""

    HEADERS = ("Therapy", "Discussed", "Handed out")

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._period = ""
        self._largest = 0

    def set_rows(self, rows, period: str) -> None:  # noqa: ANN001
        """Show ``rows`` as they are ordered; ``period`` completes 'discussed 4 times …' ('in November 2026')."""
        rows = list(rows)
        self._period = period
        self._largest = max((max(r.discussed, r.handed_out) for r in rows), default=0)
        self._set_entries(rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        row, column = self.entry(index), index.column()
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.name, row.discussed, row.handed_out)[column]
        if role == Qt.ItemDataRole.UserRole:
            return row.slug
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            said = {1: f"discussed {times(row.discussed)}", 2: f"handed out {times(row.handed_out)}"}
            return f"{row.name}: {said.get(column, f'{said[1]}, {said[2]}')} {self._period}"
        if role == BarRole and column:
            count = (row.discussed, row.handed_out)[column - 1]
            return count / self._largest if self._largest else 0.0
        return None


class BarDelegate(QStyledItemDelegate):
    """A count drawn as a horizontal bar in ``colour``, as long as BarRole says, with the number beside it."""

    MIN_BAR = 120

    def __init__(self, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = QColor(colour)

    @staticmethod
    def _number_width(metrics: QFontMetrics) -> int:
        return metrics.horizontalAdvance("0000")

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        metrics = QFontMetrics(option.font)
        return QSize(2 * PAD + self.MIN_BAR + GAP + self._number_width(metrics), metrics.height() + 2 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)  # background, selection, focus
        metrics = QFontMetrics(opt.font)
        room = opt.rect.adjusted(PAD, 0, -PAD, 0)
        length = round(max(0, room.width() - GAP - self._number_width(metrics)) * float(index.data(BarRole) or 0))
        height = max(6, metrics.height() - 2)
        painter.save()
        if length:
            painter.fillRect(QRect(room.left(), room.center().y() - height // 2 + 1, length, height), self.colour)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.setPen(opt.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        painter.setFont(opt.font)
        left = room.left() + length + (GAP if length else 0)
        painter.drawText(QRect(left, room.top(), room.right() - left + 1, room.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        painter.restore()
