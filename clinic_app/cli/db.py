"""``clinic-app db``: upgrade, check, back up, list backups, restore, deliver a room's held records."""

from __future__ import annotations

import argparse
from pathlib import Path

from clinic_app.cli.common import location_of

NAME = "db"


def add_parser(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="database: upgrade, check, back up, restore")
    db_cmds = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_cmds.add_parser("upgrade", help="create or migrate the database and load the shipped content")
    db_cmds.add_parser("check", help="integrity check, the record chain, every stored handout's SHA-256 and the rules "
                       "that keep records unchanged; print the schema revision, content version and location; "
                       "exits 1 on a problem")
    backup = db_cmds.add_parser("backup", help="write a verified copy of the database")
    backup.add_argument("-o", "--output", help="file or existing folder to write to (default: the backups folder); "
                        "a folder that does not exist is an error")
    db_cmds.add_parser("backups", help="list the backups in the backups folder")
    restore = db_cmds.add_parser("restore", help="replace the database with a backup (the current one is backed up first)")
    restore.add_argument("backup_file", type=Path)
    move = db_cmds.add_parser("migrate-to", help="move this one-room store onto the clinic's PostgreSQL server (an "
                              "empty database): one transaction, verified by counts and hashes, this file kept as it was")
    move.add_argument("server_url", metavar="URL", help="postgresql+psycopg://USER@HOST/DATABASE (the owner's role)")
    db_cmds.add_parser("deliver", help="on a clinic's PostgreSQL server: send the records this room held while the "
                       "server could not be reached (each exactly once, in order); exits 1 while any are still held")
    grant = db_cmds.add_parser("grant-rooms", help="on a clinic's PostgreSQL server, run as the database's owner: give "
                               "the rooms' login role its rights (read all, edit the library, add records, never "
                               "change or delete one)")
    grant.add_argument("role", metavar="ROLE", help="an existing login role, e.g. clinic_room")


def run(args: argparse.Namespace) -> int:
    from clinic_app.storage import backup

    location = location_of(args)
    action = args.db_command
    if location.is_server and action in ("backup", "backups", "restore"):
        print(f"the clinic's data is on the server {location.shown_url}: it is backed up there, with pg_dump or "
              "continuous archiving (point-in-time recovery), not from a room; see the README's section on the "
              "clinic's server")
        return 1
    if action == "grant-rooms":
        return _grant_rooms(location, args.role)
    if action == "deliver":
        return _deliver(location)
    if action == "migrate-to":
        return _migrate_to(location, args.server_url)
    if action == "upgrade":
        from clinic_app.services import store_setup

        result = store_setup.prepare(location)
        print(f"database {location.sqlite_path or location.shown_url} at schema revision {result.revision}; "
              f"content library {result.library_version}")
        for label, slugs in (("added", result.added), ("updated", result.updated),
                             ("kept the clinic's own edits of", result.kept_clinic_edits)):
            if slugs:
                print(f"  {label}: {', '.join(slugs)}")
        return 0
    if action == "check":
        from clinic_app.services.maintenance import check_database

        report = check_database(location)
        for line in report.lines():
            print(line)
        return 0 if report.ok else 1
    if action == "backup":
        made = backup.create(location, reason="manual", target=args.output)
        print(f"backup written and verified: {made.path} ({made.size:,} bytes)")
        return 0
    if action == "backups":
        found = backup.list_backups(location)
        if not found:
            print(f"no backups in {location.backup_dir}")
        for item in found:
            print(f"{item.taken_at:%Y-%m-%d %H:%M:%S}  {item.reason:<28} {item.size:>10,}  {item.path}")
        return 0
    if action == "restore":
        safety = backup.restore(location, args.backup_file)
        print(f"restored {args.backup_file} into {location.sqlite_path}; the previous database was kept as {safety.path}")
        return 0
    raise AssertionError(action)



def _deliver(location) -> int:  # noqa: ANN001 - settings.Location
    from clinic_app.errors import ServerUnreachableError
    from clinic_app.services import delivery, store_setup

    if not location.is_server:
        print(f"the database {location.sqlite_path} is this computer's own file: nothing is ever held to deliver")
        return 0
    try:
        result = delivery.deliver(store_setup.open_store(location))
    except ServerUnreachableError as exc:
        print(f"{exc.message}; {delivery.held_count(location)} record(s) still held in this room")
        return 1
    for item in result.delivered:
        print(f"delivered {item.kind} #{item.id} (key {item.key})")
    if not result.delivered and result.ok:
        print("nothing held in this room: nothing to deliver")
    if not result.ok:
        print(f"{result.problem}; {result.held} record(s) still held in this room")
        return 1
    return 0


def _grant_rooms(location, role: str) -> int:  # noqa: ANN001 - settings.Location
    if not location.is_server:
        print("grant-rooms is for a clinic's PostgreSQL server (--database-url postgresql+psycopg://...); "
              "a one-room SQLite store has no roles")
        return 1
    from clinic_app.services import store_setup
    from clinic_app.storage.server_roles import grant_rooms

    store = store_setup.open_store(location)
    for statement in grant_rooms(store.database(), role):
        print(statement)
    print(f"the role {role} may now read everything, edit the library and add records; it cannot change or delete "
          "a record, upgrade the schema or purge")
    return 0


def _migrate_to(location, server_url: str) -> int:  # noqa: ANN001 - settings.Location
    from clinic_app import settings
    from clinic_app.services.server_move import migrate_to

    if location.is_server:
        print("migrate-to moves a one-room SQLite store: give its --data-dir (or --database-url sqlite:///...), "
              "not the server's URL")
        return 1
    target = settings.resolve(data_dir=location.data_dir, database_url=server_url)
    moved = migrate_to(location, target)
    width = max(len(name) for name in moved.tables)
    for name, count in moved.tables.items():
        print(f"  {name:<{width}}  {count:>8,} rows  sha256 {moved.hashes[name][:16]}…  equal")
    print(f"moved {moved.rows:,} rows in {len(moved.tables)} tables to {target.shown_url}; counts and hashes equal on "
          f"both sides; record chain of {moved.chain_entries} entries verified on the server")
    print(f"{location.sqlite_path} was only read and is unchanged. Next: 'db grant-rooms ROLE' on the server, then "
          "start every room with CLINIC_APP_DATABASE_URL set to the server (see the README)")
    return 0
