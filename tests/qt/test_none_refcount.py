"""Guard against the PySide6 defect that drops references to None (DESIGN.md, "known traps").

On PySide6 6.12.0 with CPython 3.11, common calls such as QLabel.setText, resize and
setData(None) each lose a reference to None; after some thousands of calls the interpreter
aborts with "Fatal Python error: none_dealloc". Python 3.12 made None immortal, so the count
cannot be observed there.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QLineEdit

from clinic_app.ui.browse.therapy_list import TherapyListModel

CALLS = 3000
MARGIN = 50

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal on Python 3.12+")


def test_common_qt_calls_keep_none_alive(qtbot, reader):
    from clinic_app.services import library

    label = QLabel()
    field = QLineEdit()
    qtbot.addWidget(label)
    qtbot.addWidget(field)
    standard = QStandardItemModel(1, 1)
    item = QStandardItem("x")
    standard.setItem(0, 0, item)
    ours = TherapyListModel()
    ours.set_therapies(library.list_therapies(reader))
    before = sys.getrefcount(None)
    for n in range(CALLS):
        label.setText(f"row {n}")
        label.resize(200 + n % 7, 40)
        field.setText(str(n))
        item.setData(None, Qt.ItemDataRole.UserRole)
        standard.setData(standard.index(0, 0), None, Qt.ItemDataRole.UserRole + 1)
        ours.data(ours.index(n % ours.rowCount(), 0), Qt.ItemDataRole.UserRole + 99)  # returns None
        ours.rowCount(QModelIndex())
    after = sys.getrefcount(None)
    assert after >= before - MARGIN, f"None lost {before - after} references over {CALLS} rounds of Qt calls"
