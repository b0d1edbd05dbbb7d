"""What a run cut short (a crash, a kill -9, a power cut) leaves behind: temporary files written
beside their final name (a new store, a backup copy, a PDF) that never took it.

Each writer names its temporary files so that they match one pattern, and removes the stale ones
before it writes again. Only files older than :data:`STALE_SECONDS` go: a newer one may belong to
another process that is still writing it (a long write keeps touching its file).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

STALE_SECONDS = 600  # a temporary file untouched this long was left by a run that was cut short
RANDOM_PART = "[A-Za-z0-9_]{6,}"  # what tempfile.mkstemp puts in a name
SQLITE_COMPANIONS = "(-wal|-shm|-journal)?"  # SQLite's own files beside a database under a temporary name


def remove_stale(folder: Path, pattern: re.Pattern, now: float | None = None,
                 at_once: Callable[[Path], bool] | None = None) -> list[Path]:
    """Remove the regular files in ``folder`` whose names match ``pattern`` and that are older than
    :data:`STALE_SECONDS` (or for which ``at_once`` says they can go now); returns what was removed.
    A folder or file that cannot be read or removed is left: this is tidying, never a failure."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not pattern.match(entry.name):
            continue
        try:
            if not entry.is_file() or entry.is_symlink():
                continue
            if (at_once is not None and at_once(entry)) or now - entry.stat().st_mtime > STALE_SECONDS:
                entry.unlink()
                removed.append(entry)
        except OSError:
            continue
    return removed
