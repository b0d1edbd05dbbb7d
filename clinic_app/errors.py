"""Errors a clinic can act on. Each carries a message that names the file, field or value.

The CLI prints ``message`` to stderr and exits non-zero; the GUI shows it in a dialog.
Anything that is not a :class:`ClinicAppError` is a bug and is logged, not shown raw.
"""

from __future__ import annotations


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


class ContentError(ClinicAppError):
    """Content files failed validation; ``problems`` lists each one."""

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message, "\n".join(str(p) for p in problems or []))
        self.problems = list(problems or [])


class NotFoundError(ClinicAppError):
    """An unknown slug, key or id; the message lists the valid ones."""

    exit_code = 2
