"""The handout as HTML (no Qt): a Jinja2 template with autoescape, so content that holds markup
or a link prints as literal text. Images: only the clinic logo, served by the renderer under the
name ``clinic-logo``; nothing else is referenced.
"""

from __future__ import annotations

from clinic_app.printing.templates import environment
from clinic_app.services.handouts import PATIENT_SLOT, Handout, HandoutDocument
from clinic_app.services.library import SOON_LEAD, STATUS_MARKS, URGENT_LEAD

FONT = "DejaVu Sans"
STATUS_COLOURS = {"established": "#2e7d32", "emerging": "#b26a00", "investigational": "#b3261e"}


_environment = environment


def handout_title(handout: Handout) -> str:
    if len(handout.therapies) == 1:
        return f"About {handout.therapies[0].title}"
    if handout.condition is not None:
        return f"Your options for {handout.condition.name.lower()}"
    return "About your treatment options"


def render_handout_html(handout: Handout, comparison_html: str = "") -> HandoutDocument:
    """The document source. Headings carry ``keep-next-...`` anchors, which the paginator
    (:mod:`clinic_app.printing.paginate`) uses to keep each with the text under it."""
    from markupsafe import Markup

    request = handout.request
    body_pt = 14 if request.large_print else 12
    title = handout_title(handout)
    html = _environment().get_template("handout.html.j2").render(
        handout=handout, request=request, clinic=handout.clinic, title=title,
        comparison_html=Markup(comparison_html) if comparison_html else "",  # noqa: S704 - built autoescaped
        has_logo=bool(handout.clinic.logo), logo_width=110 if request.large_print else 96,
        font=FONT, body_pt=body_pt, h1_pt=body_pt + 8, h2_pt=body_pt + 3, small_pt=max(10, body_pt - 2),
        status_colours=STATUS_COLOURS, status_marks=STATUS_MARKS, patient_slot=PATIENT_SLOT,
        urgent_lead=URGENT_LEAD, soon_lead=SOON_LEAD,
    )
    date = request.date.strftime("%d %B %Y").lstrip("0")
    clinic = "  ·  ".join(p for p in (handout.clinic.name, handout.clinic.phone) if p)
    header = f"{clinic + '  ·  ' if clinic else ''}{PATIENT_SLOT}{date}"
    footer = f"{title}  ·  content {handout.library_version}"
    return HandoutDocument(html=html, title=title, header=header, footer=footer, body_pt=body_pt,
                       paper=request.paper, logo=handout.clinic.logo, patient_name=request.patient_name.strip())
