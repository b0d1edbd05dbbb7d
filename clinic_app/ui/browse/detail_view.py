"""The right side of the window: the selected therapy, readable across a desk, with a zoom that
is remembered between sessions.

The page is never squeezed below a readable measure (:data:`PAGE_MIN_WIDTH`): the list beside it
and the visit panel give way first. Above it, :class:`PageHeader` chooses whose text comes first
(clinician or patient, remembered) and jumps to a section. The page itself is a read-only document
a screen reader can walk: real headings, links, and a caret the arrow keys move; to assistive
technology it is a document whose headings and links are objects of their own (:mod:`.page_outline`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QTextCursor, QTextFormat, QTextOption, QWheelEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTextBrowser, QWidget

from clinic_app.ui.settings_store import AUDIENCES, ZOOM_MAX, ZOOM_MIN

if TYPE_CHECKING:
    from clinic_app.services.library import ConditionDetail, TherapyDetail

BASE_POINT_SIZE = 12.0
# The narrowest the page gets (about 45 characters of body text beside its margins): the list and the
# visit panel yield before it does. With the list at its narrowest beside it, the window fits a
# 1366×768 laptop at 200% scaling (683 logical pixels wide).
PAGE_MIN_WIDTH = 400
AUDIENCE_LABELS = {"clinician": "Clinician", "patient": "Patient"}

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
    audience_changed = Signal(str)  # "clinician" or "patient": whose text comes first
    page_changed = Signal()  # a new page (or a new order of it): its sections may differ

    def __init__(self, parent: QWidget | None = None, zoom: int = 0, audience: str = AUDIENCES[0]) -> None:
        super().__init__(parent)
        from clinic_app.ui.browse import page_outline

        # first: the page's accessible object (a document of headings and links) needs its outline
        self.outline = page_outline.PageOutline(self)
        page_outline.install()
        self.setObjectName("detailView")
        self.setAccessibleName("Therapy page")
        self.setAccessibleDescription("The therapy or condition chosen in the list. Arrow keys move through the "
                                      "text; Tab moves between links.")
        self.setMinimumWidth(PAGE_MIN_WIDTH)
        # wrap at word boundaries only: a word too long for the line never breaks in the middle
        self.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        self._keyboard_reading = False
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.document().setDocumentMargin(28)
        self._detail: TherapyDetail | None = None
        self._condition_page: ConditionDetail | None = None
        self._condition = ""
        self._message = ""
        self._zoom = max(ZOOM_MIN, min(ZOOM_MAX, zoom))
        self._audience = audience if audience in AUDIENCES else AUDIENCES[0]
        self._clinic_fields_source: Callable[[str], dict[str, str]] | None = None
        self._watching_clinic_fields = False
        self._render()

    def enable_keyboard_reading(self) -> None:
        """Links by Tab and Enter, and a caret the arrow keys move (to read line by line and select),
        on a read-only page. Set with the first content, after the first paint: naming the flags
        builds PySide's Qt namespace, which would delay that paint."""
        if self._keyboard_reading:
            return
        flags = QtCore.Qt.TextInteractionFlag
        self.setReadOnly(True)  # first: setReadOnly resets the interaction flags
        self.setTextInteractionFlags(flags.TextBrowserInteraction | flags.TextSelectableByKeyboard)
        self._keyboard_reading = True

    @property
    def audience(self) -> str:
        """Whose text the page puts first: "clinician" or "patient"."""
        return self._audience

    def set_audience(self, audience: str) -> None:
        if audience not in AUDIENCES or audience == self._audience:
            return
        self._audience = audience
        if self._detail is not None or self._condition_page is not None:
            self._render()
            self.verticalScrollBar().setValue(0)
        self.audience_changed.emit(audience)

    def sections(self) -> list[tuple[str, str, int]]:
        """The page's headings that can be jumped to, in order: (text, anchor, level 1–3)."""
        found = []
        block = self.document().begin()
        while block.isValid():
            level = block.blockFormat().headingLevel()
            if 1 <= level <= 3:
                names = []
                it = block.begin()
                while not it.atEnd() and not names:
                    names = it.fragment().charFormat().anchorNames()
                    it += 1
                if names:
                    found.append((" ".join(block.text().split()), names[0], level))
            block = block.next()
        return found

    def jump_to(self, anchor: str) -> None:
        """Scroll the section ``anchor`` to the top and put the caret at its heading, so reading
        (and a screen reader) goes on from there."""
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                if anchor in it.fragment().charFormat().anchorNames():
                    self.setTextCursor(QTextCursor(block))
                    self.scrollToAnchor(anchor)
                    return
                it += 1
            block = block.next()

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
        self._watch_clinic_fields()
        self._render()
        self.verticalScrollBar().setValue(0)

    def set_clinic_fields_source(self, source: Callable[[str], dict[str, str]]) -> None:
        """Where the page reads a therapy's clinic fields again (slug -> {key: words}) when a save or
        revert changed them (:data:`~clinic_app.ui.operations.Change.CLINIC_FIELDS`)."""
        self._clinic_fields_source = source

    def _watch_clinic_fields(self) -> None:
        if self._watching_clinic_fields or self._clinic_fields_source is None:
            return
        from clinic_app.ui.operations import Change, on_change  # with the first therapy: after the first paint

        on_change(self, {Change.CLINIC_FIELDS}, self.refresh_clinic_fields)
        self._watching_clinic_fields = True

    def refresh_clinic_fields(self) -> None:
        """Show the clinic's fields of the therapy on screen as they are stored now (one small query);
        the page stays where it was scrolled to."""
        from dataclasses import replace

        from clinic_app.errors import ClinicAppError

        detail, source = self._detail, self._clinic_fields_source
        if detail is None or source is None:
            return
        try:
            fields = source(detail.slug)
        except ClinicAppError:  # the store is busy: the page keeps what it showed
            return
        if fields == detail.clinic:
            return
        self._detail = replace(detail, clinic=dict(fields))
        position = self.verticalScrollBar().value()
        self._render()
        self.verticalScrollBar().setValue(position)

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
        if self._detail is not None or self._condition_page is not None or self._message:
            self.enable_keyboard_reading()  # after the first paint (the welcome page is that paint)
        if self._detail is not None:
            from clinic_app.ui.browse import detail_html  # first needed after the first paint

            self.setHtml(detail_html.render(self._detail, base, self._condition or None, self._audience))
        elif self._condition_page is not None:
            from clinic_app.ui.browse import detail_html

            self.setHtml(detail_html.render_condition(self._condition_page, base, self._audience))
        elif self._message:
            from html import escape

            self.setHtml(f'<p style="font-size:{base * 1.1:.1f}pt; margin-top:30px;">{escape(self._message)}</p>')
        else:
            self.setHtml(_WELCOME.format(title=base * 1.6, body=base * 1.1))
        if self._detail is not None or self._condition_page is not None:
            self._keep_heading_sizes()
        self.page_changed.emit()

    def _keep_heading_sizes(self) -> None:
        """Qt gives ``<h1>``–``<h6>`` a font size adjustment that overrides the size the HTML states
        (so the zoom would not reach them); drop it, keeping the heading level."""
        adjustment = QTextFormat.Property.FontSizeAdjustment
        spans = []
        block = self.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel():
                it = block.begin()
                while not it.atEnd():
                    fragment = it.fragment()
                    if fragment.charFormat().hasProperty(adjustment):
                        spans.append((fragment.position(), fragment.length(), fragment.charFormat()))
                    it += 1
            block = block.next()
        if not spans:
            return
        document = self.document()
        cursor = QTextCursor(document)
        cursor.beginEditBlock()
        for position, length, form in spans:  # after the walk: changing formats merges fragments
            form.clearProperty(adjustment)
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(form)
        cursor.endEditBlock()
        # the layout redoes only the edited blocks and leaves what follows a heading unpainted: redo it all
        document.markContentsDirty(0, document.characterCount())


class PageHeader(QWidget):
    """Above the page: whose text comes first (Clinician / Patient) and a "Jump to" list of the
    page's sections. Its Alt keys (Y, J) are free in the window: the menus take F, V, S, C and H,
    the visit panel A, D, E, I, L, M, N, O, P, R, T, U and W, the list's filters G and U."""

    def __init__(self, view: DetailView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pageHeader")
        self.view = view
        self.audience_combo = QComboBox(self)
        self.audience_combo.setAccessibleName("Display first")
        self.audience_combo.setToolTip("Whose text the therapy page shows first")
        for key in AUDIENCES:
            self.audience_combo.addItem(AUDIENCE_LABELS[key], key)
        self.audience_combo.setCurrentIndex(AUDIENCES.index(view.audience))
        self.jump_combo = QComboBox(self)
        self.jump_combo.setAccessibleName("Jump to section")
        self.jump_combo.setToolTip("Go to a section of the page")
        self.audience_label = QLabel("Displa&y first:", self)
        self.audience_label.setBuddy(self.audience_combo)
        self.jump_label = QLabel("&Jump to:", self)
        self.jump_label.setBuddy(self.jump_combo)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 6)
        row.setSpacing(6)
        row.addWidget(self.audience_label)
        row.addWidget(self.audience_combo)
        row.addSpacing(12)
        row.addWidget(self.jump_label)
        row.addWidget(self.jump_combo, 1)
        self._sized = False
        self.audience_combo.currentIndexChanged.connect(self._on_audience_chosen)
        self.jump_combo.activated.connect(self._on_jump_chosen)
        view.audience_changed.connect(self._on_audience_changed)
        view.page_changed.connect(self.refresh_sections)
        self.refresh_sections()

    @Slot()
    def refresh_sections(self) -> None:
        """The jump list of the page now shown ("Top of page", its parts and, indented, their sections)."""
        sections = self.view.sections()
        if sections and not self._sized:  # after the first paint: see DetailView.enable_keyboard_reading
            self.jump_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            self.jump_combo.setMinimumContentsLength(12)
            self._sized = True
        self.jump_combo.clear()
        for text, anchor, level in sections:
            label = "Top of page" if level == 1 else ("\u2003" * (level - 2)) + text
            self.jump_combo.addItem(label, anchor)
        self.jump_combo.setEnabled(bool(sections))

    @Slot(int)
    def _on_audience_chosen(self, index: int) -> None:
        self.view.set_audience(self.audience_combo.itemData(index))

    @Slot(str)
    def _on_audience_changed(self, audience: str) -> None:
        index = self.audience_combo.findData(audience)
        if index >= 0 and index != self.audience_combo.currentIndex():
            self.audience_combo.setCurrentIndex(index)

    @Slot(int)
    def _on_jump_chosen(self, index: int) -> None:
        anchor = self.jump_combo.itemData(index)
        if anchor:
            self.view.jump_to(anchor)
            self.view.setFocus()
