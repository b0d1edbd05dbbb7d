"""The task runner: work on a worker thread, result or exception back on the GUI thread, busy cursor."""

from __future__ import annotations

import threading
import time

import pytest

from clinic_app.ui.tasks import BUSY_CURSOR_DELAY_MS, TaskRunner


@pytest.fixture
def runner(qapp):
    task_runner = TaskRunner()
    yield task_runner
    task_runner.wait()


def test_result_arrives_on_the_gui_thread(qtbot, runner):
    got = []
    worker_threads = []

    def work(a, b):
        worker_threads.append(threading.current_thread())
        return a + b

    runner.run(work, 2, 3, on_done=lambda value: got.append((value, threading.current_thread())))
    qtbot.waitUntil(lambda: bool(got))
    assert got[0] == (5, threading.main_thread())
    assert worker_threads[0] is not threading.main_thread()
    assert not runner.is_busy()


def test_exception_arrives_by_signal(qtbot, runner):
    errors = []

    def fail():
        raise ValueError("bad input")

    runner.run(fail, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ValueError) and str(errors[0]) == "bad input"


def test_busy_cursor_only_for_slow_work(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    runner = TaskRunner(window)
    done = []
    runner.run(time.sleep, 0.05, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done))
    assert window.cursor().shape() != Qt.CursorShape.BusyCursor

    with qtbot.waitSignal(runner.busy_changed, timeout=5000) as started:
        runner.run(time.sleep, (BUSY_CURSOR_DELAY_MS + 400) / 1000, on_done=done.append)
    assert started.args == [True]
    qtbot.waitUntil(lambda: window.cursor().shape() == Qt.CursorShape.BusyCursor, timeout=2000)
    qtbot.waitUntil(lambda: len(done) == 2, timeout=5000)
    assert window.cursor().shape() != Qt.CursorShape.BusyCursor
    runner.wait()
