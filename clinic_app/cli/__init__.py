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
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from clinic_app.cli.common import location_of
from clinic_app.cli.parser import HANDLERS, build_parser
from clinic_app.errors import ClinicAppError, ContentError, OutputError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    _say_when_writes_wait()
    stdout = sys.stdout
    if stdout is not None:  # None under pythonw (no console): print() then writes nothing, as before
        sys.stdout = _Output(stdout)
    try:
        handler = HANDLERS[command]
        code = handler(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a full disk behind the output is said here, not at exit
        return code
    except OutputError as exc:
        print(f"clinic-app: error: {exc.message}", file=sys.stderr)
        _drop_output(stdout)
        return exc.exit_code
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
        _drop_output(stdout)
        return 0
    except Exception:  # noqa: BLE001 - the last guard: log it, say one line
        log = _log_unexpected(args, sys.exc_info()[1])
        where = f"details were written to {log}" if log else "the details could not be written to the data folder"
        print(f"clinic-app: unexpected error; {where}", file=sys.stderr)
        return 70
    finally:
        sys.stdout = stdout


class _Output:
    """Standard output while a command runs. A write that fails (a full disk or /dev/full behind it,
    an I/O error) ends the command with one plain :class:`OutputError` naming where the output
    went; text that the stream's encoding cannot hold (a file name in another encoding) is written
    with backslash escapes instead of failing."""

    def __init__(self, stream) -> None:  # noqa: ANN001 - a text stream
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            try:
                return self._stream.write(text)
            except UnicodeEncodeError:
                encoding = getattr(self._stream, "encoding", None) or "utf-8"
                return self._stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: OSError) -> OutputError:
        where = "standard output"
        try:
            target = os.readlink(f"/proc/self/fd/{self._stream.fileno()}")
            where += f" ({target})"
        except (OSError, AttributeError, ValueError):  # not Linux, or not a real file (a test's capture)
            pass
        return OutputError(f"could not write to {where}: {exc.strerror or exc}. Nothing more was printed; if the "
                           "output goes to a file, check that its disk has room")

    def __getattr__(self, name: str):  # noqa: ANN204 - isatty, encoding, fileno... of the stream itself
        return getattr(self._stream, name)


def _drop_output(stream) -> None:  # noqa: ANN001
    """Send what is still buffered for a standard output that failed to /dev/null, so that Python's
    flush at exit does not fail again and print a traceback of its own."""
    try:
        fd = stream.fileno()
    except (OSError, AttributeError, ValueError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)
    except OSError:
        pass


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
