"""Two versions of the same thing, side by side, when another room saved it first.

Shown when a save is refused with a :class:`~clinic_app.errors.ConflictError`: a table of the
fields that differ (yours, theirs), and three ways on: save yours over theirs, take theirs (your
changes are dropped, theirs stay), or go back to your edit (nothing is lost either way until you
choose). The safe choice, going back, is the default.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from clinic_app import APP_NAME
from clinic_app.ui.window_place import place


class Choice(enum.Enum):
    BACK = "back"
    MINE = "mine"
    THEIRS = "theirs"


class ConflictDialog(QDialog):
    def __init__(self, message: str, rows: Sequence[tuple[str, str, str]], who: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Changed in another room — {APP_NAME}")
        self.choice = Choice.BACK
        self.message_label = QLabel(message, self)
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName(message)
        self.model = QStandardItemModel(0, 3, self)
        self.model.setHorizontalHeaderLabels(["Field", "Yours (not saved)", f"Theirs ({who})"])
        for field, mine, theirs in rows:
            items = [QStandardItem(text) for text in (field, mine, theirs)]
            for item in items:
                item.setEditable(False)
                item.setToolTip(item.text())
            self.model.appendRow(items)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2):
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        self.table.setAccessibleName("The two versions, field by field")
        self.buttons = QDialogButtonBox(self)
        self.mine_button = self.buttons.addButton("Save &mine over theirs", QDialogButtonBox.ButtonRole.AcceptRole)
        self.theirs_button = self.buttons.addButton("&Take theirs", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.back_button = self.buttons.addButton("&Back to my changes", QDialogButtonBox.ButtonRole.RejectRole)
        for button in (self.mine_button, self.theirs_button):
            button.setAutoDefault(False)
        self.back_button.setDefault(True)
        self.mine_button.clicked.connect(lambda: self._choose(Choice.MINE))
        self.theirs_button.clicked.connect(lambda: self._choose(Choice.THEIRS))
        self.back_button.clicked.connect(lambda: self._choose(Choice.BACK))
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        place(self, "conflict", 720, 420)
        self.back_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _choose(self, choice: Choice) -> None:
        self.choice = choice
        if choice is Choice.BACK:
            self.reject()
        else:
            self.accept()
