"""Each window opens where and as large as it was last closed, and never larger than the screen.

A window keeps its own place under ``windows/<name>/geometry`` in QSettings. The first time (or
when the remembered place is on a screen that is gone) it opens at its preferred size, cut down
to the screen's free area (a 1366×768 laptop included) and centred on its parent.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, QSettings
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

SCREEN_SHARE = 0.94  # of the screen's free area, so the frame and title bar fit too


def _key(name: str) -> str:
    return f"windows/{name}/geometry"


def fitted_size(window: QWidget, width: int, height: int) -> tuple[int, int]:
    """``width`` × ``height``, cut down to the free area of the screen the window is on."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return width, height
    free = screen.availableGeometry()
    return min(width, int(free.width() * SCREEN_SHARE)), min(height, int(free.height() * SCREEN_SHARE))


def place(window: QWidget, name: str, width: int, height: int) -> None:
    """Give ``window`` its remembered place, or its preferred size fitted to the screen, and
    remember its place when it closes (see :class:`_Remember`)."""
    window.setMinimumSize(min(window.minimumWidth(), 640), min(window.minimumHeight(), 480))
    state = QSettings().value(_key(name), QByteArray(), type=QByteArray)
    restored = isinstance(state, QByteArray) and not state.isEmpty() and window.restoreGeometry(state)
    if not restored:
        window.resize(*fitted_size(window, width, height))
    else:  # a place remembered on a larger screen is brought back within this one
        window.resize(*fitted_size(window, window.width(), window.height()))
    _Remember(window, name)


class _Remember(QObject):
    """Saves the window's place when it closes (a child of the window: it goes with it)."""

    def __init__(self, window: QWidget, name: str) -> None:
        super().__init__(window)
        self._window = window
        self._name = name
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event) -> bool:  # noqa: N802, ANN001
        from PySide6.QtCore import QEvent

        if watched is self._window and event.type() in (QEvent.Type.Close, QEvent.Type.Hide):
            QSettings().setValue(_key(self._name), self._window.saveGeometry())
        return False


def closes_on_escape(window: QWidget) -> None:
    """Esc and Ctrl+W close the window (a dialog's Esc already rejects it)."""
    for keys in (QKeySequence("Ctrl+W"), QKeySequence("Esc")):
        shortcut = QShortcut(keys, window)
        shortcut.activated.connect(window.close)
