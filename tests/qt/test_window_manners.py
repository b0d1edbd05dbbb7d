"""The builder and compare windows on a small screen and by keyboard: they fit the screen, remember
their place, close with Esc or Ctrl+W, and their Alt keys and Tab order do what they say."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from clinic_app.ui.compare.compare_view import open_compare

LAPTOP = (1366 - 40, 768 - 80)  # a 1366×768 laptop, less the window frame, title bar and task bar


def free_area():
    return QGuiApplication.primaryScreen().availableGeometry()


def fits(window) -> None:
    """The window can be as small as a laptop's screen, and opens no larger than this screen."""
    least = window.minimumSizeHint().expandedTo(window.minimumSize())
    assert least.width() <= LAPTOP[0] and least.height() <= LAPTOP[1], least
    area = free_area()
    assert window.width() <= max(area.width(), least.width())
    assert window.height() <= max(area.height(), least.height())


def mnemonics(window) -> list[str]:
    texts = [w.text() for w in window.findChildren(QAbstractButton) if w.isVisibleTo(window)]
    texts += [w.text() for w in window.findChildren(QLabel) if w.isVisibleTo(window) and w.buddy() is not None]
    return [m.group(1).lower() for text in texts for m in [re.search(r"&([^&])", text)] if m]


def test_the_builder_fits_the_screen_opens_on_the_therapies_and_has_one_alt_key_each(qtbot, make_builder):
    builder = make_builder(therapies=("nsaids",))
    fits(builder)
    assert builder.therapy_view.hasFocus() or QApplication.focusWidget() is builder.therapy_view
    keys = mnemonics(builder)
    assert len(keys) == len(set(keys)), sorted(keys)


def test_tab_leaves_the_date_field_and_paper_comes_before_large_print(qtbot, make_builder):
    builder = make_builder(therapies=("nsaids",))
    builder.date_edit.setFocus()
    qtbot.waitUntil(builder.date_edit.hasFocus)
    qtbot.keyClick(builder.date_edit, Qt.Key.Key_Tab)
    assert not builder.date_edit.hasFocus()  # one Tab, not one per day, month and year
    chain, widget = [], builder.paper_combo
    for _ in range(6):
        widget = widget.nextInFocusChain()
        chain.append(widget)
    assert builder.large_print_box in chain


def test_compare_fits_the_screen_closes_on_escape_and_ctrl_w_and_remembers_its_place(qtbot, reader):
    window = open_compare(None, reader, ["nsaids", "self-care"])  # (deleted when closed)
    qtbot.waitExposed(window)
    fits(window)
    size = (window.minimumSizeHint().width(), 500)  # within this (small) test screen
    window.resize(*size)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
    again = open_compare(None, reader, ["nsaids", "self-care"])
    qtbot.waitExposed(again)
    assert (again.width(), again.height()) == size
    again.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is again)
    qtbot.keyClick(again, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not again.isVisible()


def test_help_fits_the_screen_with_its_close_button_in_view(qtbot):
    from clinic_app.ui import help_text, messages

    dialog = messages.help_dialog(None, help_text.help_html())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    area = free_area()
    assert dialog.height() <= area.height() and dialog.width() <= area.width()
    close = dialog.findChild(QAbstractButton)
    assert close is not None and dialog.rect().contains(close.mapTo(dialog, close.rect().bottomRight()))


def test_the_app_has_its_icon_and_a_menu_entry_template(qapp):
    from pathlib import Path

    from clinic_app.ui import app

    app._set_icon()
    assert not qapp.windowIcon().isNull() and not qapp.windowIcon().pixmap(64, 64).isNull()
    entry = (Path(__file__).parents[2] / "packaging" / "clinic-reference.desktop.in").read_text(encoding="utf-8")
    fields = dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)
    assert fields["Exec"] == "@BIN@/clinic-app" and fields["Icon"] == "@ICON@" and fields["Type"] == "Application"
    from clinic_app import APP_ID

    assert fields["StartupWMClass"] == APP_ID  # the name the app gives itself (ui.app.run), so menus match it
