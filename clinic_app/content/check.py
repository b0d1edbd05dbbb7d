"""Load a content directory and hold it to the quality bar.

``load_content(dir)`` returns a :class:`ContentBundle` and every :class:`Problem` found:
schema errors, unresolved references, missing comparison values, patient text above the
reading-grade limit, placeholder or duplicated text, and impossible dates. The loader only
writes a bundle to the database when the list of problems is empty.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from clinic_app.settings import shown

from . import readability
from .files import Problem, load_list, load_one
from .paths import REFERENCE_DIR, SHARED_FILES, content_fingerprint, shipped_content_dir
from .schema import CATEGORIES, AttributeFile, ConditionFile, LibraryFile, ReferenceFile, TherapyFile

CITATION = re.compile(r"\[([A-Z][0-9]{1,2}(?:\s*[,;]\s*[A-Z][0-9]{1,2})*)\]")
PLACEHOLDER = re.compile(
    r"\b(todo|tbd|tba|fixme|xxx+|lorem|ipsum|placeholder|dummy text|insert here)\b|\?\?\?|\.\.\.|…",
    re.IGNORECASE,
)
UNVERIFIED = re.compile(r"unverified", re.IGNORECASE)
UNCERTAINTY_WORDS = (
    "experimental",
    "investigational",
    "still being studied",
    "still being tested",
    "not yet proven",
    "not proven",
    "emerging",
)


@dataclass
class ContentBundle:
    directory: Path
    library: LibraryFile | None = None
    references: list[ReferenceFile] = field(default_factory=list)
    attributes: list[AttributeFile] = field(default_factory=list)
    conditions: list[ConditionFile] = field(default_factory=list)
    therapies: list[TherapyFile] = field(default_factory=list)
    fingerprint: str = ""

    def therapy(self, slug: str) -> TherapyFile:
        return next(t for t in self.therapies if t.slug == slug)


def therapy_patient_texts(therapy: TherapyFile) -> dict[str, str]:
    """Every patient-facing text of a therapy, by field path."""
    texts = {f"patient.{name}": value for name, value in therapy.patient if isinstance(value, str)}
    texts["patient.questions"] = "\n".join(therapy.patient.questions)
    if therapy.patient.paper is not None:
        texts.update({f"patient.paper.{name}": value for name, value in therapy.patient.paper})
    for index, figure in enumerate(therapy.patient.figures):
        texts[f"patient.figures[{index}].caption"] = figure.caption
    for index, position in enumerate(therapy.by_condition):
        texts[f"by_condition[{index}].patient"] = position.patient
        if position.paper:
            texts[f"by_condition[{index}].paper"] = position.paper
    for key, cell in therapy.comparison.items():
        texts[f"comparison.{key}.text"] = cell.text
    return texts


def condition_patient_texts(condition: ConditionFile) -> dict[str, str]:
    """Every patient-facing text of a condition, by field path (lists measured as a whole)."""
    return {f"patient.{name}": value if isinstance(value, str) else "\n".join(value)
            for name, value in condition.patient if value}


NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def new_numbers(short: str, whole: str) -> list[str]:
    """The numbers in ``short`` (a paper version) that ``whole`` (the text it shortens) does not
    hold: a shorter text may leave findings out, never add one."""
    known = set(NUMBER.findall(whole))
    return [n for n in dict.fromkeys(NUMBER.findall(short)) if n not in known]


def paper_problems(therapy: TherapyFile) -> list[tuple[str, str]]:
    """(field path, message) for paper versions that add a number, or that drop the plain words
    an emerging or investigational therapy must carry."""
    out = []
    whole = " ".join(v for _, v in therapy.patient if isinstance(v, str))
    whole += " " + " ".join(p.patient for p in therapy.by_condition)
    paper = therapy.patient.paper
    if paper is not None:
        for name, text in paper:
            for number in new_numbers(text, whole):
                out.append((f"patient.paper.{name}", f"the number {number} is not in the patient text it shortens"))
        if therapy.status != "established":
            lead = (paper.summary + " " + paper.regulatory).lower()
            if not any(word in lead for word in UNCERTAINTY_WORDS):
                out.append(("patient.paper.summary", f"a therapy with status {therapy.status!r} must say so in plain "
                            f"words in the paper summary or regulatory part (e.g. {', '.join(UNCERTAINTY_WORDS[:4])})"))
    for index, figure in enumerate(therapy.patient.figures):
        text = " ".join(t for t in (getattr(therapy.patient, figure.part),
                                    getattr(paper, figure.part) if paper is not None else "") if t)
        for group in figure.groups:
            if not re.search(rf"\b{group.count} in 100\b", text):
                out.append((f"patient.figures[{index}]", f"{group.label}: '{group.count} in 100' is not in the "
                            f"patient text of {figure.part}; a figure draws only a number the text gives"))
    for index, position in enumerate(therapy.by_condition):
        if position.paper:
            for number in new_numbers(position.paper, position.patient):
                out.append((f"by_condition[{index}].paper", f"the number {number} is not in the note it shortens"))
    return out


def therapy_clinician_texts(therapy: TherapyFile) -> dict[str, str]:
    texts = {f"clinician.{name}": value for name, value in therapy.clinician}
    for index, position in enumerate(therapy.by_condition):
        texts[f"by_condition[{index}].clinician"] = position.clinician
    return texts


def therapy_all_texts(therapy: TherapyFile) -> dict[str, str]:
    texts = therapy_patient_texts(therapy)
    texts.update(therapy_clinician_texts(therapy))
    for index, ref in enumerate(therapy.references):
        texts[f"references[{index}].supports"] = ref.supports
    for name in ("name", "patient_name", "reviewer", "update_policy", "funding"):
        texts[name] = getattr(therapy, name)
    return texts


def cited_keys(text: str) -> list[str]:
    keys: list[str] = []
    for match in CITATION.finditer(text):
        keys += [k.strip() for k in re.split(r"[,;]", match.group(1))]
    return keys


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def therapy_problems(therapy: TherapyFile, references: Container[str], attribute_kinds: Mapping[str, str],
                     conditions: Collection[str], today: dt.date) -> list[tuple[str, str]]:
    """The rules one therapy must pass that do not need the library's other therapies (references
    and rows known, citations listed, conditions, dates, patient-text grade and plain status words,
    paper versions, no placeholder or unverified text), as (field path, message). ``content check``
    applies them to every file; a clinic's edit is held to the same."""
    out: list[tuple[str, str]] = []

    for index, entry in enumerate(therapy.references):
        if entry.key not in references:
            out.append((f"references[{index}].key", f"unknown reference key {entry.key!r} (not in references/)"))
    listed = {entry.key for entry in therapy.references}
    cited: set[str] = set()
    for field_path, text in therapy_clinician_texts(therapy).items():
        for key in cited_keys(text):
            cited.add(key)
            if key not in references:
                out.append((field_path, f"cites unknown reference [{key}]"))
            elif key not in listed:
                out.append((field_path, f"cites [{key}] but it is not in this therapy's references"))
    for index, position in enumerate(therapy.by_condition):
        if position.condition not in therapy.conditions:
            out.append((f"by_condition[{index}].condition",
                               f"{position.condition!r} is not one of this therapy's conditions"))
    out += [("by_condition", f"two entries for condition {slug!r}")
                 for slug in {p.condition for p in therapy.by_condition}
                 if sum(p.condition == slug for p in therapy.by_condition) > 1]
    for key, cell in therapy.comparison.items():
        if key not in attribute_kinds:
            out.append((f"comparison.{key}", f"unknown comparison row {key!r}; valid rows: {', '.join(attribute_kinds)}"))
            continue
        kind = attribute_kinds[key]
        if kind == "scale" and cell.scale is None:
            out.append((f"comparison.{key}.scale", "this row is a 1-5 scale: give 'scale'"))
        if kind != "scale" and cell.scale is not None:
            out.append((f"comparison.{key}.scale", "'scale' is only for 1-5 scale rows"))
        for ref in cell.refs:
            cited.add(ref)
            if ref not in references:
                out.append((f"comparison.{key}.refs", f"unknown reference key {ref!r}"))
            elif ref not in listed:
                out.append((f"comparison.{key}.refs", f"{ref} is not in this therapy's references"))
    for key in attribute_kinds:
        if key not in therapy.comparison:
            out.append(("comparison", f"no value for comparison row {key!r}"))
    for key in sorted(listed - cited):
        out.append(("references", f"{key} is listed but no clinician text or comparison cell cites it"))
    for slug in therapy.conditions:
        if slug not in conditions:
            out.append(("conditions", f"unknown condition {slug!r}; valid: {', '.join(sorted(conditions))}"))

    for date_field in ("production_date", "last_reviewed"):
        value = getattr(therapy, date_field)
        if value > today:
            out.append((date_field, f"{value} is in the future"))
    if therapy.last_reviewed < therapy.production_date:
        out.append(("last_reviewed", "is before production_date"))

    for field_path, text in therapy_patient_texts(therapy).items():
        report = readability.measure(text)
        if not report.passes:
            out.append(
               (field_path, f"reading grade {report.grade} is above {report.limit:g}; "
                   f"longest sentence: \"{report.longest_sentence}\"")
            )
        if CITATION.search(text):
            out.append((field_path, "patient text must not carry [KEY] citation markers"))
    if therapy.status != "established":
        lead = (therapy.patient.summary + " " + therapy.patient.regulatory).lower()
        if not any(word in lead for word in UNCERTAINTY_WORDS):
            out.append(
               ("patient.summary", f"a therapy with status {therapy.status!r} must say so in plain words "
                   f"in the patient summary or regulatory text (e.g. {', '.join(UNCERTAINTY_WORDS[:4])})")
            )
    for field_path, message in paper_problems(therapy):
        out.append((field_path, message))
    for field_path, text in therapy_all_texts(therapy).items():
        if PLACEHOLDER.search(text):
            out.append((field_path, f"placeholder or unfinished text: {PLACEHOLDER.search(text).group(0)!r}"))
        if UNVERIFIED.search(text):
            out.append((field_path, "text marked unverified must not be printed"))
    return out


def load_content(directory: Path | None = None, today: dt.date | None = None) -> tuple[ContentBundle, list[Problem]]:
    directory = Path(directory) if directory else shipped_content_dir()
    today = today or dt.date.today()
    bundle = ContentBundle(directory=directory)
    problems: list[Problem] = []

    try:
        found_dir = directory.is_dir()
    except OSError as exc:  # a path too long, no permission to look
        return bundle, [Problem(shown(directory), "(directory)", f"cannot be read: {exc.strerror or exc}")]
    if not found_dir:
        return bundle, [Problem(shown(directory), "(directory)", "content directory not found")]

    def label(path: Path) -> str:
        return path.relative_to(directory).as_posix()

    for name in SHARED_FILES:
        if not (directory / name).is_file():
            problems.append(Problem(name, "(file)", "required content file is missing"))
    reference_paths = sorted((directory / REFERENCE_DIR).glob("*.yaml")) if (directory / REFERENCE_DIR).is_dir() else []
    if not reference_paths:
        problems.append(Problem(f"{REFERENCE_DIR}/", "(directory)", "no reference files (*.yaml) found"))
    therapy_dir = directory / "therapies"
    therapy_paths = sorted(therapy_dir.glob("*.yaml")) if therapy_dir.is_dir() else []
    if not therapy_paths:
        problems.append(Problem("therapies/", "(directory)", "no therapy files (*.yaml) found"))
    if problems:
        return bundle, problems

    bundle.library, found, _ = load_one(LibraryFile, directory / "library.yaml", "library.yaml")
    problems += found
    reference_keys: list[str] = []
    for path in reference_paths:
        refs, found, ref_doc = load_list(ReferenceFile, path, label(path))
        problems += found
        problems += _check_references(refs, ref_doc, label(path))
        bundle.references += refs
        reference_keys += [r.key for r in refs]
    bundle.attributes, found, attr_doc = load_list(AttributeFile, directory / "attributes.yaml", "attributes.yaml")
    problems += found
    bundle.conditions, found, cond_doc = load_list(ConditionFile, directory / "conditions.yaml", "conditions.yaml")
    problems += found

    problems += _check_unique(f"{REFERENCE_DIR}/", "key", reference_keys)
    problems += _check_unique("attributes.yaml", "key", [a.key for a in bundle.attributes])
    problems += _check_unique("attributes.yaml", "order", [a.order for a in bundle.attributes])
    problems += _check_unique("conditions.yaml", "slug", [c.slug for c in bundle.conditions])

    references = {r.key: r for r in bundle.references}
    attributes = {a.key: a for a in bundle.attributes}
    conditions = {c.slug for c in bundle.conditions}
    problems += _check_unique("conditions.yaml", "order", [c.order for c in bundle.conditions])
    for index, condition in enumerate(bundle.conditions):
        problems += _check_condition(condition, index, cond_doc, references)
    names_seen: dict[str, str] = {}
    for condition in bundle.conditions:
        for alias in (condition.name, *condition.aliases):
            names_seen.setdefault(alias.casefold(), f"condition {condition.slug}")
    if bundle.library and bundle.library.production_date > today:
        problems.append(Problem("library.yaml", "production_date", f"{bundle.library.production_date} is in the future"))

    seen_texts: dict[str, str] = {}
    for path in therapy_paths:
        name = label(path)
        therapy, found, doc = load_one(TherapyFile, path, name)
        problems += found
        if therapy is None:
            continue

        def at(field_path: str, message: str, name: str = name, doc=doc) -> Problem:  # noqa: ANN001
            loc = tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", field_path) if p)
            return Problem(name, field_path, message, doc.line_of(loc) if doc else None)

        if therapy.slug != path.stem:
            problems.append(at("slug", f"slug {therapy.slug!r} must match the file name {path.stem!r}"))
        if therapy.slug in {t.slug for t in bundle.therapies}:
            problems.append(at("slug", f"duplicate slug {therapy.slug!r}"))
        for index, alias in enumerate((therapy.name, *therapy.aliases)):
            owner = names_seen.setdefault(alias.casefold(), f"therapy {therapy.slug}")
            if owner != f"therapy {therapy.slug}":
                problems.append(at("aliases" if index else "name", f"{alias!r} already names {owner}"))
        problems += [at(field_path, message) for field_path, message in therapy_problems(
            therapy, references, {key: attr.kind for key, attr in attributes.items()}, conditions, today)]
        for field_path, text in therapy_all_texts(therapy).items():
            normal = _normal(text)
            # (a paper version may repeat a sentence of the text it shortens)
            if len(normal) >= 30 and field_path not in ("update_policy", "funding", "reviewer") \
                    and not field_path.startswith("references[") and ".paper" not in field_path:
                where = f"{name}: {field_path}"
                if normal in seen_texts:
                    problems.append(at(field_path, f"duplicated text (same as {seen_texts[normal]})"))
                else:
                    seen_texts[normal] = where
        bundle.therapies.append(therapy)

    problems += _check_alternatives(bundle)
    bundle.conditions.sort(key=lambda c: c.order)
    bundle.therapies.sort(key=lambda t: (CATEGORIES.index(t.category), t.name.lower()))
    bundle.fingerprint = content_fingerprint(directory)
    return bundle, sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.field, p.message))


def _check_alternatives(bundle: ContentBundle) -> list[Problem]:
    """The options a handout carries beside emerging or investigational ones must be established
    therapies of the library (and, for a condition, listed for it)."""
    if bundle.library is None:
        return []
    therapies = {t.slug: t for t in bundle.therapies}
    conditions = {c.slug for c in bundle.conditions}
    out = []
    wanted = [(f"first_options.{c}", slug, c) for c, slug in bundle.library.first_options.items()]
    if bundle.library.self_care:
        wanted.append(("self_care", bundle.library.self_care, None))
    for field_path, slug, condition in wanted:
        if condition is not None and condition not in conditions:
            out.append(Problem("library.yaml", field_path, f"unknown condition {condition!r}"))
        therapy = therapies.get(slug)
        if therapy is None:
            out.append(Problem("library.yaml", field_path, f"unknown therapy {slug!r}"))
        elif therapy.status != "established":
            out.append(Problem("library.yaml", field_path, f"{slug} is {therapy.status}; it must be established"))
        elif condition is not None and condition not in therapy.conditions:
            out.append(Problem("library.yaml", field_path, f"{slug} is not listed for {condition}"))
    return out


def _check_condition(condition: ConditionFile, index: int, doc, references: Container[str]) -> list[Problem]:  # noqa: ANN001
    """A condition holds to the therapy rules (:func:`condition_problems`), each problem placed in conditions.yaml."""

    def at(field_path: str, message: str) -> Problem:
        loc = (index, *(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", field_path) if p))
        return Problem("conditions.yaml", f"[{index}] {condition.slug}.{field_path}", message, doc.line_of(loc) if doc else None)

    return [at(field_path, message) for field_path, message in condition_problems(condition, references)]


def condition_clinician_texts(condition: ConditionFile) -> dict[str, str]:
    return {f"clinician.{name}": text for name, text in condition.clinician}


def condition_problems(condition: ConditionFile, references: Container[str]) -> list[tuple[str, str]]:
    """The rules one condition must pass (cited keys resolve and are listed, every listed key cited,
    patient text grade 8 or lower with no [KEY] markers, paper numbers drawn from the text they
    shorten, no placeholder or unverified text), as (field path, message). ``content check`` applies
    them to conditions.yaml; a clinic's edit of a condition is held to the same."""
    out: list[tuple[str, str]] = []
    listed = {entry.key for entry in condition.references}
    cited: set[str] = set()
    for position, entry in enumerate(condition.references):
        if entry.key not in references:
            out.append((f"references[{position}].key", f"unknown reference key {entry.key!r} (not in references/)"))
    for field_path, text in condition_clinician_texts(condition).items():
        for key in cited_keys(text):
            cited.add(key)
            if key not in references:
                out.append((field_path, f"cites unknown reference [{key}]"))
            elif key not in listed:
                out.append((field_path, f"cites [{key}] but it is not in this condition's references"))
    for key in sorted(listed - cited):
        out.append(("references", f"{key} is listed but no clinician text cites it"))
    patient = condition_patient_texts(condition)
    if condition.patient.paper_natural_course:
        for number in new_numbers(condition.patient.paper_natural_course, condition.patient.natural_course):
            out.append(("patient.paper_natural_course", f"the number {number} is not in the natural course it shortens"))
    for field_path, text in patient.items():
        report = readability.measure(text)
        if not report.passes:
            out.append((field_path, f"reading grade {report.grade} is above {report.limit:g}; "
                        f"longest sentence: \"{report.longest_sentence}\""))
        if CITATION.search(text):
            out.append((field_path, "patient text must not carry [KEY] citation markers"))
    everything = {**patient, **condition_clinician_texts(condition),
                  "name": condition.name, "patient_name": condition.patient_name, "description": condition.description}
    for field_path, text in everything.items():
        if PLACEHOLDER.search(text):
            out.append((field_path, f"placeholder or unfinished text: {PLACEHOLDER.search(text).group(0)!r}"))
        if UNVERIFIED.search(text):
            out.append((field_path, "text marked unverified must not be printed"))
    return out


def _check_unique(file: str, field_name: str, values: list) -> list[Problem]:
    seen: set = set()
    out = []
    for value in values:
        if value in seen:
            out.append(Problem(file, field_name, f"duplicate {field_name} {value!r}"))
        seen.add(value)
    return out


def _check_references(refs: list[ReferenceFile], doc, file: str) -> list[Problem]:  # noqa: ANN001
    out = []
    for index, ref in enumerate(refs):
        line = doc.line_of((index,)) if doc else None
        if not (ref.pmid or ref.doi or ref.pmcid or ref.other_id or ref.note):
            out.append(Problem(file, f"[{index}] {ref.key}", "needs a PMID, DOI, PMCID or other_id, "
                               "or a note saying why none was recorded", line))
        if ref.year is None and not ref.other_id:
            out.append(Problem(file, f"[{index}] {ref.key}.year", "only a regulation or guideline (other_id) may have no year",
                               line))
        if ref.other_id and re.search(r"not recorded|not seen", ref.other_id, re.IGNORECASE):
            out.append(Problem(file, f"[{index}] {ref.key}.other_id", "a note for the content team belongs in 'note', "
                               "not in an identifier that is printed", line))
        if re.search(r"not seen|descriptive label", ref.title, re.IGNORECASE):
            out.append(Problem(file, f"[{index}] {ref.key}.title", "say that the title is a description with "
                               "'title_is_label: true' and a 'note', not in the printed title", line))
        for name, value in ref:
            if isinstance(value, str) and name not in ("source_seen", "note") and UNVERIFIED.search(value):
                out.append(Problem(file, f"[{index}] {ref.key}.{name}",
                                   "unverified details must not be printed", line))
    return out


if __name__ == "__main__":  # pragma: no cover - convenience for content authors
    import sys

    _bundle, _problems = load_content(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    for _problem in _problems:
        print(_problem)
    print(f"{len(_bundle.therapies)} therapies, {len(_problems)} problems")
    sys.exit(1 if _problems else 0)
