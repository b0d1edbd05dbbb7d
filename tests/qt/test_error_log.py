"""Unexpected errors are logged with their traceback and reported in one short message."""

from __future__ import annotations

import os
import stat
import sys
import tempfile

from clinic_app.errors import DatabaseLockedError
from clinic_app.ui import error_log, messages


def raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as exc:  # noqa: BLE001
        return exc


def test_hook_logs_the_traceback_and_shows_a_short_message(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(messages, "show_unexpected", lambda parent, log: shown.append(log))
    hook = error_log.ExceptionHook(tmp_path, lambda: None)
    error = raised(KeyError("missing"))
    hook(type(error), error, error.__traceback__)
    log = tmp_path / error_log.LOG_FILE
    assert shown == [log]
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "KeyError: 'missing'" in text


def test_hook_shows_a_clinic_error_with_its_own_message(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(messages, "show_error", lambda parent, title, message, detail="": shown.append(message))
    hook = error_log.ExceptionHook(tmp_path, lambda: None)
    error = raised(DatabaseLockedError("the database is busy; try again in a moment"))
    hook(type(error), error, error.__traceback__)
    assert shown == ["the database is busy; try again in a moment"]
    assert not (tmp_path / error_log.LOG_FILE).exists()


def test_install_and_uninstall_restore_the_previous_hook(tmp_path):
    before = sys.excepthook
    hook = error_log.ExceptionHook(tmp_path, lambda: None)
    hook.install()
    assert sys.excepthook is hook
    hook.uninstall()
    assert sys.excepthook is before


def test_the_log_is_made_in_the_data_folder_for_its_owner_only(tmp_path):
    data = tmp_path / "data"
    previous = os.umask(0)  # even where new files would be readable by everyone
    try:
        path = error_log.write_traceback(data, raised(RuntimeError("J. Smith's handout failed")))
    finally:
        os.umask(previous)
    assert path == data / error_log.LOG_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert "J. Smith's handout failed" in path.read_text(encoding="utf-8")


def test_a_log_an_older_version_left_readable_by_others_is_made_owner_only(tmp_path):
    log = tmp_path / error_log.LOG_FILE
    log.write_text("--- earlier\n", encoding="utf-8")
    log.chmod(0o644)
    assert error_log.write_traceback(tmp_path, raised(RuntimeError("again"))) == log
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert log.read_text(encoding="utf-8").startswith("--- earlier\n") and "RuntimeError: again" in log.read_text()


def test_the_log_never_goes_to_a_shared_temporary_folder(tmp_path, monkeypatch):
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    assert error_log.write_traceback(blocked / "sub", raised(RuntimeError("x"))) is None
    assert list(shared.iterdir()) == []


def test_error_text_is_escaped():
    text = messages.error_html("Cannot open <db>", "the file /tmp/<b>x</b>.sqlite3 & more")
    assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text and "&amp; more" in text
    assert text.startswith("<p><b>Cannot open &lt;db&gt;</b></p>")
