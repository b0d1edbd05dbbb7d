"""What the detail view shows of a therapy, and that content is shown as text, never as markup."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

from clinic_app.services import library
from clinic_app.ui.browse.detail_html import PATIENT_BOX
from clinic_app.ui.browse.detail_view import DetailView


def open_prp(window):
    window.search_panel.select_slug("platelet-rich-plasma")
    window.search_panel._open_current()
    return window.detail_view.toPlainText()


def test_detail_shows_name_status_words_and_grade(window, reader):
    text = open_prp(window)
    detail = library.get_therapy(reader, "platelet-rich-plasma")
    assert detail.name in text
    assert "Investigational" in text
    assert library.STATUS_PLAIN["investigational"] in text
    assert f"Evidence grade: {detail.grade_label}" in text
    assert window.windowTitle().startswith(detail.name)


def test_for_the_patient_the_patient_box_comes_first_and_holds_the_patient_text(window, reader):
    window.detail_view.set_audience("patient")
    text = open_prp(window)
    detail = library.get_therapy(reader, "platelet-rich-plasma")
    patient_at, clinician_at = text.index("For the patient"), text.index("For the clinician")
    assert patient_at < clinician_at
    box = text[patient_at:clinician_at]
    for key, heading in library.PATIENT_SECTIONS:
        if detail.patient.get(key):
            assert heading in box
    assert "Questions to ask your doctor" in box
    for question in detail.questions:
        assert f"\u2610  {question}" in " ".join(box.split("\xa0"))
    # the box is a bordered, tinted table: visibly separate from the clinician text
    document = window.detail_view.toHtml()
    background, border = PATIENT_BOX
    assert background in document and border in document


def test_clinician_sections_and_references_follow(window, reader):
    text = open_prp(window)
    detail = library.get_therapy(reader, "platelet-rich-plasma")
    clinician = text[text.index("For the clinician"):]
    for key, heading in library.CLINICIAN_SECTIONS:
        if detail.clinician.get(key):
            assert heading in clinician
    c6 = next(r for r in detail.references if r.key == "C6")
    assert "10.1016/j.inpm.2022.100011" in text
    assert c6.citation_line() in " ".join(text.split())
    assert c6.design in text and c6.finding.split(".")[0] in text


def test_governance_fields_are_shown(window, reader):
    text = open_prp(window)
    detail = library.get_therapy(reader, "platelet-rich-plasma")
    for value in (str(detail.content_version), detail.last_reviewed.isoformat(), detail.reviewer):
        assert value in text
    assert "Update policy" in text and "Funding and interests" in text
    for condition in detail.conditions:
        assert condition in text


def test_emerging_therapies_say_so_in_plain_words(window, reader):
    emerging = [t.slug for t in library.list_therapies(reader) if t.status == "emerging"]
    assert emerging
    window.search_panel.select_slug(emerging[0])
    window.search_panel._open_current()
    assert library.STATUS_PLAIN["emerging"] in window.detail_view.toPlainText()


def test_content_is_escaped_never_markup(qtbot, reader):
    detail = library.get_therapy(reader, "platelet-rich-plasma")
    hostile = dataclasses.replace(
        detail, name="<b>Bold</b> & <script>x</script>",
        patient={**detail.patient, "summary": "<img src='http://example.invalid/x.png'> <a href='x'>click</a>"},
    )
    view = DetailView()
    qtbot.addWidget(view)
    view.show_therapy(hostile)
    text = view.toPlainText()
    assert "<b>Bold</b> & <script>x</script>" in text
    assert "<img src='http://example.invalid/x.png'>" in text
    document = view.toHtml()
    assert "<img" not in document and 'href="x"' not in document and "<script" not in document


def test_for_the_clinician_the_clinician_text_comes_first(window, reader):
    text = open_prp(window)  # the clinician is the default reader
    assert text.index("For the clinician") < text.index("For the patient")
    summary = library.get_therapy(reader, "platelet-rich-plasma").clinician["clinician_summary"]
    assert text.index(summary.split(".")[0]) < text.index("For the patient")


def test_zoom_changes_the_type_size(qtbot, reader):
    view = DetailView()
    qtbot.addWidget(view)
    view.show_therapy(library.get_therapy(reader, "platelet-rich-plasma"))
    base = view.base_point_size()
    view.zoom_in()
    view.zoom_in()
    assert view.base_point_size() == base + 2
    assert f"{(base + 2) * 2.0:.1f}pt" in view.toHtml() or f"{(base + 2) * 2:g}pt" in view.toHtml()
    view.reset_zoom()
    assert view.base_point_size() == base


def test_ctrl_wheel_zooms(qtbot, reader):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    view = DetailView()
    qtbot.addWidget(view)
    event = QWheelEvent(QPointF(10, 10), QPointF(10, 10), QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(event)
    assert view.zoom == 1


def test_opening_a_therapy_page_loads_no_content_schema(prepared_location):
    """The page is drawn on the GUI thread: it must not import pydantic (about 200 ms)."""
    import os
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import sys
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from clinic_app.settings import resolve
        from clinic_app.storage.store import Store
        from clinic_app.services import library
        from clinic_app.ui.browse.detail_view import DetailView
        store = Store.of(resolve(data_dir={str(prepared_location.data_dir)!r}))
        view = DetailView()
        view.show_therapy(library.get_therapy(store, "platelet-rich-plasma"))
        print(sorted(m for m in ("pydantic", "yaml", "clinic_app.content.schema") if m in sys.modules))
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_therapy_the_clinic_added_or_edited_says_so(reader):
    from clinic_app.ui.browse.detail_html import render

    detail = library.get_therapy(reader, "yoga")
    assert "Your clinic" not in render(detail)
    added = render(dataclasses.replace(detail, origin="clinic-added"))
    assert "Your clinic added this entry itself" in added and "sources are the clinic" in added
    edited = render(dataclasses.replace(detail, origin="clinic", pending_shipped_version=detail.content_version + 1))
    assert "Your clinic has edited this entry" in edited and "was not applied" in edited
