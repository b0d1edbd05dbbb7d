"""The HTML of the detail view, built from a :class:`TherapyDetail` with every content string escaped.

Only the subset of HTML and CSS that QTextDocument lays out is used: boxes are single-cell
tables (QTextDocument draws borders on tables only), and sizes are in points computed from one
base size, so the zoom scales the whole hierarchy.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from clinic_app.services.library import (
    CERTAINTY_PLAIN,
    CLINICIAN_SECTIONS,
    PATIENT_SECTIONS,
    STATUS_PLAIN,
    ReferenceItem,
    TherapyDetail,
)
from clinic_app.ui.status_colours import grade_colours, status_colours

PATIENT_BOX = ("#f1f6fc", "#2f6db3")  # background, border
TEXT, MUTED = "#1d1d1d", "#505050"


def _pill(text: str, colours: tuple[str, str], size: float) -> str:
    background, foreground = colours
    return (f'<span style="background-color:{background}; color:{foreground}; font-weight:700; '
            f'font-size:{size:.1f}pt;">&nbsp;&nbsp;{escape(text)}&nbsp;&nbsp;</span>')


def _paragraphs(text: str, size: float) -> str:
    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    return "".join(f'<p style="font-size:{size:.1f}pt; line-height:135%; margin-top:0; margin-bottom:10px;">{escape(b)}</p>'
                   for b in blocks)


def _heading(text: str, size: float, colour: str = TEXT, top: int = 22) -> str:
    return (f'<p style="font-size:{size:.1f}pt; font-weight:700; color:{colour}; margin-top:{top}px; '
            f'margin-bottom:6px;">{escape(text)}</p>')


def render(detail: TherapyDetail, base_pt: float = 12.0) -> str:
    """The whole detail page for ``detail`` with body text at ``base_pt`` points."""
    parts = [_header(detail, base_pt), _patient_box(detail, base_pt), _clinician(detail, base_pt),
             _references(detail.references, base_pt), _about(detail, base_pt)]
    return f'<html><body style="color:{TEXT};">{"".join(parts)}</body></html>'


def _header(d: TherapyDetail, base: float) -> str:
    status_bg, status_fg = status_colours(d.status)
    plain = STATUS_PLAIN.get(d.status, "")
    tags = (f"{_pill(d.status_label, (status_bg, status_fg), base * 0.95)}&nbsp;&nbsp;&nbsp;"
            f"{_pill('Evidence grade: ' + d.grade_label, grade_colours(d.evidence_grade), base * 0.95)}")
    html = [
        f'<p style="font-size:{base * 0.95:.1f}pt; color:{MUTED}; margin-bottom:2px;">{escape(d.category_label)}</p>',
        f'<p style="font-size:{base * 2.0:.1f}pt; font-weight:700; margin-top:0; margin-bottom:10px;">'
        f"{escape(d.name)}</p>",
        f'<p style="margin-bottom:8px;">{tags}</p>',
    ]
    if plain:
        weight = "700" if d.status != "established" else "400"
        colour = status_fg if d.status != "established" else TEXT
        html.append(f'<p style="font-size:{base * 1.1:.1f}pt; font-weight:{weight}; color:{colour}; '
                    f'margin-top:4px; margin-bottom:14px;">{escape(plain)}</p>')
    if d.origin == "clinic":
        note = "Your clinic has edited this entry."
        if d.pending_shipped_version:
            note += (f" A newer version from the library (version {d.pending_shipped_version}) was not applied, "
                     "so your clinic's text is kept.")
        html.append(f'<p style="font-size:{base:.1f}pt; color:{MUTED};"><i>{escape(note)}</i></p>')
    return "".join(html)


def _patient_box(d: TherapyDetail, base: float) -> str:
    background, border = PATIENT_BOX
    inner = [
        _heading("For the patient", base * 1.5, border, top=0),
        f'<p style="font-size:{base * 1.05:.1f}pt; color:{MUTED}; margin-top:0; margin-bottom:6px;">'
        f"{escape(d.patient_name)}</p>",
    ]
    plain = STATUS_PLAIN.get(d.status, "")
    if plain and d.status != "established":
        inner.append(f'<p style="font-size:{base * 1.1:.1f}pt; font-weight:700; color:{status_colours(d.status)[1]}; '
                     f'margin-bottom:4px;">{escape(plain)}</p>')
    certainty = CERTAINTY_PLAIN.get(d.evidence_grade, "")
    if certainty:
        inner.append(f'<p style="font-size:{base * 1.1:.1f}pt; margin-bottom:4px;">'
                     f"<b>How sure are we?</b> {escape(certainty)}</p>")
    for key, label in PATIENT_SECTIONS:
        text = d.patient.get(key, "")
        if text:
            inner.append(_heading(label, base * 1.2, top=16))
            inner.append(_paragraphs(text, base * 1.1))
    if d.questions:
        inner.append(_heading("Questions to ask your doctor", base * 1.2, top=16))
        inner.append("".join(
            f'<p style="font-size:{base * 1.1:.1f}pt; margin-top:0; margin-bottom:6px;">'
            f"\u2610&nbsp;&nbsp;{escape(q)}</p>" for q in d.questions))
    return (f'<table width="100%" cellspacing="0" cellpadding="20" border="2" '
            f'style="border-collapse:collapse; border-color:{border}; border-style:solid; background-color:{background}; '
            f'margin-top:8px; margin-bottom:10px;"><tr><td>{"".join(inner)}</td></tr></table>')


def _clinician(d: TherapyDetail, base: float) -> str:
    html = [_heading("For the clinician", base * 1.5, top=26)]
    for key, label in CLINICIAN_SECTIONS:
        text = d.clinician.get(key, "")
        if text:
            html.append(_heading(label, base * 1.15, top=14))
            html.append(_paragraphs(text, base))
    if d.conditions:
        html.append(_heading("Conditions", base * 1.15, top=14))
        html.append(_paragraphs(", ".join(d.conditions), base))
    return "".join(html)


def _reference(ref: ReferenceItem, base: float) -> str:
    facts = [ref.design]
    if ref.n is not None:
        facts.append(f"n = {ref.n}")
    if ref.level is not None:
        facts.append(f"level {ref.level}")
    if ref.certainty:
        facts.append(f"certainty {ref.certainty}")
    links = []
    if ref.pmid:
        links.append(f'<a href="https://pubmed.ncbi.nlm.nih.gov/{quote(ref.pmid)}/">PubMed {escape(ref.pmid)}</a>')
    if ref.doi:
        links.append(f'<a href="https://doi.org/{quote(ref.doi, safe="/:;()._-")}">doi:{escape(ref.doi)}</a>')
    small = f"font-size:{base * 0.95:.1f}pt; margin-left:28px; line-height:125%;"
    html = [
        f'<p style="font-size:{base:.1f}pt; line-height:125%; margin-top:18px; margin-bottom:3px;">'
        f"<b>[{escape(ref.key)}]</b>&nbsp; {escape(ref.citation_line())}</p>",
        f'<p style="{small} color:{MUTED}; margin-top:0; margin-bottom:2px;">{escape(" · ".join(facts))}</p>',
        f'<p style="{small} margin-top:0; margin-bottom:2px;"><b>Finding:</b> {escape(ref.finding)}</p>',
    ]
    if ref.claim:
        html.append(f'<p style="{small} margin-top:0; margin-bottom:2px;"><b>Supports:</b> {escape(ref.claim)}</p>')
    if links:
        html.append(f'<p style="{small} margin-top:0; margin-bottom:2px;">{" &nbsp;·&nbsp; ".join(links)}</p>')
    return "".join(html)


def _references(refs: tuple[ReferenceItem, ...], base: float) -> str:
    if not refs:
        return _heading("References", base * 1.5, top=26) + _paragraphs("No references are listed.", base)
    return _heading("References", base * 1.5, top=26) + "".join(_reference(r, base) for r in refs)


def _about(d: TherapyDetail, base: float) -> str:
    rows = [
        ("Content version", str(d.content_version)),
        ("Produced", d.production_date.isoformat()),
        ("Last reviewed", d.last_reviewed.isoformat()),
        ("Reviewer", d.reviewer),
        ("Update policy", d.update_policy),
        ("Funding and interests", d.funding),
    ]
    cells = "".join(
        f'<tr><td width="24%" style="font-size:{base * 0.95:.1f}pt; color:{MUTED}; padding:4px 12px 4px 0;">'
        f'{escape(label)}</td><td style="font-size:{base * 0.95:.1f}pt; padding:4px 0;">{escape(value)}</td></tr>'
        for label, value in rows
    )
    return (_heading("About this entry", base * 1.5, top=26)
            + f'<table width="100%" cellspacing="0" cellpadding="3">{cells}</table>')
