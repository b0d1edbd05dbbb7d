"""``clinic-app db``: upgrade, check, back up, list backups, restore, deliver a room's held records,
list them, export one and set aside one the server refused."""

from __future__ import annotations

import argparse
import json
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
    db_cmds.add_parser("copy-library", help="on a clinic's PostgreSQL server: make or renew this room's own copy of "
                       "the library (no records), read while the server cannot be reached")
    db_cmds.add_parser("deliver", help="on a clinic's PostgreSQL server: send the records this room held while the "
                       "server could not be reached (each exactly once, in order); exits 1 while any are still held")
    outbox = db_cmds.add_parser("outbox", help="list the records this room holds for the clinic's server (and those "
                                "set aside), with the server's reason for any it refused")
    outbox_action = outbox.add_mutually_exclusive_group()
    outbox_action.add_argument("--export", nargs=2, metavar=("KEY", "FILE"),
                               help="write the held record with this key as JSON to FILE (a new file)")
    outbox_action.add_argument("--set-aside", metavar="KEY",
                               help="move a record the server refused out of the delivery queue; it is kept in the "
                               "outbox, listed as set aside, never delivered or deleted")
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
    if action == "copy-library":
        return _copy_library(location)
    if action == "deliver":
        return _deliver(location)
    if action == "outbox":
        return _outbox(location, args.export, args.set_aside)
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



def _copy_library(location) -> int:  # noqa: ANN001 - settings.Location
    from clinic_app.services import library_copy

    made = library_copy.refresh(location)
    rows = sum(made.tables.values())
    if made.written:
        print(f"this room's copy of the library written: {made.path} ({len(made.tables)} tables, {rows:,} rows, "
              f"as the server held them at {made.taken_at} UTC)")
    else:
        print(f"this room's copy of the library already held what the server holds ({rows:,} rows): {made.path}")
    return 0


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
    for line in delivery.refusals_said(result):
        print(line)
    if not result.delivered and result.ok:
        print("nothing held in this room: nothing to deliver")
    if result.problem:
        print(f"{result.problem}; {result.held} record(s) still held in this room")
    elif not result.ok:
        print(f"{result.held} record(s) still held in this room; 'clinic-app db outbox' lists them, and "
              "'clinic-app db outbox --set-aside KEY' takes one the server refused out of the delivery queue")
    return 0 if result.ok else 1


def _typed(value: str, what: str) -> str:
    """A key or file name as typed, checked as text (see cli.common.text); spaces around a key dropped."""
    from clinic_app.cli.common import text
    from clinic_app.storage.outbox import OutboxError

    try:
        checked = text(value)
    except argparse.ArgumentTypeError as exc:
        raise OutboxError(f"the {what} {exc}; nothing was changed") from None
    return checked.strip() if what == "key" else checked


def _when(stamp: str | None) -> str:
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(stamp or "").astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return str(stamp)


def _summary(entry) -> str:  # noqa: ANN001 - storage.outbox.Entry
    """What the held record is, as its payload has it: the clinician and therapies of a
    consultation, the therapies and where a handout went."""
    record = entry.payload if isinstance(entry.payload, dict) else {}
    therapies = ", ".join(str(slug) for slug in record.get("therapies") or ()) or "no therapies"
    if entry.kind == "consultation":
        return f"{record.get('clinician') or 'no clinician'}: {therapies}"
    went = f"{record.get('kind', '')} {record.get('destination', '')}".strip()
    return f"{therapies}" + (f" ({went})" if went else "")


def _outbox(location, export: list[str] | None, set_aside: str | None) -> int:  # noqa: ANN001 - settings.Location
    """List this room's outbox, export one entry, or set aside one the server refused. A key it
    does not hold, an entry not refused, a file that exists or cannot be made: an error naming it
    (exit 1), nothing changed."""
    from clinic_app.storage.outbox import Outbox, waiting_on

    outbox = Outbox.of(location)
    if set_aside is not None:
        moved = outbox.set_aside(_typed(set_aside, "key"))
        print(f"set aside the {moved.kind} (key {moved.key}) held {_when(moved.created_at)}, refused by the "
              f"server: {moved.refusal}. It stays in {outbox.path}, listed under 'set aside', and is no longer "
              "delivered; 'clinic-app db outbox --export KEY FILE' writes it out")
        for entry in outbox.entries():
            if moved.key in entry.handout_keys():
                print(f"  the held consultation (key {entry.key}) gave this handout: the server will refuse it at "
                      "the next delivery; set it aside too once it has")
        return 0
    if export is not None:
        entry = outbox.find(_typed(export[0], "key"))
        _write_new(Path(_typed(export[1], "file name")),
                   json.dumps(entry.as_record(), indent=2, ensure_ascii=False) + "\n")
        print(f"wrote the held {entry.kind} (key {entry.key}) to {export[1]}")
        return 0
    held, aside = outbox.entries(), outbox.set_aside_entries()
    if not held and not aside:
        print(f"nothing held in this room ({outbox.path})")
        return 0
    waits = waiting_on(held)
    print(f"{len(held)} record(s) held in this room for the clinic's server, delivered in this order:"
          if held else "no records held in this room for the clinic's server")
    for entry in held:
        print(f"  {entry.kind:<12}  {entry.key}  held {_when(entry.created_at)}  {_summary(entry)}")
        if entry.refused:
            print(f"      refused by the server {_when(entry.refused_at)}: {entry.refusal}")
        if entry.key in waits:
            print(f"      waits for the handout (key {waits[entry.key]}) it gave, which the server refused")
    if aside:
        print(f"set aside ({len(aside)}), kept in {outbox.path}, never delivered:")
        for entry in aside:
            print(f"  {entry.kind:<12}  {entry.key}  held {_when(entry.created_at)}  {_summary(entry)}")
            print(f"      set aside {_when(entry.set_aside_at)}; refused by the server {_when(entry.refused_at)}: "
                  f"{entry.refusal}")
    return 0


def _write_new(target: Path, text: str) -> None:
    """Write ``text`` to ``target``, a file that must not exist yet (owner-only: a record may name a patient)."""
    import os

    from clinic_app.storage.outbox import OutboxError

    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        raise OutboxError(f"{target} already exists; nothing was written (give a file name not yet used)") from None
    except OSError as exc:
        raise OutboxError(f"cannot write {target}: {exc.strerror or exc}; nothing was written") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise OutboxError(f"cannot write {target}: {exc.strerror or exc}; nothing was written") from None


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
