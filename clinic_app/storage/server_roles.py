"""The rights of the rooms' role on a clinic's PostgreSQL server.

The database's owner runs upgrades and privacy purges; every room's app connects as a role with
fewer rights: it reads everything, edits the library, the clinic's profile, fields and presets,
and adds consultation and handout records, but cannot change or delete one (the grants say so,
and the triggers would refuse it anyway). ``clinic-app db grant-rooms ROLE``, run as the owner,
gives an existing login role exactly these rights on the tables there are now.
"""

from __future__ import annotations

import re

from clinic_app.errors import DatabaseError, InputError

# added and read, never changed or deleted by a room
RECORD_TABLES = ("consultation", "consultation_handout", "handout_print", "record_chain")
# read only: the schema's revision is the owner's to move
OWNER_TABLES = ("alembic_version",)
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_rooms(database, role: str) -> list[str]:  # noqa: ANN001 - storage.database.Database on a server
    """Give ``role`` the rooms' rights; returns the statements run (all in one transaction)."""
    if not _ROLE.match(role):
        raise InputError(f"role name {role!r}: use lower-case letters, digits and _ (up to 63), e.g. clinic_room")
    from sqlalchemy import text

    with database.engine.begin() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).first():
            raise InputError(f"there is no role {role} on the server; create it first, e.g. "
                             f"CREATE ROLE {role} LOGIN PASSWORD '...' (see the README)")
        schema, name = connection.execute(text("SELECT current_schema(), current_database()")).one()
        tables = [row[0] for row in connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"))]
        edited = [t for t in tables if t not in RECORD_TABLES and t not in OWNER_TABLES]
        records = [t for t in tables if t in RECORD_TABLES]
        statements = [
            f'GRANT CONNECT ON DATABASE "{name}" TO {role}',
            f'GRANT USAGE ON SCHEMA "{schema}" TO {role}',
            f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {role}',
            f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}',
            f"GRANT INSERT, UPDATE, DELETE ON {', '.join(edited)} TO {role}",
            f"GRANT INSERT ON {', '.join(records)} TO {role}",
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}',
        ]
        for statement in statements:
            connection.exec_driver_sql(statement)
    return statements


def refused_message(detail: str) -> DatabaseError:
    """The message for a change this room's role may not make."""
    return DatabaseError(f"the clinic's database server refused this change ({detail}). Rooms add records but never "
                         "change or delete them; an upgrade or a privacy purge runs as the database's owner "
                         "(ask the clinic's IT).")
