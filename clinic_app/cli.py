"""The ``clinic-app`` command: the window by default, and headless commands for scripts.

Every command goes through the same services as the window. Errors a clinic can act on are
printed as one clear message on stderr with a non-zero exit; anything unexpected is written
to the log file in the data directory and reported in one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from clinic_app import APP_NAME, __version__
from clinic_app.errors import ClinicAppError, ContentError

HEADLESS_HINT = "clinic-app search QUERY, clinic-app content check, clinic-app db check (see clinic-app --help)"


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinic-app",
        description=f"{APP_NAME}: therapy summaries, comparisons and patient handouts for spine clinics. "
        "With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="folder holding the database and backups "
                        "(default: the user data folder; env CLINIC_APP_DATA_DIR)")
    parser.add_argument("--database-url", metavar="URL", help="SQLAlchemy URL of the database, e.g. "
                        "sqlite:////path/clinic.sqlite3 (env CLINIC_APP_DATABASE_URL)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("gui", help="open the window (the default)")

    search = commands.add_parser("search", help="search therapies, comparison cells and references")
    search.add_argument("query", nargs="+", help="words to look for; each is matched as a prefix")
    search.add_argument("--limit", type=int, default=20, help="at most this many results (default 20)")
    search.add_argument("--condition", metavar="SLUG", help="only the options for this condition "
                        "(chronic-low-back-pain, sciatica, spinal-stenosis)")
    search.add_argument("--json", action="store_true", help="print JSON for scripts")

    content = commands.add_parser("content", help="check the content files or report on them")
    content_cmds = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    check = content_cmds.add_parser("check", help="validate content files; print every problem as file: field: message")
    check.add_argument("directory", nargs="?", type=Path, help="content folder (default: the shipped content)")
    report = content_cmds.add_parser("report", help="per therapy: status, evidence grade, references, "
                                     "patient-text grade, last reviewed")
    report.add_argument("directory", nargs="?", type=Path, help="content folder (default: the shipped content)")
    report.add_argument("--json", action="store_true", help="print JSON for scripts")

    handout = commands.add_parser(
        "handout", help="print or export a patient handout; 'handout log' lists them, 'handout reprint ID' reprints one",
        description="Make a patient handout PDF (or print it), list the handout log, or reprint a logged handout "
        "exactly as it was. Examples: clinic-app handout --therapy nsaids --patient 'J. Smith' -o j-smith.pdf; "
        "clinic-app handout --therapy prolotherapy --therapy exercise-therapy --compare -o options.pdf; "
        "clinic-app handout log; clinic-app handout reprint 3 -o copy.pdf")
    handout.add_argument("action", nargs="?", choices=("log", "reprint"), help="log: list printed handouts; "
                         "reprint ID: print a logged handout again")
    handout.add_argument("record_id", nargs="?", type=int, metavar="ID", help="handout id for reprint")
    handout.add_argument("--therapy", action="append", default=[], metavar="SLUG", help="a therapy (repeat for more)")
    handout.add_argument("--condition", metavar="SLUG", default="", help="the condition the visit is about "
                         "(chronic-low-back-pain, sciatica, spinal-stenosis): the handout says so and gives its "
                         "\"get help urgently\" signs")
    handout.add_argument("--compare", action="store_true", help="include the comparison grid of the chosen therapies")
    handout.add_argument("--one-page", action="store_true", help="instead of the full handout, one page: the option "
                         "grid of 2 to 4 therapies (portrait up to 3, landscape for 4), sized to fit")
    handout.add_argument("--rows", metavar="KEY,...", help="with --compare or --one-page: the comparison rows that "
                         "matter to the patient (default: what_is_it, how_is_it_done, time_to_benefit, evidence, "
                         "main_risks, recovery, guidelines)")
    handout.add_argument("--patient", default="", metavar="NAME", help="patient name printed on every page")
    handout.add_argument("--clinician", default="", metavar="NAME")
    handout.add_argument("--notes", default="", metavar="TEXT", help="personal notes from the visit")
    handout.add_argument("--next-steps", default="", metavar="TEXT")
    handout.add_argument("--leave-out-standard-options", default="", metavar="REASON",
                         help="a handout of only emerging or investigational options also carries the standard "
                              "first option of the condition and self-care; leave them out only with a reason, "
                              "which the handout log keeps")
    handout.add_argument("--follow-up", metavar="YYYY-MM-DD", help="date of the next visit")
    handout.add_argument("--paper", choices=("a4", "letter"), help="paper size (default: the clinic profile's)")
    handout.add_argument("--large-print", action=argparse.BooleanOptionalAction, default=None,
                         help="14 pt body text (default: the clinic profile's); --no-large-print for 12 pt")
    handout.add_argument("-o", "--output", type=Path, metavar="FILE.pdf", help="PDF file to write")
    handout.add_argument("--printer", metavar="NAME", help="send to this printer instead of a PDF")
    handout.add_argument("--json", action="store_true", help="with 'log': print JSON")

    compare = commands.add_parser(
        "compare", help="put 2 to 6 therapies side by side as PDF, CSV, Markdown or JSON",
        description="Compare two to six therapies. Examples: clinic-app compare nsaids self-care; "
        "clinic-app compare platelet-rich-plasma exercise-therapy self-care --rows what_is_it,main_risks "
        "-o options.pdf")
    compare.add_argument("slugs", nargs="+", metavar="SLUG", help="therapies, in column order")
    compare.add_argument("--rows", metavar="KEY,...", help="comparison rows to include (default: all), "
                         "shown in the library's order")
    compare.add_argument("--condition", metavar="SLUG", help="the condition the options are for (chronic-low-back-pain, "
                         "sciatica, spinal-stenosis)")
    compare.add_argument("--format", choices=("pdf", "csv", "md", "json"), help="default: from the -o suffix, else md")
    compare.add_argument("--paper", choices=("a4", "letter"), help="PDF paper size (default: the clinic profile's)")
    compare.add_argument("-o", "--output", type=Path, metavar="FILE", help="file to write (needed for pdf; "
                         "other formats print to stdout without it)")

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
    consult_purge = consult_cmds.add_parser("purge", help="remove patient labels and notes from older records "
                                            "(and patient names from the handout log); counts are kept")
    consult_purge.add_argument("--before", required=True, metavar="DATE", help="purge records from before this day")
    consult_purge.add_argument("--yes", action="store_true", help="purge; without it, only say what would be purged")
    consult_reprint = consult_cmds.add_parser("reprint", help="print a consultation's handouts again, exactly as given")
    consult_reprint.add_argument("consultation_id", type=int, metavar="ID")
    consult_where = consult_reprint.add_mutually_exclusive_group(required=True)
    consult_where.add_argument("-o", "--output", type=Path, metavar="DIR", help="existing folder for the PDFs")
    consult_where.add_argument("--printer", metavar="NAME", help="send to this printer")
    consult_usage = consult_cmds.add_parser("usage", help="per month: therapies discussed and handed out most")
    consult_usage.add_argument("--months", type=int, default=12, help="this many months, this one included (default 12)")
    consult_usage.add_argument("--json", action="store_true", help="print JSON for scripts")

    clinic = commands.add_parser(
        "clinic", help="the clinic's name, phone, hours and print settings (what every handout carries)",
        description="Show or set the clinic profile from a script, with the same checks as the window's "
        "Clinic profile. Example: clinic-app clinic set --name 'Northside Spine Clinic' --phone '020 7946 0000' "
        "--hours 'Monday to Friday, 8am to 6pm'")
    clinic_cmds = clinic.add_subparsers(dest="clinic_command", metavar="ACTION", required=True)
    clinic_show = clinic_cmds.add_parser("show", help="the clinic profile, and what a handout still needs")
    clinic_show.add_argument("--json", action="store_true", help="print JSON for scripts")
    clinic_set = clinic_cmds.add_parser("set", help="change the fields given; the others stay as they are")
    clinic_set.add_argument("--name", help="the clinic's name, printed at the top of every handout")
    clinic_set.add_argument("--phone", help="the number patients call, printed on every handout")
    clinic_set.add_argument("--hours", help="when that phone is answered, e.g. 'Monday to Friday, 8am to 6pm'")
    clinic_set.add_argument("--address", help="the address (use \\n for a new line)")
    clinic_set.add_argument("--website", help="printed as text")
    clinic_set.add_argument("--paper", choices=("a4", "letter"), help="the paper handouts print on")

    db = commands.add_parser("db", help="database: upgrade, check, back up, restore")
    db_cmds = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_cmds.add_parser("upgrade", help="create or migrate the database and load the shipped content")
    db_cmds.add_parser("check", help="integrity check; print the schema revision, content version and location")
    backup = db_cmds.add_parser("backup", help="write a verified copy of the database")
    backup.add_argument("-o", "--output", help="file or existing folder to write to (default: the backups folder); "
                        "a folder that does not exist is an error")
    db_cmds.add_parser("backups", help="list the backups in the backups folder")
    restore = db_cmds.add_parser("restore", help="replace the database with a backup (the current one is backed up first)")
    restore.add_argument("backup_file", type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    try:
        handler = _HANDLERS[command]
        return handler(args)
    except ContentError as exc:
        print(f"clinic-app: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return exc.exit_code
    except ClinicAppError as exc:
        print(f"clinic-app: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - the last guard: log it, say one line
        log = _log_unexpected(args)
        print(f"clinic-app: unexpected error; details were written to {log}", file=sys.stderr)
        return 70


def _location(args: argparse.Namespace):  # noqa: ANN202
    from clinic_app.settings import resolve

    return resolve(args.data_dir, args.database_url)


def _log_unexpected(args: argparse.Namespace) -> Path:
    import tempfile
    import traceback

    try:
        directory = _location(args).data_dir
        directory.mkdir(parents=True, exist_ok=True)
    except Exception:  # noqa: BLE001
        directory = Path(tempfile.gettempdir())
    log = directory / "clinic-app.log"
    with log.open("a", encoding="utf-8") as handle:
        handle.write(traceback.format_exc() + "\n")
    return log


def _has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _cmd_gui(args: argparse.Namespace) -> int:
    location = _location(args)
    if not _has_display():
        print(f"clinic-app: no display found (DISPLAY and WAYLAND_DISPLAY are not set), so the window cannot "
              f"open here. Headless commands that work: {HEADLESS_HINT}.", file=sys.stderr)
        return 2
    from clinic_app.ui.app import run

    return run(location)


def _cmd_search(args: argparse.Namespace) -> int:
    from clinic_app.services import search, store_setup
    from clinic_app.services.library import get_condition

    store = store_setup.open_store(_location(args))
    query = " ".join(args.query)
    results = search.search_results(store, query, limit=max(1, args.limit) if not args.condition else 200)
    hits = results.hits
    if args.condition:
        members = {t.slug for t in get_condition(store, args.condition).therapies}
        hits = [h for h in hits if h.slug in members][: max(1, args.limit)]
    if args.json:
        print(json.dumps({"query": query, "corrected": results.corrected, "conditions": list(results.conditions),
                          "results": [
            {"slug": h.slug, "name": h.name, "category": h.category, "status": h.status,
             "evidence_grade": h.evidence_grade, "snippet": h.snippet, "rank": round(h.rank, 4), "via": h.via}
            for h in hits]}, indent=2, ensure_ascii=False))
        return 0
    if not hits:
        print(f"no therapy matches {query!r}")
        return 1
    if results.corrected:
        print(f"nothing matches {query!r}; showing results for {results.corrected!r}")
    width = max(len(h.slug) for h in hits)
    for hit in hits:
        print(f"{hit.slug:<{width}}  {hit.name}  [{hit.status}]")
        print(f"{'':<{width}}  {' '.join(hit.snippet.split())}")
    return 0


def _cmd_content(args: argparse.Namespace) -> int:
    from clinic_app.content.check import load_content

    bundle, problems = load_content(args.directory)
    if args.content_command == "check":
        for problem in problems:
            print(problem)
        where = bundle.directory
        if problems:
            print(f"{len(problems)} problem(s) in {where}", file=sys.stderr)
            return 1
        print(f"content OK: {len(bundle.therapies)} therapies, {len(bundle.references)} references, "
              f"{len(bundle.attributes)} comparison rows in {where} (library version "
              f"{bundle.library.version if bundle.library else '?'})")
        return 0
    from clinic_app.content.report import build_report, format_report

    if problems:
        raise ContentError(f"the content in {bundle.directory} has {len(problems)} problem(s); fix them first", problems)
    rows = build_report(bundle)
    if args.json:
        print(json.dumps([row.as_dict() for row in rows], indent=2))
    else:
        print(format_report(rows))
    return 0


def _cmd_db(args: argparse.Namespace) -> int:
    from clinic_app.storage import backup

    location = _location(args)
    action = args.db_command
    if action == "upgrade":
        from clinic_app.services import store_setup

        result = store_setup.prepare(location)
        print(f"database {location.sqlite_path or location.database_url} at schema revision {result.revision}; "
              f"content library {result.library_version}")
        for label, slugs in (("added", result.added), ("updated", result.updated),
                             ("kept the clinic's own edits of", result.kept_clinic_edits)):
            if slugs:
                print(f"  {label}: {', '.join(slugs)}")
        return 0
    if action == "check":
        from clinic_app.services.maintenance import check_database

        report = check_database(location)
        for line in report.lines():
            print(line)
        return 0 if report.ok else 1
    if action == "backup":
        made = backup.create(location, reason="manual", target=args.output)
        print(f"backup written and verified: {made.path} ({made.size:,} bytes)")
        return 0
    if action == "backups":
        found = backup.list_backups(location)
        if not found:
            print(f"no backups in {location.backup_dir}")
        for item in found:
            print(f"{item.taken_at:%Y-%m-%d %H:%M:%S}  {item.reason:<28} {item.size:>10,}  {item.path}")
        return 0
    if action == "restore":
        safety = backup.restore(location, args.backup_file)
        print(f"restored {args.backup_file} into {location.sqlite_path}; the previous database was kept as {safety.path}")
        return 0
    raise AssertionError(action)


def _cmd_handout(args: argparse.Namespace) -> int:
    import datetime as dt

    from clinic_app.errors import NotFoundError
    from clinic_app.services import store_setup

    location = _location(args)
    store = store_setup.open_store(location)
    if args.action == "log":
        from clinic_app.services.handout_log import list_prints

        items = list_prints(store)
        if args.json:
            print(json.dumps([{"id": i.id, "printed_at": i.printed_at.isoformat(timespec="seconds"), "kind": i.kind,
                               "destination": i.destination, "therapies": list(i.therapies),
                               "content_versions": i.content_versions, "library_version": i.library_version,
                               "paper": i.paper, "options": i.options, "patient_name": i.patient_name,
                               "clinician": i.clinician, "sha256": i.sha256, "reprint_of": i.reprint_of}
                              for i in items], indent=2))
            return 0
        if not items:
            print("no handouts have been printed yet")
        for i in items:
            mark = " (one page)" if i.options.get("one_page") else ""
            mark += f" (reprint of #{i.reprint_of})" if i.reprint_of else ""
            print(f"#{i.id:<4} {i.printed_at:%Y-%m-%d %H:%M}  {i.kind:<7} {i.paper:<6} {', '.join(i.therapies)}{mark}  "
                  f"sha256 {i.sha256[:12]}  -> {i.destination}")
        return 0
    if args.output is None and not args.printer:
        raise NotFoundError("say where the handout goes: -o FILE.pdf or --printer NAME")
    from clinic_app.printing import handout_jobs

    if args.action == "reprint":
        if args.record_id is None:
            raise NotFoundError("reprint needs the handout id; 'clinic-app handout log' lists them")
        result = handout_jobs.reprint(store, args.record_id, output=args.output, printer=args.printer)
        print(f"reprinted handout #{args.record_id} ({result.pages} pages, sha256 {result.sha256[:12]} verified) "
              f"to {result.destination}; logged as #{result.record_id}")
        return 0
    from clinic_app.services.clinic import load_profile
    from clinic_app.services.handouts import HandoutRequest

    profile = load_profile(store)
    try:
        follow_up = dt.date.fromisoformat(args.follow_up) if args.follow_up else None
    except ValueError:
        raise NotFoundError(f"--follow-up {args.follow_up!r} is not a date like 2026-12-31") from None
    rows = tuple(key.strip() for key in (args.rows or "").split(",") if key.strip())
    if rows and not (args.compare or args.one_page):
        raise NotFoundError("--rows chooses comparison rows; add --compare to include the comparison grid, or "
                            "--one-page for the one-page grid")
    if args.one_page:
        left_out = [option for option, value in (("--notes", args.notes), ("--next-steps", args.next_steps),
                                                 ("--follow-up", args.follow_up)) if value]
        if left_out:
            raise NotFoundError(f"the one-page grid has no room for {', '.join(left_out)}; leave "
                                f"{'them' if len(left_out) > 1 else 'it'} out, or make the full handout")
    request = HandoutRequest(
        therapies=tuple(args.therapy), include_comparison=args.compare and not args.one_page, comparison_rows=rows,
        patient_name=args.patient, clinician=args.clinician, notes=args.notes,
        next_steps=args.next_steps, follow_up=follow_up, paper=args.paper or profile.paper_size,
        large_print=profile.large_print if args.large_print is None else args.large_print,
        condition=args.condition, one_page=args.one_page, alternatives_left_out=args.leave_out_standard_options,
    )
    result = handout_jobs.produce(store, request, output=args.output, printer=args.printer)
    where = f"sent to printer {result.destination}" if args.printer else f"written to {result.destination}"
    if args.one_page:
        pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
        print(f"one-page handout {where} ({pages}, {result.body_pt} pt body); logged as #{result.record_id}, "
              f"sha256 {result.sha256[:12]}")
    else:
        print(f"handout {where} ({result.pages} pages); logged as #{result.record_id}, sha256 {result.sha256[:12]}")
    if result.alternatives:
        print(f"also printed, beside options that are not yet proven: {', '.join(result.alternatives)} "
              "(leave them out with --leave-out-standard-options REASON)")
    from clinic_app.services.clinic import missing_contact

    missing = missing_contact(profile)
    if missing:
        print(f"note: the clinic's {' and '.join(missing)} {'are' if len(missing) > 1 else 'is'} not set, so the "
              "handout has a blank line for them; set them with: clinic-app clinic set --name NAME --phone NUMBER",
              file=sys.stderr)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from clinic_app.printing.comparison_jobs import export
    from clinic_app.services import store_setup

    rows = [key.strip() for key in args.rows.split(",") if key.strip()] if args.rows is not None else None
    result = export(store_setup.open_store(_location(args)), args.slugs, rows, fmt=args.format, paper=args.paper,
                    output=args.output, condition=args.condition)
    if result.text is not None:
        sys.stdout.write(result.text)
    else:
        pages = f" ({result.pages} page{'s' if result.pages != 1 else ''})" if result.pages else ""
        print(f"comparison written to {result.path}{pages}")
    return 0


def _cmd_consultations(args: argparse.Namespace) -> int:
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

    location = _location(args)
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
        before = day("before")
        if not args.yes:
            found = consultations.purgeable(store, before)
            print(f"would remove patient labels and notes from {found.consultations} consultation(s) started before "
                  f"{before} and patient names from {found.handouts} handout record(s) printed before it; nothing was "
                  "changed. Run again with --yes to purge.")
            return 1
        done = consultations.purge(store, before)
        print(f"removed patient labels and notes from {done.consultations} consultation(s) and patient names from "
              f"{done.handouts} handout record(s) before {before}; what was discussed and handed out is kept. "
              f"Backups made earlier still hold them until the retention ladder removes them (at most 9 months); "
              f"delete older files in {location.backup_dir} to remove them sooner.")
        return 0
    if action == "reprint":
        from clinic_app.printing.consultation_jobs import reprint_consultation

        results = reprint_consultation(store, args.consultation_id, output_dir=args.output,
                                       printer=args.printer)
        for result in results:
            print(f"reprinted a handout of consultation #{args.consultation_id} ({result.pages} pages, sha256 "
                  f"{result.sha256[:12]} verified) to {result.destination}; logged as #{result.record_id}")
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


def _cmd_clinic(args: argparse.Namespace) -> int:
    from dataclasses import asdict, replace

    from clinic_app.services import clinic, store_setup

    location = _location(args)
    store = store_setup.open_store(location)
    profile = clinic.load_profile(store)
    if args.clinic_command == "set":
        changes = {name: getattr(args, name) for name in ("name", "phone", "hours", "address", "website")
                   if getattr(args, name) is not None}
        if "address" in changes:
            changes["address"] = changes["address"].replace("\\n", "\n")
        if args.paper:
            changes["paper_size"] = args.paper
        if not changes:
            raise clinic.ProfileError("nothing to set: give --name, --phone, --hours, --address, --website or --paper")
        profile = clinic.save_profile(store, replace(profile, **changes))
        print(f"clinic profile saved ({', '.join(sorted(changes))})")
    missing = clinic.missing_contact(profile)
    if args.clinic_command == "show" and args.json:
        data = {k: v for k, v in asdict(profile).items() if k != "logo"}
        data["clinicians"] = list(profile.clinicians)
        data["has_logo"] = profile.logo is not None
        data["missing_for_handouts"] = missing
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    if args.clinic_command == "show":
        for label, value in (("name", profile.name), ("phone", profile.phone), ("hours", profile.hours),
                             ("address", profile.address.replace("\n", ", ")), ("website", profile.website),
                             ("paper", profile.paper_size), ("large print", "yes" if profile.large_print else "no"),
                             ("clinicians", ", ".join(profile.clinicians)), ("logo", "yes" if profile.logo else "no")):
            print(f"{label:<12} {value or '(not set)'}")
    if missing:
        print(f"handouts still need the clinic's {' and '.join(missing)}: "
              "clinic-app clinic set --name NAME --phone NUMBER")
    return 0


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "clinic": _cmd_clinic,
    "gui": _cmd_gui,
    "search": _cmd_search,
    "content": _cmd_content,
    "db": _cmd_db,
    "handout": _cmd_handout,
    "compare": _cmd_compare,
    "consultations": _cmd_consultations,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
