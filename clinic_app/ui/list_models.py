"""The two list models every window's short lists are made of.

:class:`ItemListModel` shows a sequence of plain items (checklist lines, preview pages, the visit's
therapies); a subclass only says what a row shows for a role (:meth:`ItemListModel.show`).
:class:`ChoiceListModel` adds a tick box to each row: what is ticked is read in the list's order
(:meth:`ChoiceListModel.chosen`), and ``chosen_changed`` fires when a tick changes (the therapies
on a handout, the comparison rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole  # a row's key (a therapy's slug, a comparison row's key)


class ItemListModel(QAbstractListModel):
    def __init__(self, parent=None, items: Iterable[Any] = ()) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._items: list[Any] = list(items)

    def set_items(self, items: Iterable[Any]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def items(self) -> tuple[Any, ...]:
        return tuple(self._items)

    def item(self, row: int) -> Any:  # noqa: ANN401
        return self._items[row] if 0 <= row < len(self._items) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        return self.show(self._items[index.row()], role)

    def show(self, item: Any, role: int) -> Any:  # noqa: ANN401
        """What ``item``'s row shows for ``role`` (None for nothing)."""
        raise NotImplementedError

    def _changed_all(self, roles: Sequence[int]) -> None:
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1), list(roles))


class ChoiceListModel(ItemListModel):
    chosen_changed = Signal()

    def __init__(self, parent=None, items: Iterable[Any] = (), chosen: Iterable[str] = ()) -> None:  # noqa: ANN001
        super().__init__(parent, items)
        self._chosen: set[str] = set(chosen) & set(self.all_keys())

    def key(self, item: Any) -> str:  # noqa: ANN401
        """The key a row is chosen by."""
        raise NotImplementedError

    def all_keys(self) -> list[str]:
        return [self.key(item) for item in self._items]

    def chosen(self) -> list[str]:
        """The ticked keys, in the list's order."""
        return [key for key in self.all_keys() if key in self._chosen]

    def set_items(self, items: Iterable[Any], chosen: Iterable[str] | None = None) -> None:
        """New rows; every one ticked unless ``chosen`` says which."""
        self.beginResetModel()
        self._items = list(items)
        keys = set(self.all_keys())
        self._chosen = keys if chosen is None else set(chosen) & keys
        self.endResetModel()

    def set_chosen(self, keys: Iterable[str]) -> None:
        wanted = set(keys) & set(self.all_keys())
        if wanted == self._chosen:
            return
        self._chosen = wanted
        self._changed_all([Qt.ItemDataRole.CheckStateRole])
        self.chosen_changed.emit()

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        item = self.item(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if self.key(item) in self._chosen else Qt.CheckState.Unchecked
        if role == KEY_ROLE:
            return self.key(item)
        return self.show(item, role)

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802, ANN001
        item = self.item(index.row()) if index.isValid() else None
        if item is None or role != Qt.ItemDataRole.CheckStateRole:
            return False
        key = self.key(item)
        checked = value if isinstance(value, bool) else Qt.CheckState(value) == Qt.CheckState.Checked
        if checked == (key in self._chosen):
            return True
        (self._chosen.add if checked else self._chosen.discard)(key)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.chosen_changed.emit()
        return True
