"""What paper needs, whatever is printed (a handout, a comparison, a one-page grid): the HTML, the
running header and footer, the type size, the paper and the logo. Plain data: the painter
(:mod:`.paged`) turns it into pages.

A handout's document of record (:class:`clinic_app.services.handouts.HandoutDocument`, stored and
hash-checked without the patient's name) becomes one of these when it is printed; a comparison
becomes one directly.
"""

from __future__ import annotations

from dataclasses import dataclass

MARGIN_MM = 25.0


@dataclass(frozen=True)
class Printable:
    html: str
    header: str
    footer: str
    body_pt: int = 12
    paper: str = "a4"
    landscape: bool = False
    logo: bytes | None = None
    margin_mm: float = MARGIN_MM  # on every side; the header and footer stay in their bands
    title: str = ""  # the PDF's title
    language: str = "en"  # the PDF's document language (its catalog's /Lang): the content is English
