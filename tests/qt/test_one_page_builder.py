"""The handout builder's One page choice: the preview and the output become the one-page option grid."""

from __future__ import annotations

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QPageLayout

from clinic_app.services import handout_log
from clinic_app.ui import dialogs


def tick(builder, slug, on=True):
    model = builder.therapy_model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(Qt.ItemDataRole.UserRole) == slug)
    state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
    assert model.setData(model.index(row, 0), state.value, Qt.ItemDataRole.CheckStateRole)


def outputs_enabled(builder):
    return [b.isEnabled() for b in (builder.preview_button, builder.pdf_button, builder.print_button)]


def test_one_page_needs_two_to_four_therapies_and_previews_one_page(settle, qtbot, make_builder, monkeypatch, tmp_path,
                                                                     reader, errors):
    builder = make_builder(therapies=("nsaids",))
    builder.notes_field.setPlainText("Walk every day.")
    builder.one_page_box.setChecked(True)
    settle(builder)
    assert builder.request().one_page and builder.request().notes == ""
    assert "needs 2 to 4 therapies; 1 is ticked" in builder.note_label.text()
    assert outputs_enabled(builder) == [False, False, False]
    assert not builder.notes_field.isEnabled() and not builder.compare_box.isEnabled()

    tick(builder, "self-care")
    settle(builder)
    assert outputs_enabled(builder) == [True, True, True] and builder.note_label.text() == ""
    assert builder.preview.pageCount() == 1
    assert builder.pages_label.text() == "One page, A4, 12 pt"
    assert "What is it?" in builder.rows_label.text() and "How much" not in builder.rows_label.text()

    for slug in ("exercise-therapy", "platelet-rich-plasma"):
        tick(builder, slug)
    builder.paper_combo.setCurrentIndex(builder.paper_combo.findData("letter"))
    builder.patient_field.setText("Jane Smith")
    settle(builder)
    assert builder.preview.pageCount() == 1
    assert builder.printer.pageLayout().orientation() == QPageLayout.Orientation.Landscape
    assert builder.pages_label.text().startswith("One page, Letter landscape, ")

    target = tmp_path / "grid.pdf"
    monkeypatch.setattr(dialogs.SaveFileDialog, "ask", classmethod(lambda cls, *a: target))
    with qtbot.waitSignal(builder.printed, timeout=30000) as signal:
        assert builder.save_pdf() == target
    pdf = PdfReader(str(target))
    box = pdf.pages[0].mediabox
    assert len(pdf.pages) == 1 and (round(float(box.width)), round(float(box.height))) == (792, 612)
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "Jane Smith" in text and "Ask for the full handout" in text and "Walk every day." not in text
    item = handout_log.get_print(reader, signal.args[0])
    assert item.options["one_page"] and item.options["landscape"] and not item.options["has_notes"]
    assert set(item.therapies) == {"nsaids", "self-care", "exercise-therapy", "platelet-rich-plasma"}

    tick(builder, "yoga")
    settle(builder)
    assert "needs 2 to 4 therapies; 5 are ticked" in builder.note_label.text()
    assert outputs_enabled(builder) == [False, False, False]
    assert errors == []

    builder.one_page_box.setChecked(False)
    settle(builder)
    assert builder.notes_field.isEnabled() and builder.compare_box.isEnabled()
    assert builder.request().notes == "Walk every day." and not builder.request().one_page
    assert builder.preview.pageCount() > 1
