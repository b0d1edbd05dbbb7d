"""``clinic-app handout``: make, print, list or reprint patient handouts."""

from __future__ import annotations

import argparse
import json
import sys

from clinic_app.cli.common import location_of, logged_path, record_id, text

NAME = "handout"


def add_parser(commands: argparse._SubParsersAction) -> None:
    handout = commands.add_parser(
        "handout", help="print or export a patient handout; 'handout log' lists them, 'handout reprint ID' reprints one",
        description="Make a patient handout PDF (or print it), list the handout log, or reprint a logged handout "
        "exactly as it was. Examples: clinic-app handout --therapy nsaids --patient 'J. Smith' -o j-smith.pdf; "
        "clinic-app handout --therapy prolotherapy --therapy exercise-therapy --compare -o options.pdf; "
        "clinic-app handout log; clinic-app handout reprint 3 -o copy.pdf")
    handout.add_argument("action", nargs="?", choices=("log", "reprint"), help="log: list printed handouts; "
                         "reprint ID: print a logged handout again")
    handout.add_argument("record_id", nargs="?", type=record_id, metavar="ID", help="handout id for reprint")
    handout.add_argument("--therapy", type=text, action="append", default=[], metavar="SLUG", help="a therapy (repeat for more)")
    handout.add_argument("--condition", type=text, metavar="SLUG", default="", help="the condition the visit is about "
                         "(chronic-low-back-pain, sciatica, spinal-stenosis): the handout says so and gives its "
                         "\"get help urgently\" signs")
    handout.add_argument("--compare", action="store_true", help="include the comparison grid of the chosen therapies")
    handout.add_argument("--one-page", action="store_true", help="instead of the full handout, one page: the option "
                         "grid of 2 to 4 therapies (portrait up to 3, landscape for 4), sized to fit")
    handout.add_argument("--rows", type=text, metavar="KEY,...", help="with --compare or --one-page: the comparison rows that "
                         "matter to the patient (default: what_is_it, how_is_it_done, time_to_benefit, evidence, "
                         "main_risks, recovery, guidelines)")
    handout.add_argument("--patient", type=text, default="", metavar="NAME", help="patient name printed on every page")
    handout.add_argument("--clinician", type=text, default="", metavar="NAME")
    handout.add_argument("--notes", type=text, default="", metavar="TEXT", help="personal notes from the visit")
    handout.add_argument("--next-steps", type=text, default="", metavar="TEXT")
    handout.add_argument("--leave-out-standard-options", type=text, default="", metavar="REASON",
                         help="a handout of only emerging or investigational options also carries the standard "
                              "first option of the condition and self-care; leave them out only with a reason, "
                              "which the handout log keeps")
    handout.add_argument("--follow-up", type=text, metavar="YYYY-MM-DD", help="date of the next visit")
    handout.add_argument("--paper", choices=("a4", "letter"), help="paper size (default: the clinic profile's)")
    handout.add_argument("--large-print", action=argparse.BooleanOptionalAction, default=None,
                         help="14 pt body text (default: the clinic profile's); --no-large-print for 12 pt")
    handout.add_argument("-o", "--output", type=logged_path, metavar="FILE.pdf", help="PDF file to write")
    handout.add_argument("--printer", type=text, metavar="NAME", help="send to this printer instead of a PDF")
    handout.add_argument("--json", action="store_true", help="with 'log': print JSON")


def run(args: argparse.Namespace) -> int:
    import datetime as dt

    from clinic_app.errors import NotFoundError
    from clinic_app.services import store_setup

    location = location_of(args)
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
              f"to {result.destination}; logged {result.logged_as}")
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
    paper, large_print = profile.print_choices(args.paper, args.large_print)
    request = HandoutRequest(
        therapies=tuple(args.therapy), include_comparison=args.compare and not args.one_page, comparison_rows=rows,
        patient_name=args.patient, clinician=args.clinician, notes=args.notes,
        next_steps=args.next_steps, follow_up=follow_up, paper=paper,
        large_print=large_print,
        condition=args.condition, one_page=args.one_page, alternatives_left_out=args.leave_out_standard_options,
    )
    result = handout_jobs.produce(store, request, output=args.output, printer=args.printer)
    where = f"sent to printer {result.destination}" if args.printer else f"written to {result.destination}"
    if args.one_page:
        pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
        print(f"one-page handout {where} ({pages}, {result.body_pt} pt body); logged {result.logged_as}, "
              f"sha256 {result.sha256[:12]}")
    else:
        print(f"handout {where} ({result.pages} pages); logged {result.logged_as}, sha256 {result.sha256[:12]}")
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

