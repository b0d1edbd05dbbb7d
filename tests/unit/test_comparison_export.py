"""CSV, Markdown and JSON from the comparison matrix."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3

from clinic_app.services import comparison_export as export
from clinic_app.services.comparison import ComparisonCell, ComparisonColumn, ComparisonMatrix, ComparisonRow, compare

THREE = ["platelet-rich-plasma", "nsaids", "self-care"]


def test_csv_has_one_line_per_row_with_every_cell(reader):
    matrix = compare(reader, THREE)
    table = list(csv.reader(io.StringIO(export.to_csv(matrix))))
    assert table[0][3:] == [c.patient_name for c in matrix.columns]
    assert table[1][0] == "status" and table[1][3:] == [c.status_label for c in matrix.columns]
    assert table[2][0] == "evidence_grade" and table[2][3:] == [c.grade_label for c in matrix.columns]
    body = table[3:-1]
    assert [line[0] for line in body] == list(matrix.row_keys)
    for line, row in zip(body, matrix.rows):
        assert line[1] == row.patient_question and line[2] == row.clinician_label
        for value, cell in zip(line[3:], row.cells):
            assert " ".join(cell.text.split()) in value
            if cell.scale is not None:
                assert value.endswith(f"({cell.scale} of 5)")
    assert table[-1][0] == "references"
    assert table[-1][3] == "; ".join(r.key for r in matrix.cited_references(0))


def synthetic(text):
    column = ComparisonColumn(slug="x", name="X", patient_name="X | Y", category="conventional", status="emerging",
                              grade="low", content_version=1, last_reviewed=dt.date(2026, 1, 1), references=())
    row = ComparisonRow(key="k", patient_question="Q?", clinician_label="L", kind="text",
                        cells=(ComparisonCell(text), ComparisonCell(text)))
    return ComparisonMatrix(columns=(column, column), rows=(row,))


def test_csv_cells_cannot_run_as_formulas():
    table = list(csv.reader(io.StringIO(export.to_csv(synthetic("=HYPERLINK(\"x\")")))))
    assert table[3][3].startswith("'=")


def test_markdown_escapes_table_syntax_and_carries_references_and_disclaimer(reader):
    text = export.to_markdown(synthetic("a | b *c*"))
    assert "X \\| Y" in text and "a \\| b \\*c\\*" in text
    matrix = compare(reader, THREE)
    context = export.comparison_context(reader, dt.date(2026, 3, 4))
    md = export.to_markdown(matrix, context)
    lines = md.splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + 2 + len(matrix.rows)
    assert all(line.count(" | ") == len(matrix.columns) for line in table if not line.startswith("| ---"))
    assert "4 March 2026" in md and context.disclaimer and context.disclaimer.split()[0] in md
    for index, column in enumerate(matrix.columns):
        keys = ", ".join(r.key for r in matrix.cited_references(index))
        assert f"- **{column.patient_name}**: {keys}" in md
        for ref in matrix.cited_references(index):
            assert f"- {ref.key}: " in md
    listed = [line.split(":")[0][2:] for line in lines if re.match(r"- [A-Z][0-9]+: ", line)]
    assert len(listed) == len(set(listed)) == len(matrix.all_cited_references())
    assert "(1 = none, 5 = open surgery)" in md


def test_json_round_trips_the_matrix(reader):
    matrix = compare(reader, THREE, rows=["invasiveness", "evidence"])
    data = json.loads(export.to_json(matrix))
    assert [c["slug"] for c in data["columns"]] == THREE
    assert [r["key"] for r in data["rows"]] == list(matrix.row_keys)
    assert data["rows"][0]["cells"][0]["text"] == matrix.rows[0].cells[0].text
    assert {r["kind"] for r in data["rows"]} == {"grade", "scale"}


def test_context_uses_clinic_name_when_set(reader, prepared_location):
    assert export.comparison_context(reader).clinic_name == ""  # never the app's name in the clinic's place
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("INSERT INTO clinic_profile (name, address, phone, website, clinicians, disclaimer, paper_size, "
                     "large_print, keep_patient_names) VALUES ('Harbour Spine Clinic', '', '', '', '[]', '', 'a4', 0, 0)")
    context = export.comparison_context(reader)
    assert context.clinic_name == "Harbour Spine Clinic"
    library = json.loads(reader.query("SELECT value FROM app_meta WHERE key = 'library_json'")[0][0])
    assert context.disclaimer == library["disclaimer"].strip()
