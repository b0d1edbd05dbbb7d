"""Start the window: paint first, then open the library.

Before the first paint only QtCore, QtGui, QtWidgets and the window's own modules are imported
(the services, the list model and its delegate follow the library). Right after it, a worker
checks that the store is ready (this imports the content checker) and, when the schema or the
shipped content changed, prepares it (migrations, ORM, content loader) while the window shows
"Preparing the therapy library…". Then the list is filled through the stdlib ``sqlite3`` reader.
Any :class:`~clinic_app.errors.ClinicAppError` on the way is shown in a dialog and the application
ends with exit code 1; anything else is logged to ``<data dir>/clinic-app.log`` (see error_log).

With ``CLINIC_APP_STARTUP_PROBE=1`` the moments ``paint`` (first frame) and ``ready`` (list filled, painted
and searchable) are printed to stderr as ``startup-probe NAME UNIX_TIME MAX_RSS_KB`` and the
application quits once ready; ``bench/startup.py`` reads them.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from clinic_app import APP_ID, APP_NAME, __version__
from clinic_app.errors import ClinicAppError
from clinic_app.settings import Location
from clinic_app.ui import error_log, messages
from clinic_app.ui.browse.main_window import MainWindow
from clinic_app.ui.settings_store import UiSettings
from clinic_app.ui.single_instance import WindowGuard, bring_forward

if TYPE_CHECKING:
    from clinic_app.storage.store import Store
    from clinic_app.ui.tasks import TaskRunner

ORGANISATION = "Clinic Reference"
PROBE_ENV = "CLINIC_APP_STARTUP_PROBE"
FALLBACK_START_MS = 1000  # start anyway if the window is never exposed (e.g. opened minimised)
WARM_UP_AFTER_MS = 1500  # after the list is ready, once the doctor is reading
COPY_AFTER_CHANGE_MS = 20_000  # a room's copy of the library is renewed this long after the library changed


def _probe(moment: str) -> None:
    if os.environ.get(PROBE_ENV) not in ("1", "2"):  # 2: print the moments, but keep the window open
        return
    try:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except ImportError:
        rss = 0
    print(f"startup-probe {moment} {time.time():.6f} {rss}", file=sys.stderr, flush=True)


def _warm_up(location: Location) -> None:
    """Load off the GUI thread what the doctor's next step would otherwise load while they wait."""
    from clinic_app.ui.warm_up import warm_up

    warm_up(location)


def _ignore_known(error: BaseException) -> None:
    """A warm-up that could not finish is not an error: the real work will say what is wrong."""
    if not isinstance(error, ClinicAppError):
        raise error


def _store_is_ready(location: Location) -> bool:
    from clinic_app.services import store_setup  # imports the content checker: after the first paint only

    return store_setup.is_ready(location)


def _daily_backup(location: Location) -> str | None:
    from clinic_app.services import store_setup

    return store_setup.daily_backup(location)


def _load_list_modules() -> None:
    """While a worker checks the store, the GUI thread (idle until then) loads what fills the list."""
    import clinic_app.services.library  # noqa: F401
    import clinic_app.ui.browse.therapy_delegate  # noqa: F401
    import clinic_app.ui.operations  # noqa: F401


def _prepare_store(location: Location):  # noqa: ANN202
    from clinic_app.services import store_setup

    return store_setup.prepare(location)


class Startup(QObject):
    """Opens the library once the window has painted, preparing the store first if needed."""

    def __init__(self, location: Location, window: MainWindow, guard: WindowGuard | None = None) -> None:
        super().__init__(window)
        self.location = location
        self.window = window
        self.guard = guard
        self.runner: TaskRunner | None = None  # made when the work starts, after the first paint
        self.store: Store | None = None
        self.room_changes = None  # on a clinic's server: other rooms' saves (ui.room_changes.RoomChanges)
        self.failed = False
        self._copy_timer = QTimer(self, singleShot=True, interval=COPY_AFTER_CHANGE_MS)
        self._copy_timer.timeout.connect(self._copy_library)
        self._painted = False
        self._begun = False
        self._serving = False
        self.finished = False
        window.installEventFilter(self)
        QTimer.singleShot(FALLBACK_START_MS, self._on_fallback_elapsed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.Paint:
            return False
        if watched is self.window and not self._painted:
            self._painted = True
            _probe("paint")
            QTimer.singleShot(0, self._on_first_paint_done)
        elif watched is not self.window:  # the therapy list, filled
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._on_list_painted)  # after the frame is on screen
        return False

    def _on_first_paint_done(self) -> None:
        self._begin()

    def _on_fallback_elapsed(self) -> None:
        self._begin()

    def _begin(self) -> None:
        from clinic_app.ui.tasks import TaskRunner

        if self._begun:
            return
        self._begun = True
        self.window.removeEventFilter(self)
        _set_icon()  # after the first frame: the SVG reader is not needed to paint it
        # No busy cursor: the window says "Preparing the therapy library…" while it works, and the
        # doctor can read and search as soon as the list is there.
        self.runner = TaskRunner(self, busy_cursor=False)
        self.runner.run(_store_is_ready, self.location, on_done=self._on_store_checked, on_error=self._on_failed)
        QTimer.singleShot(0, _load_list_modules)

    def _on_store_checked(self, ready: bool) -> None:
        if ready:
            self._open_library()
            return
        self._serve()
        text = "Preparing the therapy library…"
        self.window.show_status(text)
        self.window.detail_view.show_message(f"{text} This takes a few seconds on first use and after an update.")
        self.runner.run(_prepare_store, self.location, on_done=self._on_store_prepared, on_error=self._on_failed)

    def _on_store_prepared(self, result) -> None:  # noqa: ANN001 - services.store_setup.PrepareResult
        changed = len(result.added) + len(result.updated)
        note = f"Therapy library {result.library_version} ready ({changed} therapies added or updated)."
        if result.kept_clinic_edits:
            note += f" Your clinic's edits were kept for: {', '.join(result.kept_clinic_edits)}."
        self._open_library()
        self.window.statusBar().showMessage(note, 15000)

    def _open_library(self) -> None:
        from clinic_app.storage.store import Store

        try:
            self.store = Store.of(self.location)
            self.window.set_store(self.store, reopen_last=False)  # the list paints first, then the page
        except Exception as exc:  # noqa: BLE001 - a window without its library must not stay open
            self._on_failed(exc)
            return
        self.window.statusBar().clearMessage()
        from clinic_app.services.store_setup import backup_problem

        self.window.show_warning(backup_problem(self.location) or "")
        if self.location.is_server and self.room_changes is None:  # other rooms' saves reach this window
            from clinic_app.ui.room_changes import RoomChanges

            self.room_changes = RoomChanges(self.location.database_url, self.window.show_warning, self,
                                            on_back=self._server_back, on_lost=self._server_lost)
            if self.store.copy_taken_at:  # opened while the server could not be reached
                self._server_lost()
            else:
                self._deliver_held()  # what this room held when it last ran without the server
            from clinic_app.ui.operations import Change, on_change

            # a library that changed (here or in another room) is copied again, once things are quiet
            on_change(self, {Change.THERAPY_TEXT, Change.CONDITION_TEXT, Change.CLINIC_PROFILE, Change.CLINIC_FIELDS,
                             Change.PRESETS}, lambda: self._copy_timer.start())
        if self.window.detail_view.detail is None:
            self.window.detail_view.show_message("")
        viewport = self.window.search_panel.list_view.viewport()
        viewport.installEventFilter(self)  # "ready" once the filled list has painted (see eventFilter)
        viewport.update()

    def _server_lost(self) -> None:
        """The server cannot be reached: read this room's copy of the library meanwhile, and say so."""
        from clinic_app.ui.room_changes import LOST, copy_warning

        if self.store is not None and self.store.use_copy():
            self.window.show_warning(copy_warning(self.store.copy_taken_at))
        else:
            self.window.show_warning(LOST)

    def _server_back(self) -> None:
        """The server answers again: read it (asked off the GUI thread), then deliver what was held."""
        if self.store is None or self.runner is None:
            return
        if self.store.copy_taken_at is None:
            self._deliver_held()
            return
        self.runner.run(self.store.use_server, on_done=self._on_server_answered, on_error=_ignore_known)

    def _on_server_answered(self, reading_server: bool) -> None:
        from clinic_app.ui.operations import Change, store_events

        if not reading_server:
            return
        self.window.show_warning("")
        self.window.show_status("The clinic's server is back: the window reads it again.")
        store_events().changed.emit(frozenset(Change))  # everything is read again, from the server
        self._deliver_held()
        self._copy_timer.start()

    def _copy_library(self) -> None:
        """Renew this room's copy of the library from the server, off the GUI thread."""
        from clinic_app.services import library_copy

        if (self.runner is None or self.store is None or self.failed or self.finished or not self.location.is_server
                or self.store.copy_taken_at is not None):
            return
        self.runner.run(library_copy.refresh, self.location, on_error=_ignore_known)

    def _deliver_held(self) -> None:
        """Send the records this room held while the server could not be reached, off the GUI thread."""
        from clinic_app.services.delivery import deliver, held_count

        if self.store is None or self.runner is None or not held_count(self.location):
            return
        self.runner.run(deliver, self.store, on_done=self._on_delivered, on_error=lambda _error: self.window.show_held())

    def _on_delivered(self, result) -> None:  # noqa: ANN001 - services.delivery.Delivery
        from clinic_app.ui.operations import Change, store_events

        if result.delivered:
            self.window.show_status(f"{len(result.delivered)} record(s) held in this room were delivered to the "
                                    "clinic's server.")
            store_events().changed.emit(frozenset({Change.CONSULTATIONS, Change.HANDOUTS}))
        self.window.show_held()

    def _on_list_painted(self) -> None:
        _probe("ready")
        QTimer.singleShot(0, self.window.reopen_last)
        QTimer.singleShot(0, self._serve)
        QTimer.singleShot(WARM_UP_AFTER_MS, self._warm_up)
        if self.runner is not None and not self.location.is_server:  # the day's automatic backup, once reading
            self.runner.run(_daily_backup, self.location, on_done=self._on_backed_up, on_error=_ignore_known)
        if self.location.is_server:  # on a clinic's server: this room's copy of the library, renewed
            QTimer.singleShot(2 * WARM_UP_AFTER_MS, self._copy_library)
        if os.environ.get(PROBE_ENV) == "1":
            # exit() rather than quit(): quit() asks the platform to end the session, after which a
            # later event loop in the same process (tests reuse the application) stops delivering
            # queued signals.
            QTimer.singleShot(0, lambda: QApplication.exit(0))

    def _on_backed_up(self, problem: str | None) -> None:
        self.window.show_warning(problem or "")  # a problem said before start clears once a backup succeeds

    def _serve(self) -> None:
        """From now on a later launch on this folder knocks here and this window comes forward (a
        launch before this moment waits for it; see single_instance.bring_forward)."""
        if self.guard is not None and not self._serving and self.guard.serve():
            self._serving = True
            self.guard.raise_requested.connect(lambda: _bring_to_front(self.window))

    def _warm_up(self) -> None:
        """While the doctor reads, load off the GUI thread what the first handout and the first
        write would otherwise load while the doctor waits."""
        if self.runner is not None and not self.failed and not self.finished:
            self.runner.run(_warm_up, self.location, on_error=_ignore_known)

    def _on_failed(self, error: BaseException) -> None:
        self.failed = True
        known = isinstance(error, ClinicAppError)
        log = None if known else error_log.write_traceback(self.location.data_dir, error)
        if os.environ.get(PROBE_ENV) == "1":  # measuring: no one is there to close a dialog
            print(f"startup-probe failed {time.time():.6f} 0 {error}", file=sys.stderr, flush=True)
        elif known:
            messages.show_error(self.window, "Clinic Reference cannot open its library", error.message, error.detail)
        else:
            messages.show_unexpected(self.window, log)
        QApplication.exit(1)

    def close(self) -> None:
        if self.room_changes is not None:
            self.room_changes.stop()
            self.room_changes = None
        if self.runner is not None:
            self.runner.wait()
        if self.store is not None:
            self.store.close()
            self.store = None
        self.finished = True  # a timer still pending (the warm-up) finds nothing to do


def _set_icon() -> None:
    """The application's icon (title bars, the task switcher), from the package's own folder."""
    from PySide6.QtGui import QIcon

    import clinic_app.resources as shipped

    icon = QIcon(str(Path(shipped.__file__).parent / "icons" / "clinic-reference.svg"))
    if not icon.isNull():
        QApplication.instance().setWindowIcon(icon)


def _apply_style(app: QApplication) -> None:
    # The package's own folder rather than importlib.resources, whose import alone costs more
    # than building the window; the style sheet is a plain file in an installed package.
    import clinic_app.resources as shipped

    try:
        sheet = (Path(shipped.__file__).parent / "style.qss").read_text(encoding="utf-8")
    except OSError:
        return
    app.setStyleSheet(sheet)


def run(location: Location, argv: list[str] | None = None) -> int:
    """Show the window for ``location`` and run until it is closed; returns the exit code."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv) if argv else sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    _apply_style(app)
    from clinic_app.ui.garbage import GuiThreadCollector

    collector = None if app.findChild(GuiThreadCollector) else GuiThreadCollector(app)
    guard = WindowGuard(location.data_dir)
    if not guard.acquire():  # this folder's window is open: bring it forward instead of a second one
        if bring_forward(location.data_dir):
            print(f"{APP_NAME} is already open for {location.data_dir}; its window was brought to the front.",
                  file=sys.stderr)
            return 0
        messages.show_error(None, APP_NAME, f"{APP_NAME} is already open for this data folder, but its window "
                            "does not answer.", f"Data folder: {location.data_dir}. Close the other window (or end "
                            "the program that holds it) and start again.")
        return 1
    window = MainWindow(UiSettings())
    startup = Startup(location, window, guard)
    hook = error_log.ExceptionHook(location.data_dir, lambda: window if window.isVisible() else None)
    hook.install()
    try:
        window.show()
        code = app.exec()
    finally:
        hook.uninstall()
        startup.close()
        if window.isVisible():
            window.close()
        guard.release()
        if collector is not None:
            collector.stop()
            collector.deleteLater()
        if "clinic_app.storage.store" in sys.modules:  # the store this process read and wrote through
            sys.modules["clinic_app.storage.store"].Store.close_all()
    return 1 if startup.failed and code == 0 else code


def _bring_to_front(window: MainWindow) -> None:
    """A second launch on this folder asked for this window: show it, on top, with focus."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
    _probe("raised")
