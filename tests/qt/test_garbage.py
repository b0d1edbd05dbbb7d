"""Garbage is collected on the GUI thread, never on a worker that happens to allocate."""

from __future__ import annotations

import gc
import threading

from clinic_app.ui.garbage import GuiThreadCollector
from clinic_app.ui.tasks import TaskRunner


class Cycle:
    """An object in a reference cycle: only the collector frees it; it notes the thread that did."""

    freed_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.freed_on.append(threading.current_thread().name)


def test_a_worker_that_makes_garbage_does_not_collect_it(qtbot, qapp):
    assert qapp.findChild(GuiThreadCollector) is not None and not gc.isenabled()
    Cycle.freed_on.clear()
    runner = TaskRunner(busy_cursor=False)
    done = []

    def churn() -> int:
        for _ in range(20 * gc.get_threshold()[0]):  # far past the threshold of an automatic collection
            Cycle()
        return threading.current_thread().ident

    runner.run(churn, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    qtbot.waitUntil(lambda: bool(Cycle.freed_on), timeout=5_000)  # the GUI thread's timer collects
    assert set(Cycle.freed_on) == {threading.main_thread().name}
    runner.wait()
