"""Run one ``clinic-app`` command in a child process and kill it with SIGKILL (as a power cut or
kill -9 would) just before its Nth SQL statement, for the tests that prove a write is all or nothing.

    counted = run_killed(["--data-dir", data, "db", "upgrade"], 0)   # runs it whole: how many statements?
    total = statements(counted)
    killed = run_killed([...], 12)                                    # returncode -9, killed before the 12th
    killed = run_killed([...], -1, after_commit_of=("ClinicFieldRevision",))
        # killed just after the transaction that added rows of those models commits

(Importable from every test: pytest puts this folder on the path for its conftest.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

_CHILD = textwrap.dedent("""
    import os, signal, sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session
    count, target, watched = 0, int(sys.argv[1]), [name for name in sys.argv[2].split(",") if name]

    @event.listens_for(Engine, "before_cursor_execute")
    def statement(conn, cursor, sql, *args):
        global count
        count += 1
        if count == target:
            os.kill(os.getpid(), signal.SIGKILL)

    @event.listens_for(Session, "before_flush")
    def flushing(session, *args):
        if any(type(row).__name__ in watched for row in session.new):
            session.info["watched"] = True

    @event.listens_for(Session, "after_commit")
    def committed(session):
        if target == -1 and session.info.get("watched"):
            os.kill(os.getpid(), signal.SIGKILL)

    from clinic_app.cli import main
    code = main(sys.argv[3:])
    print("STATEMENTS", count)
    sys.exit(code)
""")


def run_killed(argv: list, kill_at: int, after_commit_of: tuple[str, ...] = (),
               timeout: int = 120) -> subprocess.CompletedProcess:
    """Run ``clinic-app ARGV`` killed before statement ``kill_at`` (0: not killed; -1: just after
    the commit of a transaction that added rows of the models named in ``after_commit_of``)."""
    return subprocess.run([sys.executable, "-c", _CHILD, str(kill_at), ",".join(after_commit_of), *map(os.fspath, argv)],
                          capture_output=True, text=True, timeout=timeout)


def statements(done: subprocess.CompletedProcess) -> int:
    """How many SQL statements a run that was not killed made."""
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split("STATEMENTS")[-1])
