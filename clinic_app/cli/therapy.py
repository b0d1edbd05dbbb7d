"""``clinic-app therapy add|list``: therapies the clinic adds itself, with its own references."""

from __future__ import annotations

import argparse

from clinic_app.cli.common import location_of, logged_path, text

NAME = "therapy"


def add_parser(commands: argparse._SubParsersAction) -> None:
    therapy = commands.add_parser(
        "therapy", help="add a therapy of the clinic's own (its own references too), checked as shipped content is",
        description="Add a therapy the clinic offers that the library does not ship, from one YAML file holding "
        "'therapy:' (a therapy in the shipped therapy-file format) and 'references:' (the clinic's own references: "
        "title, year, a PMID, DOI or other id, where the clinic saw it and what it supports). The therapy is checked "
        "as 'content check' checks shipped therapies; one problem and nothing is added. A shipped therapy cannot be "
        "replaced: edit it with 'clinic-app edit'. Example: clinic-app therapy add back-care-class.yaml "
        "--by 'Dr Lee' --why 'our own class'")
    actions = therapy.add_subparsers(dest="therapy_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add the therapy in a YAML file, with its references (one revision)")
    add.add_argument("file", metavar="FILE.yaml", type=logged_path, help="the clinic's therapy file")
    add.add_argument("--by", metavar="NAME", type=text, help="the clinician adding it (required)")
    add.add_argument("--why", metavar="TEXT", type=text, help="a short reason (required)")
    actions.add_parser("list", help="the therapies the clinic added itself")


def run(args: argparse.Namespace) -> int:
    from clinic_app.services import clinic_therapies, store_setup

    store = store_setup.open_store(location_of(args))
    if args.therapy_command == "add":
        result = clinic_therapies.add_therapy(store, args.file, args.by, args.why)
        keys = ", ".join(f"[{local}] stored as [{stored}]" for local, stored in result.references)
        print(f"added {result.slug} ({result.name}): revision #{result.revision}, origin "
              f"{clinic_therapies.CLINIC_ADDED}")
        if keys:
            print(f"the clinic's references: {keys}")
        return 0
    therapies = clinic_therapies.list_clinic_therapies(store)
    if not therapies:
        print("the clinic has added no therapies of its own")
    for item in therapies:
        refs = f"  references: {', '.join(item.references)}" if item.references else ""
        edited = "  (edited since)" if item.origin != clinic_therapies.CLINIC_ADDED else ""
        print(f"{item.slug:<28} {item.name}  added {item.added_at:%Y-%m-%d} by {item.added_by}{refs}{edited}\n"
              f"    why: {item.reason}")
    return 0
