"""Two rooms, one clinic profile: the second save is refused with both versions side by side, and the
user chooses; nothing is lost on either side."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from clinic_app import settings
from clinic_app.services import clinic
from clinic_app.ui.profile.clinic_profile_dialog import ClinicProfileDialog
from clinic_app.ui.profile.conflict_dialog import ConflictDialog


def answer_conflict(qtbot, button: str, seen: dict) -> None:
    """When the two versions are shown, note what they say and press ``button``."""
    def press() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, ConflictDialog) and w.isVisible()),
                      None)
        if dialog is None:
            QTimer.singleShot(20, press)
            return
        model = dialog.model
        seen["rows"] = [tuple(model.index(r, c).data() for c in range(3)) for r in range(model.rowCount())]
        seen["message"] = dialog.message_label.text()
        seen["default"] = dialog.back_button.isDefault()
        getattr(dialog, f"{button}_button").click()

    QTimer.singleShot(0, press)


def test_a_profile_another_room_saved_first_is_shown_beside_mine_then_mine_is_saved_over_it(
        qtbot, store, monkeypatch):
    monkeypatch.setenv(settings.ENV_ROOM, "Room 2")
    dialog = ClinicProfileDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    clinic.save_profile(store, replace(clinic.load_profile(store), name="Spine Clinic North"))  # the other room
    monkeypatch.setenv(settings.ENV_ROOM, "Room 1")
    dialog.name_field.setText("Spine Clinic")
    seen: dict = {}
    answer_conflict(qtbot, "mine", seen)
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save()
    assert seen["rows"] == [("Name", "Spine Clinic", "Spine Clinic North")]
    assert "changed in Room 2" in seen["message"] and seen["default"]  # going back is the safe default
    saved = clinic.load_profile(store)
    assert saved.name == "Spine Clinic" and saved.updated_in == "Room 1"


def test_taking_theirs_puts_their_version_in_the_form_and_keeps_it(qtbot, store):
    dialog = ClinicProfileDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    clinic.save_profile(store, replace(clinic.load_profile(store), name="Spine Clinic North", phone="555 0100"))
    dialog.name_field.setText("Spine Clinic")
    seen: dict = {}
    answer_conflict(qtbot, "theirs", seen)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.name_field.text() == "Spine Clinic North", timeout=10000)
    assert dialog.phone_field.text() == "555 0100" and "Their version is in the form" in dialog.error_label.text()
    assert clinic.load_profile(store).name == "Spine Clinic North"  # nothing of mine was written
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save()  # theirs, now this form's version: saved without a conflict
    assert clinic.load_profile(store).name == "Spine Clinic North"
