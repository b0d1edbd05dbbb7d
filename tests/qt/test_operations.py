"""Operations: work off the GUI thread, an error named by what failed, and every open window
following what an operation changed."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtWidgets import QProgressDialog, QWidget

from clinic_app.errors import ClinicAppError
from clinic_app.ui import dialogs, messages
from clinic_app.ui.compare.compare_view import CompareView
from clinic_app.ui.operations import Change, Operation, on_change, store_events
from clinic_app.ui.profile.clinic_profile_dialog import ClinicProfileDialog


@pytest.fixture
def boxes(monkeypatch):
    shown = []
    monkeypatch.setattr(messages, "show_error", lambda parent, title, message, detail="": shown.append((title, message)))
    return shown


def test_the_work_runs_off_the_gui_thread_and_its_changes_are_announced(qtbot, boxes):
    owner = QWidget()
    qtbot.addWidget(owner)
    threads, heard, results = [], [], []
    listener = QWidget()
    qtbot.addWidget(listener)
    on_change(listener, {Change.PRESETS}, lambda: heard.append("presets"))
    on_change(listener, {Change.CONSULTATIONS}, lambda: heard.append("consultations"))

    def work(value: int) -> int:
        threads.append(threading.current_thread())
        return value * 2

    with qtbot.waitSignal(store_events().changed) as changed:
        Operation(owner, "Cannot do it", work, 21, changes={Change.PRESETS}, on_done=results.append).run()
    assert results == [42] and threads[0] is not threading.main_thread()
    assert changed.args[0] == frozenset({Change.PRESETS})
    assert heard == ["presets"] and boxes == []  # only the listener of what changed heard it


def test_a_known_problem_is_shown_under_what_failed_and_nothing_is_announced(qtbot, boxes):
    owner = QWidget()
    qtbot.addWidget(owner)
    heard, put_back = [], []
    on_change(owner, set(Change), lambda: heard.append(1))

    def refuse() -> None:
        raise ClinicAppError("the folder /nowhere does not exist")

    Operation(owner, "Cannot save the handout", refuse, changes={Change.HANDOUTS},
              on_failed=put_back.append).run()
    qtbot.waitUntil(lambda: bool(boxes))
    assert boxes == [("Cannot save the handout", "the folder /nowhere does not exist")]
    assert len(put_back) == 1 and heard == []


def test_work_with_steps_shows_its_progress_and_the_dialog_goes_when_it_ends(qtbot, boxes):
    owner = QWidget()
    qtbot.addWidget(owner)
    owner.show()
    seen = []

    def checks(progress) -> str:  # noqa: ANN001
        for done in range(1, 4):
            time.sleep(0.2)  # longer than the 300 ms after which the dialog shows
            progress(done, 3, f"Checking handout {done} of 3…")
        return "ok"

    Operation(owner, "Cannot check the handouts", checks, steps=True, on_done=seen.append).run()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in owner.findChildren(QProgressDialog)), timeout=5000)
    dialog = next(d for d in owner.findChildren(QProgressDialog) if d.isVisible())
    qtbot.waitUntil(lambda: dialog.labelText().startswith("Checking handout"), timeout=5000)
    assert dialog.maximum() == 3
    qtbot.waitUntil(lambda: seen == ["ok"], timeout=5000)
    qtbot.waitUntil(lambda: not any(d.isVisible() for d in owner.findChildren(QProgressDialog)))


def test_a_saved_clinic_profile_reaches_every_open_window(qtbot, window, make_builder, reader, boxes):
    builder = make_builder(therapies=("nsaids",))
    assert window.setup_bar.isVisible()  # no clinic name or phone yet
    assert builder.clinician_combo.findText("Dr Ana Lee") == -1 and builder.clinic_label.isVisible()
    dialog = ClinicProfileDialog(reader)
    qtbot.addWidget(dialog)
    dialog.name_field.setText("Northside Spine Clinic")
    dialog.phone_field.setText("020 7946 0000")
    dialog.add_clinician()
    dialog.clinicians_model.setData(dialog.clinicians_model.index(0), "Dr Ana Lee")
    with qtbot.waitSignal(store_events().changed):
        dialog.save()
    assert builder.clinician_combo.findText("Dr Ana Lee") >= 0  # the builder's list of clinicians follows
    assert not builder.clinic_label.isVisible()  # and its note about a missing phone number goes
    assert not window.setup_bar.isVisible()  # as does the main window's setup bar
    assert boxes == []


def test_a_preset_saved_in_one_compare_window_is_offered_in_another(qtbot, reader, monkeypatch, boxes):
    first, second = CompareView(reader), CompareView(reader)
    for view in (first, second):
        qtbot.addWidget(view)
    first.set_therapies(["nsaids", "self-care"])
    monkeypatch.setattr(dialogs.PresetNameDialog, "ask", classmethod(lambda cls, *a: "Desk talk"))
    with qtbot.waitSignal(store_events().changed):
        first.save_preset()
    assert second.preset_combo.findData("Desk talk") >= 0
