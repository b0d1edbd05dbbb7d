"""Read-only access to the store through the stdlib ``sqlite3`` driver.

Browsing and search are reads of a small, indexed database; going through the ORM would add
hundreds of milliseconds of imports before the first window paints (see DESIGN.md). Writes,
migrations and content loading use :mod:`.database` instead. Rows come back as ``sqlite3.Row``
and are turned into frozen dataclasses by the services.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
from pathlib import Path

from clinic_app.errors import DatabaseError, DatabaseLockedError, InputError
from clinic_app.settings import shown

from .dialect import SQLITE

_TOKENS = itertools.count(1)


class Reader:
    """One read connection per thread to the store's SQLite file."""

    sql = SQLITE  # how this store says what SQLite and PostgreSQL say differently

    def __init__(self, path: Path, uri: str | None = None) -> None:
        self.path = Path(path)
        self._uri = uri or f"file:{self.path}?mode=ro"  # how it is opened (read-only)
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._uri, uri=True, timeout=5, check_same_thread=True)
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
        except sqlite3.DatabaseError as exc:  # a damaged file: "malformed", "vtable constructor failed"...
            if type(exc) is not sqlite3.DatabaseError:  # a programming or integrity error is a bug, not the file
                raise
            raise DatabaseError(f"the database {self.path} is damaged ({exc}); it was left as it was. Restore a "
                                "backup with 'clinic-app db restore BACKUP' ('clinic-app db backups' lists them)."
                                ) from exc
        except OverflowError as exc:  # a number beyond SQLite's 64-bit integers, as typed
            number = next((v for v in _values(params) if isinstance(v, int) and not -2**63 <= v < 2**63), None)
            raise InputError(f"the number {number} is out of range: ids and counts are whole numbers up to "
                             f"{2**63 - 1}") from exc
        except UnicodeEncodeError as exc:  # text holding bytes that are not UTF-8, as a terminal may send
            bad = next((v for v in _values(params) if isinstance(v, str) and not _is_utf8(v)), exc.object)
            raise InputError(f"{shown(os.fsencode(bad))} is not UTF-8 text (the terminal or script sent other bytes); "
                             "type it again as plain text") from exc

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _values(params: tuple | dict) -> list:
    return list(params.values()) if isinstance(params, dict) else list(params)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
