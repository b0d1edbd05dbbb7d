"""A room's outbox: records made while the clinic's server could not be reached, kept on this
computer until they are delivered.

Only a room working on a server has one: ``outbox.sqlite3`` in the room's data folder, readable by
its owner only, written with ``synchronous=FULL`` (an entry held is on the disk when :meth:`hold`
returns) and one transaction per entry. Entries keep the order they were held in; each names its
record's key (``record_key``, the same on the server), its kind (``consultation`` or ``handout``),
the record as JSON and when it was held.

An entry leaves the outbox only after the server committed its record: :meth:`delivering` holds
the outbox's write lock around one delivery, and removes the entry in the same local transaction,
so a crash at any moment leaves the entry in place, to be delivered again (where its key, found on
the server, says it is there already).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from clinic_app.errors import DatabaseError
from clinic_app.settings import Location

FILE_NAME = "outbox.sqlite3"
KINDS = ("consultation", "handout")
_SCHEMA = ("CREATE TABLE IF NOT EXISTS entry (id INTEGER PRIMARY KEY AUTOINCREMENT, record_key TEXT NOT NULL UNIQUE, "
           "kind TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL)")


@dataclass(frozen=True)
class Entry:
    id: int
    key: str
    kind: str
    payload: dict
    created_at: str


class Outbox:
    """The outbox file at ``path`` (made, owner-only, when the first entry is held)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def of(cls, location: Location) -> Outbox:
        return cls(location.data_dir / FILE_NAME)

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if not self.path.exists():
            if not create:
                return None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600))
            except OSError as exc:
                raise DatabaseError(f"cannot make this room's outbox {self.path}: {exc.strerror or exc}") from exc
        try:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise DatabaseError(f"this room's outbox {self.path} cannot be used: {exc}") from exc
        return conn

    def hold(self, key: str, kind: str, payload: dict) -> None:
        """Keep one record (as JSON) until it is delivered; on the disk when this returns."""
        if kind not in KINDS:
            raise ValueError(f"an outbox holds {', '.join(KINDS)}, not {kind!r}")
        conn = self._connect(create=True)
        try:
            with contextlib.closing(conn):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO entry (record_key, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                             (key, kind, json.dumps(payload, sort_keys=True),
                              dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")))
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise DatabaseError(f"the record could not be kept in this room's outbox {self.path}: {exc}") from exc

    def entries(self) -> list[Entry]:
        """Every entry still held, in the order they were held."""
        conn = self._connect(create=False)
        if conn is None:
            return []
        with contextlib.closing(conn):
            rows = conn.execute("SELECT id, record_key, kind, payload, created_at FROM entry ORDER BY id").fetchall()
        return [Entry(row[0], row[1], row[2], json.loads(row[3]), row[4]) for row in rows]

    def count(self) -> int:
        conn = self._connect(create=False)
        if conn is None:
            return 0
        with contextlib.closing(conn):
            return conn.execute("SELECT COUNT(*) FROM entry").fetchone()[0]

    def keys(self) -> set[str]:
        return {entry.key for entry in self.entries()}

    @contextlib.contextmanager
    def delivering(self, entry_id: int) -> Iterator[Entry | None]:
        """Entry ``entry_id`` under the outbox's write lock (None when another delivery took it
        meanwhile); it is removed when the block ends without an error, kept if it raises."""
        conn = self._connect(create=False)
        if conn is None:
            yield None
            return
        with contextlib.closing(conn):
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT id, record_key, kind, payload, created_at FROM entry WHERE id = ?",
                                   (entry_id,)).fetchone()
                yield None if row is None else Entry(row[0], row[1], row[2], json.loads(row[3]), row[4])
                if row is not None:
                    conn.execute("DELETE FROM entry WHERE id = ?", (entry_id,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
