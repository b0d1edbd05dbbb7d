"""What a screen reader hears: every control a keyboard can reach in every window has a name, as
Qt's accessibility layer reports it to assistive technology (AT-SPI on Linux), not only as a label
beside it on screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QWidget


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
                                    "therapy_text_action", "content_packs_action"])
def test_each_window_names_every_control(qtbot, window, action):
    window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    other = opened(qtbot, window, action)
    qtbot.waitExposed(other)
    QApplication.processEvents()
    assert unnamed_controls(other) == []
    other.close()
