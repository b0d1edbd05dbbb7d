"""A room's own copy of the clinic's library, read while the clinic's server cannot be reached.

Only a room working on a server has one: ``library-copy.sqlite3`` in the room's data folder, an
SQLite store at the same schema revision, holding every table of the library (therapies,
conditions, references, their revisions, the clinic's profile, fields and presets) and none of the
records (consultations and handouts stay on the server: no patient's record is copied to a room).

:func:`clinic_app.services.library_copy.refresh` reads the library from the server in one
repeatable-read transaction, so the copy is one moment of it. When that moment is the one already
copied (the SHA-256 of every copied row is kept in the copy), only the time of the check is written.
Otherwise a new copy is migrated and filled under a temporary name, folded into one file and put in
place in one rename: a kill at any moment leaves the old copy or the new one, never a half-made one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from clinic_app.settings import Location

FILE_NAME = "library-copy.sqlite3"
RECORD_TABLES = ("consultation", "consultation_handout", "handout_print", "record_chain")
NOT_COPIED = ("alembic_version", "search_index", "search_refs", *RECORD_TABLES)  # made by the migrations or rebuilt
DIGEST_KEY = "library_copy_sha256"  # in the copy's app_meta: what was copied
TAKEN_KEY = "library_copy_taken_at"  # when the server last had exactly this library (UTC, ISO)
SOURCE_KEY = "library_copy_of"  # the server it was copied from (no password)


def path_of(location: Location) -> Path:
    return location.data_dir / FILE_NAME


def copy_facts(path: Path) -> dict[str, str] | None:
    """The copy's own facts (digest, time taken, source) when a usable copy is at ``path``, else None."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute("SELECT key, value FROM app_meta WHERE key IN (?, ?, ?)",
                                (DIGEST_KEY, TAKEN_KEY, SOURCE_KEY)).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    facts = dict(rows)
    return facts if facts.get(DIGEST_KEY) and facts.get(TAKEN_KEY) else None
