"""What a privacy purge takes from the handout log, and what it cannot: the notes and next steps kept
beside the stored document, file names, the database's rule for the purge, older records."""

from __future__ import annotations

import datetime as dt
import sqlite3
import zlib
from dataclasses import replace

import pytest

from clinic_app.printing.handout_html import render_handout_html
from clinic_app.services import consultations, handout_log
from clinic_app.services.handouts import PATIENT_SLOT, HandoutRequest, compose_handout
from clinic_app.storage.store import Store

TOMORROW = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
HEADINGS = ("Notes from your visit", "Your next steps")


def document(reader, **fields):
    request = HandoutRequest(therapies=("nsaids",), **fields)
    handout = compose_handout(reader, request)
    return handout, render_handout_html(handout)


def log(store, handout, doc, destination="/clinic/handouts/handout-nsaids.pdf", kind="pdf"):
    return handout_log.record(store, handout, doc, kind=kind, destination=destination)


def sql(location, statement, params=()):
    with sqlite3.connect(location.sqlite_path) as conn:
        return conn.execute(statement, params).fetchall()


def test_notes_and_next_steps_are_filled_in_for_paper_and_not_part_of_the_stored_document(reader):
    _, doc = document(reader, patient_name="Ana", notes="Okapi <b>first</b>\n\n  Second line",
                      next_steps="Quokka walk")
    html = doc.filled_html()
    assert all(heading in html for heading in HEADINGS)
    assert "Okapi &lt;b&gt;first&lt;/b&gt;</p>" in html and "Second line</p>" in html and "Quokka walk</p>" in html
    assert "<!--" not in html and "\u27ea" not in html
    assert not any(text in doc.html for text in ("Okapi", "Second line", "Quokka"))
    # The SHA-256 covers the document without them: other notes, the same stored document.
    _, other = document(reader, patient_name="Ben", notes="Different words", next_steps="Other steps")
    assert other.sha256 == doc.sha256 and other.source_bytes() == doc.source_bytes()


@pytest.mark.parametrize(("notes", "next_steps"), [("", ""), ("   \n ", " "), ("Walk daily", "")])
def test_a_part_without_text_prints_no_heading(reader, notes, next_steps):
    _, doc = document(reader, notes="Walk daily", next_steps="Swim twice a week")
    purged = replace(doc, notes=notes, next_steps=next_steps).filled_html()  # as a purge leaves it
    assert ("Notes from your visit" in purged) == bool(notes.strip())
    assert "Your next steps" not in purged and "Swim" not in purged
    assert "<!--" not in purged and "\u27ea" not in purged and "purge" not in purged
    _, blank = document(reader, notes="   ", next_steps="\n")  # nothing typed but spaces: no part at all
    assert not any(heading in blank.filled_html() for heading in HEADINGS) and "<!--" not in blank.html


def test_text_filled_in_is_never_read_again_as_a_slot(reader):
    _, doc = document(reader, patient_name="Ana", notes="Walk")
    tricky = replace(doc, notes=f"Typed {PATIENT_SLOT} here", next_steps="\u27eatext\u27eb")
    html = tricky.filled_html()
    assert html.count("Ana") == 1 and f"Typed {PATIENT_SLOT} here" in html
    _, typed = document(reader, notes="a \u27eanotes\u27eb b <!--\u27eanotes\u27eb", next_steps="c \u27eaeach line\u27eb d")
    assert "a  b &lt;!--" in typed.filled_html() and "c  d" in typed.filled_html()


@pytest.mark.parametrize(("kind", "destination", "one_page", "kept"), [
    ("pdf", "/clinic/out/handout-nsaids.pdf", False, True),
    ("pdf", "/clinic/out/one-page-nsaids.pdf", True, True),
    ("pdf", "/clinic/out/consultation-12-handout-34.pdf", False, True),
    ("pdf", "/clinic/out/handout-j-smith.pdf", False, False),
    ("pdf", "/clinic/out/one-page-nsaids.pdf", False, False),  # not the name the app gives this handout
    ("pdf", "/clinic/out/j-smith.pdf", False, False),
    ("pdf", "j-smith.pdf", False, False),
    ("printer", "Front desk (J. Smith's room)", False, True),
])
def test_a_purge_keeps_only_file_names_the_app_chose(kind, destination, one_page, kept):
    after = handout_log.purged_destination(kind, destination, ("nsaids",), one_page)
    if kept:
        assert after == destination
    else:
        folder = destination.rpartition("/")[0]
        assert after == (f"{folder}/" if folder else "") + handout_log.FILE_NAME_REMOVED
        assert handout_log.purged_destination(kind, after, ("nsaids",), one_page) == after  # once is enough
    assert handout_log.default_file_name("handout-nsaids-self-care-yoga.pdf", ("nsaids", "self-care", "yoga", "tens"),
                                         False)


def test_the_database_allows_the_purge_and_refuses_every_other_change(prepared_location, reader):
    store = Store.of(prepared_location)
    handout, doc = document(reader, notes="Okapi", next_steps="Quokka")
    first = log(store, handout, doc, destination="/clinic/out/j-smith.pdf")
    printer = log(store, handout, doc, destination="Front desk", kind="printer")
    refused = [
        ("personal_notes = 'other'", first), ("personal_next_steps = ''", first), ("patient_name = 'Ann'", first),
        ("destination = '/elsewhere/x.pdf'", first),
        ("destination = '/clinic/out/j-smith.pdf/(file name removed by a purge)'", first),  # adds text
        ("destination = '/other/(file name removed by a purge)'", first),
        ("destination = '/clinic/out/(file name removed by a purge)'", printer),  # a printer's name stays
        ("snapshot = x'00'", first), ("sha256 = 'x'", first), ("options = '{}'", first), ("kind = 'printer'", first),
    ]
    for change, print_id in refused:
        with pytest.raises(sqlite3.DatabaseError, match="cannot be changed"):
            sql(prepared_location, f"UPDATE handout_print SET {change} WHERE id = ?", (print_id,))
    with pytest.raises(sqlite3.DatabaseError, match="cannot be deleted"):
        sql(prepared_location, "DELETE FROM handout_print WHERE id = ?", (first,))
    sql(prepared_location, "UPDATE handout_print SET personal_notes = NULL, personal_next_steps = NULL, "
                           "destination = '/clinic/out/(file name removed by a purge)' WHERE id = ?", (first,))
    assert handout_log.load_snapshot(reader, first).sha256 == doc.sha256
    with pytest.raises(sqlite3.DatabaseError, match="cannot be changed"):  # and once blank, they stay blank
        sql(prepared_location, "UPDATE handout_print SET personal_notes = 'back' WHERE id = ?", (first,))


def test_a_purge_counts_older_handouts_that_keep_their_notes_and_does_not_rewrite_them(prepared_location, reader):
    """A handout recorded before notes were kept apart has them inside its stored document: the purge
    says so and leaves that document as it is (it still verifies, and still holds the text)."""
    store = Store.of(prepared_location)
    handout, doc = document(reader, notes="Okapi-lantern-note", next_steps="Quokka-harbour-step")
    old = replace(doc, html=replace(doc, patient_name="").filled_html(), notes="", next_steps="")  # text inside
    assert "Okapi-lantern-note" in old.html and "<!--" not in old.html
    old_id = log(store, handout, old)
    new_id = log(store, handout, doc)
    # an older template's notes, known only from the log's note that there were some
    other = replace(old, html=old.html.replace("Notes from your visit", "Your notes").replace(
        '<a name="keep-next-notes">', "").replace("<b>Your next steps</b>", "<b>Next</b>"))
    other_id = log(store, handout, other)
    bare, plain = document(reader)
    log(store, bare, plain)  # no notes at all
    one_page = handout_log.record(store, replace(handout, request=replace(handout.request, one_page=True)), plain,
                                  kind="pdf", destination="/clinic/out/one-page-nsaids.pdf")  # notes typed, not printed
    assert handout_log.get_print(reader, one_page).options["has_notes"]
    stored = sql(prepared_location, "SELECT id, snapshot, sha256 FROM handout_print ORDER BY id")

    found = consultations.purgeable(reader, TOMORROW)
    assert (found.kept_in_documents, found.handout_notes) == (2, 1)
    assert sorted(handout_log.with_personal_text(reader, f"{TOMORROW} 00:00:00", batch=2)) == [old_id, other_id]
    done = consultations.purge(store, TOMORROW)
    assert done == found
    assert sql(prepared_location, "SELECT id, snapshot, sha256 FROM handout_print ORDER BY id") == stored
    kept = handout_log.load_snapshot(reader, old_id)
    assert kept.sha256 == old.sha256 and "Okapi-lantern-note" in kept.filled_html()  # honest: it is still there
    purged = handout_log.load_snapshot(reader, new_id)
    assert purged.sha256 == doc.sha256 and "Okapi" not in purged.filled_html()
    assert "Okapi-lantern-note" in zlib.decompress(stored[0][1]).decode()
    assert consultations.purge(store, TOMORROW).kept_in_documents == 2  # counted again: the text stays
