"""Fixtures for the window tests: fresh QSettings per test, and a window on a prepared store."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from clinic_app.ui.browse.main_window import MainWindow
from clinic_app.ui.settings_store import UiSettings

QT_DIR = Path(__file__).parent
# The offscreen platform warns that it has no window manager to pass size hints to; that is the
# test platform talking, not the application.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_configure(config):
    """Widgets need a QApplication, and Qt allows one application object per process. Printing
    code run by other test folders creates a bare QGuiApplication when none exists, after which
    any QWidget aborts the process; so when this folder is part of the run, the QApplication is
    made now, before any test runs, and everything else finds it (pytest-qt's ``qapp`` too)."""
    if QApplication.instance() is None:
        config._clinic_app_qapplication = QApplication(["clinic-app-tests"])
    from clinic_app.ui.garbage import collect_on_gui_thread

    collect_on_gui_thread(QApplication.instance())  # as the app does: never on a worker thread


def pytest_collection_modifyitems(items):
    for item in items:
        if QT_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture
def errors(monkeypatch):
    """The messages an error box would have shown, instead of showing it."""
    from clinic_app.ui import messages

    shown = []
    monkeypatch.setattr(messages, "show_error", lambda parent, title, message, detail="": shown.append(message))
    return shown


@pytest.fixture(autouse=True)
def _no_modal_question_at_teardown(monkeypatch):
    """A window closed at the end of a test with a consultation still open would ask, in a modal
    box, whether to record it; tests answer "close without recording" unless they ask otherwise."""
    from clinic_app.ui.visit import consultation_panel

    monkeypatch.setattr(consultation_panel.OpenVisitDialog, "ask", classmethod(lambda cls, parent: "discard"))


@pytest.fixture(autouse=True)
def _isolated_qsettings(qapp, tmp_path):
    """QSettings() anywhere in the code under test writes an INI file in this test's folder."""
    qapp.setOrganizationName("Clinic Reference")
    qapp.setApplicationName("clinic-app")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    yield
    qapp.setStyleSheet("")


@pytest.fixture
def settings_file(tmp_path):
    return tmp_path / "ui.ini"


@pytest.fixture
def ui_settings(settings_file) -> UiSettings:
    return UiSettings(QSettings(str(settings_file), QSettings.Format.IniFormat))


@pytest.fixture
def make_window(qtbot, reader, settings_file, prepared_location):
    """Build a shown window on the prepared store, each with its own view of the same settings file."""

    def make() -> MainWindow:
        window = MainWindow(UiSettings(QSettings(str(settings_file), QSettings.Format.IniFormat)))
        qtbot.addWidget(window)
        window.set_store(reader)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window and QApplication.focusWidget() is not None)
        return window

    return make


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()


@pytest.fixture
def make_builder(qtbot, reader, prepared_location, errors):
    """Open a shown handout builder on the prepared store, with the given options."""
    from clinic_app.ui.handout.handout_builder import HandoutBuilder

    def make(**options):
        builder = HandoutBuilder(reader, **options)
        qtbot.addWidget(builder)
        builder.show()
        qtbot.waitExposed(builder)
        qtbot.waitUntil(lambda: not builder.preview_pending(), timeout=30_000)  # the first preview is in
        return builder
    return make


@pytest.fixture
def settle(qtbot):
    """Apply a builder's options now and wait for the preview worker to show them."""

    def apply(builder) -> None:
        builder.refresh()
        qtbot.waitUntil(lambda: not builder.preview_pending(), timeout=30_000)

    return apply
