"""``clinic-app content check|report``: validate the content files, or report on them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clinic_app.cli.common import shown
from clinic_app.errors import ContentError

NAME = "content"


def add_parser(commands: argparse._SubParsersAction) -> None:
    content = commands.add_parser("content", help="check the content files or report on them")
    content_cmds = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    check = content_cmds.add_parser("check", help="validate content files; print every problem as file: field: message")
    check.add_argument("directory", nargs="?", type=Path, help="content folder (default: the shipped content)")
    report = content_cmds.add_parser("report", help="per therapy: status, evidence grade, references, "
                                     "patient-text grade, last reviewed")
    report.add_argument("directory", nargs="?", type=Path, help="content folder (default: the shipped content)")
    report.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace) -> int:
    from clinic_app.content.check import load_content

    bundle, problems = load_content(args.directory)
    if args.content_command == "check":
        for problem in problems:
            print(problem)
        where = shown(bundle.directory)
        if problems:
            print(f"{len(problems)} problem(s) in {where}", file=sys.stderr)
            return 1
        print(f"content OK: {len(bundle.therapies)} therapies, {len(bundle.references)} references, "
              f"{len(bundle.attributes)} comparison rows in {where} (library version "
              f"{bundle.library.version if bundle.library else '?'})")
        return 0
    from clinic_app.content.report import build_report, format_report

    if problems:
        raise ContentError(f"the content in {shown(bundle.directory)} has {len(problems)} problem(s); fix them first", problems)
    rows = build_report(bundle)
    if args.json:
        print(json.dumps([row.as_dict() for row in rows], indent=2))
    else:
        print(format_report(rows))
    return 0

