"""Getting the store ready: migrate, load the shipped content, and open it for reading.

``is_ready`` answers in milliseconds with the stdlib driver (no ORM import), so a normal start
paints the window at once; ``prepare`` does the heavy work (Alembic, the ORM, the content
loader) only when the schema or the shipped content changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic_app.content.paths import content_fingerprint, shipped_content_dir
from clinic_app.errors import ServerUnreachableError
from clinic_app.settings import Location
from clinic_app.storage import preflight
from clinic_app.storage.store import Store


@dataclass(frozen=True)
class PrepareResult:
    revision: str
    library_version: str
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    kept_clinic_edits: tuple[str, ...] = ()


def is_ready(location: Location) -> bool:
    """True when the store is at the head revision and holds the shipped content. Raises a
    :class:`~clinic_app.errors.DatabaseError` for a file that is not usable (or a server that
    cannot be reached)."""
    if location.is_server:
        if Store.of(location).copy_taken_at is not None:  # this process reads the room's copy already
            return True
        try:
            return _server_ready(location) is not None
        except ServerUnreachableError as exc:
            if Store.of(location).use_copy():  # the room reads its own copy of the library meanwhile
                return True
            raise ServerUnreachableError(f"{exc.message}. This room has no copy of the library yet to read meanwhile "
                                         "(it makes one the first time it opens with the server)") from exc
    return _ready_state(location) is not None


def _server_ready(location: Location) -> PrepareResult | None:
    """The server's revision and library version when it is up to date (else None), read with
    two small queries through the read connection (no migration tool)."""
    store = Store.of(location)
    tables = {row[0] for row in store.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_name IN ('alembic_version', 'app_meta')")}
    if tables != {"alembic_version", "app_meta"}:
        return None
    revision = store.query("SELECT version_num FROM alembic_version")
    if not revision or revision[0][0] != preflight.head_revision():
        return None
    meta = store.meta()
    if meta.get("content_fingerprint") != content_fingerprint(shipped_content_dir()):
        return None
    return PrepareResult(revision=revision[0][0], library_version=meta.get("library_version", ""))


def _ready_state(location: Location) -> preflight.StoreState | None:
    """The store's state, read with SQLite alone, when it is up to date (else None)."""
    path = location.sqlite_path
    if path is None:
        return None
    state = preflight.inspect(path, integrity=False)
    ready = (state.exists and not state.needs_upgrade
             and state.content_fingerprint == content_fingerprint(shipped_content_dir()))
    return state if ready else None


def prepare(location: Location) -> PrepareResult:
    """Create or migrate the store and load the shipped content when it changed. A store already
    at the newest schema with the shipped content in it is only read (with SQLite alone: no
    migration tool, no content check), so an up-to-date 'db upgrade' costs about a search. A new
    store is migrated and loaded under a temporary name and appears under its own name complete;
    an empty store file is refused (:mod:`~clinic_app.storage.preflight`), never filled."""
    if location.is_server:
        ready = _server_ready(location)
        if ready is not None:
            return ready
    state = None if location.is_server else _ready_state(location)
    if state is not None:
        preflight.remove_stale_new_stores(location.sqlite_path)  # what a first start cut short left beside it
        daily_backup(location)
        return PrepareResult(revision=state.revision or "", library_version=state.library_version)
    from clinic_app.content.loader import load_into

    path = location.sqlite_path
    if path is not None and not path.exists():  # the first start: the store is made whole, then named
        from clinic_app.storage.database import create_new

        made, report = create_new(location, fill=load_into)
        if made:
            daily_backup(location)
            return _result(preflight.head_revision(), report)
        # another start put a store there meanwhile: it is brought up to date as any other
    store = Store.of(location)
    if not store.is_open_for_writes:  # the schema and the shipped content, in one transaction
        from clinic_app.content.loader import checked_bundle, loaded_fingerprint, write_content

        bundle = checked_bundle()  # read and checked before the write lock is taken
        written: list = []

        def fill(session) -> None:  # noqa: ANN001 - sqlalchemy Session
            if loaded_fingerprint(session) != bundle.fingerprint:
                written.append(write_content(session, bundle))

        db = store.database(fill=fill)
        daily_backup(location)
        if written:
            return _result(db.revision() or "", written[0])
        loaded = _loaded_content(db)
        return PrepareResult(revision=db.revision() or "", library_version=loaded[1] if loaded else "")
    db = store.database()  # opened earlier in this process: its schema is current
    loaded = _loaded_content(db)
    if loaded is not None and loaded[0] == content_fingerprint(shipped_content_dir()):
        daily_backup(location)
        return PrepareResult(revision=db.revision() or "", library_version=loaded[1])
    report = load_into(db)
    daily_backup(location)
    return _result(db.revision() or "", report)


def _result(revision: str, report) -> PrepareResult:  # noqa: ANN001 - content.loader.LoadReport
    return PrepareResult(
        revision=revision,
        library_version=report.library_version,
        added=tuple(report.added),
        updated=tuple(report.updated),
        kept_clinic_edits=tuple(report.kept_clinic_edits),
    )


def _loaded_content(db) -> tuple[str, str] | None:  # noqa: ANN001 - storage.database.Database
    """(content fingerprint, library version) of the content in the store, if any was loaded."""
    from sqlalchemy import text

    with db.session() as session:
        rows = dict(session.execute(text(
            "SELECT key, value FROM app_meta WHERE key IN ('content_fingerprint', 'library_version')")).all())
    if not rows.get("content_fingerprint"):
        return None
    return rows["content_fingerprint"], rows.get("library_version", "")


BACKUP_PROBLEM_FILE = "backup-problem.txt"


def daily_backup(location: Location) -> str | None:
    """The automatic backup, at most one a day. A failure must not stop a consultation, but it must
    not go unnoticed either: it returns a plain message, which is also kept in the data folder
    (``backup-problem.txt``) for the window's status bar and ``clinic-app db check`` until a
    backup succeeds again."""
    import datetime as dt

    from clinic_app.errors import ClinicAppError
    from clinic_app.storage import backup

    if location.is_server:  # a server is backed up on the server (pg_dump, archiving), not from a room
        return None
    marker = location.data_dir / BACKUP_PROBLEM_FILE
    try:
        backup.daily(location)
    except (ClinicAppError, OSError) as exc:
        reason = exc.message if isinstance(exc, ClinicAppError) else (exc.strerror or str(exc))
        message = (f"The automatic backup could not be made ({reason}). Check the free disk space and the "
                   f"backups folder {location.backup_dir}, or run 'clinic-app db backup'.")
        try:
            marker.write_text(f"{dt.datetime.now():%Y-%m-%d %H:%M}  {message}\n", encoding="utf-8")
        except OSError:
            pass
        return message
    try:
        marker.unlink(missing_ok=True)
    except OSError:
        pass
    return None


def backup_problem(location: Location) -> str | None:
    """The last automatic backup's failure, if the last attempt failed."""
    try:
        return (location.data_dir / BACKUP_PROBLEM_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def open_store(location: Location) -> Store:
    """This process's store for ``location``, prepared first when the schema or content changed."""
    if not is_ready(location):
        prepare(location)
    return Store.of(location)
