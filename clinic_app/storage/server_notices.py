"""What other rooms changed on the clinic's server, as soon as they commit it.

Every table another room shows sends ``NOTIFY clinic_changes`` with its name and the writer's
application name when a transaction that changed it commits (migration 0011). A
:class:`ChangeListener` holds one connection of its own that LISTENs, on a thread of its own, and
calls back with the set of tables another process changed (its own writes are left out: they are
known already). When the connection is lost it says so (``on_lost``), tries again every few
seconds, and after reconnecting reports every table once, since changes may have been missed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from .server_reader import PROCESS_TAG, connect

CHANNEL = "clinic_changes"
RETRY_SECONDS = 3.0
EVERYTHING = frozenset({"*"})  # after a lost connection: anything may have changed

log = logging.getLogger(__name__)


def tables_of(payloads: list[str]) -> frozenset[str]:
    """The tables named in notification payloads ("table application-name") sent by other processes."""
    found = set()
    for payload in payloads:
        table, _, sender = payload.partition(" ")
        if sender != PROCESS_TAG and table:
            found.add(table)
    return frozenset(found)


class ChangeListener:
    def __init__(self, url: str, on_changes: Callable[[frozenset[str]], None],
                 on_lost: Callable[[str | None], None] | None = None) -> None:
        self.url = url
        self.on_changes = on_changes
        self.on_lost = on_lost or (lambda _message: None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clinic-changes", daemon=True)
        self._conn = None

    def start(self) -> ChangeListener:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        lost = False
        while not self._stop.is_set():
            try:
                conn = connect(self.url, read_only=True)
            except Exception as exc:  # noqa: BLE001 - any failure to connect: say so, try again
                if not lost:
                    self.on_lost(str(exc))
                    lost = True
                self._stop.wait(RETRY_SECONDS)
                continue
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                if lost:  # back: what changed meanwhile is not known, so everything is read again
                    self.on_lost(None)
                    self.on_changes(EVERYTHING)
                    lost = False
                while not self._stop.is_set():
                    payloads = [notice.payload for notice in conn.notifies(timeout=0.5, stop_after=64)]
                    changed = tables_of(payloads)
                    if changed:
                        self.on_changes(changed)
            except Exception as exc:  # noqa: BLE001 - the connection dropped: say so, reconnect
                if not self._stop.is_set():
                    log.info("lost the server's change notices: %s", exc)
                    self.on_lost(str(exc))
                    lost = True
                    self._stop.wait(RETRY_SECONDS)
            finally:
                with contextlib.suppress(Exception):  # closing a broken connection
                    conn.close()
