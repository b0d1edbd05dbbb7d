"""What the two edit dialogs (the clinic's own fields, a therapy's text) share: every change is
signed with who makes it and why, kept as a revision, and shown in a history with a revert.

:class:`SignedChanges` is mixed into a ``QDialog``; it builds the who and why row, the message
line, the Save and Close buttons and the history page, and keeps the state of work under way.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clinic_app.ui.fields import name_editable_combo

ERROR_COLOUR, GOOD_COLOUR = "#b3261e", "#1b5e20"  # 6.5:1 and 7.9:1 on white
WHY_MAX = 200


def sentence(text: str) -> str:
    """``text`` with a capital first letter (service messages start lower case)."""
    return text[:1].upper() + text[1:] if text else text


class SignedChanges:
    """Mixed into a ``QDialog`` (``class X(QDialog, SignedChanges)``); the dialog defines
    ``_update_buttons`` and sets ``self._busy``."""

    def _build_signing(self, clinicians: list[str], why_example: str) -> None:
        """The who and why fields, the message line and the Save and Close buttons."""
        self.who_combo = QComboBox(self)
        self.who_combo.setEditable(True)
        self.who_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.who_combo.addItems(clinicians)
        self.who_combo.setCurrentIndex(-1)
        self.who_combo.lineEdit().setPlaceholderText("The clinician making the change")
        self.who_combo.lineEdit().setMaxLength(120)
        self.who_combo.setAccessibleName("Who is making the change")
        name_editable_combo(self.who_combo)
        self.who_combo.setMinimumContentsLength(18)
        self.why_field = QLineEdit(self)
        self.why_field.setMaxLength(WHY_MAX)
        self.why_field.setPlaceholderText(f"A short reason, e.g. {why_example}")
        self.why_field.setAccessibleName("Why: the reason for the change")
        self.message_label = QLabel(self)  # what happened last (saved, reverted, refused); read out
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                                   | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close,
                                        self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save")
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText("C&lose")
        self.close_button.setAutoDefault(False)
        self.save_button.setDefault(True)  # Enter saves only what may be saved (it is disabled otherwise)

    def _build_history(self, model: QAbstractItemModel, sized_columns: int, table_name: str, diff_name: str,
                       revert_text: str, revert_tip: str) -> None:
        """The history table (``model``; its first ``sized_columns`` fit their contents), the view
        of the chosen change and the revert button."""
        self.history_model = model
        self.history_view = QTableView(self)
        self.history_view.setModel(model)
        self.history_view.setAccessibleName(table_name)
        self.history_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history_view.setWordWrap(False)
        self.history_view.setTabKeyNavigation(False)
        self.history_view.verticalHeader().hide()
        header = self.history_view.horizontalHeader()
        for column in range(sized_columns):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.diff_view = QTextBrowser(self)
        self.diff_view.setAccessibleName(diff_name)
        self.diff_view.setOpenLinks(False)
        self.diff_view.setMinimumHeight(90)
        self.revert_button = QPushButton(revert_text, self)
        self.revert_button.setAutoDefault(False)
        self.revert_button.setToolTip(revert_tip)

    def _connect_signing(self) -> None:
        self.who_combo.currentTextChanged.connect(self._update_buttons)
        self.why_field.textChanged.connect(self._update_buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        close = QShortcut(QKeySequence("Ctrl+W"), self)  # as every window of the application; Esc rejects
        close.activated.connect(self.reject)

    def _buddy(self, text: str, widget: QWidget, parent: QWidget | None = None) -> QLabel:
        label = QLabel(text, parent or self)
        label.setBuddy(widget)
        return label

    def _history_page(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        column.addWidget(self.history_view, 3)
        column.addWidget(self.diff_view, 2)
        revert_row = QHBoxLayout()
        revert_row.addStretch(1)
        revert_row.addWidget(self.revert_button)
        column.addLayout(revert_row)
        return page

    def _who_why_row(self, why_label: str) -> QHBoxLayout:
        """Who and why side by side; ``why_label`` carries the mnemonic the dialog has free."""
        row = QHBoxLayout()
        row.addWidget(self._buddy("&Who:", self.who_combo))
        row.addWidget(self.who_combo, 2)
        row.addSpacing(12)
        row.addWidget(self._buddy(why_label, self.why_field))
        row.addWidget(self.why_field, 3)
        return row

    @staticmethod
    def _note(parent: QWidget, text: str) -> QLabel:
        note = QLabel(text, parent)
        note.setWordWrap(True)
        note.setStyleSheet("color: #505050;")
        return note

    def who(self) -> str:
        return self.who_combo.currentText().strip()

    def why(self) -> str:
        return self.why_field.text().strip()

    def show_message(self, text: str, error: bool = False) -> None:
        """What happened last, under who and why ("" clears it); read out by assistive technology."""
        self.message_label.setText(sentence(text))
        self.message_label.setStyleSheet(f"color: {ERROR_COLOUR if error else GOOD_COLOUR};")
        self.message_label.setAccessibleName(self.message_label.text())
        if text:
            QAccessible.updateAccessibility(QAccessibleEvent(self.message_label, QAccessible.Event.Alert))

    def _start_work(self) -> None:
        self._busy = True
        self.show_message("")
        self._update_buttons()
