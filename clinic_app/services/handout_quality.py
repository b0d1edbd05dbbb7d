"""How a handout measures up before it is printed: its reading grade and a PEMAT-style checklist.

Each item is one the standards for patient material ask for (PEMAT-P understandability and
actionability, the CDC Clear Communication Index, IPDAS for comparisons) and that can be checked
from the handout itself. Items that need a human eye (pictures, distracting content) are not
scored here. The text measured includes what the clinician typed for this patient.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clinic_app.content import readability
from clinic_app.services.handouts import Handout

MAX_LIST_ITEMS = 7
MAX_SENTENCE_WORDS = 15.0
SELF_CARE = "self-care"


@dataclass(frozen=True)
class CheckItem:
    label: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Assessment:
    grade: float
    items: tuple[CheckItem, ...]

    @property
    def grade_ok(self) -> bool:
        return self.grade <= readability.HANDOUT_GRADE_LIMIT

    @property
    def passed(self) -> int:
        return sum(item.ok for item in self.items)

    @property
    def score(self) -> int:
        """Items met ÷ items checked × 100, as PEMAT scores."""
        return round(100 * self.passed / len(self.items)) if self.items else 100

    def summary(self) -> str:
        return (f"Reading grade {self.grade:.1f} (7 or lower; aim for 6) · checklist {self.passed} of "
                f"{len(self.items)} ({self.score}%)")


def _words_per_sentence(text: str) -> float:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", readability.prepare(text)) if s.strip()]
    return sum(len(s.split()) for s in sentences) / len(sentences) if sentences else 0.0


def assess(handout: Handout) -> Assessment:
    request = handout.request
    personal = "\n".join(t for t in (request.notes, request.next_steps) if t.strip())
    text = handout.patient_text() + ("\n" + personal if personal else "")
    grade = readability.grade(text)
    words = _words_per_sentence(text)
    sections = [s for t in handout.therapies for s in t.sections]
    empty = [f"{t.title}: {s.heading}" for t in handout.therapies for s in t.sections if not s.text.strip()]
    longest_list = max((len(t.questions) for t in handout.therapies), default=0)
    you = len(re.findall(r"\byou(r|rs)?\b", text, flags=re.IGNORECASE))
    by_heading = [{s.heading: s.text.strip() for s in t.sections} for t in handout.therapies]
    known = all(h.get("How well does it work?") and h.get("What we do not know yet") for h in by_heading)
    balanced = all(h.get("What are the risks?") for h in by_heading)
    items = [
        CheckItem("Purpose and main message at the top", True, "The 'In short' box opens the handout."),
        CheckItem("Everyday words", grade <= readability.HANDOUT_GRADE_LIMIT,
                  f"Reading grade {grade:.1f}; the limit is {readability.HANDOUT_GRADE_LIMIT:.0f}."),
        CheckItem("Short sentences", words <= MAX_SENTENCE_WORDS,
                  f"{words:.1f} words a sentence on average (aim for 15 or fewer)."),
        CheckItem("Short sections with clear headings", not empty,
                  f"{len(sections)} headed sections." if not empty else "Empty: " + "; ".join(empty)),
        CheckItem("Says what is known and what is not", bool(known),
                  "Each option has 'How well does it work?' and 'What we do not know yet'."),
        CheckItem("Risks and benefits both", bool(balanced), "Each option lists its risks next to its results."),
        CheckItem("Speaks to the reader", you > 0, f"'You' is used {you} times."),
        CheckItem("Lists of 7 items or fewer", longest_list <= MAX_LIST_ITEMS,
                  f"The longest list has {longest_list} items."),
        CheckItem("A tool to use: questions checklist and next visit", True,
                  "Tick-box questions for the doctor and a line for the next visit."),
        CheckItem("A clear next step for this patient", bool(request.next_steps.strip() or request.follow_up),
                  "Next steps or a follow-up date are filled in." if (request.next_steps.strip() or request.follow_up)
                  else "Add next steps or a follow-up date for this patient."),
        CheckItem("Sources, dates, update policy and funding", bool(handout.references and handout.update_policy
                                                                    and handout.funding),
                  f"{len(handout.references)} references; content {handout.library_version}."),
    ]
    if request.include_comparison:
        fair = SELF_CARE in {t.slug for t in handout.therapies}
        items.append(CheckItem("The comparison includes doing little (self-care)", fair,
                               "Self-care is one of the options." if fair
                               else "Add self-care so the patient sees the option of doing little."))
    return Assessment(grade=grade, items=tuple(items))
