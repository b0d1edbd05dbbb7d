"""Read-only access to the store through the stdlib ``sqlite3`` driver.

Browsing and search are reads of a small, indexed database; going through the ORM would add
hundreds of milliseconds of imports before the first window paints (see DESIGN.md). Writes,
migrations and content loading use :mod:`.database` instead. Rows come back as ``sqlite3.Row``
and are turned into frozen dataclasses by the services.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from pathlib import Path

from clinic_app.errors import DatabaseError, DatabaseLockedError

_TOKENS = itertools.count(1)


class Reader:
    """One read connection per thread to the store's SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5, check_same_thread=True)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=5000")
            self._local.conn = conn
            self._local.token = next(_TOKENS)
        return conn

    def data_version(self) -> tuple[int, int]:
        """Which connection this thread reads through, and its data version: the pair changes when
        another connection commits, so it keys caches of what was read (never reused by a later
        connection, unlike ``id()``)."""
        conn = self.connection()
        return self._local.token, conn.execute("PRAGMA data_version").fetchone()[0]


    def meta(self) -> dict[str, str]:
        """The store's facts (app_meta): content fingerprint and version, the library's metadata."""
        return dict(self.query("SELECT key, value FROM app_meta"))

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        try:
            return self.connection().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseLockedError(f"the database {self.path} is busy; try again in a moment") from exc
            raise DatabaseError(f"could not read {self.path}: {exc}") from exc

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
