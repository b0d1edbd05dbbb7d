"""``clinic-app edit show|set|history|revert|changed|review``: the clinic's edits of a therapy's text."""

from __future__ import annotations

import argparse

from clinic_app.cli.common import location_of, text

NAME = "edit"
SHORT = 70  # characters of a field's text in 'show'


def add_parser(commands: argparse._SubParsersAction) -> None:
    edit = commands.add_parser(
        "edit", help="edit a therapy's shipped text; every change is a revision and a newer shipped library "
        "never overwrites it",
        description="Edit a therapy's text for this clinic. The edited therapy is checked as 'content check' checks "
        "it (patients' text grade 8 or lower, no placeholders, citations that resolve); one problem and nothing is "
        "changed. Example: clinic-app edit set yoga --field patient.recovery --text '...' --by 'Dr Lee' "
        "--why 'our class times'")
    actions = edit.add_subparsers(dest="edit_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="the text fields of a therapy a clinic may edit")
    show.add_argument("therapy", metavar="THERAPY", help="the therapy's slug, e.g. yoga")
    show.add_argument("--full", action="store_true", help="print each field's whole text")
    change = actions.add_parser("set", help="change one or more fields (one revision)")
    change.add_argument("therapy", metavar="THERAPY", help="the therapy's slug, e.g. yoga")
    change.add_argument("--field", action="append", default=[], metavar="PATH",
                        help="a field path from 'edit show', e.g. patient.risks (repeat with --text)")
    change.add_argument("--text", action="append", default=[], type=text, metavar="TEXT",
                        help="the field's new text, one --text for each --field, in the same order")
    _who_and_why(change)
    past = actions.add_parser("history", help="every revision of a therapy's text, newest first, with word diffs")
    past.add_argument("therapy", metavar="THERAPY", help="the therapy's slug, e.g. yoga")
    undo = actions.add_parser("revert", help="put back a revision's text (itself a new revision)")
    undo.add_argument("therapy", metavar="THERAPY", help="the therapy's slug, e.g. yoga")
    undo.add_argument("revision", metavar="REVISION", type=int, help="the revision's number, from 'edit history'")
    _who_and_why(undo)
    actions.add_parser("changed", help="therapies the clinic edited whose shipped text changed since, with diffs")
    review = actions.add_parser("review", help="clear 'shipped text changed since your edit': keep yours or take "
                                "the shipped text")
    review.add_argument("therapy", metavar="THERAPY", help="the therapy's slug, e.g. yoga")
    choice = review.add_mutually_exclusive_group(required=True)
    choice.add_argument("--keep", action="store_true", help="keep the clinic's text")
    choice.add_argument("--take-shipped", action="store_true", help="take the newer shipped text")
    _who_and_why(review)


def _who_and_why(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", metavar="NAME", type=text, help="the clinician making the change (required)")
    parser.add_argument("--why", metavar="TEXT", type=text, help="a short reason for the change (required)")


def _short(value: str, limit: int = SHORT) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "\u2026"


def _print_changes(changes, indent: str = "    ") -> None:  # noqa: ANN001 - FieldChange tuple
    for change in changes:
        print(f"{indent}{change.path}: {change.diff}")


def _done(result, what: str) -> None:  # noqa: ANN001 - EditResult
    fields = f" ({', '.join(result.changed)})" if result.changed else ""
    print(f"{what} {result.slug}: revision #{result.revision}, origin {result.origin}{fields}")


def run(args: argparse.Namespace) -> int:
    from clinic_app.errors import ClinicAppError
    from clinic_app.services import store_setup, therapy_edits

    store = store_setup.open_store(location_of(args))
    command = args.edit_command
    if command == "show":
        for path, value in therapy_edits.editable_fields(store, args.therapy).items():
            shown = value.replace("\n", " | ") if not args.full else value
            print(f"{path:<34} {shown if args.full else _short(shown)}")
        return 0
    if command == "set":
        if not args.field or len(args.field) != len(args.text):
            raise ClinicAppError(f"give each --field with its --text (got {len(args.field)} --field and "
                                 f"{len(args.text)} --text); nothing was changed")
        if len(set(args.field)) != len(args.field):
            raise ClinicAppError("a field is given twice; give each --field once; nothing was changed")
        result = therapy_edits.edit_therapy(store, args.therapy, dict(zip(args.field, args.text)), args.by, args.why)
        _done(result, "edited")
        return 0
    if command == "history":
        for entry in therapy_edits.history(store, args.therapy):
            print(f"#{entry.revision}  {entry.created_at:%Y-%m-%d %H:%M}  {entry.origin}  v{entry.content_version}  "
                  f"{entry.author}\n    why: {entry.reason}")
            _print_changes(entry.changes)
        return 0
    if command == "revert":
        _done(therapy_edits.revert(store, args.therapy, args.revision, args.by, args.why),
              f"reverted to revision #{args.revision}:")
        return 0
    if command == "changed":
        changed = therapy_edits.shipped_changed(store)
        if not changed:
            print("no therapy the clinic edited has newer shipped text")
        for item in changed:
            print(item.message)
            _print_changes(item.changes)
        return 0
    result = therapy_edits.mark_reviewed(store, args.therapy, args.by, args.why, take_shipped=args.take_shipped)
    _done(result, "took the shipped text for" if args.take_shipped else "kept the clinic's text for")
    return 0
