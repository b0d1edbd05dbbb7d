"""The clinic profile dialog, as the usability and accessibility review found it: its error is read
out, not hidden behind the name "Problem", and the dialog fits a 1366×768 laptop at any type size."""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from clinic_app.ui.profile.clinic_profile_dialog import ClinicProfileDialog

LAPTOP = (1366 - 40, 768 - 80)  # a 1366×768 laptop, less the window frame, title bar and task bar


def accessible_name(widget) -> str:
    return QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)


def test_the_profile_error_is_read_by_assistive_technology(qtbot, reader, prepared_location):
    dialog = ClinicProfileDialog(reader)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.disclaimer_field.setPlainText("x" * 2500)
    dialog.save()
    qtbot.waitUntil(lambda: "disclaimer" in dialog.error_label.text())
    assert dialog.error_label.text() in accessible_name(dialog.error_label)
    dialog.disclaimer_field.setPlainText("")
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert "disclaimer" not in accessible_name(dialog.error_label)


def test_the_profile_dialog_fits_a_laptop_even_at_twice_the_type_size(qtbot, reader, prepared_location):
    for factor in (1, 2):
        dialog = ClinicProfileDialog(reader)
        qtbot.addWidget(dialog)
        font = QFont(QApplication.font())
        font.setPointSizeF(font.pointSizeF() * factor)
        dialog.setFont(font)
        dialog.show()
        qtbot.waitExposed(dialog)
        least = dialog.minimumSizeHint().expandedTo(dialog.minimumSize())
        assert least.width() <= LAPTOP[0] and least.height() <= LAPTOP[1], (factor, least)
        area = QGuiApplication.primaryScreen().availableGeometry()
        assert dialog.height() <= max(area.height(), least.height()) and dialog.width() <= area.width()
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)  # in view without scrolling
        assert dialog.rect().contains(save.mapTo(dialog, save.rect().bottomRight()))
        dialog.close()
