"""Windows made from a plain QWidget read as windows to assistive technology.

Qt gives a top-level QMainWindow the role of a window and a QDialog that of a dialog, but a plain
QWidget shown as a window the role of a client area ("filler" on AT-SPI), so a screen reader does
not announce it as a window when it opens. Classes marked with :func:`announced_as_window` get
Qt's own widget interface with the window role; its name stays the window title.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAccessibleWidget, QWidget

_WINDOW_CLASSES: set[str] = set()
_installed = False

W = TypeVar("W", bound=type[QWidget])


def _interface(key: str, obj: QObject) -> QAccessibleWidget | None:
    if key in _WINDOW_CLASSES and isinstance(obj, QWidget) and obj.isWindow():
        return QAccessibleWidget(obj, QAccessible.Role.Window)
    return None


def announced_as_window(cls: W) -> W:
    """Class decorator for a QWidget subclass shown as a window of its own."""
    global _installed
    _WINDOW_CLASSES.add(cls.__name__)
    if not _installed:
        QAccessible.installFactory(_interface)
        _installed = True
    return cls
