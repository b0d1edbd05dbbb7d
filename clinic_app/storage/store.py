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

from clinic_app.errors import DatabaseError
from clinic_app.settings import Location

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
    written through the same SQLAlchemy engine, sessions and migrations as a SQLite file."""

    def __init__(self, location: Location) -> None:
        ServerReader.__init__(self, location.database_url)
        self.location = location
        self._database = None
        self._database_lock = threading.Lock()

    def close(self) -> None:
        ServerReader.close(self)
        with self._database_lock:
            database, self._database = self._database, None
        if database is not None:
            database.close()
