"""Where the clinic's data lives, and which database to open.

Order of precedence: command-line option, then environment variable, then the per-user
data directory from platformdirs. ``--database-url`` wins over ``--data-dir``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from clinic_app import APP_ID

ENV_DATA_DIR = "CLINIC_APP_DATA_DIR"
ENV_DATABASE_URL = "CLINIC_APP_DATABASE_URL"
DATABASE_FILE = "clinic.sqlite3"


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_ID, appauthor=False)


@dataclass(frozen=True)
class Location:
    """The data directory and the database URL the app will use."""

    data_dir: Path
    database_url: str

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
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"


def resolve(data_dir: str | os.PathLike | None = None, database_url: str | None = None) -> Location:
    env_dir = os.environ.get(ENV_DATA_DIR)
    env_url = os.environ.get(ENV_DATABASE_URL)
    directory = Path(data_dir or env_dir or default_data_dir()).expanduser()
    url = database_url or env_url
    if not url:
        url = f"sqlite:///{(directory / DATABASE_FILE).resolve()}"
    location = Location(data_dir=directory.resolve(), database_url=url)
    if location.sqlite_path is None and not url.startswith("sqlite"):
        from clinic_app.errors import ConfigurationError

        raise ConfigurationError(
            f"database URL {url!r} is not supported: this version stores its data in SQLite "
            f"(use sqlite:///PATH or leave {ENV_DATABASE_URL} unset)"
        )
    return location
