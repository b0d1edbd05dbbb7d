"""Reading a clinic's PostgreSQL server, behind the same interface as :class:`~.reader.Reader`.

One psycopg connection per thread, in autocommit (each query sees what was committed when it
started, as a SQLite read does). Rows come back as SQLite's driver gives them, so the services
read both stores with the same code: a row is a tuple that also answers to its column names,
JSON columns arrive as their text and timestamps as ``YYYY-MM-DD HH:MM:SS[.ffffff]``.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
import uuid
from collections.abc import Sequence
from typing import Any

from clinic_app.errors import DatabaseError, InputError, ServerUnreachableError

from .dialect import POSTGRESQL, server_placeholders
from .reader import Reader

_TOKENS = itertools.count(1)
# every connection of this process says who it is: the server's change notices name it, so a room
# can tell its own writes from another room's
PROCESS_TAG = f"clinic-app {os.getpid()}-{uuid.uuid4().hex[:8]}"
_STATEMENTS: dict[str, str] = {}
CONNECT_TIMEOUT_S = 5


class Row(tuple):
    """A row by position, like a tuple, and by column name, like ``sqlite3.Row``."""

    __slots__ = ()
    _names: dict[str, int] = {}

    def __getitem__(self, key: Any) -> Any:  # noqa: ANN401 - a column's value
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor):  # noqa: ANN001, ANN202 - psycopg's RowFactory protocol
    names = {column.name: index for index, column in enumerate(cursor.description or ())}
    kind = type("Row", (Row,), {"__slots__": (), "_names": names})
    return lambda values: kind(values)


def driver_url(url: str) -> str:
    """The SQLAlchemy URL in psycopg's own words."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def connect(url: str, read_only: bool = True):  # noqa: ANN201 - psycopg.Connection
    import psycopg
    from psycopg.types.string import TextLoader

    try:
        conn = psycopg.connect(driver_url(url), autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name=PROCESS_TAG)
    except psycopg.OperationalError as exc:
        raise ServerUnreachableError(f"cannot reach the clinic's database server ({_first_line(exc)}); check that it runs "
                            "and that this room's network reaches it") from exc
    for type_name in ("json", "jsonb", "date"):  # as SQLite gives them: the services parse the text
        conn.adapters.register_loader(type_name, TextLoader)
    conn.adapters.register_loader("timestamp", _stored_time_class())
    conn.execute("SET DateStyle = ISO")
    if read_only:
        conn.execute("SET default_transaction_read_only = on")
    return conn


@functools.cache
def _stored_time_class():  # noqa: ANN202 - a psycopg Loader class, made when psycopg is first needed
    from psycopg.adapt import Loader

    class StoredTime(Loader):
        """A timestamp as SQLite holds it: ``YYYY-MM-DD HH:MM:SS.ffffff`` (the server leaves out a
        fraction of zero and trailing zeros)."""

        def load(self, data) -> str:  # noqa: ANN001 - a buffer
            text = bytes(data).decode()
            whole, _, fraction = text.partition(".")
            return f"{whole}.{fraction.ljust(6, '0')}"

    return StoredTime


# SQLSTATEs of a connection that failed or was ended by the server (class 08; shutdown, crash, starting up)
_GONE_STATES = ("57P01", "57P02", "57P03")


def is_unreachable(exc: BaseException) -> bool:
    """Is ``exc`` (a driver error) a server that cannot be reached: the connection could not be
    made or it dropped? A refusal, a timeout or a deadlock of a reachable server is not."""
    import psycopg

    if not isinstance(exc, psycopg.OperationalError):  # a cancelled query (57014) or a deadlock (40P01) is not
        return False
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in _GONE_STATES


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class ServerReader(Reader):
    """One read connection per thread to the clinic's PostgreSQL database."""

    sql = POSTGRESQL

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = None
        self._local = threading.local()

    def connection(self):  # noqa: ANN201 - psycopg.Connection
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = connect(self.url)
            conn.row_factory = _row_factory
            self._local.conn = conn
            self._local.token = next(_TOKENS)
        return conn

    def data_version(self) -> tuple[int, int]:
        """Changes whenever a transaction anywhere on the server has written since: caches of what
        was read are kept only while nothing was."""
        conn = self.connection()
        return self._local.token, conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
                                               ).fetchone()[0]

    def query(self, sql: str, params: tuple | dict = ()) -> list:
        import psycopg

        statement = _STATEMENTS.get(sql)
        if statement is None:
            statement = _STATEMENTS[sql] = server_placeholders(sql)
        try:
            try:
                kept = getattr(self._local, "conn", None) is not None
                return self.connection().execute(statement, _values(params)).fetchall()
            except psycopg.OperationalError as exc:
                if not (kept and is_unreachable(exc)):
                    raise
                self.close()  # a connection from before the server restarted: a read is asked once more
                return self.connection().execute(statement, _values(params)).fetchall()
        except psycopg.errors.NumericValueOutOfRange as exc:
            raise InputError(f"a number is out of range: ids and counts are whole numbers up to {2**63 - 1}") from exc
        except psycopg.DataError as exc:
            raise InputError(f"the value could not be read: {_first_line(exc)}") from exc
        except psycopg.OperationalError as exc:
            self.close()  # the next query connects again
            kind = ServerUnreachableError if is_unreachable(exc) else DatabaseError
            raise kind(f"lost the connection to the clinic's database server ({_first_line(exc)}); "
                                "try again in a moment") from exc
        except (psycopg.errors.UndefinedTable, psycopg.errors.InsufficientPrivilege) as exc:
            raise DatabaseError(f"could not read the clinic's database: {_first_line(exc)}") from exc

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                conn.close()
            finally:
                self._local.conn = None


def _values(params: tuple | dict) -> Sequence | dict:
    if isinstance(params, dict):
        return params
    return tuple(params)
