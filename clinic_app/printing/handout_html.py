"""The handout as HTML (no Qt): a Jinja2 template with autoescape, so content that holds markup
or a link prints as literal text. Images: only the clinic logo, served by the renderer under the
name ``clinic-logo``; nothing else is referenced.
"""

from __future__ import annotations

from markupsafe import Markup

from clinic_app.printing.figures import icon_array_name
from clinic_app.printing.source_links import linked
from clinic_app.printing.templates import environment
from clinic_app.services.handouts import (
    PATIENT_SLOT,
    PERSONAL_EACH,
    PERSONAL_TEXT,
    Handout,
    HandoutDocument,
    personal_close,
    personal_open,
)
from clinic_app.services.library import SOON_LEAD, STATUS_MARKS, URGENT_LEAD, ReferenceItem

FIGURE_COLOURS = ("#143d59", "#8a6d00", "#6b7782")  # the option itself, then what it was compared with
LEGEND_WORDS = {"established": "a standard treatment.", "emerging": "not yet proven.",
                "investigational": "experimental, still being tested."}

FONT = "DejaVu Sans Condensed"
LINE_HEIGHT = 100  # percent of the font's own line spacing (DejaVu Sans: 1.16 times the type size)
GRID_HOW_TO_READ = ("Each column is one option. Read across a row to compare them on one question. These are short "
                    "answers: each option's own part below has more. {legend}")
STATUS_COLOURS = {"established": "#2e7d32", "emerging": "#b26a00", "investigational": "#b3261e"}


_environment = environment


def handout_title(handout: Handout) -> str:
    if len(handout.therapies) == 1:
        return f"About {handout.therapies[0].title}"
    if handout.condition is not None:
        return f"Your options for {handout.condition.name.lower()}"
    return "About your treatment options"


def source_lines(handout: Handout) -> list[str]:
    """The sources as the patient reads them, numbered in the order given: one line per work (two
    library entries for the same guideline or paper print once)."""
    return list(dict.fromkeys(r.compact_line() for r in handout.references))


def source_links(handout: Handout) -> list[Markup]:
    """:func:`source_lines` as the handout prints them: each line that names a PubMed, DOI or PMC
    identifier a link to it (the link's text is the whole line), the others plain text."""
    lines: dict[str, ReferenceItem] = {}
    for ref in handout.references:
        lines.setdefault(ref.compact_line(), ref)
    return [linked(line, ref) for line, ref in lines.items()]


def split_at(items: tuple[str, ...] | list[str]) -> int:
    """Where a list printed in two columns (filled down the left one first) breaks, so the two
    columns are about as long as each other."""
    total = sum(len(i) for i in items)
    running, best, best_gap = 0, len(items), float("inf")
    for index, item in enumerate(items[:-1], start=1):
        running += len(item)
        gap = abs(total - 2 * running)
        if gap < best_gap:
            best, best_gap = index, gap
    return best


def status_legend(handout: Handout) -> str:
    """What the shapes beside each option's status mean, for the statuses on this handout."""
    shown = dict.fromkeys(t.status for t in handout.therapies)
    return " ".join(f"{STATUS_MARKS[s]} {s.capitalize()}: {LEGEND_WORDS[s]}" for s in STATUS_MARKS if s in shown)


def render_handout_html(handout: Handout, comparison_html: str = "", tight: bool = False) -> HandoutDocument:
    """The document source. Headings carry ``keep-next-...`` anchors, which the paginator
    (:mod:`clinic_app.printing.paginate`) uses to keep each with the text under it. The patient's
    name, notes and next steps are not in it: they go with the document and are filled in for paper
    (:meth:`HandoutDocument.filled_html`)."""
    request = handout.request
    body_pt = 14 if request.large_print else 12
    title = handout_title(handout)
    html = _environment().get_template("handout.html.j2").render(
        handout=handout, request=request, clinic=handout.clinic, title=title,
        comparison_html=Markup(comparison_html) if comparison_html else "",  # noqa: S704 - built autoescaped
        has_logo=bool(handout.clinic.logo), logo_width=110 if request.large_print else 96,
        font=FONT, body_pt=body_pt, h1_pt=body_pt + 5, h2_pt=body_pt + 2, h3_pt=body_pt + 2, line_height=LINE_HEIGHT,
        small_pt=max(10, body_pt - 2), note_pt=body_pt - 2, source_pt=body_pt - (4 if tight else 3),
        pad=3 if tight else 5, gap=2 if tight else 4, source_lines=source_links(handout),
        split_at=split_at, icon_array=icon_array_name, figure_colours=FIGURE_COLOURS,
        figure_px=60 if request.large_print else 52, grid_how_to_read=GRID_HOW_TO_READ.format(legend=status_legend(handout)),
        status_colours=STATUS_COLOURS, status_marks=STATUS_MARKS, patient_slot=PATIENT_SLOT,
        urgent_lead=URGENT_LEAD, soon_lead=SOON_LEAD,
        # The frames of the personal parts (the notes, the next steps), whose text is filled in at
        # print time: markup the template must not escape.
        personal_open=lambda part: Markup(personal_open(part)),  # noqa: S704 - fixed markers
        personal_close=lambda part: Markup(personal_close(part)),  # noqa: S704 - fixed markers
        personal_each=PERSONAL_EACH, personal_text=PERSONAL_TEXT,
    )
    date = request.date.strftime("%d %B %Y").lstrip("0")
    clinic = "  ·  ".join(p for p in (handout.clinic.name, handout.clinic.phone) if p)
    header = f"{clinic + '  ·  ' if clinic else ''}{PATIENT_SLOT}{date}"
    footer = f"{title}  ·  content {handout.library_version}"
    return HandoutDocument(html=html, title=title, header=header, footer=footer, body_pt=body_pt,
                           paper=request.paper, logo=handout.clinic.logo, patient_name=request.patient_name.strip(),
                           notes=request.notes, next_steps=request.next_steps)
