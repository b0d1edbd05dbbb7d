"""A private PostgreSQL cluster for the tests, started from the distribution's server binaries.

``initdb`` makes a new cluster in a temporary folder, owned by an unprivileged user (PostgreSQL
refuses to run as root), listening on loopback only at a free port, and it is removed when the
test session ends. ``CLINIC_APP_TEST_POSTGRES_URL`` points the tests at a server of one's own
instead (a database the URL's user may create databases on).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ENV_URL = "CLINIC_APP_TEST_POSTGRES_URL"
ADMIN = "clinic_admin"


class NoServer(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


def server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (the newest installed major version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A running private cluster; :attr:`url` reaches its ``postgres`` database as the superuser."""

    def __init__(self) -> None:
        binaries = server_binaries()
        if binaries is None:
            raise NoServer("no PostgreSQL server binaries (initdb) on this machine; .ci/run installs them "
                           "(apt-get install postgresql)")
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="clinic-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:  # the server will not run as root: give the folder to an unprivileged user
            self.user = pwd.getpwnam("nobody")
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
            self.folder.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", ADMIN, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        self.start()
        self.url = f"postgresql+psycopg://{ADMIN}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server (again, after :meth:`halt`: the same data folder and port)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "60", "-o",
                  f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='{self.folder}' "
                  "-c fsync=off -c max_connections=200", "start")

    def halt(self) -> None:
        """Stop the server, as a clinic's server going down does (its clients are disconnected),
        keeping its data for :meth:`start`."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def _run(self, program: str, *args: str) -> None:
        kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid} if self.user else {}
        done = subprocess.run([str(self.binaries / program), *args], capture_output=True, text=True,
                              cwd=self.folder, **kwargs)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise NoServer(f"{program} failed ({done.returncode}): {done.stderr.strip()[-2000:]} {tail}")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def admin_url() -> tuple[str, Cluster | None]:
    """A superuser URL of a server for the tests: the one named in the environment, or a private
    cluster started now (returned, so the caller stops it)."""
    given = os.environ.get(ENV_URL)
    if given:
        return given, None
    cluster = Cluster()
    return cluster.url, cluster


def with_database(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``."""
    return url.rsplit("/", 1)[0] + "/" + name


def execute(url: str, *statements: str) -> None:
    """Run ``statements`` outside a transaction (CREATE DATABASE cannot run in one)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def wait_until_accepting(url: str, seconds: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


_NAMES = itertools.count(1)


def new_database(admin_url: str, template: str | None = None) -> str:
    """A new database on the test server (a copy of ``template`` if given); returns its URL."""
    name = f"clinic_test_{os.getpid()}_{next(_NAMES)}"
    execute(admin_url, f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return with_database(admin_url, name)


def drop_database(admin_url: str, url: str) -> None:
    """Drop the test database at ``url`` (this process's stores on it closed first)."""
    from clinic_app.storage.store import Store

    Store.close_all()
    execute(admin_url, f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
