"""Unexpected errors are logged with their traceback and reported in one short message."""

from __future__ import annotations

import sys

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


def test_log_falls_back_when_the_data_dir_cannot_be_written(tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    path = error_log.write_traceback(blocked / "sub", raised(RuntimeError("x")))
    assert path is not None and path.exists() and path.parent != blocked / "sub"


def test_error_text_is_escaped():
    text = messages.error_html("Cannot open <db>", "the file /tmp/<b>x</b>.sqlite3 & more")
    assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text and "&amp; more" in text
    assert text.startswith("<p><b>Cannot open &lt;db&gt;</b></p>")
