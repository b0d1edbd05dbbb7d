"""What a screen reader hears: every control a keyboard can reach in every window has a name, as
Qt's accessibility layer reports it to assistive technology (AT-SPI on Linux), not only as a label
beside it on screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QToolButton, QWidget


def unnamed_controls(window: QWidget) -> list[str]:
    found = []
    for widget in [window, *window.findChildren(QWidget)]:
        reachable = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.focusProxy() is None
        if not widget.isVisible() or not reachable:  # not a stop of the Tab key (or it hands focus on)
            continue
        interface = QAccessible.queryAccessibleInterface(widget)
        name = interface.text(QAccessible.Text.Name) if interface is not None else ""
        if not name.strip():
            owner = widget.parentWidget()
            found.append(f"{type(widget).__name__} {widget.objectName() or ''} in {type(owner).__name__} "
                         f"{owner.accessibleName() if owner else ''}".strip())
    return found


def opened(qtbot, window, action_name: str) -> QWidget:
    before = set(QApplication.topLevelWidgets())
    getattr(window, action_name).trigger()
    qtbot.waitUntil(lambda: any(w.isVisible() for w in set(QApplication.topLevelWidgets()) - before), timeout=5000)
    return next(w for w in set(QApplication.topLevelWidgets()) - before if w.isVisible())


def test_the_main_window_names_every_control(window):
    window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    assert unnamed_controls(window) == []


@pytest.mark.parametrize("action", ["compare_action", "handout_action", "records_action", "clinic_fields_action",
                                    "therapy_text_action", "content_packs_action", "removed_therapies_action"])
def test_each_window_names_every_control(qtbot, window, action):
    window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    other = opened(qtbot, window, action)
    qtbot.waitExposed(other)
    QApplication.processEvents()
    assert unnamed_controls(other) == []
    other.close()


# Roles a user operates, as Qt's accessibility layer hands them to AT-SPI. A screen reader meets
# them in the accessible tree whether or not Tab stops on them: the clear button inside a search
# field, the text field of an editable combo box.
OPERATED = {QAccessible.Role.PushButton, QAccessible.Role.CheckBox, QAccessible.Role.RadioButton,
            QAccessible.Role.ComboBox, QAccessible.Role.EditableText, QAccessible.Role.SpinBox,
            QAccessible.Role.Slider, QAccessible.Role.PageTab, QAccessible.Role.ButtonMenu,
            QAccessible.Role.ButtonDropDown}


def unnamed_in_tree(window: QWidget) -> list[str]:
    """Every element showing in ``window``'s accessible tree with an operated role and no name."""
    found, stack = [], [QAccessible.queryAccessibleInterface(window)]
    while stack:
        node = stack.pop()
        if node is None or not node.isValid() or node.state().invisible:
            continue
        if node.role() in OPERATED and not node.text(QAccessible.Text.Name).strip():
            parent = node.parent()
            found.append(f"{node.role().name} in {parent.role().name if parent else ''} "
                         f"{parent.text(QAccessible.Text.Name) if parent else ''}".strip())
        stack.extend(node.child(index) for index in range(node.childCount()))
    return found


def test_the_search_fields_clear_button_is_named_once_it_shows(qtbot, window):
    field = window.search_panel.search_field
    qtbot.keyClicks(field, "nsaids")
    qtbot.waitUntil(lambda: any(b.isVisible() for b in field.findChildren(QToolButton)))
    assert unnamed_in_tree(window) == []
    button = next(b for b in field.findChildren(QToolButton) if b.isVisible())
    assert QAccessible.queryAccessibleInterface(button).text(QAccessible.Text.Name) == "Clear the search"


@pytest.mark.parametrize("action", ["compare_action", "handout_action", "records_action", "clinic_fields_action",
                                    "therapy_text_action", "content_packs_action", "removed_therapies_action"])
def test_each_window_names_what_a_screen_reader_meets_in_it(qtbot, window, action):
    window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    other = opened(qtbot, window, action)
    qtbot.waitExposed(other)
    QApplication.processEvents()
    assert unnamed_in_tree(other) == []
    other.close()


def test_an_editable_combo_boxs_text_field_carries_the_boxs_name(make_builder):
    builder = make_builder(therapies=("nsaids",))
    field = builder.clinician_combo.lineEdit()
    assert QAccessible.queryAccessibleInterface(field).text(QAccessible.Text.Name) == "Clinician"


@pytest.mark.parametrize("action", ["compare_action", "records_action"])
def test_a_window_of_its_own_is_announced_as_a_window(qtbot, window, action):
    window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    other = opened(qtbot, window, action)
    interface = QAccessible.queryAccessibleInterface(other)
    assert interface.role() == QAccessible.Role.Window
    assert interface.text(QAccessible.Text.Name) == other.windowTitle()
    other.close()


def test_the_clinic_profile_dialog_names_every_control(qtbot, window):
    """The dialog is modal (``exec``): it is looked at from inside its own event loop, then closed."""
    from clinic_app.ui.profile.clinic_profile_dialog import ClinicProfileDialog

    seen: list = []

    def inspect() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, ClinicProfileDialog) and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(20, inspect)
            return
        seen.append((dialog.name_field.isVisible(), unnamed_controls(dialog), unnamed_in_tree(dialog)))
        dialog.reject()

    QTimer.singleShot(0, inspect)
    window.profile_action.trigger()  # returns once the dialog is closed
    assert seen == [(True, [], [])]


def test_a_clinic_therapy_s_remove_button_and_the_removed_therapies_list_are_named(qtbot, store, tmp_path,
                                                                                    make_window):
    """With a therapy the clinic added: its edit dialog (with Remove), then the list of removed
    therapies holding it (the table shows only when something was removed)."""
    import importlib.util
    from pathlib import Path

    from clinic_app.services import clinic_therapies

    spec = importlib.util.spec_from_file_location(
        "clinic_therapy_fixture", Path(__file__).parents[1] / "unit" / "test_clinic_therapies.py")
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)
    fixture.add(store, fixture.write_file(tmp_path, fixture.clinic_document()))
    window = make_window()
    window.search_panel.select_slug(fixture.SLUG)
    window.search_panel._open_current()
    edit = opened(qtbot, window, "therapy_text_action")
    qtbot.waitExposed(edit)
    assert edit.remove_button is not None and edit.remove_button.isVisible()
    assert (unnamed_controls(edit), unnamed_in_tree(edit)) == ([], [])
    edit.close()
    clinic_therapies.remove_therapy(store, fixture.SLUG, by="Dr Lee", why="the class has stopped")
    removed = opened(qtbot, window, "removed_therapies_action")
    qtbot.waitExposed(removed)
    QApplication.processEvents()
    assert removed.view.isVisible() and removed.model.rowCount() == 1
    assert (unnamed_controls(removed), unnamed_in_tree(removed)) == ([], [])
    removed.close()
