"""Checks made on a database file before anything writes to it, with the stdlib ``sqlite3``
only (no ORM import), so the GUI can decide in a few milliseconds whether the store is ready.

Nothing here modifies the file: a file that is empty, is not SQLite, is damaged, or was written by
a newer version of the app is reported and left exactly as it was. Beside it, what a first start
that was cut short left (a new store under its temporary name) is named and cleared here too.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from clinic_app.errors import DatabaseError, DatabaseLockedError, DatabaseTooNewError, NotADatabaseError
from clinic_app.storage import leftovers

SQLITE_HEADER = b"SQLite format 3\x00"
_REVISION_FILE = re.compile(r"^([0-9]{4})_[a-z0-9_]+\.py$")


class EmptyDatabaseError(NotADatabaseError):
    """The store's file exists and holds nothing (0 bytes)."""


def known_revisions() -> list[str]:
    """Migration revision ids shipped with this version, oldest first (``0001``, ``0002``, ...)."""
    versions = resources.files("clinic_app.migrations").joinpath("versions")
    found = [m.group(1) for entry in versions.iterdir() if (m := _REVISION_FILE.match(entry.name))]
    return sorted(found)


def head_revision() -> str:
    return known_revisions()[-1]


NEW_STORE_SUFFIX = ".new"
STALE_NEW_STORE_SECONDS = leftovers.STALE_SECONDS


def _new_store_name(path: Path) -> re.Pattern:
    """The temporary names a new store for ``path`` is made under (with SQLite's files beside it)."""
    return re.compile(rf"^\.{re.escape(path.name)}-{leftovers.RANDOM_PART}{re.escape(NEW_STORE_SUFFIX)}"
                      rf"{leftovers.SQLITE_COMPANIONS}$")


def remove_stale_new_stores(path: Path, now: float | None = None) -> list[Path]:
    """Remove what a first start cut short (a crash, a kill, a power cut) left beside ``path``: its
    half-made store under a temporary name, or the temporary name of a store that was put in place
    (the same file as ``path``, which goes at once). Other files go only when older than
    :data:`STALE_NEW_STORE_SECONDS`: a newer one may belong to another start still at work."""
    def placed(entry: Path) -> bool:
        return path.exists() and os.path.samefile(entry, path)

    return leftovers.remove_stale(path.parent, _new_store_name(path), now=now, at_once=placed)


@dataclass(frozen=True)
class StoreState:
    exists: bool
    revision: str | None  # None: no file yet
    content_fingerprint: str | None
    library_version: str = ""

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != head_revision()


def _connect_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)


def inspect(path: Path, integrity: bool = True) -> StoreState:
    """What the file at ``path`` holds. Raises a :class:`DatabaseError` naming the file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):  # a link to nothing: a new store made here would land wherever it points
            raise NotADatabaseError(f"{path} is a symbolic link to {os.readlink(path)}, which does not exist. It was "
                                    "left as it was; remove the link or restore the file it points to.") from None
        return StoreState(exists=False, revision=None, content_fingerprint=None)
    except OSError as exc:  # no permission to the folder, a loop of links, a path too long
        raise DatabaseError(f"cannot open the database file {path}: {exc.strerror or exc}. Check that this user may "
                            f"read and write the data folder {path.parent}.") from exc
    if stat.S_ISDIR(mode):
        raise NotADatabaseError(f"{path} is a folder, not a database file. Choose another --data-dir.")
    if not stat.S_ISREG(mode):  # reading a pipe would wait for ever; a device is no store
        kind = "a pipe" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
        raise NotADatabaseError(f"{path} is {kind}, not a database file. It was left as it was; move it aside or "
                                "choose another --data-dir.")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(f"cannot read the database file {path}: {exc.strerror or exc}") from exc
    if header and header != SQLITE_HEADER:
        raise NotADatabaseError(
            f"{path} is not a Clinic Reference database (it is not an SQLite file). "
            "It was left untouched. Move it aside, or start with --data-dir pointing to another folder."
        )
    if not header:
        # The app never leaves an empty file under the store's name (a new store is made under a
        # temporary name and renamed into place whole), so an empty one is a copy or a save that
        # did not finish: filling it as a new store would hide that the clinic's data is missing.
        raise EmptyDatabaseError(
            f"the database file {path} is empty (0 bytes): it holds no data, perhaps from a copy that did not "
            "finish. It was left as it was. To get the clinic's data back, restore a backup with 'clinic-app db "
            "restore BACKUP' ('clinic-app db backups' lists them); to start a new library instead, move the empty "
            "file out of its folder and start the app again."
        )
    try:
        conn = _connect_readonly(path)
        try:
            if integrity:
                result = conn.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise DatabaseError(
                        f"the database {path} is damaged (SQLite quick_check: {result}). It was left untouched; "
                        "restore a backup with 'clinic-app db restore BACKUP'."
                    )
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            elif tables - {"sqlite_sequence"}:
                raise NotADatabaseError(
                    f"{path} is an SQLite database, but not one of Clinic Reference's (tables: "
                    f"{', '.join(sorted(tables)[:5])}). It was left untouched."
                )
            fingerprint, library_version = None, ""
            if "app_meta" in tables:
                meta = dict(conn.execute("SELECT key, value FROM app_meta "
                                         "WHERE key IN ('content_fingerprint', 'library_version')").fetchall())
                fingerprint, library_version = meta.get("content_fingerprint"), meta.get("library_version") or ""
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise DatabaseLockedError(f"the database {path} is locked by another program; try again") from exc
        raise NotADatabaseError(
            f"{path} cannot be read as a database ({text}). It was left untouched; "
            "restore a backup or point --data-dir to another folder."
        ) from exc
    if revision is not None and revision not in known_revisions():
        raise DatabaseTooNewError(
            f"the database {path} was written by a newer version of Clinic Reference (schema revision "
            f"{revision}; this version knows up to {head_revision()}). It was left untouched. "
            "Install the newer version of the app to open it."
        )
    return StoreState(exists=True, revision=revision, content_fingerprint=fingerprint, library_version=library_version)
