"""A source a reader can look up online is a link in the PDF: the whole printed line, so the
identifier it shows (PMID, DOI, PMCID) is part of it and the paper still carries it. The link keeps
the text's own colour, without underline: the printed page looks as it would without it.

Links are made from checked identifiers only, never from content or the clinic's own text.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from markupsafe import Markup

from clinic_app.services.library import ReferenceItem

LINK_STYLE = "color: #1a1a1a; text-decoration: none;"
_PMID = re.compile(r"\d{1,9}")
_PMCID = re.compile(r"PMC\d{1,9}")


def source_url(ref: ReferenceItem) -> str:
    """Where the identifier the handout prints for ``ref`` leads (PubMed for a PMID, doi.org for a
    DOI, PubMed Central for a PMCID), or "" when it prints none of those (a report number, an ISBN)."""
    if ref.pmid:  # printed as "PMID ...": a link only when it is one
        pmid = ref.pmid.strip()
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if _PMID.fullmatch(pmid) else ""
    if ref.doi:
        doi = ref.doi.strip()
        return f"https://doi.org/{quote(doi, safe='/:;()._-')}" if doi.startswith("10.") else ""
    if ref.pmcid and _PMCID.fullmatch(ref.pmcid.strip()):
        return f"https://pmc.ncbi.nlm.nih.gov/articles/{ref.pmcid.strip()}/"
    return ""


def linked(line: str, ref: ReferenceItem) -> Markup:
    """``line`` (the printed words for ``ref``) as a link to where its identifier leads, or as
    escaped text when it has none."""
    url = source_url(ref)
    if not url:
        return Markup.escape(line)
    return Markup('<a href="{}" style="{}">{}</a>').format(url, LINK_STYLE, line)
