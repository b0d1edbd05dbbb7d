"""The modal dialogs of the compare view, each behind a ``classmethod ask(...)`` so tests replace
one method instead of driving a modal loop."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_app import APP_NAME
from clinic_app.services.presets import MAX_NAME


class PresetNameDialog(QDialog):
    """Asks for a preset name; says so when the name would replace one of the clinic's presets."""

    def __init__(self, parent: QWidget | None, saved: Collection[str], built_in: Collection[str]) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Save comparison as preset — {APP_NAME}")
        self._saved = {n.casefold(): n for n in saved}
        self._built_in = {n.casefold() for n in built_in}
        label = QLabel("Name for this set of options and rows:")
        self.name_field = QLineEdit(self)
        self.name_field.setMaxLength(MAX_NAME)
        self.name_field.setAccessibleName("Preset name")
        label.setBuddy(self.name_field)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (label, self.name_field, self.note, self.buttons):
            layout.addWidget(widget)
        self.name_field.textChanged.connect(self._on_name_changed)
        self._on_name_changed("")

    def _on_name_changed(self, text: str) -> None:
        key = " ".join(text.split()).casefold()
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if key in self._built_in:
            self.note.setText("That is the name of a built-in preset. Choose another name.")
        elif key in self._saved:
            self.note.setText(f"Saving replaces the preset “{self._saved[key]}”.")
        else:
            self.note.setText("")
        save.setEnabled(bool(key) and key not in self._built_in)

    def name(self) -> str:
        return " ".join(self.name_field.text().split())

    @classmethod
    def ask(cls, parent: QWidget | None, saved: Collection[str], built_in: Collection[str]) -> str | None:
        dialog = cls(parent, saved, built_in)
        try:
            return dialog.name() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()


class ConfirmDialog(QDialog):
    """A yes/no question with a named action button."""

    def __init__(self, parent: QWidget | None, title: str, text: str, action: str, keep: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{title} — {APP_NAME}")
        message = QLabel(text, self)
        message.setWordWrap(True)
        message.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.action_button = buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        # The safe choice is the default: Enter (or a stray key press) cancels; the action that
        # throws something away needs its own click or its own key.
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if keep:  # the safe choice in words ("Keep it"), when "Cancel" would not say what it keeps
            self.cancel_button.setText(keep)
        self.action_button.setAutoDefault(False)
        self.action_button.setDefault(False)
        self.cancel_button.setAutoDefault(True)
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(message)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, text: str, action: str, keep: str = "") -> bool:
        dialog = cls(parent, title, text, action, keep)
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()


class SaveFileDialog:
    @classmethod
    def ask(cls, parent: QWidget | None, caption: str, suggested: Path, file_filter: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, f"{caption} — {APP_NAME}", str(suggested), file_filter)
        return Path(name) if name else None


class PrintDialog:
    @classmethod
    def ask(cls, parent: QWidget | None, printer: QPrinter, title: str = "Print comparison") -> bool:
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(f"{title} — {APP_NAME}")
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()


class PreviewDialog:
    @classmethod
    def ask(cls, parent: QWidget | None, printer: QPrinter, paint: Callable[[QPrinter], object]) -> None:
        dialog = QPrintPreviewDialog(printer, parent)
        dialog.setWindowTitle(f"Print preview — {APP_NAME}")
        dialog.paintRequested.connect(paint)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()
