"""One window per data folder: a second launch brings the first window to the front and exits.

The first window holds a lock file in the data folder (``QLockFile``: a lock left by a process that
died is taken over) and, once it has painted, listens on a local socket named after the folder. A
later launch on the same folder cannot take the lock, so it asks that socket to raise the window
and ends. Two windows writing one SQLite file from one desk would only get in each other's way;
the command line keeps working beside the window (SQLite serialises the writes).

QtCore before the first paint; QtNetwork only after it (or in the launch that hands over).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal

LOCK_FILE = "window.lock"
RAISE = b"raise\n"
HANDOVER_SECONDS = 5.0  # how long a second launch keeps trying to reach a window that is still starting


def server_name(data_dir: Path) -> str:
    """The local socket's name for ``data_dir``: the same folder gives the same name, per user."""
    folder = str(Path(data_dir).resolve())
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    return f"clinic-reference-{user}-{hashlib.sha256(folder.encode()).hexdigest()[:16]}"


class WindowGuard(QObject):
    """The lock of the data folder's one window, and the socket a second launch knocks on."""

    raise_requested = Signal()

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = QLockFile(str(self.data_dir / LOCK_FILE))
        self._lock.setStaleLockTime(0)  # never stale by age; a dead owner's lock is taken over
        self._server = None

    def acquire(self) -> bool:
        """True when this process is the folder's window (it holds the lock now)."""
        return self._lock.tryLock(100)

    def serve(self) -> bool:
        """Listen for later launches (after the first paint). False when the socket cannot be made;
        the window works on, and a later launch then says it could not reach it."""
        from PySide6.QtNetwork import QLocalServer

        name = server_name(self.data_dir)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(name):
            QLocalServer.removeServer(name)  # a socket file left by a window that died; we hold the lock
            if not server.listen(name):
                return False
        server.newConnection.connect(self._on_knock)
        self._server = server
        return True

    def _on_knock(self) -> None:
        while self._server is not None and self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket) -> None:  # noqa: ANN001 - QLocalSocket
        if bytes(socket.readAll().data()).startswith(RAISE.strip()):
            self.raise_requested.emit()

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()


def bring_forward(data_dir: Path, timeout: float = HANDOVER_SECONDS) -> bool:
    """Ask the folder's window to come to the front; True once the request was delivered."""
    from PySide6.QtNetwork import QLocalSocket

    name = server_name(data_dir)
    deadline = time.monotonic() + timeout
    while True:
        socket = QLocalSocket()
        socket.connectToServer(name)
        if socket.waitForConnected(300):
            socket.write(RAISE)
            delivered = socket.waitForBytesWritten(1000)
            socket.disconnectFromServer()
            return delivered
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)  # the window may still be starting: it listens once it has painted
