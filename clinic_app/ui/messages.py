"""Every message box of the application, in one place.

Tests replace these functions (``monkeypatch.setattr(messages, "show_error", ...)``) rather
than patching QtCore.Qt. Error texts are shown as plain text: a file name or a value quoted in a message
is never interpreted as markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from clinic_app import APP_NAME

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox, QWidget

# QMessageBox is looked up when a box is shown: the window should not wait for it to paint.


def _box(parent: QWidget | None, icon: str, title: str, text: str) -> QMessageBox:
    """A box showing ``text``, HTML the callers built with every value escaped."""
    box_class = QtWidgets.QMessageBox
    box = box_class(getattr(box_class.Icon, icon), f"{title} — {APP_NAME}", text, box_class.StandardButton.Ok, parent)
    box.setTextFormat(QtCore.Qt.TextFormat.RichText)
    box.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextBrowserInteraction)
    return box


def error_html(title: str, message: str) -> str:
    """The text of an error box: a bold headline and the message, both escaped."""
    from html import escape

    return f"<p><b>{escape(title)}</b></p><p>{escape(message)}</p>"


def show_error(parent: QWidget | None, title: str, message: str, detail: str = "") -> None:
    """A problem the user can act on: what happened and what to do, plus optional details."""
    box = _box(parent, "Critical", title, error_html(title, message))
    if detail:
        box.setDetailedText(detail)
    box.exec()


def show_unexpected(parent: QWidget | None, log_file: Path | None) -> None:
    """A fault in the application itself: one short message, the details go to the log file."""
    where = f"The details were written to {log_file}." if log_file else "The details could not be written to a log file."
    message = (
        "Something went wrong inside Clinic Reference. What is on screen may be out of date; "
        f"if it happens again, restart the application. {where}"
    )
    show_error(parent, "Unexpected problem", message)


def help_dialog(parent: QWidget | None, html_text: str) -> QtWidgets.QDialog:
    """The help as a window that fits the screen: the text scrolls, the Close button stays in view."""
    from clinic_app.ui.window_place import place

    dialog = QtWidgets.QDialog(parent)
    dialog.setWindowTitle(f"Help — {APP_NAME}")
    browser = QtWidgets.QTextBrowser(dialog)
    browser.setOpenExternalLinks(False)
    browser.setHtml(html_text)
    browser.setAccessibleName("Help text")
    buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QtWidgets.QVBoxLayout(dialog)
    layout.addWidget(browser, 1)
    layout.addWidget(buttons)
    place(dialog, "help", 640, 720)
    return dialog


def show_help(parent: QWidget | None, html_text: str) -> None:
    """The help. ``html_text`` is built by the application, never from content."""
    dialog = help_dialog(parent, html_text)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()


def show_about(parent: QWidget | None, html_text: str) -> None:
    """The About box. ``html_text`` is built by the application with every value escaped."""
    _box(parent, "NoIcon", "About", html_text).exec()
