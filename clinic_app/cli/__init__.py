"""The ``clinic-app`` command: the window by default, and headless commands for scripts.

Every command goes through the same services as the window. Errors a clinic can act on are
printed as one clear message on stderr with a non-zero exit; anything unexpected is written
to the log file in the data directory and reported in one line, never as a traceback.

Each command lives in its own module (``search``, ``db``, ``handout``...) with ``add_parser``
for its options and ``run`` for the work; ``parser`` puts them together. Heavy modules (the
services, printing, SQLAlchemy, Qt) are imported inside ``run`` only, so that a command loads
just what it uses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from clinic_app.cli.common import location_of
from clinic_app.cli.parser import HANDLERS, build_parser
from clinic_app.errors import ClinicAppError, ContentError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    _say_when_writes_wait()
    try:
        handler = HANDLERS[command]
        return handler(args)
    except ContentError as exc:
        print(f"clinic-app: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return exc.exit_code
    except ClinicAppError as exc:
        print(f"clinic-app: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - the last guard: log it, say one line
        log = _log_unexpected(args, sys.exc_info()[1])
        where = f"details were written to {log}" if log else "the details could not be written to the data folder"
        print(f"clinic-app: unexpected error; {where}", file=sys.stderr)
        return 70


def _say_when_writes_wait() -> None:
    """A command's write that has to wait for the window's (or another command's) says so on stderr."""
    from clinic_app.storage import notices

    notices.wait_notice = lambda text: print(f"clinic-app: {text}", file=sys.stderr, flush=True)


def _log_unexpected(args: argparse.Namespace, error: BaseException) -> Path | None:
    """The traceback goes to the data folder's log, owner-only, or nowhere (never a shared folder)."""
    from clinic_app.errors import write_traceback

    try:
        directory = location_of(args).data_dir
    except Exception:  # noqa: BLE001 - no data folder can be named: nothing is written
        return None
    return write_traceback(directory, error)
