"""No traceback reaches the user: unexpected errors are written to ``<data dir>/clinic-app.log`` (owner
only, and nowhere else) and reported in one short message; errors the clinic can act on are shown
with their own message."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QWidget

from clinic_app.errors import ClinicAppError
from clinic_app.ui import messages

LOG_FILE = "clinic-app.log"


def write_traceback(directory: Path, error: BaseException) -> Path | None:
    """Append ``error`` with its traceback to the log file in the data folder ``directory``; returns
    the file, or None if nothing could be written. A traceback can hold a patient's name or a path,
    so the file is readable by its owner only (0600) and is never put anywhere else (a shared
    temporary folder is readable by every user of the computer)."""
    import datetime as dt  # only when something went wrong: kept out of the start-up path
    import os
    import traceback

    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    folder = Path(directory)
    path = folder / LOG_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
        handle = os.open(path, flags, 0o600)
    except OSError:
        return None
    try:
        if hasattr(os, "fchmod"):  # a log made by an older version may be readable by others
            os.fchmod(handle, 0o600)
        with os.fdopen(handle, "a", encoding="utf-8") as out:
            handle = None
            out.write(f"--- {stamp}\n{text}\n")
    except OSError:
        return None
    finally:
        if handle is not None:
            os.close(handle)
    return path


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
