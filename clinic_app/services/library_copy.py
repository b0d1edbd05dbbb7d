"""Making and renewing a room's copy of the clinic's library (see :mod:`clinic_app.storage.library_copy`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from clinic_app.errors import DatabaseError
from clinic_app.settings import Location
from clinic_app.storage.library_copy import (
    DIGEST_KEY,
    NOT_COPIED,
    SOURCE_KEY,
    TAKEN_KEY,
    copy_facts,
    note_checked,
    path_of,
)


@dataclass
class CopyResult:
    path: Path
    written: bool  # False: the copy already held this library (only its time was renewed)
    tables: dict[str, int] = field(default_factory=dict)  # rows, by table
    taken_at: str = ""


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _digest_rows(digest, table: str, rows: list) -> None:  # noqa: ANN001 - hashlib object
    digest.update(f"\x00{table}\x00{len(rows)}".encode())
    for row in rows:
        digest.update(json.dumps(list(row), default=str, sort_keys=True).encode())


def read_library(location: Location) -> tuple[dict[str, tuple[list[str], list]], str]:
    """Every copied table of the server's library as (columns, rows), read in one snapshot, and the
    SHA-256 of them all."""
    from sqlalchemy import MetaData, select

    from clinic_app.storage.database import make_engine

    engine = make_engine(location.database_url)
    tables: dict[str, tuple[list[str], list]] = {}
    digest = hashlib.sha256()
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            found = MetaData()
            found.reflect(connection)
            for table in found.sorted_tables:
                if table.name in NOT_COPIED:
                    continue
                order = list(table.primary_key.columns) or list(table.columns)
                columns = [column.name for column in table.columns]
                rows = [tuple(row) for row in connection.execute(select(table).order_by(*order))]
                tables[table.name] = (columns, rows)
                _digest_rows(digest, table.name, rows)
            connection.rollback()
    except Exception as exc:
        from sqlalchemy.exc import OperationalError

        from clinic_app.storage.database import _translate

        if isinstance(exc, OperationalError):
            raise _translate(exc, location) from exc
        raise
    finally:
        engine.dispose()
    return tables, digest.hexdigest()


def refresh(location: Location) -> CopyResult:
    """Bring this room's copy of the library up to what the clinic's server holds now."""
    if not location.is_server:
        raise DatabaseError(f"the database {location.sqlite_path} is this computer's own file: a room keeps a copy "
                            "of the library only when it works on the clinic's server")
    path = path_of(location)
    tables, digest = read_library(location)
    taken = _now()
    facts = copy_facts(path)
    if facts is not None and facts.get(DIGEST_KEY) == digest:
        _renew(path, digest, taken)
        return CopyResult(path, written=False, tables={name: len(rows) for name, (_c, rows) in tables.items()},
                          taken_at=taken)
    _write_new(location, path, tables, digest, taken)
    return CopyResult(path, written=True, tables={name: len(rows) for name, (_c, rows) in tables.items()},
                      taken_at=taken)


def _renew(path: Path, digest: str, taken: str) -> None:
    """The copy still holds the server's library: say so with the time of this check, beside it
    (the copy itself is never written once in place)."""
    try:
        note_checked(path, digest, taken)
    except OSError as exc:
        raise DatabaseError(f"the time of this room's copy of the library could not be noted beside {path}: "
                            f"{exc.strerror or exc}") from exc


def _write_new(location: Location, path: Path, tables: dict, digest: str, taken: str) -> None:
    from sqlalchemy import MetaData, text

    from clinic_app.content.loader import rebuild_search_index
    from clinic_app.storage.database import create_new

    staging = path.with_name(f"{path.name}.next")
    for leftover in (staging, *(Path(f"{staging}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)  # a refresh cut short before its rename

    def fill(db) -> None:  # noqa: ANN001 - storage.database.Database, migrated to the head revision
        with db.session() as session:
            connection = session.connection()
            found = MetaData()
            found.reflect(connection)
            for table in reversed(found.sorted_tables):  # what the migrations put there is replaced
                if table.name in tables:
                    connection.execute(table.delete())
            for table in found.sorted_tables:
                if table.name not in tables:
                    continue
                columns, rows = tables[table.name]
                kept = [name for name in columns if name in table.columns]
                if rows:
                    connection.execute(table.insert(), [
                        {name: value for name, value in zip(columns, row, strict=True) if name in kept}
                        for row in rows])
            session.flush()
            rebuild_search_index(session)
            for key, value in ((DIGEST_KEY, digest), (TAKEN_KEY, taken), (SOURCE_KEY, location.shown_url)):
                session.execute(text("DELETE FROM app_meta WHERE key = :key"), {"key": key})
                session.execute(text("INSERT INTO app_meta (key, value) VALUES (:key, :value)"),
                                {"key": key, "value": value})

    made, _ = create_new(Location(data_dir=location.data_dir, database_url=f"sqlite:///{staging}"), fill=fill)
    if not made:
        raise DatabaseError(f"another program is making this room's copy of the library ({staging}); try again")
    try:
        # a file that needs no log beside it: read as immutable once in place, and never written again
        conn = sqlite3.connect(staging, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=DELETE")
        finally:
            conn.close()
        os.replace(staging, path)
        _sync_folder(path.parent)
    except (OSError, sqlite3.Error) as exc:
        staging.unlink(missing_ok=True)
        raise DatabaseError(f"this room's copy of the library could not be put in place at {path}: "
                            f"{exc.strerror or exc}") from exc


def _sync_folder(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        try:
            handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)
        except OSError:
            pass
