"""A reliability run of the writes: each workload that writes is started in a child process on one
shared data folder and killed (SIGKILL, as a power cut or kill -9 would end it) after a random delay
or at a random count of acknowledged writes; after every run the store, its backups and the files
beside them are checked against what was acknowledged before the kill.

Workloads (one child process each, one at a time):
  consultations  a small Python child recording consultations in a loop with
                 ``consultations.record``; each id is printed (flushed) once ``record`` returned:
                 that line is the acknowledgement
  handout        ``clinic-app handout --therapy nsaids -o OUT/handout-N.pdf`` (logs the handout)
  clinic         ``clinic-app clinic set --name 'Kill loop clinic N'``
  backup         ``clinic-app db backup -o DATA/backups``
  restore        ``clinic-app db restore BACKUP`` (a backup at the head revision, chosen at random)
  upgrade        ``clinic-app db upgrade`` on the store taken back to revision 0004 first
  export         ``clinic-app consultations export --since 2000-01-01 -o OUT/export-N.csv``

A CLI child's acknowledgement is its success line on stdout (unbuffered, as on a terminal). The first
run of each workload is not killed: it measures how long the workload takes. After that the delay
is drawn from 0 to 1.5 s (``--max-delay``), narrowed to 1.5 times the workload's length for a short
one (a kill after it has finished proves nothing) and widened to 1.2 times its length for a longer
one (so its last steps, such as the content load after an upgrade, are reached too). Half the
consultation runs are killed at a random acknowledged-write count instead.

After each run: ``PRAGMA integrity_check`` is ok and ``clinic-app db check``'s checks pass (record
chain, stored handouts, append-only rules); the schema revision is the head, or after an upgrade cut
short the old revision, never between (the table set is compared with the two known states); every
acknowledged consultation, handout record, clinic name and upgrade is there with its content; what
the workload may change is all that changed (at most the one write in flight when it was killed);
a handout PDF never exists without its record; an export is whole or absent; every backup made in
the run opens, passes integrity_check and holds exactly the store as it was when the run started;
no backup a person asked for (or made before a restore or an upgrade) disappears; a restore left the
old store or the restored one, and when restored, its safety copy holds every acknowledged write it
replaced, checked again whenever a file of that name changes and at the end (a write kept nowhere
else is lost when that copy goes). An upgrade commits the schema and the
reloaded shipped content in one transaction: a store at the head schema without its content is a
broken state.
The kills are spread evenly over the workloads, in random order. Temporary files a killed run
leaves (``*.partial``, a new store under its temporary name, SQLite journals beside them) are made
older than the app's stale window at once; each must be gone after a later successful run. At the
end one run of every workload is not killed, then every backup is checked again and what is still
left over is listed as stray.

Exit status 1 on a lost acknowledged write or a broken state; stray files and runs that failed
without being killed are listed but do not fail the run. The kills land by the clock, so a rerun
with the same seed starts the same way but may cut the runs at other steps and go on differently.
Run: .venv/bin/python bench/kill_loop.py [--kills 240] [--seed S] [--max-delay 1.5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

WORKLOADS = ("consultations", "handout", "clinic", "backup", "restore", "upgrade", "export")
PREPARING = ("consultations", "handout", "clinic", "upgrade", "export")  # they bring the store up to date first
OLD_REVISION = "0004"  # where an upgrade starts from (as tests/unit/test_upgrade_is_atomic.py builds it)
DATABASE_FILE = "clinic.sqlite3"
BACKUP_NAME = re.compile(r"^clinic-(\d{8}-\d{6})(?:-([a-z0-9-]+))?\.sqlite3$")
THERAPIES = ("nsaids", "exercise-therapy", "paracetamol", "yoga", "acupuncture", "heat")
EPOCH = dt.datetime(2026, 1, 1)
RUN_TIMEOUT = 300.0

# Records consultations in the data folder argv[1]; prints "ID N" once record() returned for the
# Nth draft (argv[2] names the run, argv[3] is how many, argv[4] a handout id to link or 0).
CONSULTATIONS_CHILD = f"""
import datetime as dt, sys
from pathlib import Path
from clinic_app import settings
from clinic_app.services import store_setup
from clinic_app.services.consultations import ConsultationDraft, record
from clinic_app.storage.store import Store

location = settings.resolve(data_dir=Path(sys.argv[1]))
store_setup.open_store(location)
store = Store.of(location)
tag, count, handout = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
therapies = {THERAPIES!r}
for n in range(count):
    draft = ConsultationDraft(
        clinician=f"Dr Loop {{tag}}", therapies=(therapies[n % len(therapies)], therapies[(n + 1) % len(therapies)]),
        notes=f"kill loop {{tag}} visit {{n}}", started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=n),
        handout_print_ids=(handout,) if handout and n % 4 == 0 else ())
    print(record(store, draft), n, flush=True)
"""


def consultation_content(tag: str, n: int, handout: int) -> tuple:
    """What the consultations child records as its Nth draft, as read back by :func:`read_state`."""
    return (f"Dr Loop {tag}", f"kill loop {tag} visit {n}", (THERAPIES[n % len(THERAPIES)],
            THERAPIES[(n + 1) % len(THERAPIES)]), EPOCH + dt.timedelta(seconds=n),
            (handout,) if handout and n % 4 == 0 else ())


# --- reading a store ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    """What the clinic wrote: consultations, handout records and the clinic's name."""

    consultations: dict  # id -> (clinician, notes, therapies, started_at, handout ids)
    handouts: dict  # id -> (sha256, destination, therapies)
    clinic_name: str | None

    def size(self) -> str:
        return f"{len(self.consultations)} consultations, {len(self.handouts)} handouts, clinic {self.clinic_name!r}"


@dataclass(frozen=True)
class State:
    integrity: str
    revision: str | None
    tables: frozenset
    content: Content | None
    broken_links: int = 0
    fingerprint: str | None = None  # of the shipped content loaded; cleared by a schema change that needs a reload


def _when(value) -> dt.datetime:  # noqa: ANN001 - a text or a datetime from SQLite
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None, microsecond=0)


def read_state(path: Path) -> State:
    """The store at ``path``, read-only (nothing is folded or changed by reading it)."""
    if not path.exists():
        return State(f"{path.name} is missing", None, frozenset(), None)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        return State(f"cannot open: {exc}", None, frozenset(), None)
    try:
        integrity = "\n".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
        tables = frozenset(row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        tables -= {"sqlite_sequence"}
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        links: dict[int, tuple] = {}
        if "consultation_handout" in tables:
            for cid, hid in conn.execute("SELECT consultation_id, handout_print_id FROM consultation_handout "
                                         "ORDER BY handout_print_id"):
                links[cid] = links.get(cid, ()) + (hid,)
        consultations = {}
        if "consultation" in tables:
            for cid, clinician, notes, therapies, started in conn.execute(
                    "SELECT id, clinician, notes, therapies, started_at FROM consultation"):
                consultations[cid] = (clinician, notes, tuple(json.loads(therapies)), _when(started),
                                      links.get(cid, ()))
        handouts = {}
        if "handout_print" in tables:
            for hid, digest, destination, therapies in conn.execute(
                    "SELECT id, sha256, destination, therapies FROM handout_print"):
                handouts[hid] = (digest, destination, tuple(json.loads(therapies)))
        name = None
        if "clinic_profile" in tables:
            row = conn.execute("SELECT name FROM clinic_profile ORDER BY id LIMIT 1").fetchone()
            name = row[0] if row else None
        broken = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        fingerprint = None
        if "app_meta" in tables:
            row = conn.execute("SELECT value FROM app_meta WHERE key = 'content_fingerprint'").fetchone()
            fingerprint = row[0] if row else None
        return State(integrity, revision, tables, Content(consultations, handouts, name), broken, fingerprint)
    except (sqlite3.Error, ValueError) as exc:
        return State(f"cannot read: {exc}", None, frozenset(), None)
    finally:
        conn.close()


def location_of(data: Path):  # noqa: ANN201 - clinic_app.settings.Location
    """The data folder's store, named outright (a database URL in the environment is not followed)."""
    from clinic_app import settings

    return settings.resolve(data_dir=data, database_url=f"sqlite:///{(data / DATABASE_FILE).resolve()}")


def app_check(data: Path, content_loaded: bool = True) -> list[str]:
    """The problems ``clinic-app db check`` reports (integrity, chain, stored handouts, rules), without
    those about the shipped content when it is still to be loaded."""
    from clinic_app.errors import ClinicAppError
    from clinic_app.services.maintenance import DOMAIN_CHECKS, check_database

    try:
        problems = check_database(location_of(data)).problems
    except ClinicAppError as exc:
        return [exc.message]
    if not content_loaded:
        labels = tuple(label for label, _sql in DOMAIN_CHECKS)
        problems = [p for p in problems if not p.startswith(labels)]
    return problems


def backup_signatures(folder: Path) -> dict[str, tuple]:
    found = {}
    if folder.is_dir():
        for path in folder.iterdir():
            if BACKUP_NAME.match(path.name):
                stat = path.stat()
                found[path.name] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return found


def stale_seconds() -> float:
    from clinic_app.storage import leftovers

    return leftovers.STALE_SECONDS


def shipped_fingerprint() -> str:
    from clinic_app.content.paths import content_fingerprint, shipped_content_dir

    return content_fingerprint(shipped_content_dir())


def head_revision() -> str:
    from clinic_app.storage import preflight

    return preflight.head_revision()


def downgrade(data: Path, revision: str) -> None:
    """Take the store back to an older schema revision (its records stay), as the upgrade tests do."""
    from alembic import command

    from clinic_app.storage.database import Database

    db = Database.open(location_of(data), migrate=False)
    try:
        db.migrate(lambda config: command.downgrade(config, revision))
    finally:
        db.close()


# --- running a child and killing it -------------------------------------------------------------


@dataclass
class Run:
    index: int
    workload: str
    argv: list
    kill_after: float | None = None  # seconds
    kill_at_ack: int | None = None  # acknowledged writes
    killed: bool = False
    returncode: int | None = None
    seconds: float = 0.0
    lines: list = field(default_factory=list)
    stderr: str = ""
    detail: dict = field(default_factory=dict)

    def how(self) -> str:
        if self.kill_at_ack is not None:
            return f"killed at acknowledged write {self.kill_at_ack}" if self.killed else "not killed (finished)"
        if self.kill_after is not None:
            return f"killed after {self.kill_after:.3f} s" if self.killed else \
                f"finished in {self.seconds:.2f} s before the kill at {self.kill_after:.3f} s"
        return f"not killed (finished in {self.seconds:.2f} s)"


def child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CLINIC_APP_DATA_DIR", "CLINIC_APP_DATABASE_URL")}
    env["PYTHONUNBUFFERED"] = "1"  # each line reaches the loop when printed, as on a terminal
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def execute(run: Run, ack_pattern: re.Pattern) -> None:
    """Start ``run.argv``; SIGKILL it after ``run.kill_after`` seconds or once ``run.kill_at_ack``
    complete acknowledgement lines arrived. Lines already in the pipe when it died are read too."""
    with tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(run.argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                env=child_env(), start_new_session=True)
        enough = threading.Event()
        lines: list[str] = []

        def read() -> None:
            for raw in proc.stdout:
                text = raw.decode("utf-8", "replace")
                if not text.endswith("\n"):  # cut off mid-line: not an acknowledgement
                    break
                lines.append(text.rstrip("\n"))
                if run.kill_at_ack is not None and sum(bool(ack_pattern.search(x)) for x in lines) >= run.kill_at_ack:
                    enough.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = run.kill_after if run.kill_after is not None else RUN_TIMEOUT
        try:
            if run.kill_at_ack is not None:
                deadline = RUN_TIMEOUT
                while not enough.is_set() and proc.poll() is None and time.monotonic() - started < deadline:
                    enough.wait(0.01)
            else:
                try:
                    proc.wait(timeout=max(0.0, deadline - (time.monotonic() - started)))
                except subprocess.TimeoutExpired:
                    pass
        finally:
            if proc.poll() is None:
                run.detail["timed_out"] = time.monotonic() - started >= RUN_TIMEOUT
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # the child started above, by its own group id
                except ProcessLookupError:
                    pass
            proc.wait()
        run.seconds = time.monotonic() - started
        reader.join(timeout=30)
        proc.stdout.close()
        run.returncode = proc.returncode
        run.killed = proc.returncode == -signal.SIGKILL
        run.lines = lines
        err.seek(0)
        run.stderr = err.read().decode("utf-8", "replace")


# --- the loop -----------------------------------------------------------------------------------


ACKS = {
    "consultations": re.compile(r"^(\d+) (\d+)$"),
    "handout": re.compile(r"logged as #(\d+), sha256 ([0-9a-f]{12})"),
    "clinic": re.compile(r"^clinic profile saved"),
    "backup": re.compile(r"^backup written and verified: (.+) \([\d,]+ bytes\)$"),
    "restore": re.compile(r"^restored .+ into .+; the previous database was kept as (.+)$"),
    "upgrade": re.compile(r"at schema revision (\w+);"),
    "export": re.compile(r"^(\d+) consultation\(s\) written to "),
}


@dataclass
class Finding:
    kind: str  # "lost" | "broken"
    run: int
    workload: str
    how: str
    what: str
    writes: int = 1  # acknowledged writes lost (for "lost")

    def line(self) -> str:
        return f"[{self.kind}] run #{self.run} {self.workload} ({self.how}): {self.what}"


@dataclass
class Leftover:
    path: Path
    run: int
    workload: str
    how: str
    survived: list = field(default_factory=list)  # later successful runs it outlived


@dataclass
class Summary:
    seed: int
    kills_asked: int
    seconds: float = 0.0
    runs: Counter = field(default_factory=Counter)
    run_seconds: Counter = field(default_factory=Counter)
    kills: Counter = field(default_factory=Counter)
    completed: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)  # (run, workload, how, message)
    acked: Counter = field(default_factory=Counter)
    set_aside: int = 0  # acknowledged records a restore replaced, found in its safety copy
    findings: list = field(default_factory=list)
    unfinished: list = field(default_factory=list)  # (run, workload, how): head schema, content reload pending
    leftovers_cleaned: Counter = field(default_factory=Counter)  # kind of file -> how many
    strays: list = field(default_factory=list)  # Leftover
    backups_checked: int = 0
    work: str = ""

    @property
    def lost(self) -> list:
        return [f for f in self.findings if f.kind == "lost"]

    @property
    def broken(self) -> list:
        return [f for f in self.findings if f.kind == "broken"]

    @property
    def lost_writes(self) -> int:
        return sum(f.writes for f in self.lost)

    @property
    def total_kills(self) -> int:
        return sum(self.kills.values())


class KillLoop:
    def __init__(self, work: Path, seed: int, max_delay: float = 1.5, log=None) -> None:  # noqa: ANN001
        self.work = work
        self.data = work / "data"
        self.out = work / "out"
        self.backups = self.data / "backups"
        self.store = self.data / DATABASE_FILE
        self.rng = random.Random(seed)
        self.max_delay = max_delay
        self.log = log or (lambda text: None)
        self.summary = Summary(seed=seed, kills_asked=0, work=str(work))
        self.head = head_revision()
        self.stale = stale_seconds()
        self.tables_at: dict[str, frozenset] = {}
        self.durations: dict[str, list] = {"consultations": [max_delay]}  # an open-ended loop: always killed
        self.index = 0
        # what was acknowledged and must stay
        self.acked_consultations: dict[int, tuple] = {}
        self.acked_handouts: dict[int, tuple] = {}  # id -> (sha256 prefix, destination)
        self.acked_name: str | None = None
        # acknowledged writes a restore replaced: (safety copy, restoring run, kind, key, content)
        self.set_aside: list[tuple[Path, int, str, object, object]] = []
        self.backup_info: dict[str, tuple] = {}  # name -> (signature, revision, content), once checked
        self.pending: dict[Path, Leftover] = {}
        self.expected_out: set[str] = set()

    # -- setup

    def prepare(self) -> None:
        self.out.mkdir(parents=True)  # the data folder is the app's to make
        self.run_one("upgrade", kill=False, setup_downgrade=False)
        state = read_state(self.store)
        if state.revision != self.head or state.content is None:
            raise SystemExit(f"the first 'clinic-app db upgrade' did not make a store: {state.integrity}")
        self.tables_at[self.head] = state.tables

    # -- one run

    def cli(self, *args: str) -> list:
        return [sys.executable, "-m", "clinic_app", "--data-dir", str(self.data), *args]

    def window(self, workload: str) -> float:
        """Kills are drawn from 0 to this: up to ``max_delay``, narrowed to a short workload's length,
        widened to a longer one's (its usual length: the median of its runs that finished)."""
        if workload == "consultations":
            return self.max_delay
        length = statistics.median(self.durations[workload])
        return max(min(self.max_delay, 1.5 * length), 1.2 * length)

    def run_one(self, workload: str, kill: bool = True, setup_downgrade: bool = True, visits: int = 100_000,
                same: bool = False) -> Run:
        self.index += 1
        run = Run(self.index, workload, [], detail={"same": same})
        pre = read_state(self.store) if self.store.exists() else None
        if workload == "upgrade" and setup_downgrade and pre is not None and pre.revision == self.head:
            downgrade(self.data, OLD_REVISION)
            pre = read_state(self.store)
            self.tables_at.setdefault(pre.revision, pre.tables)
            if pre.tables != self.tables_at[pre.revision]:
                self.finding("broken", run, f"revision {pre.revision} has tables {sorted(pre.tables)}, not the "
                             f"{sorted(self.tables_at[pre.revision])} seen before")
            run.detail["from"] = pre.revision
        self.build(run, pre)
        if workload == "consultations":
            run.argv[-2] = str(visits)
        if kill and workload in self.durations:
            if workload == "consultations" and self.rng.random() < 0.5:
                run.kill_at_ack = self.rng.randint(1, 60)
            else:
                run.kill_after = self.rng.uniform(0, self.window(workload))
        before_backups = backup_signatures(self.backups)
        execute(run, ACKS[workload])
        self.summary.runs[workload] += 1
        self.summary.run_seconds[workload] += run.seconds
        if run.detail.get("timed_out"):
            self.summary.errors.append((run.index, workload, run.how(), f"still running after {RUN_TIMEOUT:.0f} s"))
        elif run.killed:
            self.summary.kills[workload] += 1
        elif run.returncode == 0:
            self.summary.completed[workload] += 1
            if workload != "consultations":
                self.durations.setdefault(workload, []).append(run.seconds)
        else:
            message = run.stderr.strip().splitlines()[-1:] or [f"exit status {run.returncode}"]
            self.summary.errors.append((run.index, workload, run.how(), message[0][:300]))
        self.check(run, pre, before_backups)
        self.leftovers(run)
        return run

    def build(self, run: Run, pre: State | None) -> None:
        w, n = run.workload, run.index
        if w == "consultations":
            handouts = sorted(pre.content.handouts) if pre and pre.content else []
            link = self.rng.choice(handouts) if handouts and self.rng.random() < 0.5 else 0
            run.detail.update(tag=f"r{n}", link=link)
            run.argv = [sys.executable, "-c", CONSULTATIONS_CHILD, str(self.data), f"r{n}", "100000", str(link)]
        elif w == "handout":
            target = self.out / f"handout-{n}.pdf"
            run.detail["target"] = target
            self.expected_out.add(target.name)
            run.argv = self.cli("handout", "--therapy", "nsaids", "-o", str(target))
        elif w == "clinic":
            run.detail["name"] = f"Kill loop clinic {n}"
            run.argv = self.cli("clinic", "set", "--name", run.detail["name"])
        elif w == "backup":
            run.argv = self.cli("db", "backup", "-o", str(self.backups))
        elif w == "restore":
            source = self.pick_restore(pre, same=run.detail.get("same", False))
            run.detail["source"] = source
            run.detail["restored"] = read_state(source).content
            run.argv = self.cli("db", "restore", str(source))
        elif w == "upgrade":
            run.argv = self.cli("db", "upgrade")
        elif w == "export":
            target = self.out / f"export-{n}.csv"
            run.detail["target"] = target
            self.expected_out.add(target.name)
            run.argv = self.cli("consultations", "export", "--since", "2000-01-01", "-o", str(target))
        else:
            raise ValueError(w)

    def pick_restore(self, pre: State | None, same: bool = False) -> Path:
        """A backup at the head revision: mostly one that differs from the store (so the old store
        and the restored one can be told apart); ``same``: one that holds the store as it is."""
        candidates = [(self.backups / name, info[2]) for name, sig in sorted(backup_signatures(self.backups).items())
                      if (info := self.backup_info.get(name)) and info[0] == sig and info[1] == self.head]
        if not candidates:
            raise SystemExit("no backup at the head revision to restore")
        current = pre.content if pre is not None else None
        if same:
            pool = [c for c in candidates if c[1] == current] or candidates
        else:
            differing = [c for c in candidates if c[1] != current]
            pool = differing if differing and self.rng.random() < 0.8 else candidates
        return self.rng.choice(pool)[0]

    # -- checks

    def finding(self, kind: str, run: Run, what: str, writes: int = 1) -> None:
        item = Finding(kind, run.index, run.workload, run.how(), what, writes)
        self.summary.findings.append(item)
        self.log(item.line())

    def acks(self, run: Run) -> list:
        return [m for line in run.lines if (m := ACKS[run.workload].search(line))]

    def check(self, run: Run, pre: State | None, before_backups: dict) -> None:
        post = read_state(self.store)
        acks = self.acks(run)
        w = run.workload
        if post.content is None or post.integrity != "ok":
            self.finding("broken", run, f"the store does not pass integrity_check: {post.integrity[:300]}")
            return
        if post.broken_links:
            self.finding("broken", run, f"{post.broken_links} broken foreign key link(s)")
        allowed = {self.head}
        if pre is not None and pre.revision is not None:
            allowed.add(pre.revision)
        if post.revision not in allowed:
            self.finding("broken", run, f"schema revision {post.revision}, expected one of {sorted(allowed)}")
        known = self.tables_at.get(post.revision)
        if known is not None and post.tables != known:
            self.finding("broken", run, f"at revision {post.revision} the tables differ from that revision's: "
                         f"extra {sorted(post.tables - known)}, missing {sorted(known - post.tables)}")
        if post.revision == self.head:
            # An upgrade commits the schema and reloads the shipped content in one transaction: a
            # store at the head schema without its content (no fingerprint) is a half-done upgrade.
            pending = post.fingerprint is None
            if pending and (pre is None or pre.fingerprint is not None or pre.revision != self.head):
                self.summary.unfinished.append((run.index, w, run.how()))
                self.finding("broken", run, f"schema at {post.revision} without the shipped content (no content "
                             "fingerprint): the upgrade committed one without the other")
            for problem in app_check(self.data, content_loaded=not pending):
                self.finding("broken", run, f"db check: {problem}")
            if run.returncode == 0 and w in PREPARING and post.fingerprint != shipped_fingerprint():
                self.finding("broken", run, f"a start that succeeded left content {post.fingerprint} in the store, "
                             "not the shipped content")
        if w == "upgrade" and acks and post.revision != self.head:
            self.finding("lost", run, f"the upgrade was acknowledged but the store is at {post.revision}")
        if pre is None:
            self.check_backups(run, None, before_backups)
            return
        old, new = pre.content, post.content
        restored_to = None
        if w == "restore":
            restored_to = self.check_restore(run, old, new, acks, before_backups)
        else:
            self.check_changes(run, old, new, acks)
        self.check_acked(run, new, restored_to)
        self.check_backups(run, old, before_backups)
        self.check_outputs(run, old, new, acks)

    def check_changes(self, run: Run, old: Content, new: Content, acks: list) -> None:
        """Only what the workload writes changed, and at most one write beyond those acknowledged."""
        w = run.workload
        changed_old = {k for k, v in old.consultations.items() if new.consultations.get(k) != v}
        if changed_old:
            kind = "lost" if changed_old & set(self.acked_consultations) else "broken"
            self.finding(kind, run, f"consultations changed or gone: {sorted(changed_old)[:10]}")
        added = {k: v for k, v in new.consultations.items() if k not in old.consultations}
        if w == "consultations":
            tag, link = run.detail["tag"], run.detail["link"]
            acked = {}
            for m in acks:
                cid, n = int(m.group(1)), int(m.group(2))
                acked[cid] = consultation_content(tag, n, link)
            self.summary.acked["consultations"] += len(acked)
            for cid, content in acked.items():
                if new.consultations.get(cid) != content:
                    self.finding("lost", run, f"acknowledged consultation #{cid} is "
                                 f"{'missing' if cid not in new.consultations else 'changed'}")
            extra = {k: v for k, v in added.items() if k not in acked}
            expected_next = consultation_content(tag, len(acked), link)
            if len(extra) > 1 or (extra and (list(extra.values())[0] != expected_next
                                             or list(extra)[0] < max(acked, default=0))):
                self.finding("broken", run, f"consultations beyond the acknowledged ones: {sorted(extra)[:10]} "
                             f"(at most the one in flight may be there)")
            self.acked_consultations.update(acked)
        elif added:
            self.finding("broken", run, f"a {w} run added consultations {sorted(added)[:10]}")
        changed_h = {k for k, v in old.handouts.items() if new.handouts.get(k) != v}
        if changed_h:
            kind = "lost" if changed_h & set(self.acked_handouts) else "broken"
            self.finding(kind, run, f"handout records changed or gone: {sorted(changed_h)[:10]}")
        added_h = {k: v for k, v in new.handouts.items() if k not in old.handouts}
        if w == "handout":
            destination = str(Path(run.detail["target"]).resolve())
            if len(added_h) > 1 or any(v[1] != destination or v[2] != ("nsaids",) for v in added_h.values()):
                self.finding("broken", run, f"handout records added: {added_h}")
            for m in acks:
                hid, prefix = int(m.group(1)), m.group(2)
                self.summary.acked["handouts"] += 1
                got = new.handouts.get(hid)
                if got is None or not got[0].startswith(prefix) or got[1] != destination:
                    self.finding("lost", run, f"acknowledged handout #{hid} is {'missing' if got is None else got}")
                self.acked_handouts[hid] = (prefix, destination)
        elif added_h:
            self.finding("broken", run, f"a {w} run added handout records {sorted(added_h)}")
        if w == "clinic":
            name = run.detail["name"]
            if new.clinic_name not in (old.clinic_name, name):
                self.finding("broken", run, f"clinic name {new.clinic_name!r}, neither {old.clinic_name!r} nor {name!r}")
            if acks:
                self.summary.acked["clinic names"] += 1
                if new.clinic_name != name:
                    self.finding("lost", run, f"acknowledged clinic name {name!r} is {new.clinic_name!r}")
                self.acked_name = name
            elif new.clinic_name == name:
                self.acked_name = None  # a write landed that was not acknowledged: it replaced the name
        elif new.clinic_name != old.clinic_name:
            kind = "lost" if old.clinic_name == self.acked_name else "broken"
            self.finding(kind, run, f"clinic name changed from {old.clinic_name!r} to {new.clinic_name!r}")
        if w == "upgrade" and acks:
            self.summary.acked["upgrades"] += 1

    def check_restore(self, run: Run, old: Content, new: Content, acks: list, before_backups: dict) -> Content | None:
        """The store is the old one or the restored one; once restored, the safety copy holds the old."""
        restored = run.detail["restored"]
        if acks:
            self.summary.acked["restores"] += 1
        if new == old and (restored != old and acks):
            self.finding("lost", run, "the restore was acknowledged but the store is the old one")
        if new == old:
            return None
        if new != restored:
            self.finding("broken", run, f"the store is neither the old one ({old.size()}) nor the restored one "
                         f"({restored.size()}): {new.size()}")
            return None
        safety = [self.backups / name for name, sig in backup_signatures(self.backups).items()
                  if (BACKUP_NAME.match(name).group(2) or "").startswith("before-restore")
                  and before_backups.get(name) != sig]
        kept = [path for path in safety if read_state(path).content == old]
        if not kept:
            self.finding("lost", run, f"restored, but no safety copy made in this run holds the old store "
                         f"({old.size()}; new safety copies: {[p.name for p in safety]})")
            return restored
        self.set_aside_replaced(run, kept[0], restored)
        return restored

    def set_aside_replaced(self, run: Run, safety: Path, restored: Content) -> None:
        """The acknowledged writes the restore replaced now live in its safety copy only."""
        before = len(self.set_aside)
        for cid, content in list(self.acked_consultations.items()):
            if restored.consultations.get(cid) != content:
                self.set_aside.append((safety, run.index, "consultation", cid, content))
                del self.acked_consultations[cid]
        for hid, (prefix, destination) in list(self.acked_handouts.items()):
            got = restored.handouts.get(hid)
            if got is None or not got[0].startswith(prefix) or got[1] != destination:
                self.set_aside.append((safety, run.index, "handout", hid, (prefix, destination)))
                del self.acked_handouts[hid]
        if self.acked_name is not None and restored.clinic_name != self.acked_name:
            self.set_aside.append((safety, run.index, "clinic name", None, self.acked_name))
            self.acked_name = None
        self.summary.set_aside += len(self.set_aside) - before

    def check_set_aside(self, run: Run, names: set | None = None) -> None:
        """Each safety copy (of ``names``, or all) still holds the acknowledged writes a restore put
        there; those gone are lost writes, reported against the run that found them gone."""
        kept, gone = [], {}
        for entry in self.set_aside:
            safety, restoring, kind, key, content = entry
            if names is not None and safety.name not in names:
                kept.append(entry)
                continue
            held = read_state(safety).content if safety.exists() else None
            ok = held is not None and (
                (kind == "consultation" and held.consultations.get(key) == content)
                or (kind == "handout" and (got := held.handouts.get(key)) is not None and got[0].startswith(content[0])
                    and got[1] == content[1])
                or (kind == "clinic name" and held.clinic_name == content))
            if ok:
                kept.append(entry)
            else:
                gone.setdefault((safety, restoring), []).append(f"{kind} {key if key is not None else repr(content)}")
        self.set_aside = kept
        for (safety, restoring), items in gone.items():
            state = "is gone" if not safety.exists() else "was overwritten"
            self.finding("lost", run, f"{len(items)} acknowledged write(s) that restore run #{restoring} replaced were "
                         f"kept only in its safety copy {safety.name}, which {state} "
                         f"({', '.join(items[:4])}{', ...' if len(items) > 4 else ''})", writes=len(items))

    def check_acked(self, run: Run, new: Content, restored_to: Content | None) -> None:
        """Every write acknowledged so far (by any run) is still there, with its content."""
        missing = [cid for cid, content in self.acked_consultations.items() if new.consultations.get(cid) != content]
        if missing:
            self.finding("lost", run, f"{len(missing)} acknowledged consultation(s) missing or changed: {missing[:10]}")
        bad = [hid for hid, (prefix, destination) in self.acked_handouts.items()
               if (got := new.handouts.get(hid)) is None or not got[0].startswith(prefix) or got[1] != destination]
        if bad:
            self.finding("lost", run, f"acknowledged handout record(s) missing or changed: {bad[:10]}")
        if self.acked_name is not None and new.clinic_name != self.acked_name and run.workload != "clinic":
            self.finding("lost", run, f"acknowledged clinic name {self.acked_name!r} is now {new.clinic_name!r}")

    def check_backups(self, run: Run, old: Content | None, before: dict) -> None:
        """Backups made in the run open, pass integrity_check and hold the store as the run found it;
        none that a person asked for (or made before a restore or an upgrade) is gone."""
        now = backup_signatures(self.backups)
        changed = {name for name, sig in now.items() if before.get(name) != sig} | (set(before) - set(now))
        if changed & {entry[0].name for entry in self.set_aside}:
            self.check_set_aside(run, changed)
        for name, sig in now.items():
            if before.get(name) == sig:
                continue
            path = self.backups / name
            state = read_state(path)
            self.summary.backups_checked += 1
            if state.integrity != "ok" or state.content is None:
                self.finding("broken", run, f"backup {name} does not pass integrity_check: {state.integrity[:200]}")
                continue
            if old is not None and state.content != old:
                self.finding("broken", run, f"backup {name} holds {state.content.size()}, not the store as the run "
                             f"found it ({old.size()})")
            self.backup_info[name] = (sig, state.revision, state.content)
        for name in before:
            match = BACKUP_NAME.match(name)
            if name not in now and (match.group(2) or "manual") != "auto":
                self.finding("broken", run, f"backup {name} disappeared")
        if run.workload == "backup":
            for m in self.acks(run):
                self.summary.acked["backups"] += 1
                target = Path(m.group(1))
                if not target.is_absolute():
                    target = Path.cwd() / target
                if target.name not in now:
                    self.finding("lost", run, f"acknowledged backup {target} is not in the backups folder")

    def check_outputs(self, run: Run, old: Content, new: Content, acks: list) -> None:
        w = run.workload
        if w == "handout":
            target = Path(run.detail["target"])
            destination = str(target.resolve())
            if target.exists():
                if not target.read_bytes()[:5] == b"%PDF-":
                    self.finding("broken", run, f"{target.name} is not a whole PDF")
                if not any(v[1] == destination for v in new.handouts.values()):
                    self.finding("broken", run, f"{target.name} exists but the handout log does not know it")
            elif acks:
                self.finding("lost", run, f"acknowledged handout PDF {target.name} is missing")
        if w == "export":
            target = Path(run.detail["target"])
            if acks:
                self.summary.acked["exports"] += 1
            if target.exists():
                try:
                    with target.open(newline="", encoding="utf-8") as handle:
                        ids = {int(row["id"]) for row in csv.DictReader(handle)}
                except (ValueError, KeyError, csv.Error) as exc:
                    self.finding("broken", run, f"{target.name} cannot be read as the export: {exc}")
                    return
                if ids != set(old.consultations):
                    self.finding("broken", run, f"{target.name} holds {len(ids)} consultations, the store "
                                 f"{len(old.consultations)}: a partial export")
            elif acks:
                self.finding("lost", run, f"acknowledged export {target.name} is missing")

    # -- what killed runs leave

    def scan_leftovers(self) -> list[Path]:
        usual = {DATABASE_FILE, DATABASE_FILE + "-wal", DATABASE_FILE + "-shm", "backups", "backup-problem.txt"}
        found = [p for p in self.data.iterdir() if p.name not in usual]
        if self.backups.is_dir():
            found += [p for p in self.backups.iterdir() if not BACKUP_NAME.match(p.name)]
        found += [p for p in self.out.iterdir() if p.name not in self.expected_out]
        return sorted(found)

    def kind_of(self, path: Path) -> str:
        """The file's name with what differs between runs (times, run numbers, random parts) as *."""
        name = str(path.relative_to(self.work))
        return re.sub(r"\d{8}-\d{6}|(?<=-)[A-Za-z0-9_]{8}(?=\.)|(?<=[-.])\d+(?=[-.])", "*", name)

    def leftovers(self, run: Run) -> None:
        present = set(self.scan_leftovers())
        for path in list(self.pending):
            if path not in present:
                del self.pending[path]
                self.summary.leftovers_cleaned[self.kind_of(path)] += 1
            elif run.returncode == 0:
                self.pending[path].survived.append(f"#{run.index} {run.workload}")
        old = time.time() - self.stale - 60
        for path in sorted(present - set(self.pending)):
            self.pending[path] = Leftover(path, run.index, run.workload, run.how())
            try:  # as if the run that left it ended longer ago than the app's stale window
                os.utime(path, (old, old))
            except OSError:
                pass
        if (self.data / "backup-problem.txt").exists():
            self.finding("broken", run, "backup-problem.txt: " + (self.data / "backup-problem.txt").read_text()[:200])
            (self.data / "backup-problem.txt").unlink()

    # -- the end

    def settle(self) -> None:
        """One run of each workload, not killed: what killed runs left must be finished or cleared."""
        for workload in ("upgrade", "consultations", "handout", "clinic", "backup", "export", "restore"):
            # a plain upgrade finishes one cut short; three visits, then the child ends; the
            # restore puts back the backup just made, the store as it is
            run = self.run_one(workload, kill=False, setup_downgrade=False, visits=3, same=True)
            self.log(f"run #{run.index:<4} {workload:<13} {'settling: ' + run.how():<48} exit {run.returncode:>3}")

    def final_checks(self) -> None:
        end = Run(self.index + 1, "final", [])
        for name in sorted(backup_signatures(self.backups)):
            state = read_state(self.backups / name)
            if state.integrity != "ok":
                self.finding("broken", end, f"backup {name} does not pass integrity_check: {state.integrity[:200]}")
        self.check_set_aside(end)
        self.summary.strays = sorted(self.pending.values(), key=lambda item: str(item.path))

    def loop(self, kills: int) -> Summary:
        started = time.monotonic()
        self.summary.kills_asked = kills
        self.prepare()
        attempts = 0
        while self.summary.total_kills < kills and attempts < 4 * kills + len(WORKLOADS):
            fewest = min(self.summary.kills[w] for w in WORKLOADS)  # the kills spread evenly, in random order
            workload = self.rng.choice([w for w in WORKLOADS if self.summary.kills[w] == fewest])
            attempts += 1
            run = self.run_one(workload)
            self.log(f"run #{run.index:<4} {workload:<13} {run.how():<48} exit {run.returncode:>3}  "
                     f"{len(self.acks(run))} ack(s)")
        self.settle()
        self.final_checks()
        self.summary.seconds = time.monotonic() - started
        return self.summary


def format_summary(s: Summary) -> str:
    out = [f"kill loop: seed {s.seed}, {s.total_kills} kills ({s.kills_asked} asked) in {sum(s.runs.values())} runs, "
           f"{s.seconds:.0f} s; work folder {s.work}"]
    out.append(f"{'workload':<14}{'runs':>6}{'killed':>8}{'finished':>10}{'failed':>8}{'seconds':>9}")
    failed = Counter(e[1] for e in s.errors)
    for w in WORKLOADS:
        out.append(f"{w:<14}{s.runs[w]:>6}{s.kills[w]:>8}{s.completed[w]:>10}{failed[w]:>8}{s.run_seconds[w]:>9.0f}")
    acked = ", ".join(f"{n} {k}" for k, n in sorted(s.acked.items())) or "none"
    out.append(f"acknowledged writes: {acked}")
    out.append(f"acknowledged records a restore replaced, found in its safety copy: {s.set_aside}")
    out.append(f"backups checked (open, integrity_check, content): {s.backups_checked}")
    out.append(f"upgrades that left the head schema without its content: {len(s.unfinished)}")
    out += [f"  after run #{i} {w} ({how})" for i, w, how in s.unfinished[:5]]
    out.append(f"lost writes: {s.lost_writes}")
    out += [f"  {f.line()}" for f in s.lost[:20]]
    out.append(f"broken states: {len(s.broken)}")
    out += [f"  {f.line()}" for f in s.broken[:20]]
    cleared = ", ".join(f"{n} {kind}" for kind, n in sorted(s.leftovers_cleaned.items())) or "none"
    out.append(f"temporary files left by killed runs and cleared by a later run: {cleared}")
    size = sum(item.path.stat().st_size for item in s.strays if item.path.exists())
    out.append(f"stray files (still there after later successful runs of every workload): {len(s.strays)}, "
               f"{size / 1e6:.1f} MB")
    for item in s.strays[:30]:
        where = item.path.relative_to(Path(s.work))
        out.append(f"  {where}  (left by run #{item.run} {item.workload}, {item.how}; outlived "
                   f"{len(item.survived)} successful run(s))")
    if len(s.strays) > 30:
        out.append(f"  ... and {len(s.strays) - 30} more")
    out.append(f"runs that failed without being killed: {len(s.errors)}")
    out += [f"  run #{i} {w} ({how}): {message}" for i, w, how, message in s.errors[:20]]
    out.append(f"again: .venv/bin/python bench/kill_loop.py --seed {s.seed} --kills {s.kills_asked}")
    return "\n".join(out)


def run_loop(work: Path, kills: int, seed: int, max_delay: float = 1.5, log=None) -> Summary:  # noqa: ANN001
    return KillLoop(work, seed, max_delay=max_delay, log=log).loop(kills)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=240)
    parser.add_argument("--seed", type=int, default=None, help="default: a random seed, printed")
    parser.add_argument("--max-delay", type=float, default=1.5, help="seconds (see the module's description)")
    parser.add_argument("--keep", type=Path, help="run in this folder (it must not exist) and keep it")
    parser.add_argument("--quiet", action="store_true", help="only the summary")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    log = None if args.quiet else (lambda text: print(text, flush=True))
    if args.keep:
        summary = run_loop(args.keep, args.kills, seed, args.max_delay, log)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="clinic-kill-loop-"))
        try:
            summary = run_loop(tmp / "work", args.kills, seed, args.max_delay, log)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(format_summary(summary))
    return 1 if summary.lost or summary.broken else 0


if __name__ == "__main__":
    sys.exit(main())
