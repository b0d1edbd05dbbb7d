"""Engine, sessions and migrations for the clinic's store.

``Database.open(location)`` checks the file first (:mod:`.preflight`), backs it up before a
migration, migrates to the head revision with Alembic, and hands out short sessions:

    with db.session() as s:
        ...

The ORM is imported here and in the content loader only: browsing and search read through
:mod:`.reader` with the stdlib driver, so the window paints without loading SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from clinic_app.errors import DatabaseError, DatabaseLockedError
from clinic_app.settings import Location

from . import backup, preflight

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


def _begin(connection) -> None:  # noqa: ANN001 - sqlalchemy Connection
    # IMMEDIATE: the write lock is taken at the start, so two writers queue on the busy timeout
    # instead of one failing when it tries to turn a read into a write.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def outside_transaction(connection, statement: str) -> list:  # noqa: ANN001 - sqlalchemy Connection
    """Run ``statement`` on the driver's connection with no transaction open (PRAGMAs such as
    foreign_keys and wal_checkpoint do nothing, or fail, inside one)."""
    return connection.connection.driver_connection.execute(statement).fetchall()


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_pragmas)
        event.listen(engine, "connect", _take_over_transactions)
        event.listen(engine, "begin", _begin)
    return engine


def _prepare_file(path: Path) -> None:
    """Create the data folder (owner only) and an empty database file readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


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
    def open(cls, location: Location, migrate: bool = True) -> Database:
        """Open the store; create and migrate it when ``migrate`` is true."""
        path = location.sqlite_path
        state = preflight.inspect(path) if path else None
        if path and migrate:
            _prepare_file(path)
        db = cls(location, make_engine(location.database_url))
        if migrate:
            if state is not None and state.revision is not None and state.needs_upgrade:
                backup.create(location, reason=f"before-upgrade-from-{state.revision}")
            db.upgrade()
        return db

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        self.migrate(lambda config: command.upgrade(config, revision))

    def migrate(self, step) -> None:  # noqa: ANN001 - a callable taking the Alembic config
        """Run an Alembic ``step`` with foreign keys off, then prove them whole.

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
                        step(alembic_config(connection))
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
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def _translate(exc: OperationalError, location: Location) -> DatabaseError:
    message = str(exc.orig)
    where = location.sqlite_path or location.database_url
    if "locked" in message or "busy" in message:
        return DatabaseLockedError(f"the database {where} is busy in another program; try again in a moment")
    return DatabaseError(f"the database {where} could not be used: {message}")
