"""A therapy the clinic added, removed and restored in the window: Remove in its edit dialog (asked
first, signed with who and why), the list and search without it, File → Removed therapies… listing it
with when, who and why, and Restore putting it back. A shipped therapy has no Remove button."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from clinic_app.services import clinic_therapies, library
from clinic_app.ui import dialogs
from clinic_app.ui.profile.removed_therapies_dialog import NONE_REMOVED, RemovedTherapiesDialog
from clinic_app.ui.profile.therapy_edit_dialog import TherapyEditDialog

_spec = importlib.util.spec_from_file_location(
    "clinic_therapy_fixture", Path(__file__).parents[1] / "unit" / "test_clinic_therapies.py")
fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture)
SLUG = fixture.SLUG
NAME = fixture.THERAPY["name"]
WAIT_MS = 30_000


@pytest.fixture
def added(store, tmp_path):
    return fixture.add(store, fixture.write_file(tmp_path, fixture.clinic_document()))


@pytest.fixture
def confirm(monkeypatch):
    """The answers the confirmation would have been given: each question is recorded in ``asked``."""
    asked: list[tuple[str, str]] = []
    answer = [True]

    def ask(cls, parent, title, text, action, keep=""):  # noqa: ARG001
        asked.append((title, text))
        return answer[0]

    monkeypatch.setattr(dialogs.ConfirmDialog, "ask", classmethod(ask))
    return asked, answer


def show_therapy(window, slug: str) -> None:
    assert window.search_panel.select_slug(slug)
    window.search_panel._open_current()
    assert window.detail_view.detail is not None and window.detail_view.detail.slug == slug


def edit_dialog(qtbot, window, slug: str) -> TherapyEditDialog:
    show_therapy(window, slug)
    window.therapy_text_action.trigger()
    dialog = window.therapy_text_dialog
    assert isinstance(dialog, TherapyEditDialog)
    qtbot.waitExposed(dialog)
    return dialog


def sign(dialog, who: str = "Dr Lee", why: str = "the class has stopped") -> None:
    dialog.who_combo.setEditText(who)
    dialog.why_field.setText(why)


def listed(window) -> bool:
    return window.search_panel.model.row_of(SLUG) >= 0


def search_for(qtbot, window, text: str) -> None:
    panel = window.search_panel
    panel.search_field.setFocus()
    panel.search_field.clear()
    qtbot.keyClicks(panel.search_field, text)
    qtbot.waitUntil(lambda: panel.model.query() == text, timeout=2000)


def remove_through_the_dialog(qtbot, window) -> None:
    dialog = edit_dialog(qtbot, window, SLUG)
    sign(dialog)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)


def open_removed(qtbot, window) -> RemovedTherapiesDialog:
    window.removed_therapies_action.trigger()
    dialog = window.removed_therapies_dialog
    assert isinstance(dialog, RemovedTherapiesDialog)
    qtbot.waitExposed(dialog)
    return dialog


def test_remove_then_restore_through_the_window(qtbot, added, make_window, store, errors, confirm):
    asked, _ = confirm
    window = make_window()
    assert listed(window)
    dialog = edit_dialog(qtbot, window, SLUG)
    assert dialog.remove_button is not None and dialog.remove_button.isVisible()
    assert not dialog.remove_button.isEnabled()  # who and why first, as for a save
    sign(dialog)
    assert dialog.remove_button.isEnabled()
    with qtbot.waitSignal(dialog.finished, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and NAME in asked[0][1]
    assert errors == []

    assert not listed(window)
    assert window.detail_view.detail is None  # the page no longer shows it
    assert "was removed" in window.detail_view.toPlainText()
    assert SLUG not in {t.slug for t in library.list_therapies(store)}
    search_for(qtbot, window, "back class")
    assert not listed(window)
    assert [(r.slug, r.removed_by, r.reason) for r in clinic_therapies.list_removed(store)] == [
        (SLUG, "Dr Lee", "the class has stopped")]

    removed = open_removed(qtbot, window)
    model = removed.model
    assert model.rowCount() == 1 and not removed.empty_label.isVisible()
    row = [model.index(0, column).data() for column in range(model.columnCount())]
    assert NAME in row[0] and row[2:4] == ["Dr Lee", "the class has stopped"]
    assert removed.choose(SLUG)
    assert not removed.restore_button.isEnabled()  # who and why first
    removed.who_combo.setEditText("Dr Shah")
    removed.why_field.setText("the class runs again")
    assert removed.restore_button.isEnabled()
    with qtbot.waitSignal(removed.saved, timeout=WAIT_MS):
        qtbot.mouseClick(removed.restore_button, Qt.MouseButton.LeftButton)
    assert errors == []
    assert f"Restored {NAME}" in removed.message_label.text()
    qtbot.waitUntil(lambda: removed.model.rowCount() == 0)
    assert removed.empty_label.isVisible() and removed.empty_label.text() == NONE_REMOVED
    qtbot.waitUntil(lambda: listed(window))  # the search still open finds it again
    assert clinic_therapies.list_removed(store) == []
    assert library.get_therapy(store, SLUG).name == NAME
    removed.close()


def test_a_shipped_therapy_has_no_remove_button(qtbot, added, make_window):
    window = make_window()
    dialog = edit_dialog(qtbot, window, "yoga")
    assert dialog.remove_button is None
    assert not [b for b in dialog.findChildren(QPushButton) if "remove" in b.text().lower()]
    dialog.close()
    clinic = edit_dialog(qtbot, window, SLUG)
    assert clinic.remove_button is not None
    clinic.close()


def test_cancelling_the_confirmation_removes_nothing(qtbot, added, make_window, store):
    """The real confirmation: its safe button, keeping the therapy, is the default, so Enter keeps it."""
    window = make_window()
    dialog = edit_dialog(qtbot, window, SLUG)
    sign(dialog)
    seen: list = []

    def answer() -> None:
        box = next((w for w in QApplication.topLevelWidgets()
                    if isinstance(w, dialogs.ConfirmDialog) and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(20, answer)
            return
        seen.append((box.cancel_button.isDefault(), box.action_button.isDefault(), box.cancel_button.text()))
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)  # returns once the question is answered
    assert seen == [(True, False, f"&Keep {NAME}")]
    qtbot.wait(50)
    assert dialog.isVisible() and dialog.remove_button.isEnabled()
    assert listed(window) and clinic_therapies.list_removed(store) == []
    assert SLUG in {t.slug for t in library.list_therapies(store)}
    dialog.close()


def test_a_restore_the_service_refuses_is_named_in_the_dialog(qtbot, added, make_window, store, tmp_path, errors,
                                                               confirm):
    window = make_window()
    remove_through_the_dialog(qtbot, window)
    # another therapy of the clinic's takes the removed one's name meanwhile: restoring it would clash
    document = fixture.clinic_document()
    document["therapy"] = copy.deepcopy(document["therapy"]) | {"slug": "back-care-talk", "aliases": ["back talk"]}
    fixture.add(store, fixture.write_file(tmp_path, document, "talk.yaml"))
    removed = open_removed(qtbot, window)
    assert removed.choose(SLUG)
    removed.who_combo.setEditText("Dr Shah")
    removed.why_field.setText("the class runs again")
    qtbot.mouseClick(removed.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not removed.pending(), timeout=WAIT_MS)
    shown = removed.message_label.text()
    assert shown.startswith(f"Cannot restore {NAME}: {SLUG} cannot be restored")
    assert "already names therapy back-care-talk" in shown
    assert errors == []  # in the dialog, not in a box
    assert removed.model.row_of(SLUG) == 0 and not listed(window)
    removed.close()


def test_the_menu_entry_opens_an_empty_list_that_says_so(qtbot, window):
    actions = window.menuBar().actions()[0].menu().actions()
    assert actions.index(window.removed_therapies_action) == actions.index(window.content_packs_action) - 1
    dialog = open_removed(qtbot, window)
    assert dialog.model.rowCount() == 0
    assert dialog.empty_label.isVisible() and dialog.empty_label.text() == NONE_REMOVED
    assert not dialog.view.isVisible() and not dialog.restore_button.isEnabled()
    dialog.close()


def test_the_removed_therapies_model(qtmodeltester, store, added):
    from clinic_app.ui.profile.removed_therapies_dialog import RemovedTherapyModel

    clinic_therapies.remove_therapy(store, SLUG, by="Dr Lee", why="the class has stopped")
    model = RemovedTherapyModel()
    model.set_entries(clinic_therapies.list_removed(store))
    qtmodeltester.check(model)
    assert model.index(0, 0).data(Qt.ItemDataRole.UserRole) == SLUG
