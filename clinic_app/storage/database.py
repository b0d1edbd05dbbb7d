"""Engine, sessions and migrations for the clinic's store.

``Database.open(location)`` checks the file first (:mod:`.preflight`), makes a new store whole
under a temporary name when there is none (:func:`create_new`), backs it up before a migration,
migrates to the head revision with Alembic, and hands out short sessions:

    with db.session() as s:
        ...

The ORM is imported here and in the content loader only: browsing and search read through
:mod:`.reader` with the stdlib driver, so the window paints without loading SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from clinic_app.errors import DatabaseError, DatabaseLockedError, ServerUnreachableError
from clinic_app.settings import Location

from . import backup, notices, preflight

BUSY_TIMEOUT_MS = 5000


def _set_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _take_over_transactions(dbapi_connection, _record) -> None:  # noqa: ANN001
    # Python's sqlite3 opens a transaction only before INSERT/UPDATE/DELETE, so a schema change
    # (CREATE, ALTER, DROP) would be committed on its own, and a crash in the middle of an upgrade
    # would leave half a schema. The driver is told to open none; SQLAlchemy's "begin" opens one
    # (below) around everything, DDL included: an upgrade is all or nothing.
    dbapi_connection.isolation_level = None


QUICK_TRY_MS = 300  # a write that cannot start within this is waiting for another program's write

def _begin(connection) -> None:  # noqa: ANN001 - sqlalchemy Connection
    # IMMEDIATE: the write lock is taken at the start, so two writers queue on the busy timeout
    # instead of one failing when it tries to turn a read into a write. A first short try tells
    # whether this write must wait; if so, that is said, and then it waits as long as the busy
    # timeout allows.
    driver = connection.connection.driver_connection
    driver.execute(f"PRAGMA busy_timeout={QUICK_TRY_MS}")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    except OperationalError as exc:
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            raise
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    notices.say_wait("the database is in use by another program (the window, or another command); waiting up to "
                     f"{BUSY_TIMEOUT_MS // 1000} seconds for it to finish its write…")
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def outside_transaction(connection, statement: str) -> list:  # noqa: ANN001 - sqlalchemy Connection
    """Run ``statement`` on the driver's connection with no transaction open (PRAGMAs such as
    foreign_keys and wal_checkpoint do nothing, or fail, inside one)."""
    return connection.connection.driver_connection.execute(statement).fetchall()


def vacuum_on_server(database: Database, tables: tuple[str, ...]) -> bool:
    """VACUUM ``tables`` on a PostgreSQL server (outside a transaction, as it must run), so the
    row versions a purge replaced leave the tables' pages; False when the server refused (another
    transaction still sees them, or this role may not)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM {', '.join(tables)}")
    except SQLAlchemyError:
        return False
    return True


MIGRATION_LOCK = 0x636C696E6963  # the advisory lock rooms take on a server while one of them upgrades it


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql"):  # a dropped connection is noticed before a write, not during it
        from .server_reader import PROCESS_TAG

        return create_engine(url, future=True, pool_pre_ping=True,
                             connect_args={"connect_timeout": 5, "application_name": PROCESS_TAG})
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_pragmas)
        event.listen(engine, "connect", _take_over_transactions)
        event.listen(engine, "begin", _begin)
    return engine


T = TypeVar("T")


def create_new(location: Location, fill: Callable[[Database], T] | None = None) -> tuple[bool, T | None]:
    """Make the store at ``location`` whole or not at all: it is migrated (and filled by ``fill``,
    the content load) under a temporary name in the data folder, owner-only, and takes its own name
    in one step when it is complete. A crash before then leaves no store file at all (the next
    start begins again), never an empty or a half-made one.

    Returns (made, what ``fill`` returned); ``made`` is False when another start put a store
    there first: that one is kept and this one discarded."""
    path = location.sqlite_path
    if path is None:
        raise DatabaseError(f"the database {location.database_url} is not an SQLite file")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    preflight.remove_stale_new_stores(path)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=preflight.NEW_STORE_SUFFIX,
                                        dir=path.parent)  # owner-only
        os.close(handle)
    except OSError as exc:
        raise DatabaseError(f"cannot create the database {path}: {exc.strerror or exc}") from exc
    tmp = Path(name)
    companions = [Path(name + suffix) for suffix in ("-wal", "-shm", "-journal")]
    try:
        url = f"sqlite:///{tmp}"
        db = Database(Location(data_dir=location.data_dir, database_url=url), make_engine(url))
        try:
            db.upgrade()
            filled = fill(db) if fill is not None else None
        finally:
            db.close()
        backup._fold_log(tmp)  # every page in the file itself: its log does not follow it to the new name
        if companions[0].exists() and companions[0].stat().st_size:
            raise DatabaseError(f"the new database {path} could not be completed (its log was not written into "
                                "it); nothing was put in place. Start the app again.")
        return _place(tmp, path), filled
    except OSError as exc:
        raise DatabaseError(f"cannot create the database {path}: {exc.strerror or exc}") from exc
    finally:
        for leftover in (tmp, *companions):
            leftover.unlink(missing_ok=True)


def _place(tmp: Path, path: Path) -> bool:
    """Give the finished store ``tmp`` the name ``path``, unless a file already has it."""
    try:
        os.link(tmp, path)  # never replaces: a store another start put there first is kept
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        if path.exists():
            return False
        os.replace(tmp, path)
    if hasattr(os, "O_DIRECTORY"):  # the new name itself survives a power cut
        try:
            folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        except OSError:
            pass
    return True


def alembic_config(connection=None):  # noqa: ANN001, ANN201
    from alembic.config import Config

    script_location = str(resources.files("clinic_app.migrations"))
    config = Config()
    config.set_main_option("script_location", script_location)
    config.attributes["connection"] = connection
    return config


class Database:
    def __init__(self, location: Location, engine: Engine) -> None:
        self.location = location
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, location: Location, migrate: bool = True,
             fill: Callable[[Session], object] | None = None) -> Database:
        """Open the store; create and migrate it when ``migrate`` is true. ``fill`` (the content
        load) runs in the migration's own transaction: the schema and the content it needs are
        committed together, or neither is."""
        path = location.sqlite_path
        state = preflight.inspect(path) if path else None  # an empty, foreign or damaged file is refused
        if path and migrate and not state.exists:
            create_new(location)  # migrated under a temporary name, then put in place whole
            state = preflight.inspect(path)
        elif path and migrate:
            preflight.remove_stale_new_stores(path)
        db = cls(location, make_engine(location.database_url))
        if migrate:
            if state is not None and state.revision is not None and state.needs_upgrade:
                backup.create(location, reason=f"before-upgrade-from-{state.revision}")
            db.upgrade(fill=fill)
        return db

    def upgrade(self, revision: str = "head", fill: Callable[[Session], object] | None = None) -> None:
        from alembic import command

        self.migrate(lambda config: command.upgrade(config, revision), fill=fill)

    def migrate(self, step, fill: Callable[[Session], object] | None = None) -> None:  # noqa: ANN001
        """Run an Alembic ``step`` with foreign keys off, then prove them whole; then ``fill``
        writes through a session in the same transaction (a kill at any moment leaves the old
        schema and content, or the new schema with its content loaded, never one without the other).

        SQLite changes a column's constraints by copying the table and dropping the old one; with
        foreign keys on, that drop deletes (or cascades through) every row that points at the
        table: content revisions, references, print links. So keys are off while the schema
        changes, and ``PRAGMA foreign_key_check`` must find nothing before the work is kept."""
        sqlite = self.engine.dialect.name == "sqlite"
        try:
            with self.engine.connect() as connection:
                if sqlite:  # outside any transaction (inside one SQLite ignores it)
                    outside_transaction(connection, "PRAGMA foreign_keys=OFF")
                try:
                    with connection.begin():
                        if not sqlite:  # two rooms starting at once: one upgrades, the other waits, then finds it done
                            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                        step(alembic_config(connection))
                        if fill is not None:
                            with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
                                fill(session)
                                session.commit()  # into the savepoint: the migration's commit keeps it
                        if sqlite:
                            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                            if broken:
                                raise DatabaseError(
                                    f"the database upgrade of {self.location.sqlite_path} would leave "
                                    f"{len(broken)} broken link(s) (first in table {broken[0][0]}); it was "
                                    "not applied")
                finally:
                    if sqlite:
                        outside_transaction(connection, "PRAGMA foreign_keys=ON")
        except OperationalError as exc:
            raise _translate(exc, self.location) from exc
        except ProgrammingError as exc:
            if self.location.is_server and getattr(exc.orig, "sqlstate", "") == "42501":  # insufficient privilege
                raise DatabaseError(
                    f"this room's role may not upgrade the clinic's database {self.location.shown_url} to this version "
                    "of the app; the database's owner runs 'clinic-app db upgrade' once (ask the clinic's IT), then "
                    "every room starts as before") from exc
            raise

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            try:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except OperationalError:
                return None

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise _translate(exc, self.location) from exc
        except ProgrammingError as exc:
            session.rollback()
            if self.location.is_server and getattr(exc.orig, "sqlstate", "") == "42501":  # insufficient privilege
                from .server_roles import refused_message

                raise refused_message(str(exc.orig).strip().splitlines()[0]) from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def _translate(exc: OperationalError, location: Location) -> DatabaseError:
    message = str(exc.orig)
    if location.is_server:
        from .server_reader import is_unreachable

        first = (message.strip().splitlines() or [type(exc.orig).__name__])[0]
        kind = ServerUnreachableError if is_unreachable(exc.orig) else DatabaseError
        return kind(f"the clinic's database server {location.shown_url} could not be used: {first}")
    where = location.sqlite_path or location.database_url
    if "locked" in message or "busy" in message:
        return DatabaseLockedError(f"the database {where} is busy in another program; try again in a moment")
    return DatabaseError(f"the database {where} could not be used: {message}")
