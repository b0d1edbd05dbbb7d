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

When the server refuses a record (not out of reach: it answered no), the entry stays, with the
reason and the time (:meth:`refuse`), and is tried again at the next delivery. The clinic may then
move a refused entry out of the delivery queue into the ``set_aside`` table of the same file
(:meth:`set_aside`, one transaction): a set-aside record is never delivered and never deleted.

An outbox file made before refusals were kept (no ``refused_at``/``refusal`` columns, no
``set_aside`` table) is upgraded in place, in one transaction, the first time it is opened.
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

from clinic_app.errors import ClinicAppError, DatabaseError
from clinic_app.settings import Location

FILE_NAME = "outbox.sqlite3"
KINDS = ("consultation", "handout")
SCHEMA_VERSION = 2  # PRAGMA user_version: 0 is a file from before refusals were kept (or a new file)
_ENTRY = ("CREATE TABLE IF NOT EXISTS entry (id INTEGER PRIMARY KEY AUTOINCREMENT, record_key TEXT NOT NULL UNIQUE, "
          "kind TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL, refused_at TEXT, refusal TEXT)")
_ADDED_COLUMNS = (("refused_at", "TEXT"), ("refusal", "TEXT"))  # added to an entry table of version 0
_SET_ASIDE = ("CREATE TABLE IF NOT EXISTS set_aside (id INTEGER PRIMARY KEY, record_key TEXT NOT NULL UNIQUE, "
              "kind TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL, refused_at TEXT, "
              "refusal TEXT, set_aside_at TEXT NOT NULL)")
_COLUMNS = "id, record_key, kind, payload, created_at, refused_at, refusal"


class OutboxError(ClinicAppError):
    """A request about this room's outbox that cannot be done as asked (a key it does not hold, an
    entry the server has not refused); nothing was changed."""


@dataclass(frozen=True)
class Entry:
    id: int
    key: str
    kind: str
    payload: dict
    created_at: str
    refused_at: str | None = None  # when the server last refused it (None: not refused)
    refusal: str | None = None  # the server's reason
    set_aside_at: str | None = None  # only for an entry in the set_aside table

    @property
    def refused(self) -> bool:
        return self.refused_at is not None

    def handout_keys(self) -> tuple[str, ...]:
        """The held handouts this consultation gave, by key (a handout names none)."""
        if self.kind != "consultation":
            return ()
        return tuple(str(key) for key in self.payload.get("handout_keys") or ())

    def as_record(self) -> dict:
        """The entry as written by an export: what was held, and what became of it."""
        data = {"kind": self.kind, "record_key": self.key, "held_at": self.created_at,
                "refused_at": self.refused_at, "refusal": self.refusal}
        if self.set_aside_at is not None:
            data["set_aside_at"] = self.set_aside_at
        data["record"] = self.payload
        return data


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _entry(row: tuple, set_aside_at: str | None = None) -> Entry:
    return Entry(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6], set_aside_at)


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
        conn = None
        try:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                self._upgrade(conn)
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise DatabaseError(f"this room's outbox {self.path} cannot be used: {exc}") from exc
        return conn

    @staticmethod
    def _upgrade(conn: sqlite3.Connection) -> None:
        """Bring a new or older outbox file to this version's tables, in one transaction (another
        window of this room may be doing the same: the second finds it done)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                conn.execute(_ENTRY)
                have = {row[1] for row in conn.execute("PRAGMA table_info(entry)")}
                for name, kind in _ADDED_COLUMNS:
                    if name not in have:
                        conn.execute(f"ALTER TABLE entry ADD COLUMN {name} {kind}")
                conn.execute(_SET_ASIDE)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def hold(self, key: str, kind: str, payload: dict) -> None:
        """Keep one record (as JSON) until it is delivered; on the disk when this returns."""
        if kind not in KINDS:
            raise ValueError(f"an outbox holds {', '.join(KINDS)}, not {kind!r}")
        conn = self._connect(create=True)
        try:
            with contextlib.closing(conn):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO entry (record_key, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                             (key, kind, json.dumps(payload, sort_keys=True), _now()))
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise DatabaseError(f"the record could not be kept in this room's outbox {self.path}: {exc}") from exc

    def entries(self) -> list[Entry]:
        """Every entry still held for delivery, in the order they were held."""
        conn = self._connect(create=False)
        if conn is None:
            return []
        with contextlib.closing(conn):
            rows = conn.execute(f"SELECT {_COLUMNS} FROM entry ORDER BY id").fetchall()
        return [_entry(row) for row in rows]

    def set_aside_entries(self) -> list[Entry]:
        """Every entry the clinic set aside, in the order they were held."""
        conn = self._connect(create=False)
        if conn is None:
            return []
        with contextlib.closing(conn):
            rows = conn.execute(f"SELECT {_COLUMNS}, set_aside_at FROM set_aside ORDER BY id").fetchall()
        return [_entry(row[:7], row[7]) for row in rows]

    def count(self) -> int:
        """How many entries wait for delivery (refused ones too; not those set aside)."""
        conn = self._connect(create=False)
        if conn is None:
            return 0
        with contextlib.closing(conn):
            return conn.execute("SELECT COUNT(*) FROM entry").fetchone()[0]

    def keys(self) -> set[str]:
        return {entry.key for entry in self.entries()}

    def find(self, key: str) -> Entry:
        """The entry with record key ``key``, held for delivery or set aside."""
        for entry in self.entries() + self.set_aside_entries():
            if entry.key == key:
                return entry
        raise OutboxError(self._not_held(key))

    def _not_held(self, key: str) -> str:
        if not self.path.exists():
            return f"this room holds no records (there is no outbox {self.path}), so none with the key '{key}'"
        return (f"this room's outbox {self.path} holds no record with the key '{key}'; "
                "'clinic-app db outbox' lists the keys it holds")

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
                row = conn.execute(f"SELECT {_COLUMNS} FROM entry WHERE id = ?", (entry_id,)).fetchone()
                yield None if row is None else _entry(row)
                if row is not None:
                    conn.execute("DELETE FROM entry WHERE id = ?", (entry_id,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def refuse(self, entry_id: int, reason: str) -> None:
        """Record on entry ``entry_id`` that the server refused it, why and when; it stays held."""
        conn = self._connect(create=False)
        if conn is None:
            return
        try:
            with contextlib.closing(conn):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("UPDATE entry SET refused_at = ?, refusal = ? WHERE id = ?", (_now(), reason, entry_id))
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise DatabaseError(f"the server's refusal could not be noted in this room's outbox {self.path}: "
                                f"{exc}") from exc

    def set_aside(self, key: str) -> Entry:
        """Move the refused entry ``key`` out of the delivery queue into the set_aside table, in one
        transaction: afterwards it is in exactly one of the two. Returns it as set aside."""
        conn = self._connect(create=False)
        if conn is None:
            raise OutboxError(self._not_held(key))
        try:
            with contextlib.closing(conn):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    row = conn.execute(f"SELECT {_COLUMNS} FROM entry WHERE record_key = ?", (key,)).fetchone()
                    if row is None:
                        there = conn.execute("SELECT set_aside_at FROM set_aside WHERE record_key = ?",
                                             (key,)).fetchone()
                        raise OutboxError(self._not_held(key) if there is None else
                                          f"the record with the key '{key}' was already set aside on {there[0]}")
                    entry = _entry(row)
                    if not entry.refused:
                        refused = {row[0] for row in conn.execute(
                            "SELECT record_key FROM entry WHERE refused_at IS NOT NULL AND kind = 'handout'")}
                        blocking = [k for k in entry.handout_keys() if k in refused]
                        if blocking:
                            raise OutboxError(
                                f"the held {entry.kind} with the key '{key}' has not been refused by the server, so "
                                f"it is not set aside: it waits for the handout it gave (key {blocking[0]}), which "
                                "the server refused. Settle that one first (set it aside, then 'clinic-app db "
                                "deliver': the server will then refuse this one too, and it can be set aside)")
                        raise OutboxError(f"the held {entry.kind} with the key '{key}' has not been refused by the "
                                          "server, so it is not set aside: it is delivered when the server takes it "
                                          "('clinic-app db deliver' tries now)")
                    when = _now()
                    conn.execute(f"INSERT INTO set_aside ({_COLUMNS}, set_aside_at) "
                                 f"SELECT {_COLUMNS}, ? FROM entry WHERE id = ?", (when, entry.id))
                    conn.execute("DELETE FROM entry WHERE id = ?", (entry.id,))
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:
            raise DatabaseError(f"the record with the key '{key}' could not be set aside in this room's outbox "
                                f"{self.path}: {exc}; nothing was changed") from exc
        return Entry(entry.id, entry.key, entry.kind, entry.payload, entry.created_at, entry.refused_at,
                     entry.refusal, when)


def waiting_on(entries: list[Entry]) -> dict[str, str]:
    """For each held consultation that gave a held handout the server refused: that handout's key
    (the consultation waits for it). ``entries`` in the order they were held."""
    refused = {entry.key for entry in entries if entry.refused and entry.kind == "handout"}
    waits = {}
    for entry in entries:
        blocking = [key for key in entry.handout_keys() if key in refused]
        if blocking:
            waits[entry.key] = blocking[0]
    return waits
