"""By keyboard and by ear: the filters have labels with their own Alt keys, a shortcut ends the
consultation, and what the status bar says is announced to assistive technology."""

from __future__ import annotations

import re

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from clinic_app.services import library
from clinic_app.ui.browse import main_window


def mnemonic(text: str) -> str:
    found = re.search(r"&([^&])", text)
    return found.group(1).lower() if found else ""


def window_mnemonics(window) -> list[str]:
    """Every Alt key of the window: menu bar, buttons and labelled fields (the visit panel's too)."""
    texts = [a.text() for a in window.menuBar().actions()]
    texts += [w.text() for w in window.findChildren(QAbstractButton) if w.isVisibleTo(window)]
    texts += [w.text() for w in window.findChildren(QLabel) if w.isVisibleTo(window) and w.buddy() is not None]
    return [m for m in map(mnemonic, texts) if m]


# -- labelled filters ------------------------------------------------------------------------------
def test_the_filters_have_labels_that_name_them(window):
    panel = window.search_panel
    for label, combo, name in ((panel.category_label, panel.category_filter, "Category:"),
                               (panel.status_label, panel.status_filter, "Status:"),
                               (panel.condition_label, panel.condition_filter, "Condition:")):
        assert label.buddy() is combo
        assert label.text().replace("&", "") == name
        assert label.isVisibleTo(window)


# Every letter of "Status" is taken during a visit: its U is also the visit panel's "&Up" button (Qt then
# moves the focus between the two on each Alt+U, and presses neither). Every letter of "Condition" is
# taken: that label has no Alt key (the field is first in Tab order).
SHARED_DURING_A_VISIT = {"u"}


@pytest.mark.parametrize("visit_open", [False, True], ids=["browsing", "during a visit"])
def test_the_new_alt_keys_clash_with_nothing_in_the_window(window, visit_open):
    if visit_open:
        window.new_consultation_action.trigger()
    menus = {mnemonic(a.text()) for a in window.menuBar().actions()}
    keys = window_mnemonics(window)
    panel, header = window.search_panel, window.page_header
    for label in (panel.category_label, panel.status_label, header.audience_label, header.jump_label):
        key = mnemonic(label.text())
        assert key and key not in menus, label.text()
        if not (visit_open and key in SHARED_DURING_A_VISIT):
            assert keys.count(key) == 1, (label.text(), keys)
    assert mnemonic(panel.condition_label.text()) == ""
    # the search field is reached with Ctrl+F: no label takes its F
    assert "f" not in {mnemonic(label.text()) for label in (panel.category_label, panel.status_label)}


@pytest.mark.parametrize(("key", "widget"), [(Qt.Key.Key_G, "category_filter"), (Qt.Key.Key_U, "status_filter")])
def test_alt_and_the_label_key_goes_to_the_filter(qtbot, window, key, widget):
    qtbot.keyClick(window, key, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is getattr(window.search_panel, widget)


def test_alt_j_and_alt_y_go_to_the_page_header(qtbot, window):
    window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is window.page_header.jump_combo
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is window.page_header.audience_combo


def test_tab_goes_through_the_panel_in_the_order_it_reads(window):
    panel = window.search_panel
    assert panel.condition_label.buddy() is panel.condition_filter
    expected = [panel.condition_filter, panel.search_field, panel.category_filter, panel.status_filter,
                panel.list_view]
    chain, widget = [], panel.condition_filter
    while len(chain) < len(expected):
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisibleTo(window):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == expected


# -- ending a consultation -------------------------------------------------------------------------
def test_end_consultation_has_a_shortcut_shown_in_its_menu(window):
    action = window.end_consultation_action
    assert action.shortcut().toString() == "Ctrl+Shift+E"
    visit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "Vi&sit")
    assert action in visit_menu.actions()  # a menu shows its actions' shortcuts beside them
    shortcuts = [s.toString() for a in window.actions() for s in a.shortcuts()]
    assert shortcuts.count("Ctrl+Shift+E") == 1


def test_ctrl_shift_e_records_the_visit(qtbot, window, errors):
    window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    window.new_consultation_action.trigger()
    panel = window.consultation_panel
    assert panel.isVisible()
    with qtbot.waitSignal(panel.recorded, timeout=10_000):
        qtbot.keyClick(panel.notes_field, Qt.Key.Key_E,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not panel.isVisible())
    assert not errors and not window.end_consultation_action.isEnabled()


# -- announcements ---------------------------------------------------------------------------------
@pytest.fixture
def announced(monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(main_window, "send_announcement", lambda source, text: said.append(text))
    return said


def type_query(qtbot, window, text: str) -> None:
    field = window.search_panel.search_field
    field.setFocus()
    field.clear()
    qtbot.keyClicks(field, text)


def test_search_results_are_announced_once_the_typing_pauses(qtbot, window, announced):
    type_query(qtbot, window, "plate")
    qtbot.waitUntil(lambda: bool(announced))
    count = window.search_panel.model.therapy_count()
    assert announced == [f"{count} {'therapy' if count == 1 else 'therapies'} found for \u201cplate\u201d."]
    assert window.statusBar().currentMessage() == announced[-1]
    type_query(qtbot, window, "zzqx")
    qtbot.waitUntil(lambda: len(announced) == 2)
    assert announced[-1] == "No therapy matches \u201czzqx\u201d."


def test_a_filter_change_is_announced(qtbot, window, reader, announced):
    panel = window.search_panel
    panel.category_filter.setCurrentIndex(panel.category_filter.findData("medicine"))
    qtbot.waitUntil(lambda: bool(announced))
    medicines = [t for t in library.list_therapies(reader) if t.category == "medicine"]
    assert announced == [f"{len(medicines)} therapies listed."]


def test_adding_to_the_visit_and_recording_it_are_announced(qtbot, window, reader, announced, errors):
    window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    window.new_consultation_action.trigger()
    nsaids = library.get_therapy(reader, "nsaids").name
    assert announced[-1] == f"{nsaids} added to the visit."
    window.search_panel.select_slug("self-care")
    window.search_panel._open_current()
    window.add_to_visit_action.trigger()
    assert announced[-1] == f"{library.get_therapy(reader, 'self-care').name} added to the visit."
    with qtbot.waitSignal(window.consultation_panel.recorded, timeout=10_000) as recorded:
        window.end_consultation_action.trigger()
    assert announced[-1] == f"Consultation #{recorded.args[0]} recorded."
    assert not errors


def test_a_saved_clinic_profile_is_announced(qtbot, window, monkeypatch, announced):
    from clinic_app.ui.profile import clinic_profile_dialog

    class SavingDialog(QObject):
        saved = Signal()

        def __init__(self, store, parent=None):
            super().__init__(parent)

        def exec(self) -> int:
            self.saved.emit()
            return 1

    monkeypatch.setattr(clinic_profile_dialog, "ClinicProfileDialog", SavingDialog)
    window.profile_action.trigger()
    assert announced == ["Clinic profile saved."]


def test_the_announcement_reaches_qt_accessibility(window, monkeypatch):
    sent = []
    monkeypatch.setattr(QtGui.QAccessible, "updateAccessibility",
                        staticmethod(lambda event: sent.append((event.type(), event.message(), event.object()))))
    window.show_status("Consultation #7 recorded.")
    assert sent == [(QtGui.QAccessible.Event.Announcement, "Consultation #7 recorded.", window.statusBar())]
    assert window.statusBar().currentMessage() == "Consultation #7 recorded."


def test_during_a_visit_alt_u_still_reaches_the_status_filter_and_never_presses_up(qtbot, window):
    window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    window.new_consultation_action.trigger()
    panel = window.consultation_panel
    slugs = panel.working_model.slugs()
    reached = set()
    for _ in range(2):  # Qt alternates between the owners of a shared Alt key
        qtbot.keyClick(window, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
        reached.add(QApplication.focusWidget())
    assert window.search_panel.status_filter in reached
    assert panel.working_model.slugs() == slugs  # nothing was moved
