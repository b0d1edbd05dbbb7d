"""``clinic-app gui`` (and no command at all): open the window, if there is a display."""

from __future__ import annotations

import argparse
import os
import sys

from clinic_app.cli.common import location_of

HEADLESS_HINT = "clinic-app search QUERY, clinic-app content check, clinic-app db check (see clinic-app --help)"

NAME = "gui"


def add_parser(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("gui", help="open the window (the default)")


def _has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def run(args: argparse.Namespace) -> int:
    location = location_of(args)
    if not _has_display():
        print(f"clinic-app: no display found (DISPLAY and WAYLAND_DISPLAY are not set), so the window cannot "
              f"open here. Headless commands that work: {HEADLESS_HINT}.", file=sys.stderr)
        return 2
    from clinic_app.ui.app import run as run_window

    return run_window(location)

