"""A handout's PDF says what it is: its language (for screen readers), a title the patient reads
(with the date, without the name), and its sources as links a reader can click, the identifier
still printed for paper."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from pypdf import PdfReader

from clinic_app.printing import handout_jobs, paged
from clinic_app.services.handouts import HandoutRequest, compose_handout

PRP = HandoutRequest(therapies=("platelet-rich-plasma",), patient_name="Jane Smith", date=dt.date(2026, 11, 20))


def links(reader: PdfReader) -> list[tuple[int, str]]:
    """(page index, URI) of every link annotation."""
    found = []
    for index, page in enumerate(reader.pages):
        annots = page.get("/Annots")
        for annot in annots.get_object() if annots else []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link" and "/A" in annot and "/URI" in annot["/A"]:
                found.append((index, str(annot["/A"]["/URI"])))
    return found


def expected_links(reader, request) -> dict[str, str]:
    """For each source that prints a PMID, a DOI or a PMCID: its address, and the identifier as printed."""
    wanted = {}
    for ref in compose_handout(reader, request).references:
        if ref.pmid:
            wanted[f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"] = f"PMID {ref.pmid}"
        elif ref.doi:
            wanted[f"https://doi.org/{ref.doi}"] = f"doi:{ref.doi}"
        elif ref.pmcid:
            wanted[f"https://pmc.ncbi.nlm.nih.gov/articles/{ref.pmcid}/"] = ref.pmcid
    return wanted


@pytest.fixture
def prp_pdf(store, tmp_path):
    out = tmp_path / "h.pdf"
    result = handout_jobs.produce(store, PRP, output=out)
    return result, PdfReader(str(out), strict=True)


def test_the_pdf_declares_its_language_and_the_log_still_hashes_the_stored_source(store, prp_pdf):
    result, reader = prp_pdf
    assert reader.trailer["/Root"]["/Lang"] in ("en", "en-US")
    # The language goes into the PDF only: the logged hash is still that of the stored document.
    snapshot = store.query("SELECT snapshot, sha256 FROM handout_print WHERE id = ?", (result.record_id,))[0]
    import zlib

    assert hashlib.sha256(zlib.decompress(snapshot["snapshot"])).hexdigest() == snapshot["sha256"] == result.sha256


def test_the_pdf_title_is_the_handout_title_and_date_never_the_patient(prp_pdf):
    _, reader = prp_pdf
    title = reader.metadata.title
    assert title.startswith("About Platelet-rich plasma") and "20 November 2026" in title
    assert "Jane" not in title and "Smith" not in title
    assert reader.metadata.creator.startswith("Clinic Reference ")


def test_pubmed_and_doi_sources_are_links_to_the_works_the_handout_cites(store, prp_pdf):
    _, reader = prp_pdf
    found = links(reader)
    wanted = expected_links(store, PRP)
    uris = {uri for _, uri in found}
    assert any(uri.startswith("https://pubmed.ncbi.nlm.nih.gov/") for uri in uris)
    assert any(uri.startswith("https://doi.org/") for uri in uris)
    assert uris == set(wanted)  # each printed PMID, DOI or PMCID is a link; nothing else
    # The identifier is printed too (paper has no links), on the page that holds its link.
    pages = [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]
    for index, uri in found:
        assert re.sub(r"\s+", "", wanted[uri]) in pages[index], uri


def test_links_keep_to_the_page_body_where_the_sources_break_across_pages(store, tmp_path):
    """The sources of a long handout run over a page break: each page links only what it shows,
    inside its body, never under the running header or footer."""
    request = HandoutRequest(therapies=("bone-marrow-concentrate", "platelet-rich-plasma", "prolotherapy", "nsaids"))
    out = tmp_path / "long.pdf"
    handout_jobs.produce(store, request, output=out)
    reader = PdfReader(str(out), strict=True)
    found = links(reader)
    assert len({index for index, _ in found}) >= 2, "the sources should run over a page break"
    assert {uri for _, uri in found} == set(expected_links(store, request))
    margin = paged.MARGIN_MM / 25.4 * 72
    for page in reader.pages:
        height = float(page.mediabox.height)
        annots = page.get("/Annots")
        for annot in annots.get_object() if annots else []:
            _, bottom, _, top = (float(v) for v in annot.get_object()["/Rect"])
            assert margin - 1 <= bottom < top <= height - margin + 1


def test_a_pdf_chosen_in_the_print_dialog_has_the_language_and_title_too(store, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    paged.ensure_gui_application()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "dialog.pdf"))
    handout_jobs.print_on(store, PRP, printer)
    reader = PdfReader(str(tmp_path / "dialog.pdf"), strict=True)
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "20 November 2026" in reader.metadata.title and links(reader)


def test_a_comparison_pdf_declares_its_language(prepared_location, tmp_path):
    from clinic_app.cli import main

    out = tmp_path / "c.pdf"
    assert main(["--data-dir", str(prepared_location.data_dir), "compare", "nsaids", "yoga", "-o", str(out)]) == 0
    assert PdfReader(str(out), strict=True).trailer["/Root"]["/Lang"] == "en"


def test_the_language_is_added_once_and_a_pdf_laid_out_otherwise_is_left_as_it_is(store, tmp_path):
    out = tmp_path / "h.pdf"
    handout_jobs.produce(store, HandoutRequest(therapies=("nsaids",)), output=out)
    data = out.read_bytes()
    assert data.count(b"/Lang") == 1
    paged.set_pdf_language(out, "en")  # set already: nothing is added
    assert out.read_bytes() == data
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.7\n% an xref stream, which Qt never writes\nstartxref\n9\n%%EOF\n")
    paged.set_pdf_language(other, "en")
    assert other.read_bytes().endswith(b"%%EOF\n") and b"/Lang" not in other.read_bytes()
    with pytest.raises(ValueError, match="not a language tag"):
        paged.set_pdf_language(out, "en) /Evil (x")


def test_a_comparison_pdf_links_its_sources(prepared_location, tmp_path):
    from clinic_app.cli import main

    out = tmp_path / "c.pdf"
    assert main(["--data-dir", str(prepared_location.data_dir), "compare", "nsaids", "yoga", "-o", str(out)]) == 0
    reader = PdfReader(str(out))
    uris = [annotation.get_object()["/A"]["/URI"] for page in reader.pages
            for annotation in (page.get("/Annots") or []) if "/A" in annotation.get_object()]
    assert uris and all(uri.startswith(("https://pubmed.ncbi.nlm.nih.gov/", "https://doi.org/",
                                        "https://pmc.ncbi.nlm.nih.gov/")) for uri in uris)
    text = " ".join(page.extract_text() for page in reader.pages)
    pmids = [uri.rstrip("/").rsplit("/", 1)[1] for uri in uris if "pubmed" in uri]
    assert pmids and all(pmid in text for pmid in pmids)  # the identifier is printed, not only linked
