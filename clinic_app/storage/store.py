"""The clinic's store, one handle per process.

A :class:`Store` reads through the stdlib driver (one ``sqlite3`` connection per thread, as
:class:`~.reader.Reader`), and writes through one SQLAlchemy engine that is opened, checked and
migrated the first time anything writes, then kept:

    store = Store.of(location)
    store.query("SELECT ...")                 # any service that reads takes the store
    with store.write() as session:            # one transaction; SQLite serialises writers
        session.add(...)

Services and windows take the store; nothing else opens the database. The ORM is imported by the
first write only, so the window paints (and the command line searches) without it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from clinic_app.errors import DatabaseError, ServerUnreachableError
from clinic_app.settings import Location

from . import library_copy, notices
from .dialect import POSTGRESQL, SQLITE, Sql
from .reader import Reader
from .server_reader import ServerReader

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .database import Database


class Store(Reader):
    _open: dict[str, Store] = {}
    _open_lock = threading.Lock()

    def __init__(self, location: Location) -> None:
        path = location.sqlite_path
        if path is None:
            raise DatabaseError(f"the database {location.database_url} is not an SQLite file")
        super().__init__(path)
        self.location = location
        self._database: Database | None = None
        self._database_lock = threading.Lock()

    @classmethod
    def of(cls, location: Location) -> Store:
        """This process's store for ``location`` (made on first use, then the same object): the
        SQLite file, or the clinic's PostgreSQL server (:class:`ServerStore`)."""
        key = location.database_url
        with cls._open_lock:
            store = cls._open.get(key)
            if store is None:
                kind = ServerStore if location.is_server else cls
                store = cls._open[key] = kind(location)
            return store

    @classmethod
    def forget(cls, location: Location) -> None:
        """Close this process's store for ``location`` (before its file is replaced, as a restore
        does); the next :meth:`of` opens the new file."""
        with cls._open_lock:
            store = cls._open.pop(location.database_url, None)
        if store is not None:
            store.close()

    @classmethod
    def close_all(cls) -> None:
        with cls._open_lock:
            stores, cls._open = list(cls._open.values()), {}
        for store in stores:
            store.close()

    copy_taken_at: str | None = None  # a one-room file is the library itself (see ServerStore)

    def use_copy(self) -> bool:
        return False

    def database(self, fill: Callable[[Session], object] | None = None) -> Database:
        """The write engine: opened, checked and migrated once for the life of this store; ``fill``
        runs in the migration's transaction when this call is the one that opens it (ask
        :attr:`is_open_for_writes` first to know whether it will)."""
        with self._database_lock:
            if self._database is None:
                from .database import Database

                self._database = Database.open(self.location, fill=fill)
            return self._database

    @property
    def is_open_for_writes(self) -> bool:
        return self._database is not None

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        with self.database().session() as session:
            yield session

    def close(self) -> None:
        super().close()
        with self._database_lock:
            database, self._database = self._database, None
        if database is not None:
            database.close()



class ServerStore(ServerReader, Store):
    """The clinic's PostgreSQL server: read through psycopg (:class:`~.server_reader.ServerReader`),
    written through the same SQLAlchemy engine, sessions and migrations as a SQLite file.

    While the server cannot be reached, the room reads its own copy of the library
    (:mod:`.library_copy`), when it has one: a read that finds the server gone switches to the copy
    (and answers from it), every later read is answered there, and :meth:`use_server` switches back
    once the server answers again. ``sql`` follows, so each query is said in the words of the
    database that answers it. Writes are refused at once while reading the copy
    (:class:`ServerUnreachableError`): records are then held in the room's outbox by their services,
    and an edit says it cannot be saved until the server is back."""

    def __init__(self, location: Location) -> None:
        ServerReader.__init__(self, location.database_url)
        self.location = location
        self._database = None
        self._database_lock = threading.Lock()
        self._copy: Reader | None = None
        self._copy_taken_at = ""
        self._copy_lock = threading.Lock()

    @property
    def sql(self) -> Sql:  # type: ignore[override]
        return SQLITE if self._copy is not None else POSTGRESQL

    @property
    def copy_taken_at(self) -> str | None:
        """While the room reads its copy of the library: when the server last held that library
        (UTC, ISO); None while it reads the server."""
        return self._copy_taken_at if self._copy is not None else None

    def use_copy(self) -> bool:
        """Read this room's copy of the library from now on; False (and nothing changes) when the
        room has no usable copy."""
        with self._copy_lock:
            if self._copy is not None:
                return True
            path = library_copy.path_of(self.location)
            facts = library_copy.copy_facts(path)
            if facts is None:
                return False
            self._copy_taken_at = facts[library_copy.TAKEN_KEY]
            self._copy = Reader(path, library_copy.read_only_uri(path))
        notices.say(f"the clinic's server cannot be reached: reading this room's copy of the library, as the server "
                    f"held it at {self._copy_taken_at.replace('T', ' ')} UTC; nothing can be saved to the server until "
                    "it is back")
        return True

    def use_server(self) -> bool:
        """Read the server again if it answers now (True); else go on with the copy (False)."""
        try:
            ServerReader.query(self, "SELECT 1")
        except ServerUnreachableError:
            return False
        with self._copy_lock:
            copy, self._copy = self._copy, None
        if copy is not None:
            copy.close()
        return True

    def query(self, sql: str, params: tuple | dict = ()) -> list:
        copy = self._copy
        if copy is not None:
            return copy.query(sql, params)
        try:
            return ServerReader.query(self, sql, params)
        except ServerUnreachableError:
            if not self.use_copy():
                raise
            try:
                return self._copy.query(sql, params)
            except DatabaseError as exc:  # said in the server's words: the switch came between
                raise ServerUnreachableError("the clinic's server went away just now: this room reads its own copy of "
                                             "the library from now on; try again") from exc

    def data_version(self) -> tuple[int, int]:
        copy = self._copy
        return copy.data_version() if copy is not None else ServerReader.data_version(self)

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        if self._copy is not None:
            raise ServerUnreachableError("the clinic's server cannot be reached: this room is reading its own copy of "
                                         "the library, and this cannot be saved until the server is back")
        with Store.write(self) as session:
            yield session

    def close(self) -> None:
        ServerReader.close(self)
        with self._copy_lock:
            copy, self._copy = self._copy, None
        if copy is not None:
            copy.close()
        with self._database_lock:
            database, self._database = self._database, None
        if database is not None:
            database.close()
