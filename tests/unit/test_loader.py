"""Loading content: idempotent, newer shipped versions applied, clinic edits never overwritten."""

from __future__ import annotations

import sqlite3

import pytest
import yaml
from sqlalchemy import select

from clinic_app.content.check import load_content
from clinic_app.content.loader import load_into
from clinic_app.errors import ContentError
from clinic_app.services import store_setup
from clinic_app.storage.database import Database
from clinic_app.storage.models import ContentRevision, Therapy

SLUG = "platelet-rich-plasma"


def dump(path):
    with sqlite3.connect(path) as conn:
        out = {}
        for table in ("therapy", "reference", "therapy_reference", "attribute", "attribute_value", "condition",
                      "therapy_condition", "content_revision", "app_meta"):
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            out[table] = [tuple(v for v in row if not (isinstance(v, str) and v[:4].isdigit() and ":" in v))
                          for row in rows]
        out["search"] = conn.execute("SELECT slug, name FROM search_index ORDER BY slug").fetchall()
        return out


def bump(directory, change):
    path = directory / "therapies" / f"{SLUG}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    bundle, problems = load_content(directory)
    assert [str(p) for p in problems] == []
    return bundle


def test_two_starts_give_the_same_database(location):
    first = store_setup.prepare(location)
    snapshot = dump(location.sqlite_path)
    second = store_setup.prepare(location)
    assert dump(location.sqlite_path) == snapshot
    shipped = len(load_content()[0].therapies)
    assert len(first.added) == shipped >= 28 and second.added == () and second.updated == ()


def test_ready_after_prepare_and_not_before(location):
    assert not store_setup.is_ready(location)
    store_setup.prepare(location)
    assert store_setup.is_ready(location)


def test_newer_shipped_version_is_applied_and_kept_as_revision(prepared_location, content_copy):
    def change(d):
        d["content_version"] = d["content_version"] + 1
        d["clinician"]["recovery"] = d["clinician"]["recovery"] + " Reviewed again for this release."
    bundle = bump(content_copy, change)
    db = Database.open(prepared_location)
    report = load_into(db, bundle)
    assert report.updated == [SLUG]
    with db.session() as s:
        therapy = s.scalar(select(Therapy).where(Therapy.slug == SLUG))
        assert therapy.recovery.endswith("Reviewed again for this release.")
        assert [r.revision for r in therapy.revisions] == [1, 2]
    db.close()


def test_clinic_edit_is_never_overwritten_and_the_clash_is_recorded(prepared_location, content_copy):
    db = Database.open(prepared_location)
    with db.session() as s:
        therapy = s.scalar(select(Therapy).where(Therapy.slug == SLUG))
        therapy.recovery = "Our clinic's own recovery advice, written by our lead clinician."
        therapy.origin = "clinic"
        version = therapy.content_version
    bundle = bump(content_copy, lambda d: d.__setitem__("content_version", version + 1))
    report = load_into(db, bundle)
    assert report.kept_clinic_edits == [SLUG] and report.updated == []
    with db.session() as s:
        therapy = s.scalar(select(Therapy).where(Therapy.slug == SLUG))
        assert therapy.recovery == "Our clinic's own recovery advice, written by our lead clinician."
        assert therapy.pending_shipped_version == version + 1
    db.close()


def test_invalid_content_writes_nothing(prepared_location, content_copy):
    before = dump(prepared_location.sqlite_path)
    path = content_copy / "therapies" / f"{SLUG}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: investigational", "status: cured"))
    db = Database.open(prepared_location)
    bundle, problems = load_content(content_copy)
    assert problems
    with pytest.raises(ContentError):
        from clinic_app.content import loader

        original = loader.load_content
        loader.load_content = lambda: (bundle, problems)
        try:
            load_into(db)
        finally:
            loader.load_content = original
    db.close()
    assert dump(prepared_location.sqlite_path) == before


def test_every_load_is_a_revision_with_a_snapshot(prepared_location):
    db = Database.open(prepared_location)
    with db.session() as s:
        revisions = s.scalars(select(ContentRevision)).all()
        assert len(revisions) == len(load_content()[0].therapies)
        assert all(r.snapshot["slug"] and len(r.content_hash) == 64 for r in revisions)
    db.close()


def test_preparing_the_store_takes_the_daily_backup(location):
    from clinic_app.storage import backup

    store_setup.prepare(location)
    store_setup.prepare(location)
    automatic = [b for b in backup.list_backups(location) if b.reason == "auto"]
    assert len(automatic) == 1
