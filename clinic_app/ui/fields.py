"""Input fields that behave as a keyboard user expects."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget


class DateField(QDateEdit):
    """A date with a calendar to pick from. Tab leaves the field, as it leaves any other: Qt's date
    edit spends Tab on moving between day, month and year (the arrow keys still do that)."""

    def __init__(self, date: QDate, display_format: str, parent: QWidget | None = None) -> None:
        super().__init__(date, parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(display_format)

    def focusNextPrevChild(self, forward: bool) -> bool:  # noqa: N802 - Qt override
        return QWidget.focusNextPrevChild(self, forward)
