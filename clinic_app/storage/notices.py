"""What the storage layer has to say while it works, for whoever shows it.

The command line sets :data:`wait_notice` to print on stderr, so a script's user knows why a write
pauses while the window (or another command) finishes its own; the window leaves it unset (its
writes run on a worker, under the busy cursor).
"""

from __future__ import annotations

from collections.abc import Callable

wait_notice: Callable[[str], None] | None = None


def say_wait(text: str) -> None:
    if wait_notice is not None:
        wait_notice(text)
