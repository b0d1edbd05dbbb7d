"""No traceback reaches the user: unexpected errors are written to ``<data dir>/clinic-app.log`` (owner
only, and nowhere else) and reported in one short message; errors the clinic can act on are shown
with their own message."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QWidget

from clinic_app.errors import LOG_FILE, ClinicAppError, write_traceback  # noqa: F401 - the window writes there too
from clinic_app.ui import messages


def report(parent: QWidget | None, directory: Path, error: BaseException) -> None:
    """Tell the user about ``error``: its own message if the clinic can act on it, otherwise a short note."""
    if isinstance(error, ClinicAppError):
        messages.show_error(parent, "Problem", error.message, error.detail)
    else:
        messages.show_unexpected(parent, write_traceback(directory, error))


class ExceptionHook:
    """Replaces ``sys.excepthook`` while the window runs (exceptions raised in slots arrive here)."""

    def __init__(self, directory: Path, parent: Callable[[], QWidget | None]) -> None:
        self._directory = directory
        self._parent = parent
        self._previous = sys.excepthook
        self._reporting = False

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self._previous

    def __call__(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous(kind, error, tb)
            return
        if error.__traceback__ is None:
            error = error.with_traceback(tb)
        if self._reporting:  # a failure while showing the previous one: log only
            write_traceback(self._directory, error)
            return
        self._reporting = True
        try:
            report(self._parent(), self._directory, error)
        finally:
            self._reporting = False
