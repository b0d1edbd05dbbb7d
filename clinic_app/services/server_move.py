"""Moving a one-room SQLite store onto the clinic's PostgreSQL server (``clinic-app db migrate-to``).

The server's database must be empty. In one transaction on the server: the schema is made by the
same migrations, every row of every table is copied (in the order the foreign keys need), the
search index is built from the copied library, each table's rows are counted and hashed on both
sides and must be equal, and the record chain is verified there; only then is it committed. Any
difference, error or kill leaves the server's database empty, as it was. The SQLite file is only
read (opened read-only) and stays as it was: the room can go on using it until every room uses
the server.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from clinic_app.errors import DatabaseError
from clinic_app.settings import Location
from clinic_app.storage import chain, preflight

SKIPPED = ("alembic_version", "search_index", "search_refs")  # made by the migrations, or built from the copy


@dataclass
class MoveResult:
    tables: dict[str, int] = field(default_factory=dict)  # rows copied, by table
    hashes: dict[str, str] = field(default_factory=dict)  # the SHA-256 of each table's rows, equal on both sides
    chain_entries: int = 0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _rows_hash(connection, table) -> tuple[int, str]:  # noqa: ANN001 - sqlalchemy Connection and Table
    """How many rows ``table`` holds and the SHA-256 of them all, in primary-key order, as Python
    values (so SQLite's text and the server's types hash alike)."""
    from sqlalchemy import select

    order = list(table.primary_key.columns) or list(table.columns)
    digest, count = hashlib.sha256(), 0
    for row in connection.execute(select(table).order_by(*order)):
        digest.update(json.dumps(list(row), default=_plain, sort_keys=True).encode())
        count += 1
    return count, digest.hexdigest()


def _plain(value: object) -> str:
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def migrate_to(source: Location, target: Location) -> MoveResult:
    """Copy the SQLite store at ``source`` into the empty server database at ``target``; raises a
    :class:`DatabaseError` naming what is wrong, with the server's database left empty."""
    from alembic import command
    from sqlalchemy import MetaData, create_engine, text

    from clinic_app.content.loader import rebuild_search_index
    from clinic_app.storage.database import Database, make_engine

    if not target.is_server:
        raise DatabaseError(f"{target.shown_url} is not a PostgreSQL server: migrate-to moves a one-room store onto "
                            "the clinic's server (postgresql+psycopg://USER@HOST/DATABASE)")
    path = source.sqlite_path
    if path is None or not path.exists():
        raise DatabaseError(f"there is no one-room store to move at {path or source.database_url}")
    state = preflight.inspect(path)
    if state.needs_upgrade:
        raise DatabaseError(f"the store {path} is at schema revision {state.revision}; bring it to this version "
                            "first with 'clinic-app db upgrade', then move it")
    reading = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    server = Database(target, make_engine(target.database_url))
    result = MoveResult()
    try:
        with server.engine.connect() as connection:
            found = connection.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "ORDER BY table_name")).scalars().all()
        if found:
            raise DatabaseError(f"the server's database {target.shown_url} is not empty (it holds {len(found)} "
                                f"table(s), first {found[0]}); give migrate-to a new, empty database")
        from_file = MetaData()
        from_file.reflect(reading)

        def copy(session) -> None:  # noqa: ANN001 - sqlalchemy Session, in the migration's transaction
            connection = session.connection()
            on_server = MetaData()
            on_server.reflect(connection)
            with reading.connect() as source_connection:
                # one read transaction: a window still open on the file meanwhile cannot change what is copied
                source_connection.connection.driver_connection.execute("BEGIN")
                for table in on_server.sorted_tables:
                    if table.name in SKIPPED or table.name not in from_file.tables:
                        continue
                    source_table = from_file.tables[table.name]
                    columns = [c.name for c in table.columns if c.name in source_table.columns]
                    batch: list[dict] = []
                    for row in source_table_rows(source_connection, source_table, columns):
                        batch.append(row)
                        if len(batch) == 500:
                            connection.execute(table.insert(), batch)
                            batch = []
                    if batch:
                        connection.execute(table.insert(), batch)
                    _restart_ids(connection, table)
                    copied, digest = _rows_hash(connection, table)
                    original, expected = _rows_hash(source_connection, source_table)
                    if (copied, digest) != (original, expected):
                        raise DatabaseError(f"table {table.name} did not copy exactly ({original} rows in the file, "
                                            f"{copied} on the server); nothing was kept on the server")
                    result.tables[table.name] = copied
                    result.hashes[table.name] = digest
            session.flush()
            rebuild_search_index(session)
            session.flush()
            verified = chain.verify(chain.runner(connection))
            if not verified.ok:
                raise DatabaseError(f"the record chain does not hold on the server ({verified.problems[0]}); nothing "
                                    "was kept on the server")
            result.chain_entries = verified.entries

        server.migrate(lambda config: command.upgrade(config, "head"), fill=copy)
    finally:
        server.close()
        reading.dispose()
    return result


def source_table_rows(connection, table, columns: list[str]):  # noqa: ANN001, ANN201 - Connection, Table; rows as dicts
    from sqlalchemy import select

    order = list(table.primary_key.columns) or list(table.columns)
    for row in connection.execute(select(*(table.columns[c] for c in columns)).order_by(*order)):
        yield dict(zip(columns, row, strict=True))


def _restart_ids(connection, table) -> None:  # noqa: ANN001 - sqlalchemy Connection and Table
    """The server's id sequence of ``table`` continues after the copied ids."""
    from sqlalchemy import text

    for column in table.primary_key.columns:
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                      {"table": table.name, "column": column.name}).scalar()
        if sequence:
            connection.execute(text(f"SELECT setval('{sequence}', coalesce((SELECT max({column.name}) FROM "
                                    f"{table.name}), 1), (SELECT max({column.name}) FROM {table.name}) IS NOT NULL)"))
