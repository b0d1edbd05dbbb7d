"""Backups with SQLite's online backup API: written to a temporary file, verified with
``integrity_check``, then renamed into place, so a half-written backup never exists.

Automatic backups (``daily``) follow a retention ladder: the newest of each of the last 12 days,
10 weeks and 9 months. Backups a person asked for, and those made before a migration or restore,
are never removed automatically.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clinic_app.errors import DatabaseError
from clinic_app.settings import Location, shown

from . import leftovers, preflight

_NAME = re.compile(r"^clinic-(\d{8}-\d{6})(?:-([a-z0-9-]+))?\.sqlite3$")
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 12, 10, 9


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: dt.datetime
    reason: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def _verify(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:  # "database disk image is malformed": what was copied is damaged
        raise DatabaseError(f"the copy {path} could not be checked ({exc}): the database it was copied from is "
                            "damaged, so it was not kept. 'clinic-app db check' tells more; 'clinic-app db restore "
                            "BACKUP' brings back an earlier backup ('clinic-app db backups' lists them).") from exc
    if result != "ok":
        raise DatabaseError(f"backup {path} failed its integrity check ({result}); it was not kept")


COPY_SUFFIX = ".partial"
_COPY_NAME = re.compile(rf"^\..+-{leftovers.RANDOM_PART}{re.escape(COPY_SUFFIX)}{leftovers.SQLITE_COMPANIONS}$")


def remove_stale_copies(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary copies (``.NAME-XXXXXXXX.partial`` and SQLite's journal beside it) that a
    backup or restore cut short left in ``folder``."""
    return leftovers.remove_stale(folder, _COPY_NAME, now=now)


def copy_database(source: Path, target: Path, before_replace=None) -> None:  # noqa: ANN001 - a callable
    """Copy ``source`` to ``target`` through a verified temporary file. The copy is in rollback-journal
    mode (not the store's write-ahead log), so it opens from read-only media and nothing is left
    beside it: no ``-wal`` or ``-shm`` file, and no ``.partial`` file once it is in place.
    ``before_replace`` runs after the copy is verified and before it takes ``target``'s place."""
    remove_stale_copies(target.parent)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=5)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"could not open {source} to copy it: {exc}; nothing was written") from exc
    try:  # a name of its own, owner-only: two copies to one name at once never share a temporary file
        handle, name = tempfile.mkstemp(prefix=f".{target.name}-", suffix=COPY_SUFFIX, dir=target.parent)
        os.close(handle)
    except OSError as exc:
        src.close()
        raise DatabaseError(f"could not write in {shown(target.parent)} ({exc.strerror or exc}); nothing was "
                            "written") from exc
    tmp = Path(name)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # folds and removes the copy's -wal and -shm
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        tmp.unlink(missing_ok=True)
        raise DatabaseError(f"could not copy {source} to {target}: {exc}") from exc
    finally:
        src.close()
        for leftover in (tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)
    try:
        _verify(tmp)
        os.chmod(tmp, 0o600)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def create(location: Location, reason: str = "manual", target: Path | str | None = None,
           now: dt.datetime | None = None) -> BackupFile:
    source = location.sqlite_path
    if source is None or not source.exists():
        raise DatabaseError(f"there is no database file to back up at {source or location.database_url}")
    if not source.is_file():
        raise DatabaseError(f"{source} is not a database file (a folder, a pipe or a device?); there is nothing to "
                            "back up, and it was left as it was")
    now = now or dt.datetime.now()
    slug = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-") or "manual"
    name = f"clinic-{now:%Y%m%d-%H%M%S}-{slug}.sqlite3"
    if target is None:
        try:
            location.backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except FileExistsError as exc:
            raise DatabaseError(f"the backups folder {location.backup_dir} is a file, not a folder; move it aside "
                                "(no backup was written)") from exc
        except OSError as exc:
            raise DatabaseError(f"cannot make the backups folder {location.backup_dir}: {exc.strerror or exc}; no "
                                "backup was written") from exc
        target = _unused(location.backup_dir / name)
    else:
        chosen = _chosen_target(str(target), name)
        _not_the_store(chosen, source)
        target = _unused(chosen) if chosen.name == name else chosen  # a name the user typed is theirs to reuse
    copy_database(source, target)
    if target.parent == location.backup_dir:
        prune(location, now=now)
    return BackupFile(path=target, taken_at=now, reason=slug)


def _unused(path: Path) -> Path:
    """``path``, or the same name with -2, -3… when a backup made in the same second has it: two
    restores in one second must keep both safety copies."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name.removesuffix('.sqlite3')}-{number}.sqlite3")
    return candidate


def _not_the_store(target: Path, source: Path) -> None:
    """A backup never takes the place of the store it copies, nor of its write-ahead log: that would
    replace the clinic's data while it may be in use."""
    own = {source.resolve(), *(source.resolve().with_name(source.name + s) for s in ("-wal", "-shm", "-journal"))}
    same = target.resolve() in own
    if not same and target.exists():
        try:
            same = os.path.samefile(target, source)
        except OSError:
            same = False
    if same:
        raise DatabaseError(f"{target} is the database itself (or its log), not a place for a backup of it; choose "
                            "another file or folder (no backup was written)")


def _chosen_target(given: str, name: str) -> Path:
    """Where a backup the user pointed at goes: into a folder that exists (under its own dated
    name), or to a file in a folder that exists. A folder that does not exist is an error, never
    made: a backup to an unmounted drive must not 'succeed' on the local disk. ``given`` is the
    text typed, so a trailing slash still says "a folder"."""
    target = Path(given)
    try:
        os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as exc:  # a name too long, a loop of links, no permission to look
        raise DatabaseError(f"cannot write a backup to {shown(target)}: {exc.strerror or exc}; no backup was "
                            "written") from exc
    except ValueError as exc:  # "embedded null byte"
        raise DatabaseError(f"cannot write a backup to {shown(target)}: the name holds a NUL character; no backup "
                            "was written") from exc
    if target.is_dir():
        return target / name
    named_folder = given.endswith(("/", os.sep))
    if named_folder or not target.parent.is_dir():
        folder = target if named_folder else target.parent
        raise DatabaseError(f"the folder {folder} does not exist (is the drive connected?); no backup was written")
    if target.exists() and not target.is_file():
        raise DatabaseError(f"{target} is not a regular file (a device or a pipe?); no backup was written there")
    return target


def daily(location: Location, now: dt.datetime | None = None) -> BackupFile | None:
    """An automatic backup, at most one a day; None when today's already exists."""
    now = now or dt.datetime.now()
    if any(b.reason == "auto" and b.taken_at.date() == now.date() for b in list_backups(location)):
        return None
    if location.sqlite_path is None or not location.sqlite_path.exists():
        return None
    return create(location, reason="auto", now=now)


def list_backups(location: Location) -> list[BackupFile]:
    """The backups in the backups folder, newest first. Only files with a backup's name and a real
    date count: a folder, a link to nothing or a made-up date under such a name is not a backup."""
    found = []
    if location.backup_dir.is_dir():
        try:
            entries = list(location.backup_dir.iterdir())
        except OSError as exc:
            raise DatabaseError(f"cannot read the backups folder {location.backup_dir}: {exc.strerror or exc}. Check "
                                "that this user may open it.") from exc
        for path in entries:
            match = _NAME.match(path.name)
            if not match or not path.is_file():
                continue
            try:
                taken = dt.datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
            except ValueError:  # "clinic-20251399-..." names no day
                continue
            found.append(BackupFile(path=path, taken_at=taken, reason=match.group(2) or "manual"))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def prune(location: Location, now: dt.datetime | None = None) -> list[Path]:
    """Apply the retention ladder to routine backups; returns the files removed."""
    backups = list_backups(location)
    keep: set[Path] = {b.path for b in backups if b.reason != "auto"}
    backups = [b for b in backups if b.reason == "auto"]
    buckets: dict[tuple, Path] = {}
    for item in backups:  # newest first: the first seen in a bucket is kept
        day = item.taken_at.date()
        for bucket, limit in (
            (("d", day), KEEP_DAILY),
            (("w", day.isocalendar()[:2]), KEEP_WEEKLY),
            (("m", (day.year, day.month)), KEEP_MONTHLY),
        ):
            kind = bucket[0]
            if bucket not in buckets and sum(1 for k in buckets if k[0] == kind) < limit:
                buckets[bucket] = item.path
    keep |= set(buckets.values())
    removed = []
    for item in backups:
        if item.path not in keep:
            item.path.unlink(missing_ok=True)
            removed.append(item.path)
    return removed


def delete_before(location: Location, before: dt.date, today: dt.date | None = None,
                  delete: bool = True) -> tuple[list[BackupFile], list[BackupFile]]:
    """Delete the backups in the backups folder made before the day ``before``, every kind (after a
    privacy purge, they still hold what it removed); returns (deleted, kept), oldest first. A safety
    copy made today before a restore or an upgrade is kept: it is the way back from that step.
    ``delete=False`` deletes nothing and returns what would be deleted. Backups kept anywhere else
    are not known here. A file that cannot be deleted stops it, naming what was deleted before."""
    today = today or dt.date.today()
    older = sorted((b for b in list_backups(location) if b.taken_at.date() < before), key=lambda b: b.taken_at)
    kept = [b for b in older if b.reason.startswith("before-") and b.taken_at.date() == today]
    chosen = [b for b in older if b not in kept]
    if not delete:
        return chosen, kept
    deleted: list[BackupFile] = []
    for item in chosen:
        try:
            item.path.unlink(missing_ok=True)
        except OSError as exc:
            done = f"; deleted before it: {', '.join(b.path.name for b in deleted)}" if deleted else ""
            raise DatabaseError(f"could not delete the backup {item.path} ({exc.strerror or exc}){done}") from exc
        deleted.append(item)
    return deleted, kept


def restore(location: Location, backup_path: Path) -> BackupFile:
    """Replace the store with ``backup_path`` after checking it; the current store is backed up first."""
    backup_path = Path(backup_path)
    try:
        mode = os.stat(backup_path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise DatabaseError(f"backup file {shown(backup_path)} does not exist") from None
    except OSError as exc:
        raise DatabaseError(f"cannot open the backup file {shown(backup_path)}: {exc.strerror or exc}; the database "
                            "was left as it was") from exc
    except ValueError as exc:  # "embedded null byte"
        raise DatabaseError(f"cannot open the backup file {shown(backup_path)}: the name holds a NUL character; the "
                            "database was left as it was") from exc
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe or a device?)"
        raise DatabaseError(f"the backup {shown(backup_path)} is {kind}, not a backup file; the database was left as "
                            "it was")
    state = preflight.inspect(backup_path)
    if state.revision is None:
        raise DatabaseError(f"{backup_path} is not a Clinic Reference backup (no schema revision)")
    target = location.sqlite_path
    if target is None:
        raise DatabaseError("restore needs an SQLite database file")
    from .store import Store

    Store.forget(location)  # this process's open store points at the old file
    safety = None
    if target.exists() and target.stat().st_size:
        safety = create(location, reason="before-restore")
    # The live store stays whole until the restored copy is checked and takes its place: first
    # its write-ahead log is folded into it (so no committed record lives only in the log, and a
    # log left beside the new file holds nothing to replay onto it), then the copy replaces it in
    # one rename. A failure or a kill before the rename leaves the store as it was; after, restored.
    copy_database(backup_path, target, before_replace=lambda: _fold_log(target))
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    return safety or BackupFile(path=target, taken_at=dt.datetime.now(), reason="restore")


def _fold_log(path: Path) -> None:
    """Write the store's write-ahead log into the file and empty it; refuse while it is in use."""
    if not path.exists():
        return
    conn = sqlite3.connect(path, timeout=5)
    try:
        busy, _log, _moved = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"the database {path} could not be prepared for the restore ({exc}); it was left "
                            "as it was") from exc
    finally:
        conn.close()
    if busy:
        raise DatabaseError(f"the database {path} is in use (close Clinic Reference's window and try again); it "
                            "was left as it was")
