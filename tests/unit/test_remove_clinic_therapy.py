"""Removing a therapy the clinic added withdraws it: gone from lists, search, comparisons and new
handouts, while a handout printed with it reprints exactly and the therapy comes back whole (its
revisions too) with `therapy restore`. A shipped therapy cannot be removed."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text as sql_text
from store_files import db_digest

from clinic_app.errors import ClinicAppError, NotFoundError
from clinic_app.printing import handout_jobs
from clinic_app.services import clinic_therapies, comparison, handout_log, library, search, therapy_edits
from clinic_app.services.clinic_therapies import ClinicTherapyError
from clinic_app.services.handouts import HandoutRequest

_spec = importlib.util.spec_from_file_location("clinic_therapy_fixture", Path(__file__).parent / "test_clinic_therapies.py")
fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture)
SLUG = fixture.SLUG


def added(store, tmp_path):
    return fixture.add(store, fixture.write_file(tmp_path, fixture.clinic_document()))


def opened(store) -> None:
    with store.write() as session:
        session.execute(sql_text("SELECT 1"))


def search_slugs(store, query):
    return [hit.slug for hit in search.search(store, query)]


def test_a_removed_therapy_is_hidden_everywhere_and_printed_handouts_reprint_exactly(store, tmp_path):
    result = added(store, tmp_path)
    name = result.name
    printed = handout_jobs.produce(store, HandoutRequest(therapies=(SLUG,)), output=tmp_path / "before.pdf")
    assert SLUG in search_slugs(store, name)
    revisions = len(therapy_edits.history(store, SLUG))

    removed = clinic_therapies.remove_therapy(store, SLUG, by="Dr Lee", why="the class has stopped")
    assert (removed.slug, removed.removed_by, removed.reason, removed.revisions) == (
        SLUG, "Dr Lee", "the class has stopped", revisions)
    assert SLUG not in {t.slug for t in library.list_therapies(store)}
    assert SLUG not in search_slugs(store, name)
    assert SLUG not in [t.slug for t in clinic_therapies.list_clinic_therapies(store)]
    with pytest.raises(NotFoundError, match=f"unknown therapy '{SLUG}'"):
        comparison.compare(store, [SLUG, "self-care"])
    with pytest.raises(NotFoundError, match=f"unknown therapy '{SLUG}'"):
        handout_jobs.produce(store, HandoutRequest(therapies=(SLUG,)), output=tmp_path / "after.pdf")
    assert [(item.slug, item.removed_by) for item in clinic_therapies.list_removed(store)] == [(SLUG, "Dr Lee")]

    again = handout_jobs.reprint(store, printed.record_id, output=tmp_path / "again.pdf")
    assert again.sha256 == printed.sha256
    assert tuple(handout_log.get_print(store, printed.record_id).therapies) == (SLUG,)


def test_restore_brings_it_back_with_every_revision(store, tmp_path):
    added(store, tmp_path)
    before = therapy_edits.history(store, SLUG)
    references = [ref.key for ref in library.get_therapy(store, SLUG).references]
    clinic_therapies.remove_therapy(store, SLUG, by="Dr Lee", why="the class has stopped")
    restored = clinic_therapies.restore_therapy(store, SLUG, by="Dr Shah", why="running again")
    assert restored.revision == before[0].revision + 1
    after = therapy_edits.history(store, SLUG)
    assert [(e.revision, e.created_at, e.author, e.reason) for e in after[1:]] == [
        (e.revision, e.created_at, e.author, e.reason) for e in before]
    assert after[0].author == "Dr Shah" and "restored after its removal on" in after[0].reason
    assert "the class has stopped" in after[0].reason and after[0].reason.endswith("running again")
    detail = library.get_therapy(store, SLUG)
    assert detail.origin == "clinic-added" and [ref.key for ref in detail.references] == references
    assert SLUG in search_slugs(store, detail.name)
    assert clinic_therapies.list_removed(store) == []
    with pytest.raises(NotFoundError, match=f"'{SLUG}' is not a therapy the clinic removed"):
        clinic_therapies.restore_therapy(store, SLUG, by="Dr Lee", why="again")


def test_a_shipped_therapy_cannot_be_removed_and_nothing_changes(store, prepared_location):
    opened(store)
    before = db_digest(prepared_location)
    with pytest.raises(ClinicAppError, match="yoga is a shipped therapy and cannot be removed"):
        clinic_therapies.remove_therapy(store, "yoga", by="Dr Lee", why="not offered")
    with pytest.raises(NotFoundError, match="unknown therapy 'no-such'"):
        clinic_therapies.remove_therapy(store, "no-such", by="Dr Lee", why="x")
    with pytest.raises(ClinicAppError, match="who is making it"):
        clinic_therapies.remove_therapy(store, "yoga", by=" ", why="x")
    assert db_digest(prepared_location) == before


def test_while_removed_its_slug_is_kept_for_it(store, tmp_path, prepared_location):
    added(store, tmp_path)
    clinic_therapies.remove_therapy(store, SLUG, by="Dr Lee", why="stopped")
    with pytest.raises(ClinicAppError, match="was removed already"):
        clinic_therapies.remove_therapy(store, SLUG, by="Dr Lee", why="again")
    with pytest.raises(ClinicTherapyError) as refused:
        added(store, tmp_path)
    assert any(f"'clinic-app therapy restore {SLUG}'" in str(problem) for problem in refused.value.problems)
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        assert conn.execute("SELECT count(*) FROM therapy WHERE slug = ?", (SLUG,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM withdrawn_therapy WHERE slug = ?", (SLUG,)).fetchone()[0] == 1
        # its own references stay in the library, for printed handouts and for its return
        assert conn.execute("SELECT count(*) FROM reference WHERE verification = 'CLINIC'").fetchone()[0] > 0
