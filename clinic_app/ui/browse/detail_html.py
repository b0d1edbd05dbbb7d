"""The HTML of the detail view, built from a :class:`TherapyDetail` with every content string escaped.

Only the subset of HTML and CSS that QTextDocument lays out is used: boxes are single-cell
tables (QTextDocument draws borders on tables only), and sizes are in points computed from one
base size, so the zoom scales the whole hierarchy.

The page is a document a screen reader can walk: the therapy's name is the one ``<h1>``, the
parts (for the clinician, for the patient, references, about) are ``<h2>`` and their sections
``<h3>``, each with a named anchor the "Jump to" list scrolls to. ``audience`` chooses whose text
comes first, the clinician's (the default) or the patient's. Status and grade tags are single
unbreakable units (non-breaking spaces), and the view wraps at word boundaries only.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from clinic_app.services.library import (
    CATEGORY_LABELS,
    CERTAINTY_PLAIN,
    CLINICIAN_SECTIONS,
    CONDITION_CLINICIAN_SECTIONS,
    CONDITION_PATIENT_SECTIONS,
    PATIENT_SECTIONS,
    SOON_LEAD,
    STATUS_LABELS,
    STATUS_PLAIN,
    URGENT_LEAD,
    ConditionDetail,
    ReferenceItem,
    TherapyDetail,
)
from clinic_app.ui.status_colours import grade_colours, status_colours

PATIENT_BOX = ("#f1f6fc", "#2f6db3")  # background, border
CONDITION_BOX = ("#fff8e6", "#8a5a00")  # the note for the condition chosen
URGENT_BOX = ("#fdeeee", "#a4262c")
TEXT, MUTED = "#1d1d1d", "#505050"
CLINICIAN, PATIENT = "clinician", "patient"  # the audiences, as UiSettings.audience keeps them
TOP_ANCHOR = "top"  # the page's title
# The clinic's own fields (clinic_app.services.clinic_fields): what the patient's part shows of them
CLINIC_HEADING = "At this clinic"
CLINIC_PATIENT_FIELDS = (("cost", "Cost and coverage"), ("contact", "Who to contact"))
NOT_OFFERED = "Not offered here"


def _unbroken(text: str) -> str:
    """``text`` escaped, its spaces non-breaking: it wraps as one unit."""
    return escape(text).replace(" ", "&nbsp;")


def _pill(text: str, colours: tuple[str, str], size: float) -> str:
    background, foreground = colours
    return (f'<span style="background-color:{background}; color:{foreground}; font-weight:700; '
            f'font-size:{size:.1f}pt;">&nbsp;&nbsp;{_unbroken(text)}&nbsp;&nbsp;</span>')


def _paragraphs(text: str, size: float) -> str:
    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    return "".join(f'<p style="font-size:{size:.1f}pt; line-height:135%; margin-top:0; margin-bottom:10px;">{escape(b)}</p>'
                   for b in blocks)


def _heading(text: str, size: float, colour: str = TEXT, top: int = 22, level: int = 3, anchor: str = "") -> str:
    """A real heading (``<h2>``, ``<h3>``…), with a named anchor to jump to when ``anchor`` is given."""
    name = f'<a name="{escape(anchor)}"></a>' if anchor else ""
    return (f'<h{level} style="font-size:{size:.1f}pt; font-weight:700; color:{colour}; margin-top:{top}px; '
            f'margin-bottom:6px;">{name}{escape(text)}</h{level}>')


def _title(text: str, size: float, bottom: int = 10) -> str:
    """The page's one ``<h1>``."""
    return (f'<h1 style="font-size:{size:.1f}pt; font-weight:700; margin-top:0; margin-bottom:{bottom}px;">'
            f'<a name="{TOP_ANCHOR}"></a>{escape(text)}</h1>')


def _box(inner: str, colours: tuple[str, str], padding: int = 20, width: int = 2) -> str:
    background, border = colours
    return (f'<table width="100%" cellspacing="0" cellpadding="{padding}" border="{width}" '
            f'style="border-collapse:collapse; border-color:{border}; border-style:solid; background-color:{background}; '
            f'margin-top:8px; margin-bottom:10px;"><tr><td>{inner}</td></tr></table>')


def render(detail: TherapyDetail, base_pt: float = 12.0, condition: str | None = None,
           audience: str = CLINICIAN) -> str:
    """The whole detail page for ``detail`` with body text at ``base_pt`` points; ``condition`` (a slug)
    puts what the entry says about that condition first; ``audience`` ("clinician" or "patient") puts
    that reader's text first, right below the title and tags."""
    patient = _patient_box(detail, base_pt, condition)
    clinician = _clinician(detail, base_pt, condition)
    first = (patient, clinician) if audience == PATIENT else (clinician, patient)
    parts = [_header(detail, base_pt, condition), *first, _references(detail.references, base_pt),
             _about(detail, base_pt)]
    return f'<html><body style="color:{TEXT};">{"".join(parts)}</body></html>'


def _bullets(items, size: float) -> str:  # noqa: ANN001
    return "".join(f'<p style="font-size:{size:.1f}pt; margin-top:0; margin-bottom:4px;">•&nbsp;&nbsp;{escape(i)}</p>'
                   for i in items)


def urgent_box(urgent, soon, base: float) -> str:  # noqa: ANN001
    """"Get help urgently if…": the red flags, in a box, as the handout prints them."""
    inner = [_heading("Get help urgently if…", base * 1.3, URGENT_BOX[1], top=0, level=2, anchor="urgent"),
             f'<p style="font-size:{base * 1.05:.1f}pt; font-weight:700; margin-bottom:4px;">{escape(URGENT_LEAD)}</p>',
             _bullets(urgent, base * 1.05)]
    if soon:
        inner += [f'<p style="font-size:{base * 1.05:.1f}pt; font-weight:700; margin-top:10px; margin-bottom:4px;">'
                  f"{escape(SOON_LEAD)}</p>", _bullets(soon, base * 1.05)]
    return _box("".join(inner), URGENT_BOX, padding=14)


def render_condition(c: ConditionDetail, base_pt: float = 12.0, audience: str = CLINICIAN) -> str:
    """A condition's page: its name, then the chosen audience's text first (the patient's words with
    the warning signs, or the clinician's text), its options (links), and the other audience's text."""
    base = base_pt
    html = [
        f'<p style="font-size:{base * 0.95:.1f}pt; color:{MUTED}; margin-bottom:2px;">Condition</p>',
        _title(c.name, base * 2.0, bottom=6),
        f'<p style="font-size:{base * 1.05:.1f}pt; color:{MUTED}; margin-top:0;">{escape(c.description)}</p>',
    ]
    inner = [_heading("For the patient", base * 1.5, PATIENT_BOX[1], top=0, level=2, anchor=PATIENT)]
    if c.decision:
        inner.append(f'<p style="font-size:{base * 1.2:.1f}pt; font-weight:700; margin-bottom:6px;">{escape(c.decision)}</p>')
    for key, label in CONDITION_PATIENT_SECTIONS:
        if c.patient.get(key):
            inner += [_heading(label, base * 1.2, top=14, anchor=f"patient-{key}"), _paragraphs(c.patient[key], base * 1.1)]
    patient = _box("".join(inner), PATIENT_BOX) + urgent_box(c.urgent, c.see_doctor_soon, base)
    options = [_heading(f"Options for {c.name.lower()}", base * 1.5, top=22, level=2, anchor="options")]
    for category, label in CATEGORY_LABELS.items():
        members = [t for t in c.therapies if t.category == category]
        if not members:
            continue
        options.append(_heading(label, base * 1.1, MUTED, top=10))
        options.append("".join(
            f'<p style="font-size:{base * 1.05:.1f}pt; margin-top:0; margin-bottom:4px;">'
            f'<a href="therapy:{quote(t.slug)}">{escape(t.name)}</a>'
            f'<span style="color:{MUTED};"> — {escape(STATUS_LABELS.get(t.status, t.status))}</span></p>'
            for t in members))
    clinician = [_heading("For the clinician", base * 1.5, top=26, level=2, anchor=CLINICIAN)]
    if c.shipped_changed:  # for the content team: the clinic's text is shown until it is reviewed
        clinician.append(f'<p style="font-size:{base:.1f}pt; color:{CONDITION_BOX[1]};">Shipped text changed since '
                         "your clinic's edit: this page shows the clinic's text until someone reviews the newer "
                         "shipped text (File → Edit the chosen condition's text…).</p>")
    for key, label in CONDITION_CLINICIAN_SECTIONS:
        if c.clinician.get(key):
            clinician += [_heading(label, base * 1.15, top=14, anchor=f"clinician-{key}"),
                          _paragraphs(c.clinician[key], base)]
    if c.aliases:
        clinician += [_heading("Also searched as", base * 1.15, top=14, anchor="clinician-aliases"),
                      _paragraphs(", ".join(c.aliases), base)]
    if audience == PATIENT:
        html += [patient, *options, *clinician]
    else:
        html += [*clinician, *options, patient]
    html.append(_references(c.references, base))
    return f'<html><body style="color:{TEXT};">{"".join(html)}</body></html>'


def _header(d: TherapyDetail, base: float, condition: str | None = None) -> str:
    status_bg, status_fg = status_colours(d.status)
    plain = STATUS_PLAIN.get(d.status, "")
    # each tag is one unit; the space between them is the only place the line may break
    tags = (f"{_pill(d.status_label, (status_bg, status_fg), base * 0.95)}&nbsp;&nbsp; "
            f"{_pill('Evidence grade: ' + d.grade_label, grade_colours(d.evidence_grade), base * 0.95)}")
    html = [
        f'<p style="font-size:{base * 0.95:.1f}pt; color:{MUTED}; margin-bottom:2px;">{escape(d.category_label)}</p>',
        _title(d.name, base * 2.0),
        f'<p style="margin-bottom:8px; line-height:140%;">{tags}</p>',
    ]
    if d.conditions:
        html.append(f'<p style="font-size:{base * 0.95:.1f}pt; color:{MUTED}; margin-top:0; margin-bottom:6px;">'
                    f"Used for: {escape(', '.join(d.conditions))}</p>")
    if condition and d.condition_slugs and condition not in d.condition_slugs:
        html.append(f'<p style="font-size:{base:.1f}pt; font-weight:700; color:{CONDITION_BOX[1]};">'
                    "This entry does not cover the condition chosen in the list.</p>")
    if plain:
        weight = "700" if d.status != "established" else "400"
        colour = status_fg if d.status != "established" else TEXT
        html.append(f'<p style="font-size:{base * 1.1:.1f}pt; font-weight:{weight}; color:{colour}; '
                    f'margin-top:4px; margin-bottom:14px;">{escape(plain)}</p>')
    if d.origin == "clinic-added":
        html.append(f'<p style="font-size:{base:.1f}pt; color:{MUTED};"><i>Your clinic added this entry itself; '
                    "it is not part of the shipped library, and its sources are the clinic's own.</i></p>")
    if d.origin == "clinic":
        note = "Your clinic has edited this entry."
        if d.pending_shipped_version:
            note += (f" A newer version from the library (version {d.pending_shipped_version}) was not applied, "
                     "so your clinic's text is kept.")
        html.append(f'<p style="font-size:{base:.1f}pt; color:{MUTED};"><i>{escape(note)}</i></p>')
    return "".join(html)


def _positions(d: TherapyDetail, condition: str | None):  # noqa: ANN202
    """The per-condition notes to show: the chosen condition's alone, or all when none is chosen."""
    chosen = d.position_for(condition)
    return (chosen,) if chosen else (() if condition in d.condition_slugs else d.by_condition)


def _patient_box(d: TherapyDetail, base: float, condition: str | None = None) -> str:
    background, border = PATIENT_BOX
    inner = [
        _heading("For the patient", base * 1.5, border, top=0, level=2, anchor=PATIENT),
        f'<p style="font-size:{base * 1.05:.1f}pt; color:{MUTED}; margin-top:0; margin-bottom:6px;">'
        f"{escape(d.patient_name)}</p>",
    ]
    for position in _positions(d, condition):
        inner.append(_box(_heading(f"If you have {position.patient_condition_name.lower()}", base * 1.15,
                                   CONDITION_BOX[1], top=0, anchor=f"patient-{position.condition}")
                          + _paragraphs(position.patient, base * 1.1),
                          CONDITION_BOX, padding=10, width=1))
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
            inner.append(_heading(label, base * 1.2, top=16, anchor=f"patient-{key}"))
            inner.append(_paragraphs(text, base * 1.1))
    inner.append(_clinic_for_patient(d, base))
    if d.questions:
        inner.append(_heading("Questions to ask your doctor", base * 1.2, top=16, anchor="patient-questions"))
        inner.append("".join(
            f'<p style="font-size:{base * 1.1:.1f}pt; margin-top:0; margin-bottom:6px;">'
            f"\u2610&nbsp;&nbsp;{escape(q)}</p>" for q in d.questions))
    return (f'<table width="100%" cellspacing="0" cellpadding="20" border="2" '
            f'style="border-collapse:collapse; border-color:{border}; border-style:solid; background-color:{background}; '
            f'margin-top:8px; margin-bottom:10px;"><tr><td>{"".join(inner)}</td></tr></table>')


def _clinician(d: TherapyDetail, base: float, condition: str | None = None) -> str:
    html = [_heading("For the clinician", base * 1.5, top=26, level=2, anchor=CLINICIAN), _clinic_for_clinician(d, base)]
    for position in _positions(d, condition):
        html.append(_heading(f"For {position.condition_name.lower()}", base * 1.15, CONDITION_BOX[1], top=14,
                             anchor=f"clinician-{position.condition}"))
        html.append(_paragraphs(position.clinician, base))
    for key, label in CLINICIAN_SECTIONS:
        text = d.clinician.get(key, "")
        if text:
            html.append(_heading(label, base * 1.15, top=14, anchor=f"clinician-{key}"))
            html.append(_paragraphs(text, base))
    if d.aliases:
        html.append(_heading("Also searched as", base * 1.15, top=14, anchor="clinician-aliases"))
        html.append(_paragraphs(", ".join(d.aliases), base))
    return "".join(html)


def _clinic_for_patient(d: TherapyDetail, base: float) -> str:
    """"At this clinic" in the patient's part: the clinic's own cost and contact, where it set them."""
    rows = [(label, d.clinic.get(key, "").strip()) for key, label in CLINIC_PATIENT_FIELDS]
    rows = [(label, text) for label, text in rows if text]
    if not rows:
        return ""
    html = [_heading(CLINIC_HEADING, base * 1.2, top=16, anchor="patient-clinic")]
    for label, text in rows:
        html.append(f'<p style="font-size:{base * 1.1:.1f}pt; font-weight:700; margin-top:6px; margin-bottom:2px;">'
                    f"{escape(label)}</p>")
        html.append(_lines(text, base * 1.1))
    return "".join(html)


def _lines(text: str, size: float) -> str:
    """The clinic's own words as typed: paragraphs at blank lines, its single line breaks kept
    (a contact's name, phone and hours on lines of their own)."""
    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    return "".join(f'<p style="font-size:{size:.1f}pt; line-height:135%; margin-top:0; margin-bottom:8px;">'
                   f'{"<br>".join(escape(line.strip()) for line in block.splitlines() if line.strip())}</p>'
                   for block in blocks)


def _clinic_for_clinician(d: TherapyDetail, base: float) -> str:
    """"At this clinic" in the clinician's part: "Not offered here" when the clinic said so, and its
    local protocol notes (never shown in the patient's part)."""
    protocol = d.clinic.get("protocol", "").strip()
    if d.offered and not protocol:
        return ""
    html = [_heading(CLINIC_HEADING, base * 1.15, top=14, anchor="clinician-clinic")]
    if not d.offered:
        html.append(f'<p style="font-size:{base * 1.1:.1f}pt; font-weight:700; color:{URGENT_BOX[1]}; '
                    f'margin-top:0; margin-bottom:6px;">{escape(NOT_OFFERED)}</p>')
    if protocol:
        html.append(f'<p style="font-size:{base:.1f}pt; font-weight:700; margin-top:4px; margin-bottom:2px;">'
                    "Local protocol notes</p>")
        html.append(_lines(protocol, base))
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
    checked = f"{ref.verification.capitalize()}; seen in {ref.source_seen}" if ref.source_seen else ref.verification
    missing = ref.not_recorded()
    if missing:
        checked += f". Not recorded: {', '.join(missing)}"
    html.append(f'<p style="{small} color:{MUTED}; margin-top:0; margin-bottom:2px;"><b>Checked:</b> {escape(checked)}</p>')
    if links:
        html.append(f'<p style="{small} margin-top:0; margin-bottom:2px;">{" &nbsp;·&nbsp; ".join(links)}</p>')
    return "".join(html)


def _references(refs: tuple[ReferenceItem, ...], base: float) -> str:
    heading = _heading("References", base * 1.5, top=26, level=2, anchor="references")
    if not refs:
        return heading + _paragraphs("No references are listed.", base)
    return heading + "".join(_reference(r, base) for r in refs)


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
    return (_heading("About this entry", base * 1.5, top=26, level=2, anchor="about")
            + f'<table width="100%" cellspacing="0" cellpadding="3">{cells}</table>')
