"""The one-page option grid as HTML (no Qt): its own template around a compact comparison grid,
with no source keys in the cells (the page lists no sources; the full handout does)."""

from __future__ import annotations

from clinic_app.printing.comparison_html import comparison_table_html
from clinic_app.printing.templates import environment
from clinic_app.services import one_page
from clinic_app.services.comparison import ComparisonMatrix
from clinic_app.services.handouts import PATIENT_SLOT, Handout, HandoutDocument
from clinic_app.services.library import URGENT_LEAD

FONT = "DejaVu Sans"
SIDE_QUESTION_MAX = 4  # the question keeps its own column: a row across the grid for each would cost more height
QUESTION_WIDTH = {2: 20, 3: 16, 4: 14}  # percent of the page width, by the number of options
MARGIN_MM = 12.0  # narrower than a handout's (the page is one sheet of grid); the page bands stay clear


def render_one_page_html(handout: Handout, grid: ComparisonMatrix, body_pt: int) -> HandoutDocument:
    """The one-page document for ``handout``'s request with ``grid`` at ``body_pt`` points."""
    from markupsafe import Markup

    request = handout.request
    title = one_page.title(handout.condition.name if handout.condition else "")
    table = comparison_table_html(grid, body_pt, side_question_max=SIDE_QUESTION_MAX, references=False,
                                  pad=4, question_width=QUESTION_WIDTH[len(grid.columns)],
                                  row_badges=False)
    html = environment().get_template("one_page.html.j2").render(
        request=request, title=title, clinic_name=handout.clinic.name.strip(), phone=handout.clinic.phone.strip(),
        decision=handout.condition.decision if handout.condition else "",
        how_to_read=one_page.HOW_TO_READ, full_handout=one_page.FULL_HANDOUT,
        grid_html=Markup(table),  # noqa: S704 - rendered with autoescape on
        font=FONT, body_pt=body_pt, h1_pt=body_pt + 6, h2_pt=body_pt + 1, patient_slot=PATIENT_SLOT,
        urgent=(handout.red_flags.urgent_brief or handout.red_flags.urgent) if handout.red_flags else (),
        urgent_lead=URGENT_LEAD,
    )
    footer = f"{title}  ·  one page  ·  content {handout.library_version}"
    return HandoutDocument(html=html, title=title, header="", footer=footer, body_pt=body_pt, paper=request.paper,
                           logo=None, patient_name=request.patient_name.strip(),
                           landscape=one_page.landscape(len(grid.columns)), margin_mm=MARGIN_MM)
