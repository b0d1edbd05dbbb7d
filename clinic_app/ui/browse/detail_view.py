"""The right side of the window: the selected therapy, readable across a desk, with a zoom that
is remembered between sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QWheelEvent
from PySide6.QtWidgets import QTextBrowser, QWidget

from clinic_app.ui.settings_store import ZOOM_MAX, ZOOM_MIN

if TYPE_CHECKING:
    from clinic_app.services.library import ConditionDetail, TherapyDetail

BASE_POINT_SIZE = 12.0

_WELCOME = (
    '<p style="font-size:{title:.1f}pt; font-weight:700; margin-top:30px;">Find a therapy</p>'
    '<p style="font-size:{body:.1f}pt; color:#505050;">Type a few letters in the search field '
    "(Ctrl+F), move to a result with the Down arrow and press Enter to open it here.</p>"
)


class DetailView(QTextBrowser):
    """Shows one :class:`TherapyDetail` (or a :class:`ConditionDetail`) as HTML; content is always
    escaped, never markup. A therapy is shown for the condition chosen in the list, if any."""

    zoom_changed = Signal(int)
    therapy_link_activated = Signal(str)  # a slug, from a condition page's list of options

    def __init__(self, parent: QWidget | None = None, zoom: int = 0) -> None:
        super().__init__(parent)
        self.setObjectName("detailView")
        self.setAccessibleName("Therapy details")
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.document().setDocumentMargin(28)
        self._detail: TherapyDetail | None = None
        self._condition_page: ConditionDetail | None = None
        self._condition = ""
        self._message = ""
        self._zoom = max(ZOOM_MIN, min(ZOOM_MAX, zoom))
        self._render()

    @property
    def detail(self) -> TherapyDetail | None:
        return self._detail

    @property
    def zoom(self) -> int:
        return self._zoom

    def base_point_size(self) -> float:
        return BASE_POINT_SIZE + self._zoom

    @property
    def condition_page(self) -> ConditionDetail | None:
        return self._condition_page

    def show_therapy(self, detail: TherapyDetail) -> None:
        self._detail = detail
        self._condition_page = None
        self._message = ""
        self._render()
        self.verticalScrollBar().setValue(0)

    def show_condition(self, condition: ConditionDetail) -> None:
        self._detail = None
        self._condition_page = condition
        self._message = ""
        self._render()
        self.verticalScrollBar().setValue(0)

    def set_condition(self, slug: str) -> None:
        """The condition chosen for the patient: a therapy's note for it comes first."""
        if slug != self._condition:
            self._condition = slug
            if self._detail is not None:
                self._render()

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "therapy":
            self.therapy_link_activated.emit(url.path())
        elif url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)

    def show_message(self, text: str) -> None:
        """A plain sentence instead of a therapy (for example while the library is prepared)."""
        self._detail = None
        self._condition_page = None
        self._message = text
        self._render()

    def set_zoom(self, steps: int) -> None:
        steps = max(ZOOM_MIN, min(ZOOM_MAX, steps))
        if steps == self._zoom:
            return
        position = self.verticalScrollBar().value() / max(1, self.verticalScrollBar().maximum())
        self._zoom = steps
        self._render()
        self.verticalScrollBar().setValue(round(position * self.verticalScrollBar().maximum()))
        self.zoom_changed.emit(steps)

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom + 1)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom - 1)

    def reset_zoom(self) -> None:
        self.set_zoom(0)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Ctrl+wheel zooms in steps, like Ctrl++
        if event.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.set_zoom(self._zoom + (1 if delta > 0 else -1))
            event.accept()
            return
        super().wheelEvent(event)

    def _render(self) -> None:
        base = self.base_point_size()
        if self._detail is not None:
            from clinic_app.ui.browse import detail_html  # first needed after the first paint

            self.setHtml(detail_html.render(self._detail, base, self._condition or None))
        elif self._condition_page is not None:
            from clinic_app.ui.browse import detail_html

            self.setHtml(detail_html.render_condition(self._condition_page, base))
        elif self._message:
            from html import escape

            self.setHtml(f'<p style="font-size:{base * 1.1:.1f}pt; margin-top:30px;">{escape(self._message)}</p>')
        else:
            self.setHtml(_WELCOME.format(title=base * 1.6, body=base * 1.1))
