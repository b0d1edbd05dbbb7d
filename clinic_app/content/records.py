"""What a checked reference record lacks: one rule for the clinician view and ``content report``.

Plain Python (no pydantic): the therapy page needs it on the GUI thread, and the content schema
costs about 200 ms to import.
"""

from __future__ import annotations


def not_recorded(ref) -> list[str]:  # noqa: ANN001 - a ReferenceFile, or the library's ReferenceItem
    """What a checked reference record lacks, for the clinic's content team (never printed for patients)."""
    missing = [label for label, value in (("authors", ref.authors), ("journal", ref.journal), ("year", ref.year))
               if not value]
    if not (ref.pmid or ref.doi or ref.pmcid):
        missing.append("PMID/DOI")
    if ref.title_is_label:
        missing.append("original title (the title shown is a description)")
    return missing
