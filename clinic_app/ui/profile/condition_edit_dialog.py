"""A condition's own text, edited in the window: every text field for clinicians and for patients,
its search words and references, its revisions, and a newer shipped text to review
(:mod:`clinic_app.services.condition_edits`).

Built as the therapy's dialog is (:class:`~clinic_app.ui.profile.therapy_edit_dialog.TherapyEditDialog`,
whose service hooks it overrides): the reading grade of patient text measured on a worker as the user
types, every refused problem under its field and nothing stored, writes off the GUI thread through
the operations runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from clinic_app.ui.operations import Change
from clinic_app.ui.profile.therapy_edit_dialog import TherapyEditDialog

if TYPE_CHECKING:
    from clinic_app.storage.store import Store


class ConditionEditDialog(TherapyEditDialog):
    """The text of condition ``slug``: edit fields, see the revisions, revert, review newer shipped text."""

    ENTRY = "condition"
    SETTINGS_KEY = "condition_edit"

    @staticmethod
    def _service():  # noqa: ANN205 - a module
        from clinic_app.services import condition_edits

        return condition_edits

    def _edit_function(self):  # noqa: ANN202
        return self._service().edit_condition

    def _error_type(self) -> type:
        return self._service().ConditionEditError

    def _change_kind(self) -> Change:
        return Change.CONDITION_TEXT

    def _shipped_change(self):  # noqa: ANN202 - condition_edits.ShippedChange or None
        return self._service().shipped_change(self.store, self.slug)

    def _removable(self) -> bool:
        return False  # a condition is always the library's

    def _banner_html(self, change) -> str:  # noqa: ANN001, ARG002
        return ("<b>The shipped text changed since your edit.</b> The condition's page and handouts show the "
                "clinic's text until you keep it or take the shipped text; what the shipped text changed:")


def open_condition_edit(parent: QWidget | None, store: Store, slug: str, name: str = "") -> ConditionEditDialog:
    """Show the dialog for condition ``slug`` (window-modal to ``parent``; deleted when closed)."""
    dialog = ConditionEditDialog(store, slug, name, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog
