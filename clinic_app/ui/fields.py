"""Input fields that behave as a keyboard user expects."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QToolButton, QWidget


class DateField(QDateEdit):
    """A date with a calendar to pick from. Tab leaves the field, as it leaves any other: Qt's date
    edit spends Tab on moving between day, month and year (the arrow keys still do that)."""

    def __init__(self, date: QDate, display_format: str, parent: QWidget | None = None) -> None:
        super().__init__(date, parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(display_format)

    def focusNextPrevChild(self, forward: bool) -> bool:  # noqa: N802 - Qt override
        return QWidget.focusNextPrevChild(self, forward)


def name_clear_button(field: QLineEdit, name: str) -> None:
    """Give the clear button of ``field`` (shown once there is text) a name: Qt's accessibility
    layer offers it to a screen reader as a button, and it has no text of its own."""
    field.setClearButtonEnabled(True)
    for button in field.findChildren(QToolButton):
        button.setAccessibleName(name)


def name_editable_combo(combo: QComboBox) -> None:
    """An editable combo box takes the focus in its text field, which a screen reader names on its
    own: it gets the box's name (set before this is called)."""
    if combo.lineEdit() is not None:
        combo.lineEdit().setAccessibleName(combo.accessibleName())
