"""What the storage layer has to say while it works, for whoever shows it.

The command line sets :data:`wait_notice` to print on stderr, so a script's user knows why a write
pauses while the window (or another command) finishes its own, or that the answers come from the
room's copy of the library while the clinic's server cannot be reached; the window leaves it unset
(its writes run on a worker, under the busy cursor, and it shows the copy in its own bar).
"""

from __future__ import annotations

from collections.abc import Callable

wait_notice: Callable[[str], None] | None = None


def say(text: str) -> None:
    if wait_notice is not None:
        wait_notice(text)


def say_wait(text: str) -> None:
    say(text)
