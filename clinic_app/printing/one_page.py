"""The one-page option grid on paper: made to fit one page, whatever the options and rows.

The page is laid out at the handout's body size (12 pt, or 14 pt in large print) and measured with
the same layout and paginator that print it (:func:`clinic_app.printing.paged.page_count`). If it
takes more than one page, the body size steps down a point at a time to :data:`MIN_PT`; if it still
does not fit, the longest answers are cut to whole sentences, each ending "(see the full handout)":
every answer longer than a limit, the limit lowered until the page fits.
"""

from __future__ import annotations

from dataclasses import replace

from clinic_app.errors import NotFoundError
from clinic_app.printing.handout_jobs import printable
from clinic_app.printing.one_page_html import render_one_page_html
from clinic_app.printing.paged import page_count
from clinic_app.services import one_page
from clinic_app.services.comparison import ComparisonMatrix
from clinic_app.services.handouts import Handout, HandoutDocument, HandoutRequest, compose_handout
from clinic_app.storage.reader import Reader

MIN_PT = 9
RESERVE_MM = 3.0  # the page must fit with this much to spare at its foot


def fits(doc: HandoutDocument) -> bool:
    return page_count(printable(doc), reserve_mm=RESERVE_MM) == 1


def fit(handout: Handout, grid: ComparisonMatrix) -> HandoutDocument:
    """The one-page document at the largest body size that fits, shortened only if 9 pt is not enough."""
    start = 14 if handout.request.large_print else 12
    for size in range(start, MIN_PT - 1, -1):
        doc = render_one_page_html(handout, grid, size)
        if fits(doc):
            return doc
    # The loosest limit on an answer's length that fits. A tighter limit never makes the page
    # longer, so the limits are searched by halves.
    limits = one_page.cut_limits(grid)
    low, high, found = 0, len(limits) - 1, None
    while low <= high:
        middle = (low + high) // 2
        doc = render_one_page_html(handout, one_page.shortened(grid, limits[middle]), MIN_PT)
        if fits(doc):
            found, high = doc, middle - 1
        else:
            low = middle + 1
    if found is None:
        raise NotFoundError(f"{len(grid.rows)} comparison rows for {len(grid.columns)} options do not fit on one page, "
                            "even with the answers cut short; choose fewer rows")
    # A cut that does not shorten its row gains nothing: give those answers back whole.
    limit, whole = limits[low], frozenset()
    for cell in one_page.cut_cells(grid, limit):
        doc = render_one_page_html(handout, one_page.shortened(grid, limit, whole | {cell}), MIN_PT)
        if fits(doc):
            found, whole = doc, whole | {cell}
    return found


def build_document(reader: Reader, request: HandoutRequest) -> tuple[Handout, HandoutDocument]:
    """The handout (for the log) and the one-page document of ``request``."""
    handout = compose_handout(reader, request)
    # Options that are all emerging or investigational sit beside the standard care, on this page too.
    slugs = tuple(t.slug for t in handout.therapies) + tuple(a.slug for a in handout.alternatives)
    if len(slugs) > one_page.MAX_OPTIONS:
        names = " and ".join(a.title for a in handout.alternatives)
        raise NotFoundError(f"every option chosen is emerging or investigational, so the page also shows the standard "
                            f"care ({names}), and it holds at most {one_page.MAX_OPTIONS} options; choose fewer, or "
                            "leave the standard care out with a reason")
    grid = one_page.matrix(reader, slugs, request.comparison_rows, request.condition)
    # The log records the rows printed, the clinic's default set included.
    handout = replace(handout, request=replace(handout.request, comparison_rows=grid.row_keys))
    return handout, fit(handout, grid)
