"""The ``clinic-app`` argument parser: the global options here, each command's own in its module."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from clinic_app import APP_NAME, __version__
from clinic_app.cli import (
    clinic,
    compare,
    condition,
    consultations,
    content,
    db,
    edit,
    fields,
    gui,
    handout,
    search,
    therapy,
)

# In the order ``clinic-app --help`` lists them.
COMMANDS = (gui, search, content, handout, compare, consultations, clinic, fields, edit, condition, therapy, db)

HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {command.NAME: command.run for command in COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinic-app",
        description=f"{APP_NAME}: therapy summaries, comparisons and patient handouts for spine clinics. "
        "With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="folder holding the database and backups "
                        "(default: the user data folder; env CLINIC_APP_DATA_DIR)")
    parser.add_argument("--database-url", metavar="URL", help="SQLAlchemy URL of the database, e.g. "
                        "sqlite:////path/clinic.sqlite3 (env CLINIC_APP_DATABASE_URL)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser
