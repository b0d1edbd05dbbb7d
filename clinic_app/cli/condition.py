"""``clinic-app condition show|set|history|revert|changed|review``: the clinic's edits of a condition's text."""

from __future__ import annotations

import argparse

from clinic_app.cli.common import location_of, text

NAME = "condition"
SHORT = 70  # characters of a field's text in 'show'


def add_parser(commands: argparse._SubParsersAction) -> None:
    condition = commands.add_parser(
        "condition", help="edit a condition's text, aliases and references; every change is a revision and a "
        "newer shipped library never overwrites it",
        description="Edit a condition's text for this clinic (both audiences), its aliases (search words) and its "
        "references. The edited condition is checked as 'content check' checks it (patients' text grade 8 or lower, "
        "no placeholders, citations that resolve to its references); one problem and nothing is changed. A list "
        "(aliases, actions, warning signs, references) is one text, a value a line. Example: clinic-app condition "
        "set sciatica --field aliases --text $'sciatica\\nleg pain' --by 'Dr Lee' --why 'words our patients use'")
    actions = condition.add_subparsers(dest="condition_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="the fields of a condition a clinic may edit")
    show.add_argument("condition", metavar="CONDITION", help="the condition's slug, e.g. sciatica")
    show.add_argument("--full", action="store_true", help="print each field's whole text")
    change = actions.add_parser("set", help="change one or more fields (one revision)")
    change.add_argument("condition", metavar="CONDITION", help="the condition's slug, e.g. sciatica")
    change.add_argument("--field", action="append", default=[], metavar="PATH",
                        help="a field path from 'condition show', e.g. patient.first_steps (repeat with --text)")
    change.add_argument("--text", action="append", default=[], type=text, metavar="TEXT",
                        help="the field's new text, one --text for each --field, in the same order")
    _who_and_why(change)
    past = actions.add_parser("history", help="every revision of a condition's text, newest first, with word diffs")
    past.add_argument("condition", metavar="CONDITION", help="the condition's slug, e.g. sciatica")
    undo = actions.add_parser("revert", help="put back a revision's text (itself a new revision)")
    undo.add_argument("condition", metavar="CONDITION", help="the condition's slug, e.g. sciatica")
    undo.add_argument("revision", metavar="REVISION", type=int, help="the revision's number, from 'condition history'")
    _who_and_why(undo)
    actions.add_parser("changed", help="conditions the clinic edited whose shipped text changed since, with diffs")
    review = actions.add_parser("review", help="clear 'shipped text changed since your edit': keep yours or take "
                                "the shipped text")
    review.add_argument("condition", metavar="CONDITION", help="the condition's slug, e.g. sciatica")
    choice = review.add_mutually_exclusive_group(required=True)
    choice.add_argument("--keep", action="store_true", help="keep the clinic's text")
    choice.add_argument("--take-shipped", action="store_true", help="take the newer shipped text")
    _who_and_why(review)


def _who_and_why(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", metavar="NAME", type=text, help="the clinician making the change (required)")
    parser.add_argument("--why", metavar="TEXT", type=text, help="a short reason for the change (required)")


def run(args: argparse.Namespace) -> int:
    from clinic_app.cli.edit import _done, _print_changes, _short
    from clinic_app.errors import ClinicAppError
    from clinic_app.services import condition_edits, store_setup

    store = store_setup.open_store(location_of(args))
    command = args.condition_command
    if command == "show":
        for path, value in condition_edits.editable_fields(store, args.condition).items():
            shown = value.replace("\n", " | ") if not args.full else value
            print(f"{path:<30} {shown if args.full else _short(shown, SHORT)}")
        return 0
    if command == "set":
        if not args.field or len(args.field) != len(args.text):
            raise ClinicAppError(f"give each --field with its --text (got {len(args.field)} --field and "
                                 f"{len(args.text)} --text); nothing was changed")
        if len(set(args.field)) != len(args.field):
            raise ClinicAppError("a field is given twice; give each --field once; nothing was changed")
        result = condition_edits.edit_condition(store, args.condition, dict(zip(args.field, args.text, strict=True)),
                                                args.by, args.why)
        _done(result, "edited")
        return 0
    if command == "history":
        for entry in condition_edits.history(store, args.condition):
            print(f"#{entry.revision}  {entry.created_at:%Y-%m-%d %H:%M}  {entry.origin}  {entry.author}\n"
                  f"    why: {entry.reason}")
            _print_changes(entry.changes)
        return 0
    if command == "revert":
        _done(condition_edits.revert(store, args.condition, args.revision, args.by, args.why),
              f"reverted to revision #{args.revision}:")
        return 0
    if command == "changed":
        changed = condition_edits.shipped_changed(store)
        if not changed:
            print("no condition the clinic edited has newer shipped text")
        for item in changed:
            print(item.message)
            _print_changes(item.changes)
        return 0
    result = condition_edits.mark_reviewed(store, args.condition, args.by, args.why, take_shipped=args.take_shipped)
    _done(result, "took the shipped text for" if args.take_shipped else "kept the clinic's text for")
    return 0
