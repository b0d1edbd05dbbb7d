"""Hostile and odd input for every command: each case gets its own message, never the last guard.

Each case below was found by sweeping the command line (as a subprocess, against a prepared data
folder) with bad bytes, huge values, odd paths, damaged databases and full disks. Most ended in
"clinic-app: unexpected error" (exit 70), two hung for ever, and a few did worse without a word
(marked "silently" below: a store made outside the data folder, a backup written over the live
database). Each now says what is wrong with which value, exits with another code than 0 or 70,
prints no traceback, and leaves the database (or the file the case is about) as it was. A span
that reaches the calendar's last day lists what it should (the last test).

The commands run in-process through ``clinic_app.cli.main``. A full disk is /dev/full behind
standard output; a file the user may not read is an ``os.stat`` that says so (the suite may run as
root, whom ``chmod 000`` does not stop).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import signal
import sqlite3
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from clinic_app import settings
from clinic_app.cli import main
from clinic_app.settings import shown

LINUX = sys.platform.startswith("linux")
BEYOND_64_BITS = str(2**63)


@dataclass
class Ctx:
    """What a case works with: the prepared data folder, a scratch folder and monkeypatch."""

    data: Path
    tmp: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def db(self) -> Path:
        return self.data / settings.DATABASE_FILE


@dataclass(frozen=True)
class Case:
    id: str
    argv: Callable[[Ctx], list[str]]
    says: Callable[[Ctx], list[str]]  # what the message must hold: the value and what is wrong with it
    setup: Callable[[Ctx], None] | None = None
    watch: Callable[[Ctx], Path] = lambda ctx: ctx.db  # the file that must stay exactly as it was
    needs: tuple[str, ...] = ()  # "linux", "dev-full"


def state_of(path: Path) -> str:
    """The bytes of ``path`` (and of its write-ahead log, where the last writes are), or what it is."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "absent"
    if stat.S_ISLNK(mode):
        return f"link to {os.readlink(path)}"
    if not stat.S_ISREG(mode):
        return f"mode {stat.S_IFMT(mode):o}"
    digest = hashlib.sha256(path.read_bytes())
    wal = Path(f"{path}-wal")
    if wal.is_file():
        digest.update(wal.read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def deadline(seconds: int):
    """A case that used to hang (a pipe read as the database, a page-long search) fails instead."""

    def expired(signum, frame):  # noqa: ANN001
        raise TimeoutError(f"the command did not finish in {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def data_args(ctx: Ctx, *args: str) -> list[str]:
    return ["--data-dir", str(ctx.data), *args]


# --- setups ---------------------------------------------------------------------------------------


def a_file(ctx: Ctx) -> None:
    (ctx.tmp / "notes.txt").write_text("a clinic's notes, not a folder\n")


def symlink_loop(name: str) -> Callable[[Ctx], None]:
    def make(ctx: Ctx) -> None:
        os.symlink(ctx.tmp / name, ctx.tmp / name)

    return make


def database_loop(ctx: Ctx) -> None:
    ctx.db.unlink()
    os.symlink(ctx.db, ctx.db)


def database_pipe(ctx: Ctx) -> None:
    ctx.db.unlink()
    os.mkfifo(ctx.db)


def database_folder(ctx: Ctx) -> None:
    ctx.db.unlink()
    ctx.db.mkdir()


def unreadable_database(ctx: Ctx) -> None:
    real_stat = os.stat

    def stat_refused(path, *args, **kwargs):  # noqa: ANN001, ANN202
        if os.fspath(path) == str(ctx.db):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    ctx.monkeypatch.setattr(os, "stat", stat_refused)


def damaged_index(ctx: Ctx) -> None:
    conn = sqlite3.connect(ctx.db)
    conn.execute("DELETE FROM search_index_data")  # the search index's own pages: "vtable constructor failed"
    conn.commit()
    conn.close()


def damaged_pages(ctx: Ctx) -> None:
    conn = sqlite3.connect(ctx.db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(ctx.db.read_bytes())
    middle = len(data) // 2
    data[8192:12288] = b"\xab" * 4096
    data[middle:middle + 20000] = b"\x5a" * 20000
    ctx.db.write_bytes(bytes(data))


def backups_is_a_file(ctx: Ctx) -> None:
    shutil.rmtree(ctx.data / "backups", ignore_errors=True)
    (ctx.data / "backups").write_text("not a folder")


def unreadable_backups(ctx: Ctx) -> None:
    (ctx.data / "backups").mkdir(exist_ok=True)
    real_iterdir = Path.iterdir

    def iterdir_refused(self):  # noqa: ANN001, ANN202
        if self == ctx.data / "backups":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_iterdir(self)

    ctx.monkeypatch.setattr(Path, "iterdir", iterdir_refused)


def impossible_backup_names(ctx: Ctx) -> None:
    folder = ctx.data / "backups"
    folder.mkdir(exist_ok=True)
    (folder / "clinic-20251399-256199-manual.sqlite3").write_bytes(b"not a day")
    os.symlink(ctx.tmp / "gone.sqlite3", folder / "clinic-20250101-000000-manual.sqlite3")


def full_stdout(ctx: Ctx) -> None:
    full = open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115 - closed by the test's cleanup
    ctx.monkeypatch.setattr(sys, "stdout", full)


def folder_with(character: str) -> Callable[[Ctx], None]:
    def make(ctx: Ctx) -> None:
        shutil.copytree(ctx.data, ctx.tmp / f"q{character}x")

    return make


def content_with_a_non_utf8_name(ctx: Ctx) -> None:
    from clinic_app.content.paths import shipped_content_dir

    target = ctx.tmp / "content"
    shutil.copytree(shipped_content_dir(), target, ignore=shutil.ignore_patterns("templates", "icons", "*.qss"))
    (target / "references" / os.fsdecode(b"\xff.yaml")).write_text("a: 1\n")  # a problem that names the file


# --- the cases ------------------------------------------------------------------------------------

LONG = "n" * 300  # one name longer than any file system allows (255 bytes)

CASES = [
    # where the data lives
    Case("data-dir-is-a-file", lambda c: ["--data-dir", str(c.tmp / "notes.txt"), "search", "plasma"],
         lambda c: [str(c.tmp / "notes.txt"), "is a file, not a folder"], setup=a_file,
         watch=lambda c: c.tmp / "notes.txt"),
    Case("data-dir-is-a-device", lambda c: ["--data-dir", "/dev/null", "clinic", "show"],
         lambda c: ["/dev/null is a device, not a folder"], needs=("linux",)),
    Case("env-data-dir-is-a-file", lambda c: ["db", "upgrade"],
         lambda c: ["CLINIC_APP_DATA_DIR", str(c.tmp / "notes.txt"), "is a file"],
         setup=lambda c: (a_file(c), c.monkeypatch.setenv(settings.ENV_DATA_DIR, str(c.tmp / "notes.txt"))),
         watch=lambda c: c.tmp / "notes.txt"),
    Case("data-dir-cannot-be-made", lambda c: ["--data-dir", "/proc/no-such-folder/clinic", "db", "upgrade"],
         lambda c: ["cannot make the data folder", "/proc/no-such-folder/clinic"], needs=("linux",)),
    Case("home-not-writable", lambda c: ["search", "plasma"],
         lambda c: ["cannot make the default data folder /proc/no-such-folder/", "--data-dir"],
         setup=lambda c: (c.monkeypatch.setenv("XDG_DATA_HOME", "/proc/no-such-folder"),
                          c.monkeypatch.setenv("HOME", "/proc")), needs=("linux",)),
    Case("data-dir-name-too-long", lambda c: ["--data-dir", str(c.tmp / LONG), "db", "check"],
         lambda c: [shown(c.tmp / LONG), "cannot be used: File name too long"]),
    Case("data-dir-symlink-loop", lambda c: ["--data-dir", str(c.tmp / "loop"), "handout", "log"],
         lambda c: [str(c.tmp / "loop"), "cannot be used"], setup=symlink_loop("loop")),
    Case("data-dir-unknown-home", lambda c: ["--data-dir", "~no-such-user-here/clinic", "search", "plasma"],
         lambda c: ["~no-such-user-here/clinic", "starts with ~"]),
    Case("database-symlink-loop", lambda c: data_args(c, "db", "backups"),
         lambda c: [str(c.db), "leads back to itself"], setup=database_loop),
    Case("database-url-percent-escape", lambda c: data_args(c, "--database-url", f"sqlite:///{c.tmp}/a%00b.db",
                                                            "search", "plasma"),
         lambda c: [f"sqlite:///{c.tmp}/a%00b.db", "holds '%'"]),
    Case("database-url-name-too-long", lambda c: ["--database-url", f"sqlite:///{c.tmp}/{LONG}.db", "clinic", "show"],
         lambda c: ["the database file", "--database-url"]),
    Case("data-dir-question-mark", lambda c: ["--data-dir", str(c.tmp / "q?x"), "search", "plasma"],
         lambda c: [str(c.tmp / "q?x"), "'?'"], setup=folder_with("?"),
         watch=lambda c: c.tmp / "q"),  # silently: the store was made here, outside the data folder
    Case("data-dir-hash-sign", lambda c: ["--data-dir", str(c.tmp / "q#x"), "search", "plasma"],
         lambda c: [str(c.tmp / "q#x"), "'#'"], setup=folder_with("#"), watch=lambda c: c.tmp / "q"),
    Case("nul-in-data-dir", lambda c: ["--data-dir", f"{c.data}\0x", "search", "plasma"],
         lambda c: [shown(f"{c.data}\0x"), "NUL"]),
    # the database file itself
    Case("database-is-a-pipe", lambda c: data_args(c, "search", "plasma"),
         lambda c: [str(c.db), "is a pipe"], setup=database_pipe),
    Case("database-unreadable", lambda c: data_args(c, "consultations", "list"),
         lambda c: [str(c.db), "Permission denied"], setup=unreadable_database),
    Case("database-damaged", lambda c: data_args(c, "search", "plasma"),
         lambda c: [str(c.db), "is damaged", "db restore"], setup=damaged_index),
    Case("backup-of-a-damaged-database", lambda c: data_args(c, "db", "backup"),
         lambda c: ["is damaged", "not kept"], setup=damaged_pages),
    Case("backup-when-database-is-a-folder", lambda c: data_args(c, "db", "backup"),
         lambda c: [str(c.db), "is not a database file"], setup=database_folder),
    Case("backups-folder-is-a-file", lambda c: data_args(c, "db", "backup"),
         lambda c: [str(c.data / "backups"), "is a file, not a folder"], setup=backups_is_a_file),
    Case("backup-to-a-name-too-long", lambda c: data_args(c, "db", "backup", "-o", str(c.tmp / LONG)),
         lambda c: [shown(c.tmp / LONG), "File name too long", "no backup was written"]),
    # silently: the copy took the live database's place (or its write-ahead log's), exit 0
    Case("backup-onto-the-database-itself", lambda c: data_args(c, "db", "backup", "-o", str(c.db)),
         lambda c: [str(c.db), "is the database itself"]),
    Case("backup-onto-the-database-log", lambda c: data_args(c, "db", "backup", "-o", f"{c.db}-wal"),
         lambda c: [f"{c.db}-wal", "is the database itself (or its log)"], watch=lambda c: Path(f"{c.db}-wal")),
    Case("restore-from-a-name-too-long", lambda c: data_args(c, "db", "restore", str(c.tmp / LONG)),
         lambda c: [shown(c.tmp / LONG), "the database was left as it was"]),
    Case("backups-folder-unreadable", lambda c: data_args(c, "db", "backups"),
         lambda c: [str(c.data / "backups"), "cannot read the backups folder"], setup=unreadable_backups),
    # numbers beyond what SQLite holds
    Case("search-limit-beyond-64-bits", lambda c: data_args(c, "search", "plasma", "--limit", str(2**64)),
         lambda c: ["argument --limit", str(2**64), "out of range"]),
    Case("handout-reprint-id-beyond-64-bits",
         lambda c: data_args(c, "handout", "reprint", BEYOND_64_BITS, "-o", str(c.tmp / "copy.pdf")),
         lambda c: ["argument ID", BEYOND_64_BITS, "is not an id"]),
    Case("consultations-show-id-beyond-64-bits", lambda c: data_args(c, "consultations", "show", BEYOND_64_BITS),
         lambda c: [f"the number {BEYOND_64_BITS} is out of range"]),
    # bytes that are not UTF-8, as a terminal in another encoding sends them
    Case("search-condition-not-utf8", lambda c: data_args(c, "search", "plasma", "--condition", "sciatica\udcff"),
         lambda c: ["argument --condition", "b'sciatica\\xff'", "not UTF-8"]),
    Case("compare-condition-not-utf8",
         lambda c: data_args(c, "compare", "nsaids", "self-care", "--condition", "\udcff"),
         lambda c: ["argument --condition", "b'\\xff'"]),
    Case("clinic-name-not-utf8", lambda c: data_args(c, "clinic", "set", "--name", "Northside \udce9"),
         lambda c: ["argument --name", "b'Northside \\xe9'"]),
    Case("handout-clinician-not-utf8",
         lambda c: data_args(c, "handout", "--therapy", "nsaids", "--clinician", "Dr \udcff", "-o",
                             str(c.tmp / "h.pdf")),
         lambda c: ["argument --clinician", "b'Dr \\xff'"]),
    Case("consultations-therapy-not-utf8", lambda c: data_args(c, "consultations", "list", "--therapy", "\udcff"),
         lambda c: ["b'\\xff'", "not UTF-8"]),
    # no exit 70, but a megabyte of text has no place in any field (the services' limits are far lower)
    Case("clinic-name-of-a-megabyte", lambda c: data_args(c, "clinic", "set", "--name", "x" * 2**20),
         lambda c: ["argument --name", "1,048,576 characters long"]),
    # a page pasted as a search
    Case("search-thousands-of-words", lambda c: data_args(c, "search", " ".join(["ab"] * 5000)),
         lambda c: ["5,000 words", "at most 32"]),
    # a full disk behind standard output
    Case("search-to-a-full-disk", lambda c: data_args(c, "search", "plasma"),
         lambda c: ["could not write to standard output (/dev/full)", "No space left on device"],
         setup=full_stdout, needs=("dev-full",)),
    Case("compare-to-a-full-disk", lambda c: data_args(c, "compare", "nsaids", "self-care", "--format", "csv"),
         lambda c: ["could not write to standard output (/dev/full)"], setup=full_stdout, needs=("dev-full",)),
    # output files that cannot be
    Case("handout-to-a-name-too-long",
         lambda c: data_args(c, "handout", "--therapy", "nsaids", "-o", str(c.tmp / f"{LONG}.pdf")),
         lambda c: [shown(c.tmp / f"{LONG}.pdf"), "File name too long", "nothing was written"]),
    Case("handout-to-a-symlink-loop", lambda c: data_args(c, "handout", "--therapy", "nsaids", "-o", str(c.tmp / "loop")),
         lambda c: [f"cannot write {c.tmp / 'loop'}", "nothing was written"], setup=symlink_loop("loop")),
    # "the PDF was not produced": the painter took the name as text; the log cannot record it either
    Case("handout-to-a-name-not-utf8",
         lambda c: data_args(c, "handout", "--therapy", "nsaids", "-o", str(c.tmp / "handout-\udce9.pdf")),
         lambda c: ["argument -o/--output", "handout-\\xe9.pdf'", "is not UTF-8 text", "handout log"],
         watch=lambda c: c.tmp / "handout-\udce9.pdf"),
    Case("handout-to-a-name-with-nul",
         lambda c: data_args(c, "handout", "--therapy", "nsaids", "-o", str(c.tmp / "a\0b.pdf")),
         lambda c: ["argument -o/--output", shown(c.tmp / "a\0b.pdf"), "NUL"]),
    Case("compare-pdf-to-a-name-too-long",
         lambda c: data_args(c, "compare", "nsaids", "self-care", "-o", str(c.tmp / f"{LONG}.pdf")),
         lambda c: [shown(c.tmp / f"{LONG}.pdf"), "File name too long"]),
    Case("compare-csv-to-a-name-too-long",
         lambda c: data_args(c, "compare", "nsaids", "self-care", "-o", str(c.tmp / f"{LONG}.csv")),
         lambda c: [shown(c.tmp / f"{LONG}.csv"), "File name too long"]),
    Case("consultations-export-to-a-name-too-long",
         lambda c: data_args(c, "consultations", "export", "--since", "2026-01-01", "-o", str(c.tmp / f"{LONG}.csv")),
         lambda c: [shown(c.tmp / f"{LONG}.csv"), "File name too long"]),
    # content folders
    Case("content-file-name-not-utf8", lambda c: ["content", "check", str(c.tmp / "content")],
         lambda c: ["references/\\udcff.yaml"],
         setup=content_with_a_non_utf8_name, watch=lambda c: c.tmp / "content" / "library.yaml"),
    Case("content-folder-name-too-long", lambda c: ["content", "check", str(c.tmp / LONG)],
         lambda c: [shown(c.tmp / LONG), "cannot be read: File name too long"]),
    # dates and spans at the calendar's edges
    Case("consultations-usage-months-huge", lambda c: data_args(c, "consultations", "usage", "--months", "100000"),
         lambda c: ["100000", "1 to 1200 months"]),
]


def _params() -> list:
    params = []
    for case in CASES:
        marks = []
        if "linux" in case.needs:
            marks.append(pytest.mark.skipif(not LINUX, reason="a Linux path (/proc, /dev)"))
        if "dev-full" in case.needs:
            marks.append(pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here"))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_hostile_input_gets_its_own_message(case, prepared_location, tmp_path, monkeypatch, capsys):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    ctx = Ctx(data=prepared_location.data_dir, tmp=scratch, monkeypatch=monkeypatch)
    monkeypatch.chdir(scratch)  # a relative path a case makes stays in its own folder
    stdout = sys.stdout
    if case.setup:
        case.setup(ctx)
    watched = case.watch(ctx)
    before = state_of(watched)
    try:
        with deadline(60):
            try:
                code = main(case.argv(ctx))
            except SystemExit as stop:  # argparse: "argument --limit: ..." and exit 2
                code = stop.code
    finally:
        if sys.stdout is not stdout:
            opened, sys.stdout = sys.stdout, stdout
            opened.close()
    out, err = capsys.readouterr()
    said = out + err
    assert code != 70 and "unexpected error" not in said, said
    assert "Traceback" not in said
    assert code not in (0, None), said
    for words in case.says(ctx):
        assert words in said, said
    assert state_of(watched) == before, f"{watched} changed"


def test_backup_of_a_damaged_database_leaves_no_copy(prepared_location, monkeypatch, capsys):
    ctx = Ctx(data=prepared_location.data_dir, tmp=prepared_location.data_dir, monkeypatch=monkeypatch)
    backups = prepared_location.data_dir / "backups"
    damaged_pages(ctx)
    before = sorted(backups.iterdir()) if backups.is_dir() else []
    assert main(data_args(ctx, "db", "backup")) == 1
    assert "is damaged" in capsys.readouterr().err
    assert (sorted(backups.iterdir()) if backups.is_dir() else []) == before


def test_names_that_are_no_backups_are_not_listed(prepared_location, tmp_path, monkeypatch, capsys):
    ctx = Ctx(data=prepared_location.data_dir, tmp=tmp_path, monkeypatch=monkeypatch)
    impossible_backup_names(ctx)
    assert main(data_args(ctx, "db", "backups")) == 0
    out = capsys.readouterr().out
    assert "20251399" not in out and "20250101" not in out



def test_a_span_to_the_calendars_last_day_lists_every_consultation(prepared_location, monkeypatch, capsys):
    from clinic_app.services import consultations
    from clinic_app.storage.store import Store

    consultations.record(Store.of(prepared_location), consultations.ConsultationDraft(
        clinician="Dr A", therapies=("nsaids",)))
    ctx = Ctx(data=prepared_location.data_dir, tmp=prepared_location.data_dir, monkeypatch=monkeypatch)
    assert main(data_args(ctx, "consultations", "list", "--since", "0001-01-01", "--until", "9999-12-31")) == 0
    assert "Dr A" in capsys.readouterr().out
