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

import json
import os
import sqlite3
import tempfile
from pathlib import Path

from clinic_app.settings import Location

FILE_NAME = "library-copy.sqlite3"
CHECKED_NAME = "library-copy-checked.json"  # when the server last held exactly the copy's library
RECORD_TABLES = ("consultation", "consultation_handout", "handout_print", "record_chain")
NOT_COPIED = ("alembic_version", "search_index", "search_refs", *RECORD_TABLES)  # made by the migrations or rebuilt
DIGEST_KEY = "library_copy_sha256"  # in the copy's app_meta: what was copied
TAKEN_KEY = "library_copy_taken_at"  # when the server last had exactly this library (UTC, ISO)
SOURCE_KEY = "library_copy_of"  # the server it was copied from (no password)


def path_of(location: Location) -> Path:
    return location.data_dir / FILE_NAME


def read_only_uri(path: Path) -> str:
    """How the copy is opened: read-only and immutable (it is never written once in place; a new
    copy replaces it whole), so reading it leaves no lock or log file beside it."""
    return f"file:{path}?mode=ro&immutable=1"


def copy_facts(path: Path) -> dict[str, str] | None:
    """The copy's own facts (digest, time taken, source) when a usable copy is at ``path``, else
    None. The time is the latest moment the server was seen holding that library: when it was
    copied, or a later check that found the same (kept beside it, see :func:`note_checked`)."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=5)
        try:
            rows = conn.execute("SELECT key, value FROM app_meta WHERE key IN (?, ?, ?)",
                                (DIGEST_KEY, TAKEN_KEY, SOURCE_KEY)).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    facts = dict(rows)
    if not (facts.get(DIGEST_KEY) and facts.get(TAKEN_KEY)):
        return None
    try:
        checked = json.loads((path.parent / CHECKED_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        checked = {}
    if isinstance(checked, dict) and checked.get("sha256") == facts[DIGEST_KEY]:
        facts[TAKEN_KEY] = max(facts[TAKEN_KEY], str(checked.get("checked_at", "")))
    return facts


def note_checked(path: Path, digest: str, checked_at: str) -> None:
    """Keep beside the copy that the server held exactly its library at ``checked_at``: written
    under a temporary name and renamed, so the note is the old one or the new one."""
    note = path.parent / CHECKED_NAME
    handle, name = tempfile.mkstemp(prefix=f".{CHECKED_NAME}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump({"sha256": digest, "checked_at": checked_at}, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(name, note)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
