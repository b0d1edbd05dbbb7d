"""The store's files as bytes on disk, for the tests that prove a refused or killed write left
the database exactly as it was. (Importable from every test: pytest puts this folder on the path
for its conftest.)"""

from __future__ import annotations

import hashlib
from pathlib import Path


def db_digest(location) -> dict[str, str | None]:  # noqa: ANN001 - settings.Location
    """SHA-256 of the database file and of its write-ahead log, as bytes on disk (None: no such file)."""
    found = {}
    for suffix in ("", "-wal"):
        path = Path(f"{location.sqlite_path}{suffix}")
        found[suffix or "db"] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    return found


def copy_db(source: Path, data_dir: Path) -> Path:
    """A whole, consistent copy of the database ``source`` (its log folded in) as the store of the
    data folder ``data_dir``, which is made if need be; returns ``data_dir``."""
    import sqlite3

    from clinic_app import settings

    data_dir.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(data_dir / settings.DATABASE_FILE)
    src.backup(dst)
    src.close()
    dst.close()
    return data_dir
