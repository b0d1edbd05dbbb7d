"""The actions a clinic's edits of an entry's text share, for therapies (``edit``) and conditions
(``condition``): show, set, history, revert, changed, review. One parser and one runner; each
command names its entry ("therapy", "condition"), its example and the service it edits through
(:mod:`clinic_app.services.therapy_edits` or :mod:`clinic_app.services.condition_edits`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from types import ModuleType

from clinic_app.cli.common import location_of, text

SHORT = 70  # characters of a field's text in 'show'


def add_actions(parser: argparse.ArgumentParser, entry: str, example: str, dest: str,
                example_field: str) -> None:
    """The six actions under ``parser``; the entry's slug is ``args.slug``, the action ``args.<dest>``."""
    actions = parser.add_subparsers(dest=dest, metavar="ACTION", required=True)
    metavar = entry.upper()

    def slug(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("slug", metavar=metavar, help=f"the {entry}'s slug, e.g. {example}")

    show = actions.add_parser("show", help=f"the fields of a {entry} a clinic may edit")
    slug(show)
    show.add_argument("--full", action="store_true", help="print each field's whole text")
    change = actions.add_parser("set", help="change one or more fields (one revision)")
    slug(change)
    change.add_argument("--field", action="append", default=[], metavar="PATH",
                        help=f"a field path from '{parser.prog.split()[-1]} show', e.g. {example_field} "
                        "(repeat with --text)")
    change.add_argument("--text", action="append", default=[], type=text, metavar="TEXT",
                        help="the field's new text, one --text for each --field, in the same order")
    who_and_why(change)
    past = actions.add_parser("history", help=f"every revision of a {entry}'s text, newest first, with word diffs")
    slug(past)
    undo = actions.add_parser("revert", help="put back a revision's text (itself a new revision)")
    slug(undo)
    undo.add_argument("revision", metavar="REVISION", type=int,
                      help=f"the revision's number, from '{parser.prog.split()[-1]} history'")
    who_and_why(undo)
    actions.add_parser("changed", help=f"{entry}s the clinic edited whose shipped text changed since, with diffs")
    review = actions.add_parser("review", help="clear 'shipped text changed since your edit': keep yours or take "
                                "the shipped text")
    slug(review)
    choice = review.add_mutually_exclusive_group(required=True)
    choice.add_argument("--keep", action="store_true", help="keep the clinic's text")
    choice.add_argument("--take-shipped", action="store_true", help="take the newer shipped text")
    who_and_why(review)


def who_and_why(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", metavar="NAME", type=text, help="the clinician making the change (required)")
    parser.add_argument("--why", metavar="TEXT", type=text, help="a short reason for the change (required)")


def short(value: str, limit: int = SHORT) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "\u2026"


def print_changes(changes, indent: str = "    ") -> None:  # noqa: ANN001 - FieldChange tuple
    for change in changes:
        print(f"{indent}{change.path}: {change.diff}")


def done(result, what: str) -> None:  # noqa: ANN001 - EditResult
    fields = f" ({', '.join(result.changed)})" if result.changed else ""
    print(f"{what} {result.slug}: revision #{result.revision}, origin {result.origin}{fields}")


def run(args: argparse.Namespace, command: str, entry: str, service: ModuleType, edit: Callable,
        width: int, history_line: Callable) -> int:
    """Run ``command`` on the entry ``args.slug`` through ``service`` (``edit`` saves changes; each
    revision's first line is ``history_line(entry)``)."""
    from clinic_app.errors import ClinicAppError
    from clinic_app.services import store_setup

    store = store_setup.open_store(location_of(args))
    if command == "show":
        for path, value in service.editable_fields(store, args.slug).items():
            shown = value.replace("\n", " | ") if not args.full else value
            print(f"{path:<{width}} {shown if args.full else short(shown)}")
        return 0
    if command == "set":
        if not args.field or len(args.field) != len(args.text):
            raise ClinicAppError(f"give each --field with its --text (got {len(args.field)} --field and "
                                 f"{len(args.text)} --text); nothing was changed")
        if len(set(args.field)) != len(args.field):
            raise ClinicAppError("a field is given twice; give each --field once; nothing was changed")
        done(edit(store, args.slug, dict(zip(args.field, args.text, strict=True)), args.by, args.why), "edited")
        return 0
    if command == "history":
        for item in service.history(store, args.slug):
            print(f"{history_line(item)}\n    why: {item.reason}")
            print_changes(item.changes)
        return 0
    if command == "revert":
        done(service.revert(store, args.slug, args.revision, args.by, args.why), f"reverted to revision #{args.revision}:")
        return 0
    if command == "changed":
        changed = service.shipped_changed(store)
        if not changed:
            print(f"no {entry} the clinic edited has newer shipped text")
        for item in changed:
            print(item.message)
            print_changes(item.changes)
        return 0
    result = service.mark_reviewed(store, args.slug, args.by, args.why, take_shipped=args.take_shipped)
    done(result, "took the shipped text for" if args.take_shipped else "kept the clinic's text for")
    return 0
