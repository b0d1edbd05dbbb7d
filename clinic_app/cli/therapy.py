"""``clinic-app therapy add|list|remove|restore``: therapies the clinic adds itself, with its own references."""

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
    listed = actions.add_parser("list", help="the therapies the clinic added itself")
    listed.add_argument("--removed", action="store_true", help="the therapies the clinic removed instead")
    remove = actions.add_parser("remove", help="withdraw a therapy the clinic added: off every list, search, "
                                "comparison and new handout; printed handouts still reprint; restorable",
                                description="Withdraw a therapy the clinic added itself (a shipped therapy cannot "
                                "be removed). It is kept whole with its revisions: handouts printed with it reprint "
                                "exactly, and 'clinic-app therapy restore SLUG' puts it back.")
    remove.add_argument("slug", metavar="SLUG", help="the therapy's slug, e.g. back-care-class")
    remove.add_argument("--by", metavar="NAME", type=text, help="the clinician removing it (required)")
    remove.add_argument("--why", metavar="TEXT", type=text, help="a short reason (required)")
    restore = actions.add_parser("restore", help="put back a therapy the clinic removed, with its revisions")
    restore.add_argument("slug", metavar="SLUG", help="the removed therapy's slug")
    restore.add_argument("--by", metavar="NAME", type=text, help="the clinician restoring it (required)")
    restore.add_argument("--why", metavar="TEXT", type=text, help="a short reason (required)")


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
    if args.therapy_command == "remove":
        removed = clinic_therapies.remove_therapy(store, args.slug, args.by, args.why)
        print(f"removed {removed.slug} ({removed.name}): kept with its {removed.revisions} revision(s); "
              f"'clinic-app therapy restore {removed.slug}' puts it back")
        return 0
    if args.therapy_command == "restore":
        restored = clinic_therapies.restore_therapy(store, args.slug, args.by, args.why)
        print(f"restored {restored.slug} ({restored.name}): revision #{restored.revision}")
        return 0
    if args.removed:
        removed_list = clinic_therapies.list_removed(store)
        if not removed_list:
            print("the clinic has removed no therapies")
        for item in removed_list:
            print(f"{item.slug:<28} {item.name}  removed {item.removed_at:%Y-%m-%d} by {item.removed_by}  "
                  f"({item.revisions} revisions kept)\n    why: {item.reason}")
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
