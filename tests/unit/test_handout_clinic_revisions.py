"""A handout logs which revision of the clinic's own fields it printed, and a reprint is the
document as it was handed out, whatever was edited since."""

from __future__ import annotations

from pypdf import PdfReader

from clinic_app.printing import handout_jobs
from clinic_app.services import clinic_fields, handout_log
from clinic_app.services.handouts import HandoutRequest

OLD_COST = "A class costs $15. Most plans do not pay for it."
NEW_COST = "A class costs $20. Some plans pay half."


def words(path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_each_handout_logs_the_revision_it_printed_and_reprints_exactly(store, tmp_path):
    request = HandoutRequest(therapies=("yoga",))
    plain = handout_jobs.produce(store, request, output=tmp_path / "plain.pdf")
    assert "clinic_field_revisions" not in handout_log.get_print(store, plain.record_id).options  # none set yet

    first_revision = clinic_fields.set_field(store, "yoga", "cost", OLD_COST, by="Dr Lee", why="class fees")
    first = handout_jobs.produce(store, request, output=tmp_path / "first.pdf")
    assert handout_log.get_print(store, first.record_id).options["clinic_field_revisions"] == {
        "yoga": first_revision.id}

    second_revision = clinic_fields.set_field(store, "yoga", "cost", NEW_COST, by="Dr Lee", why="new fees")
    second = handout_jobs.produce(store, request, output=tmp_path / "second.pdf")
    assert handout_log.get_print(store, second.record_id).options["clinic_field_revisions"] == {
        "yoga": second_revision.id}
    assert "$20" in words(tmp_path / "second.pdf") and "$15" not in words(tmp_path / "second.pdf")

    again = handout_jobs.reprint(store, first.record_id, output=tmp_path / "again.pdf")
    assert again.sha256 == first.sha256  # the stored document of record, not today's text
    text = words(tmp_path / "again.pdf")
    assert "$15" in text and "$20" not in text
    assert handout_log.get_print(store, again.record_id).options["clinic_field_revisions"] == {
        "yoga": first_revision.id}
