"""The comparison matrix: column and row order, cues, differing rows, row choice, errors."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from clinic_app.errors import NotFoundError
from clinic_app.services import comparison
from clinic_app.services.comparison import ComparisonCell, ComparisonColumn, ComparisonMatrix, ComparisonRow, compare

THREE = ["platelet-rich-plasma", "nsaids", "self-care"]


def library_row_order(reader):
    return [r["key"] for r in reader.query("SELECT key FROM attribute ORDER BY position")]


def test_columns_follow_the_order_given_and_rows_the_library(reader):
    matrix = compare(reader, THREE)
    assert matrix.slugs == tuple(THREE)
    assert list(matrix.row_keys) == library_row_order(reader)
    assert all(len(row.cells) == 3 for row in matrix.rows)
    reversed_matrix = compare(reader, list(reversed(THREE)))
    assert reversed_matrix.slugs == tuple(reversed(THREE))
    first, last = matrix.row("what_is_it"), reversed_matrix.row("what_is_it")
    assert first.cells[0] == last.cells[2]


def test_columns_carry_status_grade_and_the_stored_cells(reader):
    matrix = compare(reader, THREE)
    stored = {r["slug"]: (r["status"], r["evidence_grade"]) for r in reader.query("SELECT * FROM therapy")}
    for column in matrix.columns:
        assert (column.status, column.grade) == stored[column.slug]
        assert column.status_label and column.grade_label
    text = reader.query("SELECT v.text FROM attribute_value v JOIN therapy t ON t.id = v.therapy_id "
                        "JOIN attribute a ON a.id = v.attribute_id WHERE t.slug = 'nsaids' AND a.key = 'main_risks'")[0][0]
    assert matrix.row("main_risks").cells[1].text == text


def test_scale_grade_and_status_rows_have_their_cue(reader):
    matrix = compare(reader, THREE)
    kinds = {row.key: row.kind for row in matrix.rows}
    for row in matrix.rows:
        for column, cell in zip(matrix.columns, row.cells):
            if row.kind == "grade":
                assert cell.badge == column.grade
            elif row.kind == "status":
                assert cell.badge == column.status
            else:
                assert cell.badge is None
    scale_rows = [k for k, kind in kinds.items() if kind == "scale"]
    assert scale_rows, "the library defines at least one 1-5 scale row"
    for key in scale_rows:
        assert all(c.scale is not None and 1 <= c.scale <= 5 for c in matrix.row(key).cells)


def test_references_per_column_are_the_ones_its_shown_cells_cite(reader):
    matrix = compare(reader, THREE)
    for index in range(3):
        cited = {k for row in matrix.rows for k in row.cells[index].reference_keys}
        assert {r.key for r in matrix.cited_references(index)} == cited
    every = [r.key for r in matrix.all_cited_references()]
    assert sorted(set(every)) == sorted(every) and set(every) == {
        k for row in matrix.rows for cell in row.cells for k in cell.reference_keys}
    only = matrix.select_rows(["what_is_it"])
    for index in range(3):
        assert {r.key for r in only.cited_references(index)} == set(only.rows[0].cells[index].reference_keys)


def make_matrix(*cell_rows):
    columns = tuple(
        ComparisonColumn(slug=f"t{i}", name=f"T{i}", patient_name=f"T{i}", category="conventional",
                         status="established", grade="low", content_version=1, last_reviewed=dt.date(2026, 1, 1),
                         references=())
        for i in range(len(cell_rows[0]))
    )
    rows = tuple(ComparisonRow(key=f"r{n}", patient_question=f"Q{n}?", clinician_label=f"L{n}", kind="text",
                               cells=tuple(cells)) for n, cells in enumerate(cell_rows))
    return ComparisonMatrix(columns=columns, rows=rows)


def test_rows_differ_on_wording_scale_or_badge_but_not_on_spacing_case_or_full_stop():
    same = [ComparisonCell("No time off work."), ComparisonCell("no  time off\nwork")]
    wording = [ComparisonCell("One visit."), ComparisonCell("Two visits.")]
    scale = [ComparisonCell("Needle.", scale=2), ComparisonCell("Needle.", scale=3)]
    badge = [ComparisonCell("Low.", badge="low"), ComparisonCell("Low.", badge="moderate")]
    matrix = make_matrix(same, wording, scale, badge)
    assert [row.differs for row in matrix.rows] == [False, True, True, True]
    assert matrix.hide_same().row_keys == ("r1", "r2", "r3")


def test_hide_same_on_the_store_drops_rows_where_every_option_agrees(reader, prepared_location):
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("UPDATE attribute_value SET text = 'The same words.', reference_keys = '[]' "
                     "WHERE attribute_id = (SELECT id FROM attribute WHERE key = 'visits')")
    matrix = compare(reader, ["nsaids", "self-care"])
    assert matrix.row("visits").differs is False
    assert matrix.row("what_is_it").differs is True
    hidden = matrix.hide_same()
    assert "visits" not in hidden.row_keys
    assert set(hidden.row_keys) == {r.key for r in matrix.rows if r.differs}


def test_row_choice_keeps_library_order(reader):
    matrix = compare(reader, THREE, rows=["main_risks", "what_is_it", "invasiveness"])
    order = library_row_order(reader)
    assert list(matrix.row_keys) == sorted(["main_risks", "what_is_it", "invasiveness"], key=order.index)
    narrowed = compare(reader, THREE).select_rows(["invasiveness", "what_is_it"])
    assert narrowed.row_keys == tuple(sorted(["invasiveness", "what_is_it"], key=order.index))
    assert compare(reader, THREE).select_rows([]).rows == ()


def test_reorder_moves_cells_with_their_columns(reader):
    matrix = compare(reader, THREE)
    moved = matrix.reorder(["self-care", "platelet-rich-plasma", "nsaids"])
    assert moved.slugs == ("self-care", "platelet-rich-plasma", "nsaids")
    for before, after in zip(matrix.rows, moved.rows):
        assert after.cells == (before.cells[2], before.cells[0], before.cells[1])
    with pytest.raises(NotFoundError):
        matrix.reorder(["self-care", "nsaids"])


@pytest.mark.parametrize(("slugs", "words"), [
    (["nsaids", "no-such-therapy"], ["'no-such-therapy'", "known therapies", "self-care"]),
    (["nsaids"], ["2 to 6", "1 was given", "known therapies"]),
    (["a", "b", "c", "d", "e", "f", "g"], ["2 to 6", "7 were given"]),
    (["nsaids", "nsaids"], ["'nsaids'", "more than once"]),
])
def test_bad_therapies_are_named(reader, slugs, words):
    with pytest.raises(NotFoundError) as error:
        compare(reader, slugs)
    for word in words:
        assert word in error.value.message


def test_bad_rows_are_named_with_the_valid_ones(reader):
    with pytest.raises(NotFoundError) as error:
        compare(reader, THREE, rows=["what_is_it", "price"])
    assert "'price'" in error.value.message and "valid rows" in error.value.message
    assert all(key in error.value.message for key in library_row_order(reader))
    with pytest.raises(NotFoundError, match="at least one"):
        compare(reader, THREE, rows=[])
    with pytest.raises(NotFoundError, match="'price'"):
        compare(reader, THREE).select_rows(["price"])


def test_six_options_and_file_stem(reader):
    slugs = [s for s in comparison.therapy_slugs(reader)][:6]
    matrix = compare(reader, slugs)
    assert len(matrix.columns) == len(slugs)
    assert comparison.file_stem(matrix).startswith("compare-") and " " not in comparison.file_stem(matrix)
