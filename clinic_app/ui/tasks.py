"""One way to run slow work off the GUI thread.

``TaskRunner.run(function, *args, on_done=..., on_error=...)`` calls a plain function on a
worker thread and hands its result (or the exception it raised) back on the GUI thread through a
queued signal. While any task is running longer than ``BUSY_CURSOR_DELAY_MS`` the busy cursor is
shown. Nothing here spins the event loop.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

BUSY_CURSOR_DELAY_MS = 300


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits through it, so delivery is queued."""

    finished = Signal(int, bool, object)  # task id, succeeded, result or exception


class _Job(QRunnable):
    def __init__(self, task_id: int, function: Callable[..., Any], args: tuple, relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._task_id = task_id
        self._function = function
        self._args = args
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._function(*self._args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's on_error on the GUI thread
            self._relay.finished.emit(self._task_id, False, exc)
        else:
            self._relay.finished.emit(self._task_id, True, result)


class TaskRunner(QObject):
    """Runs functions on a private thread pool and reports back on the GUI thread."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2, busy_cursor: bool = True) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_job_finished)  # emitted on a worker: delivered queued
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[_Job, Callable[[Any], None] | None, Callable[[BaseException], None] | None]] = {}
        self._cursor_timer = QTimer(self)
        self._cursor_timer.setSingleShot(True)
        self._cursor_timer.setInterval(BUSY_CURSOR_DELAY_MS)
        if busy_cursor:
            self._cursor_timer.timeout.connect(self._on_busy_delay_elapsed)
        self._cursor_shown = False

    def run(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Start ``function(*args)`` on a worker; returns the task id."""
        task_id = next(self._ids)
        job = _Job(task_id, function, args, self._relay)
        self._pending[task_id] = (job, on_done, on_error)
        if len(self._pending) == 1:
            self._cursor_timer.start()
            self.busy_changed.emit(True)
        self._pool.start(job)
        return task_id

    def is_busy(self) -> bool:
        return bool(self._pending)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until every worker has returned (used when the application quits)."""
        return self._pool.waitForDone(timeout_ms)

    @Slot(int, bool, object)
    def _on_job_finished(self, task_id: int, succeeded: bool, payload: object) -> None:
        _job, on_done, on_error = self._pending.pop(task_id)
        if not self._pending:
            self._cursor_timer.stop()
            self._restore_cursor()
            self.busy_changed.emit(False)
        if succeeded:
            if on_done is not None:
                on_done(payload)
        elif on_error is not None:
            on_error(payload)  # type: ignore[arg-type]
        else:
            raise payload  # type: ignore[misc] - reaches the application's excepthook

    def busy_window(self) -> QWidget | None:
        """The window this runner works for (its nearest widget ancestor's window), if any."""
        owner = self.parent()
        while owner is not None and not isinstance(owner, QWidget):
            owner = owner.parent()
        return owner.window() if owner is not None else None

    def _on_busy_delay_elapsed(self) -> None:
        # The busy cursor goes on the window the work is for, not on the whole application: other
        # windows (the records, a comparison) stay usable while a handout is made.
        if self._pending and not self._cursor_shown:
            window = self.busy_window()
            if window is not None:
                window.setCursor(QtCore.Qt.CursorShape.BusyCursor)
            self._cursor_shown = True

    def _restore_cursor(self) -> None:
        if self._cursor_shown:
            window = self.busy_window()
            if window is not None:
                window.unsetCursor()
            self._cursor_shown = False
