"""Errors a clinic can act on. Each carries a message that names the file, field or value.

The CLI prints ``message`` to stderr and exits non-zero; the GUI shows it in a dialog.
Anything that is not a :class:`ClinicAppError` is a bug and is logged, not shown raw.
"""

from __future__ import annotations

from pathlib import Path


class ClinicAppError(Exception):
    """Base class: ``str(error)`` is the message shown to the user."""

    exit_code = 1

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class ConfigurationError(ClinicAppError):
    exit_code = 2


class DatabaseError(ClinicAppError):
    """The database cannot be used; the file was left as it was."""


class NotADatabaseError(DatabaseError):
    pass


class DatabaseTooNewError(DatabaseError):
    pass


class DatabaseLockedError(DatabaseError):
    pass


class ServerUnreachableError(DatabaseError):
    """The clinic's database server cannot be reached: the connection could not be made, or it
    dropped. Nothing was written by the failed transaction; a record can be held in the room's
    outbox and delivered when the server is back."""


class ContentError(ClinicAppError):
    """Content files failed validation; ``problems`` lists each one."""

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message, "\n".join(str(p) for p in problems or []))
        self.problems = list(problems or [])


class InputError(ClinicAppError):
    """A value given on the command line (or read from the environment) that cannot be used as it
    is: text that is not UTF-8, a number beyond what the database can hold. Nothing was changed."""

    exit_code = 2


class OutputError(ClinicAppError):
    """What a command prints could not be written (standard output full, closed or failing)."""


class NotFoundError(ClinicAppError):
    """An unknown slug, key or id; the message lists the valid ones."""

    exit_code = 2


LOG_FILE = "clinic-app.log"


def write_traceback(directory: Path, error: BaseException) -> Path | None:
    """Append ``error`` with its traceback to the log file in the data folder ``directory``; returns
    the file, or None if nothing could be written. A traceback can hold a patient's name or a path,
    so the file is readable by its owner only (0600) and is never put anywhere else (a shared
    temporary folder is readable by every user of the computer)."""
    import datetime as dt  # only when something went wrong: kept out of the start-up path
    import os
    import traceback

    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    folder = Path(directory)
    path = folder / LOG_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
        handle = os.open(path, flags, 0o600)
    except OSError:
        return None
    try:
        if hasattr(os, "fchmod"):  # a log made by an older version may be readable by others
            os.fchmod(handle, 0o600)
        with os.fdopen(handle, "a", encoding="utf-8") as out:
            handle = None
            out.write(f"--- {stamp}\n{text}\n")
    except OSError:
        return None
    finally:
        if handle is not None:
            os.close(handle)
    return path


class ConflictError(ClinicAppError):
    """Another room saved the same thing since this one read it: nothing was written, and both
    versions are kept on the error (``mine``, ``theirs``) to be shown side by side."""

    def __init__(self, message: str, mine: object = None, theirs: object = None) -> None:
        super().__init__(message)
        self.mine, self.theirs = mine, theirs
