"""``clinic-app content check|report|export|import``: validate the content files, or report on them;
move the clinic's own fields, and its edits of therapy text, to another install as a content pack."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clinic_app.cli.common import location_of, shown, text
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
    export = content_cmds.add_parser(
        "export", help="write the clinic's own fields (cost, offered, protocol, contact) and its edits of "
        "therapy text to a content pack",
        description="Write every therapy's clinic fields, and the text fields the clinic edited in shipped "
        "therapies, to a zip another install can import. Example: "
        "clinic-app content export -o fields.zip --by 'Dr Lee'")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="PACK.zip",
                        help="the pack to write (its folder must exist)")
    export.add_argument("--by", metavar="NAME", type=text, help="who is exporting (required)")
    take = content_cmds.add_parser(
        "import", help="show what a content pack would change; with --yes, import it",
        description="Check a content pack whole, then show what it would change in the clinic's fields and in "
        "therapy text. With --yes a backup is taken and every change is written in one transaction, each as a "
        "revision; edited text is applied on top of this install's text and checked as 'edit' checks it. Fields "
        "the pack does not hold are left as they are. Example: clinic-app content import fields.zip --by 'Dr Lee' "
        "--why 'fields from the main clinic' --yes")
    take.add_argument("pack", type=Path, metavar="PACK.zip", help="the content pack to import")
    take.add_argument("--by", metavar="NAME", type=text, help="the clinician importing it (required with --yes)")
    take.add_argument("--why", metavar="TEXT", type=text, help="a short reason (required with --yes)")
    take.add_argument("--yes", action="store_true", help="import; without it nothing is changed")


def run(args: argparse.Namespace) -> int:
    if args.content_command in ("export", "import"):
        return _packs(args)
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



def _short(value: str, limit: int = 40) -> str:
    if not value:
        return "(empty)"
    value = " ".join(value.split())
    return repr(value if len(value) <= limit else value[: limit - 1].rstrip() + "\u2026")


def _packs(args: argparse.Namespace) -> int:
    from clinic_app.services import content_packs, store_setup

    location = location_of(args)
    store = store_setup.open_store(location)
    if args.content_command == "export":
        summary = content_packs.export_pack(store, args.output, args.by)
        edited = f" and the clinic's edited text of {summary.edited} therapies" if summary.edited else ""
        edited += f" and {summary.added} therapy(ies) the clinic added, with their references" if summary.added else ""
        edited += f" and the clinic's edited text of {summary.conditions} condition(s)" if summary.conditions else ""
        print(f"wrote {shown(summary.path)}: {summary.fields} clinic field(s) of {summary.therapies} therapies{edited} "
              f"({summary.size:,} bytes, SHA-256 {summary.sha256})")
        return 0
    pack = content_packs.read_pack(args.pack, store)
    made = pack.manifest
    print(f"content pack {shown(pack.path)}: exported {shown(made.created_at)} by {shown(made.exported_by)} (Clinic "
          f"Reference {shown(made.app_version)}, library {shown(made.library_version or '?')})")
    if not args.yes:
        changes = content_packs.plan_import(store, pack)
        for change in changes:
            if change.kind == "therapy":
                print(f"  new therapy: {change.therapy} ({shown(change.key)}), {change.references} references")
                continue
            where = f"condition {change.therapy}" if change.kind == "condition" else change.therapy
            print(f"  {where} {change.key}: {_short(change.before)} \u2192 {_short(change.after)}")
        if not changes:
            print("nothing to import: every field in the pack is already so here")
        else:
            print(f"{_counted(changes)} would change; nothing was changed. Run again with --yes (and --by, --why) "
                  "to import them; a backup is taken first.")
        return 0
    summary = content_packs.import_pack(store, location, pack, args.by, args.why)
    for added in summary.added:
        keys = ", ".join(f"[{local}] stored as [{stored}]" for local, stored in added.references)
        print(f"  added {added.slug} ({shown(added.name)}): revision #{added.revision}, origin clinic-added"
              + (f"; {keys}" if keys else ""))
    for revision in summary.revisions:
        print(f"  #{revision.id}  {revision.therapy} {revision.key}: {_short(revision.before)} \u2192 "
              f"{_short(revision.after)}")
    for edit in summary.edits:
        print(f"  {edit.slug} text, revision {edit.revision}: {', '.join(edit.changed)}")
    for edit in summary.conditions:
        print(f"  condition {edit.slug} text, revision {edit.revision}: {', '.join(edit.changed)}")
    if not summary.changed:
        print("nothing to import: every field in the pack is already so here; nothing was changed")
    else:
        done = [f"{len(summary.revisions)} field(s)"] if summary.revisions else []
        done += [f"{summary.texts} edited text field(s)"] if summary.texts else []
        done = ([f"{len(summary.added)} new therapy(ies)"] if summary.added else []) + done
        why = summary.revisions[0].reason if summary.revisions else " ".join(args.why.split())
        conditions = f" and {len(summary.conditions)} condition(s)" if summary.conditions else ""
        print(f"imported {' and '.join(done)} of {summary.therapies} therapies{conditions}, each kept as a revision "
              f"(why: {why}); backup before the import: {shown(summary.backup)}")
    return 0


def _counted(changes: list) -> str:
    fields = sum(1 for change in changes if change.kind == "field")
    texts = sum(1 for change in changes if change.kind in ("text", "condition"))
    added = sum(1 for change in changes if change.kind == "therapy")
    return " and ".join(([f"{added} new therapy(ies)"] if added else []) + ([f"{fields} field(s)"] if fields else [])
                        + ([f"{texts} edited text field(s)"] if texts else []))
