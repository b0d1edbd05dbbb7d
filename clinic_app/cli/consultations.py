"""``clinic-app consultations``: list, show, export, purge, reprint and count recorded visits."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from clinic_app.cli.common import location_of

NAME = "consultations"


def add_parser(commands: argparse._SubParsersAction) -> None:
    consult = commands.add_parser(
        "consultations", help="list, show, export, purge or reprint the consultations recorded when visits ended",
        description="Consultation records: what was discussed and handed out. Dates are YYYY-MM-DD (UTC days). "
        "Examples: clinic-app consultations list --since 2026-11-01 --therapy nsaids; clinic-app consultations export "
        "--since 2026-01-01 -o visits.csv; clinic-app consultations reprint 12 -o handouts/")
    consult_cmds = consult.add_subparsers(dest="consultations_command", metavar="ACTION", required=True)
    consult_list = consult_cmds.add_parser("list", help="consultations, newest first (records replaced by a correction "
                                           "are left out)")
    consult_list.add_argument("--since", metavar="DATE", help="started on or after this day")
    consult_list.add_argument("--until", metavar="DATE", help="started on or before this day")
    consult_list.add_argument("--clinician", metavar="NAME", help="clinician name contains this, in any case")
    consult_list.add_argument("--therapy", metavar="SLUG", help="this therapy was discussed")
    consult_list.add_argument("--json", action="store_true", help="print JSON for scripts")
    consult_show = consult_cmds.add_parser("show", help="one consultation, its handouts checked against their SHA-256")
    consult_show.add_argument("consultation_id", type=int, metavar="ID")
    consult_show.add_argument("--json", action="store_true", help="print JSON for scripts")
    consult_export = consult_cmds.add_parser("export", help="write consultations as CSV, corrected records included")
    consult_export.add_argument("--since", required=True, metavar="DATE", help="started on or after this day")
    consult_export.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.csv")
    consult_purge = consult_cmds.add_parser(
        "purge", help="remove patient labels and notes from older records, and patient names, notes, next steps and "
        "file names from the handout log; counts are kept",
        description="Remove what identifies patients from records older than a day. Backups made before the purge "
        "still hold the removed text; --backups deletes those in the backups folder made before that day.")
    consult_purge.add_argument("--before", required=True, metavar="DATE", help="purge records from before this day")
    consult_purge.add_argument("--yes", action="store_true", help="purge; without it, only say what would be purged")
    consult_purge.add_argument("--backups", action="store_true",
                               help="with --yes, also delete the backups in the backups folder made before this day "
                               "(they still hold the removed text); each one deleted is listed")
    consult_reprint = consult_cmds.add_parser("reprint", help="print a consultation's handouts again, exactly as given")
    consult_reprint.add_argument("consultation_id", type=int, metavar="ID")
    consult_where = consult_reprint.add_mutually_exclusive_group(required=True)
    consult_where.add_argument("-o", "--output", type=Path, metavar="DIR", help="existing folder for the PDFs")
    consult_where.add_argument("--printer", metavar="NAME", help="send to this printer")
    consult_usage = consult_cmds.add_parser("usage", help="per month: therapies discussed and handed out most")
    consult_usage.add_argument("--months", type=int, default=12, help="this many months, this one included (default 12)")
    consult_usage.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace) -> int:
    import contextlib
    import datetime as dt
    import re

    from clinic_app.services import consultations, store_setup

    def day(option: str) -> dt.date | None:
        text = getattr(args, option, None)
        if text is None:
            return None
        with contextlib.suppress(ValueError):
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return dt.date.fromisoformat(text)
        raise consultations.ConsultationError(f"--{option} {text!r} is not a date like 2026-12-31")

    location = location_of(args)
    store = store_setup.open_store(location)
    action = args.consultations_command
    if action == "list":
        items = consultations.list_consultations(store, since=day("since"), until=day("until"),
                                                 clinician=args.clinician, therapy=args.therapy)
        if args.json:
            print(json.dumps([i.as_dict() for i in items], indent=2, ensure_ascii=False))
            return 0
        if not items:
            print("no consultations match")
        for i in items:
            mark = f" (corrects #{i.corrects})" if i.corrects else ""
            print(f"#{i.id:<4} {i.started_at:%Y-%m-%d %H:%M}  {i.clinician or '-'}  {', '.join(i.therapies)}  "
                  f"handouts: {', '.join(f'#{p}' for p, _ in i.handouts) or 'none'}{mark}")
        return 0
    if action == "show":
        item = consultations.get(store, args.consultation_id)
        checks = consultations.verify_handouts(store, item.id)
        if args.json:
            print(json.dumps(dict(item.as_dict(), handouts_verified=[{"id": p, "ok": ok, "message": m}
                                                                      for p, ok, m in checks]), indent=2, ensure_ascii=False))
            return 0 if all(ok for _, ok, _ in checks) else 1
        chain = "".join((f" (corrects #{item.corrects})" if item.corrects else "",
                         f" (corrected by #{item.corrected_by}; this is not the latest record)" if item.corrected_by else ""))
        versions = ", ".join(f"{slug} {version}" for slug, version in item.content_versions.items())
        patient = item.patient_label or ("removed by a purge" if item.purged_at else "not kept")
        print(f"consultation #{item.id}{chain}\n"
              f"  started    {item.started_at:%Y-%m-%d %H:%M} UTC, recorded {item.recorded_at:%Y-%m-%d %H:%M} UTC\n"
              f"  clinician  {item.clinician or '-'}\n  patient    {patient}\n"
              f"  therapies  {', '.join(item.therapies)} (content versions: {versions}; library {item.library_version})\n"
              f"  rows       {', '.join(item.rows) or '-'}\n  notes      {item.notes or '-'}")
        for _, _, message in checks:
            print(f"  {message}")
        return 0 if all(ok for _, ok, _ in checks) else 1
    if action == "export":
        from clinic_app.printing.comparison_jobs import write_text

        items = consultations.list_consultations(store, since=day("since"), include_superseded=True, limit=None)
        write_text(args.output, consultations.to_csv(items))
        print(f"{len(items)} consultation(s) written to {args.output}")
        return 0
    if action == "purge":
        for line in _purge(store, location, day("before"), args.yes, args.backups):
            print(line)
        return 0 if args.yes else 1
    if action == "reprint":
        from clinic_app.printing.consultation_jobs import reprint_consultation

        results = reprint_consultation(store, args.consultation_id, output_dir=args.output,
                                       printer=args.printer)
        for result in results:
            print(f"reprinted a handout of consultation #{args.consultation_id} ({result.pages} pages, sha256 "
                  f"{result.sha256[:12]} verified) to {result.destination}; logged {result.logged_as}")
        return 0
    if action == "usage":
        rows = consultations.usage(store, months=args.months)
        if args.json:
            print(json.dumps([vars(r) for r in rows], indent=2, ensure_ascii=False))
            return 0
        if not rows:
            print("no consultations or handouts in these months")
        for r in rows:
            print(f"{r.month}  {r.slug:<24} discussed {r.discussed:>4}  handed out {r.handed_out:>4}  {r.name}")
        return 0
    raise AssertionError(action)


def _purge(store, location, before, yes: bool, backups: bool) -> list[str]:  # noqa: ANN001 - Store, Location, date
    """Purge (with ``yes``) or say what a purge would do, the backups included; the lines to print."""
    from clinic_app.services import consultations
    from clinic_app.storage import backup

    found = consultations.purge(store, before) if yes else consultations.purgeable(store, before)
    done = "removed" if yes else "would remove"
    lines = [f"{done} patient labels and notes from {found.consultations} consultation(s) started before {before}, "
             f"and from {found.handouts} handout record(s) printed before it: patient names ({found.handout_names}), "
             f"notes and next steps ({found.handout_notes}), file names of saved PDFs ({found.file_names}; their "
             "folders are kept)."]
    if yes:
        lines.append("What was discussed and handed out is kept, and every stored handout still matches its SHA-256.")
    if found.kept_in_documents:
        lines.append(f"{found.kept_in_documents} handout record(s) printed before this version of Clinic Reference "
                     "hold their notes or next steps inside the stored handout itself, which cannot change without "
                     f"breaking its SHA-256: the purge {'did' if yes else 'will'} not remove them, and those records "
                     "keep that text.")
    if not found.log_emptied:
        lines.append(f"The database was in use by another program, so its write-ahead log ({location.sqlite_path}-wal) "
                     "may still hold the removed text: close Clinic Reference's window and run the purge again.")
    folder = location.backup_dir
    chosen, kept = backup.delete_before(location, before, delete=yes and backups)
    if backups:
        lines.append(f"{'deleted' if yes else 'would delete'} {len(chosen)} backup(s) made before {before} from "
                     f"{folder}{':' if chosen else '.'}")
        lines += [f"  {b.path.name}" for b in chosen]
        lines += [f"kept {b.path.name}: the safety copy made today before a restore or an upgrade (the way back from "
                  f"it). It holds the text this purge {'removed' if yes else 'removes'} too: delete it yourself once it "
                  "is no longer needed." for b in kept]
    others = [b for b in backup.list_backups(location) if not (backups and (b in chosen or b in kept))]
    if others:
        how = "run again with --yes --backups to delete them" if yes else "add --backups to delete them with the purge"
        older = "" if backups or not chosen else f"; of those, {len(chosen)} made before {before} ({how})"
        lines.append(f"{len(others)} {'other ' if backups and (chosen or kept) else ''}backup(s) in {folder} were made "
                     f"before this purge and may still hold the text it {'removed' if yes else 'would remove'}{older}. "
                     "Automatic backups go as the retention ladder removes them (at most 9 months); the others stay "
                     "until someone deletes them ('clinic-app db backups' lists them).")
    lines.append("Copies of the database kept anywhere else (on a USB drive, say) still hold that text too.")
    if not yes:
        also = " and delete those backups" if backups and chosen else ""
        lines.append(f"Nothing was changed. Run again with --yes to purge{also}.")
    return lines
