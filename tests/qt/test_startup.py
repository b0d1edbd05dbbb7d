"""Starting the application: paint first, then open (or prepare) the library; clear dialogs for a
store that cannot be used, exit code 1 after them, and never a traceback."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from clinic_app import settings
from clinic_app.errors import ContentError
from clinic_app.ui import app as ui_app
from clinic_app.ui import messages


@pytest.fixture
def dialogs(monkeypatch):
    """Record every message box instead of showing it."""
    shown: list[tuple[str, ...]] = []
    monkeypatch.setattr(messages, "show_error", lambda parent, title, message, detail="": shown.append(
        ("error", title, message, detail)))
    monkeypatch.setattr(messages, "show_unexpected", lambda parent, log: shown.append(("unexpected", str(log))))
    return shown


@pytest.fixture
def probe(monkeypatch):
    """The start-up probe also makes the application quit once the list is ready."""
    monkeypatch.setenv(ui_app.PROBE_ENV, "1")


def probe_moments(capsys) -> list[str]:
    return [line.split()[1] for line in capsys.readouterr().err.splitlines() if line.startswith("startup-probe ")]


def test_run_paints_then_fills_the_list(qapp, prepared_location, dialogs, probe, capsys):
    assert ui_app.run(prepared_location) == 0
    assert probe_moments(capsys) == ["paint", "ready"]
    assert dialogs == []
    assert qapp.organizationName() == "Clinic Reference" and qapp.applicationName() == "clinic-app"


def test_run_prepares_a_new_data_dir(qapp, location, dialogs, probe, capsys):
    from clinic_app.services import store_setup

    assert ui_app.run(location) == 0
    assert probe_moments(capsys) == ["paint", "ready"]
    assert dialogs == []
    assert store_setup.is_ready(location)


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(qapp, data_dir, dialogs):
    path = data_dir / settings.DATABASE_FILE
    path.write_bytes(b"these are a clinic's notes, not a database\n" * 50)
    before = path.read_bytes()
    assert ui_app.run(settings.resolve(data_dir=data_dir)) == 1
    assert len(dialogs) == 1
    kind, title, message, _detail = dialogs[0]
    assert kind == "error" and "cannot open" in title
    assert str(path) in message and "not an SQLite file" in message
    assert path.read_bytes() == before


def test_a_newer_database_is_refused_and_left_alone(qapp, prepared_location, dialogs):
    path = prepared_location.sqlite_path
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    assert ui_app.run(prepared_location) == 1
    assert [d[0] for d in dialogs] == ["error"]
    assert "newer version" in dialogs[0][2] and "9999" in dialogs[0][2]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "9999"
    conn.close()


def test_invalid_content_is_shown_with_each_problem(qapp, location, dialogs, monkeypatch):
    def refuse(_location):
        raise ContentError("the content in /clinic/content has 1 problem(s); nothing was loaded",
                           ["therapies/prp.yaml:12: patient.summary: reading grade 11.2 is above 8"])

    monkeypatch.setattr(ui_app, "_prepare_store", refuse)
    assert ui_app.run(location) == 1
    kind, _title, message, detail = dialogs[0]
    assert kind == "error" and "nothing was loaded" in message and "patient.summary" in detail


def test_a_bug_during_start_is_logged_not_shown(qapp, location, dialogs, monkeypatch):
    def broken(_location):
        raise RuntimeError("a fault inside the application")

    monkeypatch.setattr(ui_app, "_prepare_store", broken)
    assert ui_app.run(location) == 1
    assert dialogs[0][0] == "unexpected"
    log = location.data_dir / "clinic-app.log"
    assert dialogs[0][1] == str(log)
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "a fault inside the application" in text


def test_an_exception_in_a_slot_reaches_the_log_and_a_short_message(qapp, prepared_location, dialogs, monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from clinic_app.ui.browse.main_window import MainWindow

    def explode(self):
        QTimer.singleShot(0, lambda: QApplication.exit(0))
        raise ValueError("slot fault")

    monkeypatch.setattr(MainWindow, "_on_about_requested", explode)
    original = MainWindow.set_store

    def set_store_then_click_about(self, store, **options):
        original(self, store, **options)
        QTimer.singleShot(0, lambda: next(a for a in self.actions() if a.text().startswith("&About")).trigger())

    monkeypatch.setattr(MainWindow, "set_store", set_store_then_click_about)
    before = sys.excepthook
    assert ui_app.run(prepared_location) == 0
    assert sys.excepthook is before
    assert dialogs and dialogs[0][0] == "unexpected"
    assert "slot fault" in (prepared_location.data_dir / "clinic-app.log").read_text(encoding="utf-8")


def test_nothing_heavy_is_imported_before_the_first_paint(prepared_location, tmp_path):
    script = textwrap.dedent(f"""
        import json, sys
        from PySide6.QtWidgets import QApplication
        from clinic_app.settings import resolve
        from clinic_app.ui import app
        seen = {{}}
        def probe(moment):
            if moment == "paint":
                heavy = ("sqlalchemy", "alembic", "pydantic", "jinja2", "textstat", "yaml",
                         "clinic_app.content.check", "clinic_app.services.store_setup")
                seen.update({{name: name in sys.modules for name in heavy}})
                qt = {{m for m in sys.modules if m.startswith("PySide6.Qt")}}
                seen["other Qt modules"] = bool(qt - {{"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"}})
        def stop(self):
            QApplication.exit(0)
        app._probe = probe
        app.Startup._begin = stop
        code = app.run(resolve(data_dir={str(prepared_location.data_dir)!r}))
        print(json.dumps(seen))
        sys.exit(code)
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen and not any(seen.values()), seen


def test_a_bug_while_filling_the_list_ends_the_start_with_code_1(qapp, prepared_location, dialogs, monkeypatch):
    from clinic_app.ui.browse.main_window import MainWindow

    def broken(self, store, **options):
        raise TypeError("a fault while filling the list")

    monkeypatch.setattr(MainWindow, "set_store", broken)
    assert ui_app.run(prepared_location) == 1
    assert dialogs[0][0] == "unexpected"
    assert "a fault while filling the list" in (prepared_location.data_dir / "clinic-app.log").read_text(encoding="utf-8")


def test_a_failed_automatic_backup_shows_in_the_status_bar(qapp, prepared_location, dialogs, capsys, monkeypatch):
    """The day's backup runs once the list is painted (off the GUI thread); its failure is shown."""
    from PySide6.QtCore import QTimer

    from clinic_app.ui.browse.main_window import MainWindow

    monkeypatch.setenv(ui_app.PROBE_ENV, "2")  # the moments are printed and the window stays open
    prepared_location.backup_dir.write_text("a file where the backups folder should be")
    shown = []
    original = MainWindow.show_warning

    def show_warning(self, text):
        shown.append(text)
        original(self, text)
        if "could not be made" in text:
            QTimer.singleShot(0, lambda: qapp.exit(0))

    monkeypatch.setattr(MainWindow, "show_warning", show_warning)
    QTimer.singleShot(20000, lambda: qapp.exit(3))  # never shown: the test fails, it does not hang
    assert ui_app.run(prepared_location) == 0
    assert dialogs == [] and shown and "could not be made" in shown[-1]
    assert probe_moments(capsys)[:2] == ["paint", "ready"]  # the list was painted before the backup


def test_once_the_list_is_ready_the_first_handout_and_write_are_prepared_off_the_gui_thread(
        qapp, prepared_location, dialogs, monkeypatch):
    """A moment after the list is ready, the reading-grade dictionaries, the templates and the write
    store are loaded on a worker, so the first handout and the first write do not make the doctor wait."""
    from PySide6.QtCore import QTimer

    monkeypatch.setattr(ui_app, "WARM_UP_AFTER_MS", 10)
    warmed = []
    original = ui_app._warm_up

    def watched(location):
        import threading

        original(location)
        warmed.append(threading.current_thread() is not threading.main_thread())

    monkeypatch.setattr(ui_app, "_warm_up", watched)
    QTimer.singleShot(4000, lambda: qapp.exit(0))  # the doctor closes the window a few seconds later
    assert ui_app.run(prepared_location) == 0
    assert warmed == [True] and dialogs == []
    assert "textstat" in sys.modules
