"""``clinic-app fields show|set|history|revert``: the clinic's own fields beside a therapy's text."""

from __future__ import annotations

import argparse

from clinic_app.cli.common import location_of

NAME = "fields"
SHORT = 40  # characters of a value in a history line


def add_parser(commands: argparse._SubParsersAction) -> None:
    fields = commands.add_parser(
        "fields", help="the clinic's own cost, contact, protocol notes and whether it offers a therapy",
        description="Show or set what the clinic writes itself beside a therapy's shipped text. Every change "
        "names who made it and why, and is kept as a revision. Example: clinic-app fields set yoga "
        "--cost 'A class costs $15. Most plans do not pay for it.' --by 'Dr Lee' --why 'new class fees'")
    actions = fields.add_subparsers(dest="fields_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="the clinic's fields for a therapy")
    show.add_argument("therapy", metavar="THERAPY", help="the therapy's slug, e.g. yoga")
    change = actions.add_parser("set", help="set fields (an empty value clears one); each change is a revision")
    change.add_argument("therapy", metavar="THERAPY", help="the therapy's slug, e.g. yoga")
    change.add_argument("--cost", help="cost and coverage here, in the patient's words (grade 8 or lower)")
    change.add_argument("--offered", choices=("yes", "no"), help="whether the clinic offers it ('no' leaves it out "
                        "of the patient's lists; search still finds it)")
    change.add_argument("--protocol", help="local protocol notes, for clinicians only")
    change.add_argument("--contact", help="whom patients contact about it here (grade 8 or lower)")
    _who_and_why(change)
    past = actions.add_parser("history", help="every change to a therapy's clinic fields, newest first")
    past.add_argument("therapy", metavar="THERAPY", help="the therapy's slug, e.g. yoga")
    undo = actions.add_parser("revert", help="put back the value a revision replaced (itself a revision)")
    undo.add_argument("revision", metavar="REVISION_ID", type=int, help="the revision's number, from 'history'")
    _who_and_why(undo)


def _who_and_why(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", metavar="NAME", help="the clinician making the change (required)")
    parser.add_argument("--why", metavar="TEXT", help="a short reason for the change (required)")


def _short(value: str) -> str:
    if not value:
        return "(empty)"
    value = " ".join(value.split())
    return repr(value if len(value) <= SHORT else value[: SHORT - 1].rstrip() + "\u2026")


def _line(revision) -> str:  # noqa: ANN001 - clinic_fields.Revision
    undoes = f" (reverts #{revision.reverts})" if revision.reverts else ""
    return (f"#{revision.id}  {revision.changed_at:%Y-%m-%d %H:%M}  {revision.changed_by}  {revision.key}: "
            f"{_short(revision.before)} \u2192 {_short(revision.after)}{undoes}\n    why: {revision.reason}")


def run(args: argparse.Namespace) -> int:
    from clinic_app.services import clinic_fields, store_setup
    from clinic_app.services.library import check_known

    store = store_setup.open_store(location_of(args))
    if args.fields_command == "show":
        check_known(store, [args.therapy])
        found = {item.key: item for item in clinic_fields.field_values(store, args.therapy)}
        for key in clinic_fields.FIELDS:
            item = found.get(key)
            where = f"  ({item.updated_by}, {item.updated_at:%Y-%m-%d})" if item else ""
            print(f"{key:<9} {item.value if item else '(not set)'}{where}")
        return 0
    if args.fields_command == "history":
        revisions = clinic_fields.history(store, args.therapy)
        if not revisions:
            print(f"no changes to the clinic's fields for {args.therapy}")
        for revision in revisions:
            print(_line(revision))
        return 0
    if args.fields_command == "revert":
        revision = clinic_fields.revert(store, args.revision, args.by, args.why)
        print(f"reverted revision #{args.revision} of {revision.therapy} {revision.key}:")
        print(_line(revision))
        return 0
    values = {key: getattr(args, key) for key in clinic_fields.FIELDS if getattr(args, key) is not None}
    made = clinic_fields.set_fields(store, args.therapy, values, args.by, args.why)
    if not made:
        print(f"nothing changed: {args.therapy} already had {'those values' if len(values) > 1 else 'that value'}")
    for revision in made:
        print(_line(revision))
    return 0
