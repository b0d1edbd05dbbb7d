"""A comparison as HTML for paper (no Qt): Jinja2 templates with autoescape, so content that holds
markup prints as literal text. Images: only the clinic logo, served by the renderer under the name
``clinic-logo``; nothing else is referenced.

``comparison_table_html`` is the grid alone (a handout can include it); ``comparison_document``
is the whole printout: letterhead, the grid, the references behind each column, governance and
the disclaimer.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic_app.printing.printable import Printable
from clinic_app.printing.source_links import linked
from clinic_app.printing.templates import environment
from clinic_app.services.comparison import SCALE_MAX, ComparisonMatrix
from clinic_app.services.comparison_export import HOW_TO_READ, TITLE, ComparisonContext, scale_legend
from clinic_app.services.library import GRADE_LABELS, STATUS_LABELS, STATUS_MARKS

FONT = "DejaVu Sans"
PAPERS = ("a4", "letter")
SIDE_QUESTION_MAX = 3  # up to this many options the question has its own column; beyond, it spans
# (background, text) for tags and badges; every pair reaches 7:1 contrast and the word is printed.
STATUS_COLOURS = {"established": ("#dcefe2", "#14472a"), "emerging": ("#fdebc8", "#5c3800"),
                  "investigational": ("#f8dada", "#7a1616")}
GRADE_COLOURS = {"high": ("#dcefe2", "#14472a"), "moderate": ("#e1ecf8", "#1a426a"),
                 "low": ("#fdebc8", "#5c3800"), "very low": ("#f8dada", "#7a1616")}
NEUTRAL = ("#e8e8e8", "#222222")


class _Palette(dict):
    def __missing__(self, key: str) -> tuple[str, str]:
        return NEUTRAL


_environment = environment


def landscape_for(matrix: ComparisonMatrix) -> bool:
    """Landscape paper when more than three options sit side by side."""
    return len(matrix.columns) > SIDE_QUESTION_MAX


def _sizes(body_pt: int) -> dict[str, int]:
    return {"body_pt": body_pt, "h1_pt": body_pt + 8, "h2_pt": body_pt + 3, "name_pt": body_pt + 1,
            "small_pt": max(10, body_pt - 2)}


def _widths(count: int, question_width: float) -> list[float]:
    """Column widths in percent that add up to exactly what the question column leaves."""
    share = round((100 - question_width) / count, 1)
    return [share] * (count - 1) + [round(100 - question_width - share * (count - 1), 1)]


def comparison_table_html(matrix: ComparisonMatrix, body_pt: int = 12, side_question_max: int = SIDE_QUESTION_MAX,
                          references: bool = True, pad: int | None = None, question_width: int = 22,
                          row_badges: bool = True, compact_heading: bool = False) -> str:
    """The comparison grid as an HTML fragment. Each row carries a ``row-KEY`` anchor, which the
    paginator uses to keep it on one page. Up to ``side_question_max`` options the question has its
    own column (``question_width`` percent wide); beyond, it runs across the table above the answers.
    ``references=False`` leaves out the source keys after each answer (for a page that lists no
    sources); ``row_badges=False`` leaves out the grade and status badges in the rows (the heading
    row shows them); ``pad`` is the cell padding in pixels (default: 6, or 4 past four options)."""
    count = len(matrix.columns)
    side = count <= side_question_max
    question_width = question_width if side else 0
    same_refs = {row.key: list(dict.fromkeys(k for cell in row.cells for k in cell.reference_keys))
                 for row in matrix.rows}
    return _environment().get_template("comparison_table.html.j2").render(
        matrix=matrix, side_questions=side, question_width=question_width,
        column_widths=_widths(count, question_width), pad=pad if pad is not None else 6 if count <= 4 else 4,
        legends={row.key: scale_legend(row) for row in matrix.rows}, same_refs=same_refs, references=references,
        row_badges=row_badges, compact_heading=compact_heading,
        scale_max=SCALE_MAX, status_colours=_Palette(STATUS_COLOURS), grade_colours=_Palette(GRADE_COLOURS),
        status_labels=_Palette(STATUS_LABELS), status_marks=STATUS_MARKS, grade_labels=_Palette(GRADE_LABELS), **_sizes(body_pt),
    )


@dataclass(frozen=True)
class ComparisonPrint:
    """A comparison on its way to paper: the matrix, its context and the print options."""

    matrix: ComparisonMatrix
    context: ComparisonContext
    paper: str = "a4"
    large_print: bool = False

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            from clinic_app.errors import NotFoundError

            raise NotFoundError(f"unknown paper size {self.paper!r}; choose {' or '.join(PAPERS)}")

    @property
    def body_pt(self) -> int:
        return 14 if self.large_print else 12

    def document(self) -> Printable:
        from markupsafe import Markup

        matrix, context = self.matrix, self.context
        table = comparison_table_html(matrix, self.body_pt)
        title = f"{TITLE} for {matrix.condition.lower()}" if matrix.condition else TITLE
        html = _environment().get_template("comparison.html.j2").render(
            matrix=matrix, context=context, title=title, how_to_read=HOW_TO_READ,
            table_html=Markup(table),  # noqa: S704 - rendered above with autoescape on
            has_logo=bool(context.logo), logo_width=72, font=FONT, linked=linked, **_sizes(self.body_pt),
        )
        names = " · ".join(c.patient_name for c in matrix.columns)
        footer = f"{title}: {len(matrix.columns)} options" + (
            f"  ·  content {context.library_version}" if context.library_version else "")
        return Printable(
            html=html, title=f"{title}: {names}", header=_letterhead(context),
            footer=footer, body_pt=self.body_pt, paper=self.paper, landscape=landscape_for(matrix),
            logo=context.logo,
        )


def _letterhead(context: ComparisonContext) -> str:
    """The band on every page: the clinic's name and phone (once set) and the date."""
    return "  ·  ".join(p for p in (context.clinic_name, context.clinic_phone, context.date_text) if p)


def comparison_document(matrix: ComparisonMatrix, context: ComparisonContext, paper: str = "a4",
                        large_print: bool = False) -> Printable:
    """The printout of ``matrix`` (pages are cut by :mod:`clinic_app.printing.paginate`)."""
    return ComparisonPrint(matrix, context, paper, large_print).document()
