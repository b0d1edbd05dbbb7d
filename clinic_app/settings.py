"""Where the clinic's data lives, and which database to open.

Order of precedence: command-line option, then environment variable, then the per-user
data directory from platformdirs. ``--database-url`` wins over ``--data-dir``.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from clinic_app import APP_ID
from clinic_app.errors import ConfigurationError

ENV_DATA_DIR = "CLINIC_APP_DATA_DIR"
ENV_DATABASE_URL = "CLINIC_APP_DATABASE_URL"
ENV_ROOM = "CLINIC_APP_ROOM"


def room_name() -> str:
    """What this room (this computer) is called where another room is told it saved something:
    ``CLINIC_APP_ROOM`` if set (e.g. "Room 2"), else the computer's name."""
    import socket

    return " ".join((os.environ.get(ENV_ROOM) or socket.gethostname() or "another room").split())[:100]
DATABASE_FILE = "clinic.sqlite3"
# In a folder's path these would be read as part of the database URL (a query, a fragment, an
# escape), so the store would be looked for, or made, somewhere else.
URL_CHARACTERS = ("?", "#", "%")


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_ID, appauthor=False)


@dataclass(frozen=True)
class Location:
    """The data directory and the database URL the app will use."""

    data_dir: Path
    database_url: str
    origin: str = field(default="", compare=False)  # where data_dir was given: "--data-dir", the variable, "" (default)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None when the URL is not a file-backed SQLite database."""
        url = self.database_url
        for prefix in ("sqlite+pysqlite:///", "sqlite:///"):
            if url.startswith(prefix):
                rest = url[len(prefix):].split("?", 1)[0]
                if rest in ("", ":memory:"):
                    return None
                return Path(rest)
        return None

    @property
    def is_server(self) -> bool:
        """True when the store is a PostgreSQL server shared by the clinic's rooms."""
        return self.database_url.startswith(SERVER_PREFIX)

    @property
    def shown_url(self) -> str:
        """The database URL for messages, with any password left out."""
        return _without_password(self.database_url)

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"


_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(32), 127)} | {10: "\\n", 13: "\\r", 9: "\\t"}


def shown(value: object, limit: int = 160) -> str:
    """``value`` for a message on one line: control characters (a newline, a NUL) and non-UTF-8
    bytes as escapes, a very long value cut in the middle."""
    text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    try:  # a file name's bytes that are not UTF-8 (kept by Python as surrogates) as \xff, as they are
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = text.translate(_CONTROLS)
    if len(text) > limit:
        text = f"{text[:limit // 2]}…{text[-limit // 4:]} ({len(text):,} characters)"
    return text


def _where(origin: str) -> str:
    if origin == "--data-dir":
        return "the data folder given with --data-dir"
    if origin:
        return f"the data folder in {origin}"
    return "the default data folder"


HINT = f"Give a folder this user can write to with --data-dir DIR (or {ENV_DATA_DIR})."


def _given_folder(given: str | os.PathLike | None, origin: str) -> Path:
    if given is None:
        try:
            return default_data_dir()
        except (RuntimeError, KeyError, OSError) as exc:
            raise ConfigurationError(f"the default data folder cannot be found: this user's home folder is not "
                                     f"known (is HOME set?). {HINT}") from exc
    text = os.fspath(given)
    if "\0" in str(text):
        raise ConfigurationError(f"{_where(origin)} '{shown(text)}' holds a NUL character, which no file name can "
                                 f"hold. {HINT}")
    try:
        return Path(text).expanduser()
    except RuntimeError as exc:  # "~someone" with no such user, or "~" with no home folder
        raise ConfigurationError(f"{_where(origin)} '{shown(text)}' starts with ~, but that home folder is not "
                                 "known; write the whole path instead") from exc


def _resolved(path: Path, what: str) -> Path:
    try:
        return path.resolve()
    except RuntimeError as exc:  # Python 3.11/3.12 report a loop of symbolic links this way
        raise ConfigurationError(f"{what} {shown(path)} is a symbolic link that leads back to itself (a loop); "
                                 "remove the link or point it at a real file or folder") from exc
    except OSError as exc:
        raise ConfigurationError(f"{what} {shown(path)} cannot be used: {exc.strerror or exc}") from exc


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    return "not a folder"


def _check_folder(path: Path, what: str, hint: str) -> None:
    """``path`` is a folder, or can become one: no part of it is a file, and it is not too long."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return  # made when the store is first made
    except NotADirectoryError as exc:
        raise ConfigurationError(f"{what} {shown(path)} cannot be used: a part of its path is a file, not a "
                                 f"folder. {hint}") from exc
    except OSError as exc:
        raise ConfigurationError(f"{what} {shown(path)} cannot be used: {exc.strerror or exc}. {hint}") from exc
    if not stat.S_ISDIR(mode):
        raise ConfigurationError(f"{what} {shown(path)} is {_kind(mode)}, not a folder. {hint}")


def _check_file_path(path: Path, what: str, hint: str) -> None:
    """The database file's path can be looked at: not too long, no file in the middle of it."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return
    except NotADirectoryError as exc:
        raise ConfigurationError(f"{what} {shown(path)} cannot be used: a part of its path is a file, not a "
                                 f"folder. {hint}") from exc
    except OSError as exc:
        raise ConfigurationError(f"{what} {shown(path)} cannot be used: {exc.strerror or exc}. {hint}") from exc


SERVER_PREFIX = "postgresql+psycopg://"


def _without_password(url: str) -> str:
    return re.sub(r"^([a-z0-9+]+://[^:/@]*):[^@/]*@", r"\1:***@", url)


def _server_url(url: str, origin: str) -> str:
    """A PostgreSQL URL with the app's driver named (psycopg), or a message naming what is wrong."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            rest = url[len(prefix):]
            if not rest.split("?", 1)[0].strip("/") or "/" not in rest.split("?", 1)[0]:
                raise ConfigurationError(f"{origin} '{shown(_without_password(url))}' names no database; give "
                                         "postgresql+psycopg://USER@HOST/DATABASE")
            return SERVER_PREFIX + rest
    raise ConfigurationError(f"{origin} '{shown(_without_password(url))}' uses a driver this app does not have; use "
                             "postgresql+psycopg://USER@HOST/DATABASE")


def _check_url(url: str, origin: str) -> None:
    if "\0" in url:
        raise ConfigurationError(f"{origin} '{shown(url)}' holds a NUL character; give a URL such as "
                                 "sqlite:////PATH/clinic.sqlite3")
    for prefix in ("sqlite+pysqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix):].split("?", 1)[0]
            odd = [c for c in ("%", "#") if c in path]
            if odd:
                raise ConfigurationError(f"{origin} '{shown(url)}': its path holds {odd[0]!r}, which the database "
                                         "driver reads as an escape or a fragment, so another file would be opened; "
                                         "use a path without % or #")
            return


def resolve(data_dir: str | os.PathLike | None = None, database_url: str | None = None) -> Location:
    """Where the data is. A data folder or URL that cannot work (a file, a device, a loop of links, a
    path too long, a character the database URL would misread) raises a :class:`ConfigurationError`
    naming it, before anything is opened or made."""
    env_dir = os.environ.get(ENV_DATA_DIR)
    env_url = os.environ.get(ENV_DATABASE_URL)
    origin = "--data-dir" if data_dir else (ENV_DATA_DIR if env_dir else "")
    directory = _given_folder(data_dir or env_dir or None, origin)
    where = _where(origin)
    url = database_url or env_url
    url_origin = "--database-url" if database_url else ENV_DATABASE_URL
    if url:
        _check_url(url, url_origin)
    _check_folder(directory, where, HINT)
    directory = _resolved(directory, where)
    if not url:
        odd = [c for c in URL_CHARACTERS if c in str(directory)]
        if odd:
            raise ConfigurationError(f"{where} {shown(directory)} has {odd[0]!r} in its path, which the database "
                                     "URL would read as its own (the store would be made somewhere else); choose "
                                     "or rename a folder without ?, # or % in its path")
        url = f"sqlite:///{_resolved(directory / DATABASE_FILE, 'the database file')}"
    if url.startswith("postgres"):
        url = _server_url(url, url_origin)
    location = Location(data_dir=directory, database_url=url, origin=origin)
    if location.sqlite_path is None and not location.is_server:
        raise ConfigurationError(
            f"database URL '{shown(_without_password(url))}' is not supported: use sqlite:///PATH (one room) or "
            f"postgresql+psycopg://USER@HOST/DATABASE (a clinic's server), or leave {ENV_DATABASE_URL} unset"
        )
    if location.sqlite_path is not None:
        hint = f"Check {url_origin}." if database_url or env_url else HINT
        _check_file_path(location.sqlite_path, "the database file", hint)
    return location


def make_folders(location: Location) -> None:
    """Make the data folder (and the database file's folder) if they do not exist yet, owner-only;
    a folder that cannot be made raises a :class:`ConfigurationError` naming it."""
    folders = [location.data_dir]
    if location.sqlite_path is not None:
        folders.append(location.sqlite_path.parent)
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            what = _where(location.origin) if folder == location.data_dir else "the database folder"
            reason = "a file is in the way" if isinstance(exc, FileExistsError) else (exc.strerror or str(exc))
            raise ConfigurationError(f"cannot make {what} {shown(folder)}: {reason}. {HINT}") from exc
