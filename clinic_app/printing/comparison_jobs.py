"""Comparison output shared by the window and the command line: one matrix, many formats.

PDF, preview and printer all go through :mod:`clinic_app.printing.paged`; text formats are
written through a temporary file in the target folder and renamed, so a failed export never
leaves a partial file. Qt is imported only for paper.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clinic_app.errors import ClinicAppError
from clinic_app.printing.comparison_html import ComparisonPrint
from clinic_app.services import comparison_export
from clinic_app.services.comparison import ComparisonMatrix, compare
from clinic_app.settings import shown
from clinic_app.storage import leftovers
from clinic_app.storage.reader import Reader
from clinic_app.storage.targets import target_problem

FORMATS = ("pdf", "csv", "md", "json")
SUFFIXES = {".pdf": "pdf", ".csv": "csv", ".md": "md", ".markdown": "md", ".json": "json"}


class ExportError(ClinicAppError):
    """An export that cannot be written; nothing partial is left behind."""


@dataclass(frozen=True)
class ExportResult:
    format: str
    text: str | None  # the export itself when it was not written to a file
    path: Path | None
    pages: int = 0


def print_job(reader: Reader, matrix: ComparisonMatrix, paper: str | None = None) -> ComparisonPrint:
    """The comparison with the clinic's letterhead, disclaimer and print defaults."""
    from clinic_app.services.clinic import load_profile

    profile = load_profile(reader)
    context = comparison_export.comparison_context(reader)
    paper, large_print = profile.print_choices(paper)
    return ComparisonPrint(matrix, context, paper=paper, large_print=large_print)


def write_pdf(job: ComparisonPrint, path: Path) -> int:
    from clinic_app.printing import comparison_paper

    return comparison_paper.write_pdf(job, Path(path))


def export_text(reader: Reader, matrix: ComparisonMatrix, fmt: str) -> str:
    if fmt == "csv":
        return comparison_export.to_csv(matrix)
    if fmt == "md":
        return comparison_export.to_markdown(matrix, comparison_export.comparison_context(reader))
    if fmt == "json":
        return comparison_export.to_json(matrix)
    raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


TEXT_PARTIAL_SUFFIX = ".partial"
_TEXT_PARTIAL_NAME = re.compile(rf"^\..+-{leftovers.RANDOM_PART}{re.escape(TEXT_PARTIAL_SUFFIX)}$")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` at ``path`` through a temporary file in the same folder, then rename; the
    stale temporary files of exports cut short (a kill, a power cut) in that folder go first."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    problem = target_problem(path)
    if problem:
        raise ExportError(f"cannot write {shown(path)}: {problem}")
    leftovers.remove_stale(folder, _TEXT_PARTIAL_NAME)
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=TEXT_PARTIAL_SUFFIX, dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(tmp_name, path)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def format_for(fmt: str | None, output: Path | None) -> str:
    """The format asked for, or the one the output file's suffix names, or Markdown."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    if output is not None and output.suffix.lower() in SUFFIXES:
        return SUFFIXES[output.suffix.lower()]
    return "md"


def export(reader: Reader, slugs: Sequence[str], rows: Sequence[str] | None = None, fmt: str | None = None,
           paper: str | None = None, output: Path | None = None, condition: str | None = None) -> ExportResult:
    """Compare ``slugs`` and write the result: a PDF needs ``output``; text goes to ``output`` or
    is returned. Bad slugs, rows or paths raise before anything is written."""
    fmt = format_for(fmt, output)
    if fmt == "pdf" and output is None:
        raise ExportError("a PDF needs a file to write: add -o FILE.pdf")
    matrix = compare(reader, slugs, rows, condition)
    if fmt == "pdf":
        pages = write_pdf(print_job(reader, matrix, paper), output)
        return ExportResult(format=fmt, text=None, path=Path(output), pages=pages)
    text = export_text(reader, matrix, fmt)
    if output is None:
        return ExportResult(format=fmt, text=text, path=None)
    write_text(output, text)
    return ExportResult(format=fmt, text=None, path=Path(output))
