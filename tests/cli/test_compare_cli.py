"""``clinic-app compare``: every format, and bad input that must leave no file behind."""

from __future__ import annotations

import csv
import io
import json

import pytest
from pypdf import PdfReader

from clinic_app.cli import main
from clinic_app.printing import paged

THREE = ["platelet-rich-plasma", "nsaids", "self-care"]


@pytest.fixture
def out_dir(tmp_path):
    """An empty folder for what the command writes (the data folder sits beside it)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


def test_markdown_to_stdout_by_default(prepared_location, capsys):
    assert run(prepared_location, "compare", *THREE) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Comparing your options")
    assert "| **What is it?** |" in out and "Where this information comes from" in out


def test_csv_with_chosen_rows(prepared_location, capsys):
    assert run(prepared_location, "compare", *THREE, "--rows", "main_risks, what_is_it", "--format", "csv") == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [line[0] for line in table] == ["row", "status", "evidence_grade", "what_is_it", "main_risks", "references"]
    assert len(table[0]) == 3 + 3


def test_json_to_a_file_named_by_its_suffix(prepared_location, out_dir, capsys):
    out = out_dir / "options.json"
    assert run(prepared_location, "compare", "nsaids", "self-care", "-o", out) == 0
    assert "comparison written to" in capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [c["slug"] for c in data["columns"]] == ["nsaids", "self-care"]
    assert list(out_dir.iterdir()) == [out]


def test_markdown_file(prepared_location, out_dir):
    out = out_dir / "options.md"
    assert run(prepared_location, "compare", *THREE, "--format", "md", "-o", out) == 0
    assert "| **How invasive is it? (1 = none, 5 = open surgery)** |" in out.read_text(encoding="utf-8")


def test_pdf(prepared_location, out_dir, capsys):
    out = out_dir / "options.pdf"
    assert run(prepared_location, "compare", *THREE, "--rows", "what_is_it", "--paper", "letter", "-o", out) == 0
    pages = len(PdfReader(str(out)).pages)
    assert f"({pages} page{'s' if pages > 1 else ''})" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "words"), [
    (["nsaids", "made-up"], ["unknown therapy 'made-up'", "known therapies:", "self-care"]),
    (["nsaids", "self-care", "--rows", "what_is_it,price"], ["unknown comparison row 'price'", "valid rows:", "cost"]),
    (["nsaids"], ["2 to 6", "1 was given"]),
    (["nsaids", "self-care", "prolotherapy", "platelet-rich-plasma", "exercise-therapy", "lumbar-fusion", "nsaids2"],
     ["2 to 6", "7 were given"]),
    (["nsaids", "self-care", "--format", "pdf"], ["-o FILE.pdf"]),
])
@pytest.mark.parametrize("fmt", ["pdf", "csv"])
def test_bad_input_is_named_and_writes_nothing(prepared_location, out_dir, capsys, args, words, fmt):
    out = out_dir / f"out.{fmt}"
    code = run(prepared_location, "compare", *args, *([] if "--format" in args else ["-o", out]))
    captured = capsys.readouterr()
    assert code != 0 and captured.out == ""
    for word in words:
        assert word in captured.err
    assert "Traceback" not in captured.err
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("fmt", ["pdf", "csv", "md"])
def test_unwritable_output_leaves_no_file(prepared_location, out_dir, capsys, fmt):
    blocker = out_dir / "a-file"
    blocker.write_text("not a folder")
    out = blocker / f"out.{fmt}"
    assert run(prepared_location, "compare", *THREE, "-o", out) != 0
    assert "cannot write" in capsys.readouterr().err
    assert sorted(p.name for p in out_dir.iterdir()) == ["a-file"]
    missing = out_dir / "no-such-folder" / f"out.{fmt}"
    assert run(prepared_location, "compare", *THREE, "-o", missing) != 0
    assert "does not exist" in capsys.readouterr().err
    assert sorted(p.name for p in out_dir.iterdir()) == ["a-file"]


def test_pdf_failing_midway_leaves_no_partial_file(prepared_location, out_dir, capsys, monkeypatch):
    out = out_dir / "options.pdf"
    out.write_bytes(b"%PDF an older comparison")

    def fail_after_start(item, printer):
        from PySide6.QtGui import QPainter

        painter = QPainter(printer)
        painter.drawText(10, 10, "half a page")
        painter.end()
        raise paged.PrintError("the printer stopped")

    monkeypatch.setattr(paged, "paint", fail_after_start)
    assert run(prepared_location, "compare", *THREE, "-o", out) != 0
    assert "the printer stopped" in capsys.readouterr().err
    assert [p.name for p in out_dir.iterdir()] == ["options.pdf"]
    assert out.read_bytes() == b"%PDF an older comparison"
