"""Composing a patient handout: what the patient takes home, in their words, from the library.

``compose_handout(reader, request)`` gathers everything the document needs (clinic profile,
therapies in patient language, references, disclaimer, governance dates) into a frozen
:class:`Handout`. Turning it into HTML and paper is :mod:`clinic_app.printing`'s job; the
same ``Handout`` feeds the preview, the printer, the PDF export and the CLI.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field, replace

from clinic_app.errors import NotFoundError
from clinic_app.services import library
from clinic_app.services.clinic import ClinicProfileData, load_profile
from clinic_app.services.comparison import natural_key
from clinic_app.services.library import CERTAINTY_PLAIN, STATUS_PLAIN, ReferenceItem, TherapyDetail
from clinic_app.storage.reader import Reader

PAPERS = ("a4", "letter")
MAX_THERAPIES = 6
TEXT_LIMITS = {"patient_name": 120, "clinician": 200, "notes": 4000, "next_steps": 2000, "alternatives_left_out": 300}
UNPROVEN = frozenset({"emerging", "investigational"})

@dataclass(frozen=True)
class HandoutRequest:
    therapies: tuple[str, ...]
    include_comparison: bool = False
    comparison_rows: tuple[str, ...] = ()
    patient_name: str = ""
    clinician: str = ""
    date: dt.date = field(default_factory=dt.date.today)
    notes: str = ""
    next_steps: str = ""
    follow_up: dt.date | None = None
    large_print: bool = False
    paper: str = "a4"
    condition: str = ""  # the condition this visit is about (a slug), or "" when none was chosen
    one_page: bool = False  # the one-page option grid (2 to 4 options) instead of the full handout
    # Why the doctor left out the standard options a handout of only emerging or investigational
    # options carries beside them ("" = they are printed). Kept in the handout log.
    alternatives_left_out: str = ""


@dataclass(frozen=True)
class HandoutCondition:
    """The patient's condition as the handout tells it: the decision, what it is, how it usually
    goes, what helps first, and when to get help urgently."""

    slug: str
    name: str
    decision: str
    heading: str  # "About your sciatica"
    sections: tuple[HandoutSection, ...]
    urgent: tuple[str, ...]
    see_doctor_soon: tuple[str, ...]
    actions: tuple[str, ...] = ()
    urgent_brief: tuple[str, ...] = ()  # every urgent sign in a few words (the one-page grid prints these)


# "What you can do now" when no condition was chosen: steps about the decision itself.
GENERAL_ACTIONS = (
    "Read about each option in this handout.",
    "Tick the questions you want to ask your doctor.",
    "Write down what matters most to you, and bring it to your next visit.",
)


@dataclass(frozen=True)
class HandoutFigure:
    """An icon array under a part: what it shows, and (label, how many in 100) for each group."""

    caption: str
    groups: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class HandoutSection:
    heading: str
    text: str
    figures: tuple[HandoutFigure, ...] = ()


@dataclass(frozen=True)
class HandoutOption:
    """An option as the patient sees it named: its title, its status and how sure we are, in words."""

    slug: str
    title: str
    status: str
    status_plain: str
    grade: str
    certainty_plain: str


@dataclass(frozen=True)
class HandoutTherapy(HandoutOption):
    sections: tuple[HandoutSection, ...]
    questions: tuple[str, ...]
    content_version: int
    last_reviewed: dt.date
    reference_keys: tuple[str, ...]
    clinic_revision: int = 0  # the revision of the clinic's own fields printed (0: none set)


@dataclass(frozen=True)
class HandoutAlternative(HandoutOption):
    """A standard option printed beside emerging or investigational ones: what it is, in brief."""

    summary: str


@dataclass(frozen=True)
class Handout:
    request: HandoutRequest
    clinic: ClinicProfileData
    therapies: tuple[HandoutTherapy, ...]
    references: tuple[ReferenceItem, ...]
    library_version: str
    production_date: str
    update_policy: str
    funding: str
    printed_on: dt.date
    condition: HandoutCondition | None = None
    red_flags: HandoutCondition | None = None  # the condition whose "get help urgently" list is printed
    alternatives: tuple[HandoutAlternative, ...] = ()  # standard options beside unproven ones

    @property
    def actions(self) -> tuple[str, ...]:
        """"What you can do now": the condition's steps, or steps about the decision itself."""
        return self.condition.actions if self.condition is not None and self.condition.actions else GENERAL_ACTIONS

    @property
    def content_versions(self) -> dict[str, int]:
        return {t.slug: t.content_version for t in self.therapies}

    def patient_text(self) -> str:
        """All the prose a patient reads, for measuring its reading grade."""
        parts: list[str] = []
        if self.condition is not None:
            parts.append(self.condition.decision)
            parts += [s.text for s in self.condition.sections]
        if self.red_flags is not None:
            parts += [*self.red_flags.urgent, *self.red_flags.see_doctor_soon]
        parts += list(self.actions)
        for alternative in self.alternatives:
            parts += [alternative.status_plain, alternative.certainty_plain, alternative.summary]
        for therapy in self.therapies:
            parts.append(therapy.status_plain)
            parts.append(therapy.certainty_plain)
            parts += [s.text for s in therapy.sections]
            parts += [f.caption for s in therapy.sections for f in s.figures]
            parts += list(therapy.questions)
        return "\n".join(parts)


# Where the patient's name goes in the document source. The name itself is filled in only when the
# document goes to paper, so the stored source (and its SHA-256) never holds it: the print log keeps
# the name in its own column only if the clinic turned that on, and a privacy purge can blank it.
PATIENT_SLOT = "\u27eapatient\u27eb"
HEADER_NAME_MAX = 32  # characters of the patient's name in the page band (the first page has it whole)

# The personal parts: what the doctor typed for this patient (the visit's notes, the next steps).
# Like the name, they are not in the stored source: it holds each part's frame (its heading, then
# one line as a pattern) inside an HTML comment, and the print log keeps the text in a column of its
# own, which a privacy purge can blank. Filled, the frame becomes the heading and one paragraph per
# line of the text; with no text (after a purge) it goes, heading and all. Unfilled, the comment
# prints nothing.
PERSONAL_PARTS = ("notes", "next_steps")
PERSONAL_EACH = "\u27eaeach line\u27eb"  # where the pattern for one line of the text starts
PERSONAL_TEXT = "\u27eatext\u27eb"  # where the line goes in that pattern


def personal_open(part: str) -> str:
    return f"<!--\u27ea{part}\u27eb"


def personal_close(part: str) -> str:
    return f"\u27ea/{part}\u27eb-->"


_SLOTS = re.compile(
    re.escape(PATIENT_SLOT) + "|<!--\u27ea(" + "|".join(PERSONAL_PARTS) + ")\u27eb(.*?)" + re.escape(PERSONAL_EACH)
    + "(.*?)\u27ea/\\1\u27eb-->", re.S)
_PERSONAL_FRAME = re.compile("<!--\u27ea(" + "|".join(PERSONAL_PARTS) + ")\u27eb.*?\u27ea/\\1\u27eb-->", re.S)
_MARKER = re.compile("\u27ea[^\u27ea\u27eb]*\u27eb")


def without_markers(text: str) -> str:
    """Typed text with anything that would stand for a slot taken out."""
    return _MARKER.sub("", text)


def without_personal_parts(html: str) -> str:
    """The document source with the frames of its personal parts taken out."""
    return _PERSONAL_FRAME.sub("", html)


@dataclass(frozen=True)
class HandoutDocument:
    """The exact document source (HTML from :mod:`clinic_app.printing.handout_html`) and what the
    renderer puts on every page: the unit that is printed, recorded and reprinted. ``html`` and
    ``header`` hold :data:`PATIENT_SLOT` where the patient's name is printed, and ``html`` the frame
    of each personal part (see :data:`PERSONAL_PARTS`) where ``notes`` and ``next_steps`` go."""

    html: str
    title: str
    header: str
    footer: str
    body_pt: int
    paper: str
    logo: bytes | None
    patient_name: str = ""
    landscape: bool = False
    margin_mm: float | None = None  # None: the printer's standard margin
    notes: str = ""
    next_steps: str = ""

    def filled_html(self) -> str:
        """The HTML as printed: the patient's name and the personal parts filled in (one pass, so
        text filled in is never read again as a slot)."""
        from markupsafe import escape

        name = self.patient_name.strip()
        texts = {"notes": self.notes, "next_steps": self.next_steps}

        def fill(match: re.Match) -> str:
            if match.group(1) is None:
                return f"For {escape(name)}.  " if name else ""
            lines = [line for line in texts[match.group(1)].split("\n") if line.strip()]
            if not lines:
                return ""
            pattern = match.group(3)
            return match.group(2) + "".join(pattern.replace(PERSONAL_TEXT, str(escape(line))) for line in lines)

        return _SLOTS.sub(fill, self.html)

    def filled_header(self) -> str:
        """The band on every page, with the patient's name shortened to fit beside the clinic's."""
        name = " ".join(self.patient_name.split())
        if len(name) > HEADER_NAME_MAX:
            name = name[: HEADER_NAME_MAX - 1].rstrip() + "\u2026"
        return self.header.replace(PATIENT_SLOT, f"{name}  ·  " if name else "")

    def source_bytes(self) -> bytes:
        """The document source as stored in the print log: HTML, header, footer, type size, paper,
        orientation, margins, logo. The patient's name, notes and next steps are not part of it (see
        :data:`PATIENT_SLOT` and :data:`PERSONAL_PARTS`)."""
        data = {"html": self.html, "title": self.title, "header": self.header, "footer": self.footer,
                "body_pt": self.body_pt, "paper": self.paper,
                "logo": base64.b64encode(self.logo).decode("ascii") if self.logo else None}
        # Only when set, so the source of a document that uses neither is what it always was.
        if self.landscape:
            data["landscape"] = True
        if self.margin_mm is not None:
            data["margin_mm"] = self.margin_mm
        return json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source_bytes()).hexdigest()


# The order a patient reads a therapy in (standards.md: most important first; known and not known).
# "What to expect" stays on screen: on paper it repeated "How well does it work?", and a handout
# for one therapy must fit two pages.
HANDOUT_SECTIONS = (
    ("summary", "What is it?"),
    ("procedure", "How is it done?"),
    ("evidence_known", "How well does it work?"),
    ("evidence_unknown", "What we do not know yet"),
    ("risks", "What are the risks?"),
    ("recovery", "Recovery and time off"),
    ("regulatory", "Is it approved?"),
)

# The clinic's fields a patient reads (clinic_app.services.clinic_fields), after the therapy's own parts.
CLINIC_SECTIONS = (
    ("cost", "What will it cost?"),
    ("contact", "Who to contact here"),
)


def clinic_info(reader: Reader) -> ClinicProfileData:
    """The clinic profile, with the library's default disclaimer when the clinic has none."""
    profile = load_profile(reader)
    if profile.disclaimer.strip():
        return profile
    return replace(profile, disclaimer=library.library_meta(reader).get("disclaimer", ""))


CONDITION_SECTIONS = (
    ("what_it_is", "What it is."),
    ("natural_course", "How it usually goes."),
    ("first_steps", "What helps first."),
)


def _condition(reader: Reader, slug: str, brief: bool = False) -> HandoutCondition:
    """The condition as the handout tells it; ``brief`` (a handout about one option) leaves out
    "What helps first", which the "What you can do now" steps and the option's own note for the
    condition carry there."""
    c = library.get_condition(reader, slug)
    name = c.patient_name.split(" (")[0].lower() if c.patient_name else c.name.lower()
    paper = {"natural_course": c.patient.get("paper_natural_course")} if brief else {}
    sections = tuple(HandoutSection(heading, paper.get(key) or c.patient[key]) for key, heading in CONDITION_SECTIONS
                     if c.patient.get(key) and not (brief and key == "first_steps"))
    return HandoutCondition(slug=c.slug, name=c.name, decision=c.decision, heading=f"About your {name}", sections=sections,
                            urgent=c.urgent, see_doctor_soon=c.see_doctor_soon, actions=c.actions,
                            urgent_brief=c.urgent_brief)


def _therapy(detail: TherapyDetail, condition: str = "") -> HandoutTherapy:
    # The paper version of each part where the library has one (two or three sentences drawn from
    # the whole text), so a handout about one option fits two pages; the screen keeps the whole.
    figures = {key: tuple(HandoutFigure(f["caption"], tuple((g["label"], g["count"]) for g in f["groups"]))
                          for f in detail.figures if f["part"] == key) for key, _ in HANDOUT_SECTIONS}
    sections = [HandoutSection(heading, detail.paper.get(key) or detail.patient[key], figures[key])
                for key, heading in HANDOUT_SECTIONS]
    position = detail.position_for(condition)
    if position is not None:  # what this therapy means for the patient's condition, right after "What is it?"
        sections.insert(1, HandoutSection(f"If you have {position.patient_condition_name.split(' (')[0].lower()}",
                                          position.paper or position.patient))
    # The clinic's own words, where it has written them (an empty field prints nothing, heading and all).
    sections += [HandoutSection(heading, detail.clinic[key]) for key, heading in CLINIC_SECTIONS
                 if detail.clinic.get(key, "").strip()]
    sections = tuple(sections)
    return HandoutTherapy(
        slug=detail.slug, title=detail.patient_name, status=detail.status,
        status_plain=STATUS_PLAIN[detail.status], grade=detail.grade_label,
        certainty_plain=CERTAINTY_PLAIN[detail.evidence_grade], sections=sections, questions=detail.questions,
        content_version=detail.content_version, last_reviewed=detail.last_reviewed,
        reference_keys=tuple(r.key for r in detail.references),
        clinic_revision=detail.clinic_revision,
    )


def validate_request(reader: Reader, request: HandoutRequest) -> None:
    known = library.therapy_slugs(reader)
    if request.one_page:
        from clinic_app.services.one_page import check_count

        check_count(len(request.therapies))
    if not request.therapies:
        raise NotFoundError(f"choose at least one therapy; known therapies: {', '.join(known)}")
    if len(request.therapies) > MAX_THERAPIES:
        raise NotFoundError(f"a handout holds at most {MAX_THERAPIES} therapies ({len(request.therapies)} chosen)")
    library.check_known(reader, request.therapies)
    if request.condition:
        conditions = [c.slug for c in library.list_conditions(reader)]
        if request.condition not in conditions:
            raise NotFoundError(f"unknown condition {request.condition!r}; known conditions: {', '.join(conditions)}")
    if request.paper not in PAPERS:
        raise NotFoundError(f"unknown paper size {request.paper!r}; choose {' or '.join(PAPERS)}")
    for name, limit in TEXT_LIMITS.items():
        value = getattr(request, name)
        if len(value) > limit:
            raise NotFoundError(f"the {name.replace('_', ' ')} is {len(value):,} characters long; a handout takes at "
                                f"most {limit:,}")


def alternatives_for(reader: Reader, slugs: tuple[str, ...] | list[str], condition: str = "") -> tuple[str, ...]:
    """The standard options a handout must carry when every option on it is emerging or
    investigational: the established first option of the condition (of the first condition when
    none was chosen) and self-care, as the library names them; () when any chosen option is
    established."""
    statuses = {row[0]: row[1] for row in reader.query("SELECT slug, status FROM therapy")}
    if not slugs or any(statuses.get(slug) not in UNPROVEN for slug in slugs):
        return ()
    library_meta = library.library_meta(reader)
    if not condition:
        conditions = library.list_conditions(reader)
        condition = conditions[0].slug if conditions else ""
    wanted = [library_meta.get("first_options", {}).get(condition), library_meta.get("self_care")]
    return tuple(slug for slug in dict.fromkeys(wanted)
                 if slug and slug not in slugs and statuses.get(slug) == "established")


def _alternative(detail: TherapyDetail) -> HandoutAlternative:
    return HandoutAlternative(
        slug=detail.slug, title=detail.patient_name, status=detail.status, status_plain=STATUS_PLAIN[detail.status],
        grade=detail.grade_label, certainty_plain=CERTAINTY_PLAIN[detail.evidence_grade],
        summary=_first_sentence(detail.paper.get("summary") or detail.patient["summary"]))


def _first_sentence(text: str) -> str:
    from clinic_app.services.one_page import sentences

    parts = sentences(text)
    return parts[0] if parts else text


def compose_handout(reader: Reader, request: HandoutRequest) -> Handout:
    validate_request(reader, request)
    # The patient's name and the personal parts are filled in where their slots stand; typed text
    # must not stand for one.
    request = replace(request, **{name: without_markers(getattr(request, name)) for name in TEXT_LIMITS})
    details = [library.get_therapy(reader, slug) for slug in dict.fromkeys(request.therapies)]
    seen: dict[str, ReferenceItem] = {}
    for detail in details:
        for ref in detail.references:
            seen.setdefault(ref.key, ref)
    alternatives = () if request.alternatives_left_out.strip() else tuple(
        _alternative(library.get_therapy(reader, slug))
        for slug in alternatives_for(reader, [d.slug for d in details], request.condition))
    condition = _condition(reader, request.condition, brief=len(details) == 1) if request.condition else None
    conditions = library.list_conditions(reader)
    red_flags = condition or (_condition(reader, conditions[0].slug) if conditions else None)
    meta = reader.meta()
    library_meta = json.loads(meta.get("library_json") or "{}")
    return Handout(
        request=request,
        clinic=clinic_info(reader),
        therapies=tuple(_therapy(d, request.condition) for d in details),
        references=tuple(sorted(seen.values(), key=lambda r: natural_key(r.key))),
        library_version=meta.get("library_version", ""),
        production_date=library_meta.get("production_date", ""),
        update_policy=library_meta.get("update_policy", ""),
        funding=library_meta.get("funding", ""),
        printed_on=request.date,
        condition=condition,
        red_flags=red_flags,
        alternatives=alternatives,
    )
