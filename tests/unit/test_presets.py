"""Comparison presets: built-in sets, and the clinic's own saved in the database."""

from __future__ import annotations

import sqlite3

import pytest

from clinic_app.errors import NotFoundError
from clinic_app.services import presets
from clinic_app.services.library import therapy_slugs
from clinic_app.storage.store import Store


def saved_rows(location):
    with sqlite3.connect(location.sqlite_path) as conn:
        return conn.execute("SELECT name, therapy_slugs, row_keys FROM comparison_preset ORDER BY name").fetchall()


def test_built_in_presets_keep_self_care_and_leave_out_what_the_library_lacks(reader):
    items = {p.name: p for p in presets.list_presets(reader)}
    known = set(therapy_slugs(reader))
    for name, slugs in presets.BUILT_IN:
        item = items[name]
        assert item.built_in and item.row_keys == ()
        assert item.slugs == tuple(s for s in slugs if s in known)
        assert set(item.missing) == set(slugs) - known
    assert "self-care" in items["Regenerative vs conventional"].slugs
    assert "self-care" in items["Injection vs exercise vs surgery"].slugs
    assert items["Injection vs exercise vs surgery"].slugs == (
        "platelet-rich-plasma", "exercise-therapy", "lumbar-fusion", "self-care")


def test_save_list_replace_and_delete(prepared_location, reader):
    saved = presets.save_preset(reader, "  Knee   and back ", ["nsaids", "self-care"],
                                ["main_risks", "what_is_it"])
    assert saved.name == "Knee and back"
    assert saved_rows(prepared_location) == [("Knee and back", '["nsaids", "self-care"]', '["main_risks", "what_is_it"]')]
    listed = presets.get_preset(reader, "knee and back")
    assert not listed.built_in and listed.slugs == ("nsaids", "self-care") and listed.created_at is not None
    assert presets.list_presets(reader)[-1].name == "Knee and back"

    with pytest.raises(presets.PresetError, match="already exists"):
        presets.save_preset(reader, "KNEE AND BACK", ["nsaids", "prolotherapy"])
    presets.save_preset(reader, "Knee and back", ["prolotherapy", "nsaids"], replace=True)
    assert saved_rows(prepared_location) == [("Knee and back", '["prolotherapy", "nsaids"]', "[]")]

    presets.delete_preset(Store.of(prepared_location), "knee and back")
    assert saved_rows(prepared_location) == []
    with pytest.raises(presets.PresetError, match="no saved preset"):
        presets.delete_preset(Store.of(prepared_location), "Knee and back")


@pytest.mark.parametrize(("name", "slugs", "rows", "error", "words"), [
    ("", ["nsaids", "self-care"], [], presets.PresetError, "give the preset a name"),
    ("x" * 101, ["nsaids", "self-care"], [], presets.PresetError, "limit is 100"),
    ("regenerative injections", ["nsaids", "self-care"], [], presets.PresetError, "built-in"),
    ("Mine", ["nsaids", "unknown-thing"], [], NotFoundError, "'unknown-thing'"),
    ("Mine", ["nsaids"], [], NotFoundError, "2 to 6"),
    ("Mine", ["nsaids", "self-care"], ["price"], NotFoundError, "'price'"),
])
def test_refused_presets_write_nothing(prepared_location, reader, name, slugs, rows, error, words):
    with pytest.raises(error) as raised:
        presets.save_preset(reader, name, slugs, rows)
    assert words in raised.value.message
    assert saved_rows(prepared_location) == []


def test_built_in_presets_cannot_be_deleted(prepared_location):
    with pytest.raises(presets.PresetError, match="built-in"):
        presets.delete_preset(Store.of(prepared_location), "Regenerative injections")


def test_saved_preset_naming_a_removed_therapy_lists_it_as_missing(prepared_location, reader):
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("INSERT INTO comparison_preset (name, therapy_slugs, row_keys, created_at) VALUES "
                     "('Old', '[\"nsaids\", \"gone-therapy\", \"self-care\"]', '[\"cost\", \"gone_row\"]', "
                     "'2026-01-02 03:04:05')")
    item = presets.get_preset(reader, "Old")
    assert item.slugs == ("nsaids", "self-care") and item.row_keys == ("cost",)
    assert item.missing == ("gone-therapy", "gone_row") and item.usable
    with pytest.raises(presets.PresetError, match="no comparison preset named 'Nope'"):
        presets.get_preset(reader, "Nope")
