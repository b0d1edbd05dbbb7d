"""A therapy's aliases (search words) and reference list are edited as its text is: one revision,
the same checks (a cited key stays listed, an unknown key is refused by name), a history diff and a
revert; search finds the therapy by a new alias at once."""

from __future__ import annotations

import pytest
from sqlalchemy import text as sql_text
from store_files import db_digest

from clinic_app.services import library, search, therapy_edits
from clinic_app.services.therapy_edits import TherapyEditError

SLUG = "yoga"
NEW_ALIAS = "hatha"  # a style of yoga people type; no claim about the therapy


def opened(store) -> None:
    """The store opened for writes once (which makes an empty write-ahead log), so the digests
    before and after compare what a refused edit writes, not the opening."""
    with store.write() as session:
        session.execute(sql_text("SELECT 1"))


def slugs_found(store, query):
    return [hit.slug for hit in search.search(store, query)]


def test_a_new_alias_is_stored_as_a_revision_and_search_finds_it(store):
    assert SLUG not in slugs_found(store, NEW_ALIAS)
    aliases = therapy_edits.editable_fields(store, SLUG)["aliases"]
    result = therapy_edits.edit_therapy(store, SLUG, {"aliases": f"{aliases}\n  {NEW_ALIAS}  \n\n"},
                                        by="Dr Lee", why="what our patients type")
    assert result.changed == ("aliases",)
    assert library.get_therapy(store, SLUG).aliases[-1] == NEW_ALIAS
    assert slugs_found(store, NEW_ALIAS)[0] == SLUG
    latest = therapy_edits.history(store, SLUG)[0]
    assert [change.path for change in latest.changes] == ["aliases"]
    assert "{+hatha+}" in latest.changes[0].diff

    therapy_edits.revert(store, SLUG, latest.revision - 1, by="Dr Lee", why="not needed")
    assert NEW_ALIAS not in library.get_therapy(store, SLUG).aliases
    assert SLUG not in slugs_found(store, NEW_ALIAS)


def test_an_alias_that_names_another_therapy_is_refused_by_name(store, prepared_location):
    opened(store)
    before = db_digest(prepared_location)
    aliases = therapy_edits.editable_fields(store, SLUG)["aliases"]
    with pytest.raises(TherapyEditError) as refused:
        therapy_edits.edit_therapy(store, SLUG, {"aliases": f"{aliases}\nibuprofen"}, by="Dr Lee", why="x")
    assert any("'ibuprofen': already names therapy nsaids" in problem for problem in refused.value.problems)
    assert db_digest(prepared_location) == before


def test_the_reference_list_can_be_reordered_and_reverted(store):
    keys = therapy_edits.editable_fields(store, SLUG)["references"].splitlines()
    claims = {ref.key: ref.claim for ref in library.get_therapy(store, SLUG).references}
    result = therapy_edits.edit_therapy(store, SLUG, {"references": "\n".join(reversed(keys))},
                                        by="Dr Lee", why="guidelines first")
    assert result.changed == ("references",)
    stored = library.get_therapy(store, SLUG).references
    assert [ref.key for ref in stored] == list(reversed(keys))
    assert {ref.key: ref.claim for ref in stored} == claims  # each keeps the claim it supports
    therapy_edits.revert(store, SLUG, result.revision - 1, by="Dr Lee", why="shipped order")
    assert [ref.key for ref in library.get_therapy(store, SLUG).references] == keys


@pytest.mark.parametrize(("change", "named"), [
    (lambda keys: [k for k in keys if k != "K16"], "cites [K16] but it is not in this therapy's references"),
    (lambda keys: [*keys, "Q9"], "unknown reference key 'Q9'"),
    (lambda keys: [*keys, "E1"], "E1 is listed but no clinician text or comparison cell cites it"),
    (lambda keys: [*keys, "K15"], "K15 is listed twice"),
])
def test_a_reference_list_that_breaks_a_rule_is_refused_and_nothing_changes(store, prepared_location, change, named):
    keys = therapy_edits.editable_fields(store, SLUG)["references"].splitlines()
    opened(store)
    before = db_digest(prepared_location)
    with pytest.raises(TherapyEditError) as refused:
        therapy_edits.edit_therapy(store, SLUG, {"references": "\n".join(change(keys))}, by="Dr Lee", why="x")
    assert any(named in problem for problem in refused.value.problems), refused.value.problems
    assert db_digest(prepared_location) == before
