"""What every command shares: where the data lives, and the checks of the values typed."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

# Commands that only look: they never make the data folder (the others make it when it is missing).
LOOK_ONLY = {("db", "check"), ("db", "backups")}

MAX_ID = 2**63 - 1  # the largest id SQLite can store
MAX_TEXT = 100_000  # characters in one value typed on the command line (a clinic's notes are far shorter)


def location_of(args: argparse.Namespace):  # noqa: ANN201
    """The data folder and database URL from --data-dir/--database-url, the environment or the
    defaults; the data folder is made (owner-only) when a command that writes needs it."""
    from clinic_app.settings import make_folders, resolve

    location = resolve(args.data_dir, args.database_url)
    if (args.command, getattr(args, "db_command", None)) not in LOOK_ONLY:
        make_folders(location)
    return location


def shown(value: object) -> str:
    from clinic_app.settings import shown as shorten

    return shorten(value)


def text(value: str) -> str:
    """An argparse ``type``: text that the database and a PDF can hold (UTF-8, no NUL, not huge)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(value)
        raise argparse.ArgumentTypeError(f"{shown(raw)} is not UTF-8 text (the terminal or script sent other bytes); "
                                         "type it again as plain text") from None
    if "\0" in value:
        raise argparse.ArgumentTypeError(f"'{shown(value)}' holds a NUL character; leave it out")
    if len(value) > MAX_TEXT:
        raise argparse.ArgumentTypeError(f"'{shown(value)}' is {len(value):,} characters long; at most "
                                         f"{MAX_TEXT:,} are taken")
    return value


def logged_path(value: str) -> Path:
    """An argparse ``type``: a file name the handout log can record (UTF-8 text, no NUL)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(f"the file name {shown(os.fsencode(value))} is not UTF-8 text; the handout "
                                         "log records where each handout went, so choose a name in plain text") from None
    if "\0" in value:
        raise argparse.ArgumentTypeError(f"the file name '{shown(value)}' holds a NUL character; leave it out")
    return Path(value)


def record_id(value: str) -> int:
    """An argparse ``type``: a record id, a whole number from 1 to 2**63 - 1."""
    digits = value.strip().lstrip("+-")
    if digits.isdigit() and len(digits) > 30:
        raise argparse.ArgumentTypeError(f"{shown(value)} is not an id: ids are whole numbers from 1 to {MAX_ID}")
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{shown(value)}' is not an id (a whole number such as 12)") from None
    if not 1 <= number <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{shown(value)} is not an id: ids are whole numbers from 1 to {MAX_ID}")
    return number


def count(low: int, high: int):  # noqa: ANN201 - an argparse type
    """An argparse ``type``: a whole number from ``low`` to ``high``."""

    def parse(value: str) -> int:
        digits = value.strip().lstrip("+-")
        if digits.isdigit() and len(digits) > 30:  # int() refuses thousands of digits as "not a number"
            raise argparse.ArgumentTypeError(f"{shown(value)} is out of range: give a number from {low} to {high}")
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{shown(value)}' is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{shown(value)} is out of range: give a number from {low} to {high}")
        return number

    parse.__name__ = "number"
    return parse
