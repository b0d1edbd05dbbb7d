"""Every write, PDF and hash check runs off the GUI thread the same way: an operation.

    Operation(self, "Cannot save the handout", handout_jobs.produce, store, request, output=path,
              changes={Change.HANDOUTS}, on_done=self._saved).run()

An operation calls a plain function on a worker (:class:`~clinic_app.ui.tasks.TaskRunner`). Its
window shows the busy cursor after 300 ms; work with steps (``steps=True``: the function is given
a ``progress(done, total, text)`` callable) gets a progress dialog when it outlasts 300 ms. A
:class:`~clinic_app.errors.ClinicAppError` is shown in a box titled with what failed; any other
exception reaches the application's exception hook (logged, one short message). ``on_failed`` runs
first, to put the window back; when it returns True for a ClinicAppError it has shown the problem
itself (beside the field it names) and no box follows. When the function
returns, :func:`store_events` announces what changed, and every open window that shows that data
refreshes itself: a recorded visit reaches the records window, a saved clinic profile reaches the
main window's setup bar, the builders and the visit panel, a saved preset every compare window.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Collection
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from clinic_app.errors import ClinicAppError
from clinic_app.ui import messages
from clinic_app.ui.tasks import BUSY_CURSOR_DELAY_MS, TaskRunner


class Change(enum.StrEnum):
    """What a finished operation changed in the store."""

    CONSULTATIONS = "consultations"
    HANDOUTS = "handouts"  # the handout log
    PRESETS = "presets"
    CLINIC_PROFILE = "clinic profile"
    CLINIC_FIELDS = "clinic fields"  # the clinic's own fields of a therapy (cost, offered, protocol, contact)
    THERAPY_TEXT = "therapy text"  # a therapy's own text: an edit, a revert, a reviewed shipped version
    CONDITION_TEXT = "condition text"  # a condition's own text: an edit, a revert, a reviewed shipped version


class StoreEvents(QObject):
    """One per application: ``changed`` carries the frozenset of :class:`Change` an operation made."""

    changed = Signal(object)


def store_events() -> StoreEvents:
    """The application's store events (made on first use, owned by the application object)."""
    app = QApplication.instance()
    events = app.findChild(StoreEvents, "store-events")
    if events is None:
        events = StoreEvents(app)
        events.setObjectName("store-events")
    return events


def on_change(receiver: QObject, wanted: Collection[Change], slot: Callable[[], None]) -> None:
    """Call ``slot`` on the GUI thread whenever an operation changed any of ``wanted``, for as long as
    ``receiver`` lives."""
    wanted = frozenset(wanted)

    def relay(changes: frozenset[Change]) -> None:
        if changes & wanted:
            slot()

    relay_object = _ChangeRelay(receiver, relay)
    store_events().changed.connect(relay_object.deliver)


class _ChangeRelay(QObject):
    """A child of the receiver, so the connection ends when the receiver is destroyed."""

    def __init__(self, receiver: QObject, relay: Callable[[frozenset[Change]], None]) -> None:
        super().__init__(receiver)
        self._relay = relay

    @Slot(object)
    def deliver(self, changes: frozenset[Change]) -> None:
        self._relay(changes)


class _Progress(QObject):
    """Carries ``progress(done, total, text)`` from the worker to the dialog on the GUI thread."""

    reported = Signal(int, int, str)

    def __call__(self, done: int, total: int, text: str = "") -> None:
        self.reported.emit(done, total, text)


def runner_for(window: QWidget) -> TaskRunner:
    """The window's own runner: its busy cursor goes on that window only."""
    runner = window.findChild(TaskRunner, "operations")
    if runner is None:
        runner = TaskRunner(window)
        runner.setObjectName("operations")
    return runner


class Operation:
    def __init__(self, parent: QWidget, failure_title: str, function: Callable[..., Any], *args: Any,
                 changes: Collection[Change] = (), steps: bool = False,
                 on_done: Callable[[Any], None] | None = None,
                 on_failed: Callable[[BaseException], bool | None] | None = None, **kwargs: Any) -> None:
        self.parent = parent
        self.failure_title = failure_title
        self.changes = frozenset(changes)
        self.steps = steps
        self._function = functools.partial(function, *args, **kwargs)
        self._on_done = on_done
        self._on_failed = on_failed
        self._dialog: QProgressDialog | None = None

    def run(self) -> int:
        """Start the work; returns the task id. The callbacks run on the GUI thread."""
        function = self._function
        if self.steps:
            progress = _Progress(self.parent)
            self._dialog = self._progress_dialog()
            progress.reported.connect(self._on_progress)
            function = functools.partial(function, progress=progress)
        return runner_for(self.parent).run(function, on_done=self._done, on_error=self._failed)

    def _progress_dialog(self) -> QProgressDialog:
        dialog = QProgressDialog(f"{self.failure_title.replace('Cannot ', '').capitalize()}…", "", 0, 0, self.parent)
        dialog.setCancelButton(None)  # the work finishes or fails as a whole; nothing half-done to cancel
        # Not modal: a modal progress dialog runs the event loop inside setValue(), and the work's
        # result could then arrive in the middle of reporting its progress.
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(BUSY_CURSOR_DELAY_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        return dialog

    def _on_progress(self, done: int, total: int, text: str) -> None:
        dialog = self._dialog
        if dialog is not None:
            if text:
                dialog.setLabelText(text)
            dialog.setMaximum(max(total, 1))
            dialog.setValue(min(done, max(total, 1)))

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.reset()
            self._dialog.deleteLater()
            self._dialog = None

    def _done(self, result: Any) -> None:
        self._close_dialog()
        if self._on_done is not None:
            self._on_done(result)
        if self.changes:
            store_events().changed.emit(self.changes)

    def _failed(self, error: BaseException) -> None:
        self._close_dialog()
        if self._on_failed is not None and self._on_failed(error) and isinstance(error, ClinicAppError):
            return  # the window showed the problem where it belongs (beside the field, say)
        if not isinstance(error, ClinicAppError):
            raise error  # a fault in the application: the exception hook logs it and says so briefly
        messages.show_error(self.parent, self.failure_title, error.message, error.detail)
