"""``clinic-app compare``: 2 to 6 therapies side by side as PDF, CSV, Markdown or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clinic_app.cli.common import location_of, text

NAME = "compare"


def add_parser(commands: argparse._SubParsersAction) -> None:
    compare = commands.add_parser(
        "compare", help="put 2 to 6 therapies side by side as PDF, CSV, Markdown or JSON",
        description="Compare two to six therapies. Examples: clinic-app compare nsaids self-care; "
        "clinic-app compare platelet-rich-plasma exercise-therapy self-care --rows what_is_it,main_risks "
        "-o options.pdf")
    compare.add_argument("slugs", nargs="+", type=text, metavar="SLUG", help="therapies, in column order")
    compare.add_argument("--rows", type=text, metavar="KEY,...", help="comparison rows to include (default: all), "
                         "shown in the library's order")
    compare.add_argument("--condition", type=text, metavar="SLUG", help="the condition the options are for "
                         "(chronic-low-back-pain, sciatica, spinal-stenosis)")
    compare.add_argument("--format", choices=("pdf", "csv", "md", "json"), help="default: from the -o suffix, else md")
    compare.add_argument("--paper", choices=("a4", "letter"), help="PDF paper size (default: the clinic profile's)")
    compare.add_argument("-o", "--output", type=Path, metavar="FILE", help="file to write (needed for pdf; "
                         "other formats print to stdout without it)")


def run(args: argparse.Namespace) -> int:
    from clinic_app.printing.comparison_jobs import export
    from clinic_app.services import store_setup

    rows = [key.strip() for key in args.rows.split(",") if key.strip()] if args.rows is not None else None
    result = export(store_setup.open_store(location_of(args)), args.slugs, rows, fmt=args.format, paper=args.paper,
                    output=args.output, condition=args.condition)
    if result.text is not None:
        sys.stdout.write(result.text)
    else:
        pages = f" ({result.pages} page{'s' if result.pages != 1 else ''})" if result.pages else ""
        print(f"comparison written to {result.path}{pages}")
    return 0

