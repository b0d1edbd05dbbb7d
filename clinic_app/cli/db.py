"""``clinic-app db``: upgrade, check, back up, list backups, restore."""

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


def run(args: argparse.Namespace) -> int:
    from clinic_app.storage import backup

    location = location_of(args)
    action = args.db_command
    if action == "upgrade":
        from clinic_app.services import store_setup

        result = store_setup.prepare(location)
        print(f"database {location.sqlite_path or location.database_url} at schema revision {result.revision}; "
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

