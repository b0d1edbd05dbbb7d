"""The handout builder and the clinic profile as a doctor uses them: pick therapies, watch the
preview and the reading grade change, save a PDF, print, set up the letterhead."""

from __future__ import annotations

import json
import sqlite3

from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtPrintSupport import QPrinter

from clinic_app.services import handout_log, library
from clinic_app.services.clinic import load_profile
from clinic_app.ui import dialogs
from clinic_app.ui.compare.compare_view import CompareView
from clinic_app.ui.handout import handout_builder
from clinic_app.ui.handout.handout_builder import ChecklistModel, TherapyChoiceModel
from clinic_app.ui.profile import clinic_profile_dialog
from clinic_app.ui.profile.clinic_profile_dialog import ClinicProfileDialog


def png(width, height):
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#143d59"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)


def pdf_text(path):
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages)


def tick(builder, slug, on=True):
    model = builder.therapy_model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(Qt.ItemDataRole.UserRole) == slug)
    state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
    assert model.setData(model.index(row, 0), state.value, Qt.ItemDataRole.CheckStateRole)


def test_models_pass_the_model_tester(qtmodeltester, reader):
    from clinic_app.services.handout_quality import assess
    from clinic_app.services.handouts import HandoutRequest, compose_handout

    choice = TherapyChoiceModel(library.list_therapies(reader), ("nsaids",))
    qtmodeltester.check(choice)
    checklist = ChecklistModel()
    checklist.set_items(assess(compose_handout(reader, HandoutRequest(therapies=("nsaids",)))).items)
    qtmodeltester.check(checklist)


def test_chosen_therapies_come_first_and_the_preview_follows_the_options(settle, qtbot, make_builder):
    builder = make_builder(therapies=("prolotherapy",))
    assert builder.therapy_model.chosen() == ("prolotherapy",)
    assert builder.therapy_model.index(0, 0).data(Qt.ItemDataRole.UserRole) == "prolotherapy"
    one = builder.preview.pageCount()
    assert one >= 2 and not builder.compare_box.isEnabled()
    assert builder.pages_label.text() == f"{one} pages, A4"
    tick(builder, "self-care")
    qtbot.waitUntil(lambda: builder.compare_box.isEnabled())
    builder.compare_box.setChecked(True)
    settle(builder)
    assert builder.request().include_comparison and builder.request().therapies == ("prolotherapy", "self-care")
    assert builder.preview.pageCount() > one
    assert builder.assessment is not None and builder.assessment.grade <= 7.0
    assert "Reading grade" in builder.grade_label.text()


def test_checklist_asks_for_a_next_step_until_one_is_given(qtbot, make_builder):
    builder = make_builder(therapies=("nsaids",))

    def next_step_ok():
        return next(i for i in builder.assessment.items if i.label.startswith("A clear next step")).ok

    assert not next_step_ok()
    builder.follow_up_box.setChecked(True)
    qtbot.waitUntil(next_step_ok, timeout=2000)
    row = [builder.checklist_model.index(r, 0).data() for r in range(builder.checklist_model.rowCount())]
    assert "✓  A clear next step for this patient" in row


def test_unticking_everything_disables_output(settle, qtbot, make_builder):
    builder = make_builder(therapies=("nsaids",))
    tick(builder, "nsaids", on=False)
    settle(builder)
    assert not builder.print_button.isEnabled() and not builder.pdf_button.isEnabled()
    assert "at least one therapy" in builder.grade_label.text()


def test_save_pdf_writes_the_handout_and_logs_it(qtbot, make_builder, monkeypatch, tmp_path, reader):
    builder = make_builder(therapies=("platelet-rich-plasma", "self-care"), include_comparison=True)
    builder.patient_field.setText("Jane <b>Smith</b>")
    builder.clinician_combo.setCurrentText("Dr A. Shah")
    builder.notes_field.setPlainText("Try walking every day.")
    builder.large_print_box.setChecked(True)
    builder.paper_combo.setCurrentIndex(builder.paper_combo.findData("letter"))
    target = tmp_path / "jane"
    monkeypatch.setattr(dialogs.SaveFileDialog, "ask", classmethod(lambda cls, *a: target))
    with qtbot.waitSignal(builder.printed, timeout=30000) as signal:
        assert builder.save_pdf() == target.with_suffix(".pdf")
        # the PDF is made off the GUI thread: the window answers, and the button waits for the work
        assert not builder.pdf_button.isEnabled() and builder.note_label.text() == "Saving jane.pdf…"
    assert builder.pdf_button.isEnabled()
    text = pdf_text(target.with_suffix(".pdf"))
    for words in ("Jane <b>Smith</b>", "Dr A. Shah", "Try walking every day.", "Platelet-rich plasma", "Self-care",
                  "Your options side by side", "Page 1 of"):
        assert words in text, words
    page = PdfReader(str(target.with_suffix(".pdf"))).pages[0].mediabox
    assert (round(float(page.width)), round(float(page.height))) == (612, 792)
    item = handout_log.get_print(reader, signal.args[0])
    assert item.therapies == ("platelet-rich-plasma", "self-care") and item.paper == "letter"
    assert item.options["large_print"] and item.options["include_comparison"]
    assert item.patient_name is None  # not kept: the clinic has not turned that on
    assert f"#{signal.args[0]}" in builder.note_label.text()


def test_print_goes_through_the_print_dialog_and_is_logged(qtbot, make_builder, monkeypatch, tmp_path, reader):
    builder = make_builder(therapies=("nsaids",))
    out = tmp_path / "printed.pdf"

    def dialog(cls, parent, printer, title=""):
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    monkeypatch.setattr(dialogs.PrintDialog, "ask", classmethod(dialog))
    monkeypatch.setattr(handout_builder.PrintDialog, "ask", classmethod(dialog))
    with qtbot.waitSignal(builder.printed, timeout=30000) as signal:
        builder.print_handout()
    assert "NSAIDs" in pdf_text(out) or "anti-inflammatory" in pdf_text(out)
    assert handout_log.get_print(reader, signal.args[0]).destination == str(out)


def test_cancelled_print_records_nothing(make_builder, monkeypatch, reader):
    builder = make_builder(therapies=("nsaids",))
    monkeypatch.setattr(handout_builder.PrintDialog, "ask", classmethod(lambda cls, *a: False))
    builder.print_handout()
    assert handout_log.list_prints(reader) == []


def test_ctrl_p_in_the_main_window_opens_the_builder_on_the_therapy_shown(qtbot, window):
    window.search_panel.select_slug("prolotherapy")
    window.search_panel._open_current()
    assert window.handout_action.shortcut().toString() == "Ctrl+P"
    window.handout_action.trigger()
    builder = window.handout_builder  # a child window of the main window, deleted when closed
    assert builder.therapy_model.chosen() == ("prolotherapy",)
    builder.close()


def test_compare_view_hands_its_options_and_rows_to_the_builder(qtbot, reader, prepared_location, errors):
    view = CompareView(reader)
    qtbot.addWidget(view)
    view.set_therapies(["nsaids", "self-care"])
    view.set_rows(["main_risks", "cost"])
    view.handout_button.click()
    builder = view.handout_builder
    request = builder.request()
    assert request.therapies == ("nsaids", "self-care") and request.include_comparison
    assert set(request.comparison_rows) == {"main_risks", "cost"}
    builder.close()


def test_clinic_profile_dialog_saves_and_refuses_a_bad_logo(qtbot, reader, prepared_location, monkeypatch, tmp_path):
    dialog = ClinicProfileDialog(reader)
    qtbot.addWidget(dialog)
    dialog.name_field.setText("Northside Spine Clinic")
    dialog.phone_field.setText("01234 567890")
    dialog.add_clinician()
    dialog.clinicians_model.setData(dialog.clinicians_model.index(0), "Dr A. Shah")
    dialog.paper_combo.setCurrentIndex(dialog.paper_combo.findData("letter"))
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"GIF89a not a png")
    good = tmp_path / "good.png"
    good.write_bytes(png(120, 60))
    picked = [bad]
    monkeypatch.setattr(clinic_profile_dialog.LogoFileDialog, "ask", classmethod(lambda cls, parent: picked[0]))
    dialog.choose_logo()
    assert "logo.png" in dialog.error_label.text() and dialog.logo is None
    picked[0] = good
    dialog.choose_logo()
    assert dialog.error_label.text() == "" and dialog.logo == good.read_bytes()
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    profile = load_profile(reader)
    assert profile.name == "Northside Spine Clinic" and profile.clinicians == ("Dr A. Shah",)
    assert profile.paper_size == "letter" and profile.logo == good.read_bytes() and not profile.keep_patient_names


def test_a_refused_profile_field_is_named_and_nothing_is_stored(qtbot, reader, prepared_location):
    dialog = ClinicProfileDialog(reader)
    qtbot.addWidget(dialog)
    dialog.disclaimer_field.setPlainText("x" * 2500)
    dialog.save()
    qtbot.waitUntil(lambda: "disclaimer" in dialog.error_label.text())
    assert "disclaimer" in dialog.error_label.text() and dialog.result() != dialog.DialogCode.Accepted
    assert load_profile(reader).disclaimer == ""


def test_builder_uses_the_profile_defaults_and_names_the_patient_only_if_kept(qtbot, make_builder, reader,
                                                                             prepared_location, monkeypatch, tmp_path):
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("INSERT INTO clinic_profile (name, address, phone, website, clinicians, disclaimer, paper_size, "
                     "large_print, keep_patient_names) VALUES ('Northside', '', '', '', ?, '', 'letter', 1, 1)",
                     (json.dumps(["Dr B. Lee"]),))
    builder = make_builder(therapies=("nsaids",))
    assert builder.paper_combo.currentData() == "letter" and builder.large_print_box.isChecked()
    assert builder.clinician_combo.currentText() == "Dr B. Lee"
    builder.patient_field.setText("Ana Díaz")
    builder.date_edit.setDate(QDate(2026, 11, 20))
    monkeypatch.setattr(dialogs.SaveFileDialog, "ask", classmethod(lambda cls, *a: tmp_path / "ana.pdf"))
    with qtbot.waitSignal(builder.printed, timeout=30000) as signal:
        builder.save_pdf()
    assert handout_log.get_print(reader, signal.args[0]).patient_name == "Ana Díaz"
    assert "Northside" in pdf_text(tmp_path / "ana.pdf") and "20 November 2026" in pdf_text(tmp_path / "ana.pdf")


def test_standard_care_is_offered_beside_unproven_options_and_left_out_only_with_a_reason(settle, qtbot, make_builder):
    builder = make_builder(therapies=("platelet-rich-plasma",))
    settle(builder)
    assert builder.standard_box.isVisible() and builder.standard_box.isChecked()
    assert "Exercise" in builder.standard_box.text() and "Self-care" in builder.standard_box.text()
    assert not builder.standard_reason.isEnabled() and builder.request().alternatives_left_out == ""
    builder.standard_box.setChecked(False)  # unticked without a reason: they stay on, and the note says why
    settle(builder)
    assert builder.standard_reason.isEnabled() and builder.request().alternatives_left_out == ""
    assert "until you give a reason" in builder.note_label.text()
    builder.standard_reason.setText("Already in our exercise program")
    settle(builder)
    assert builder.request().alternatives_left_out == "Already in our exercise program"
    tick(builder, "nsaids")  # an established option on the handout: nothing to offer
    settle(builder)
    assert not builder.standard_box.isVisible()
