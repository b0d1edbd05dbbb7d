"""The main window: the search panel on the left, the therapy on the right, and the menus.

It only wires things together; searching and listing live in :mod:`.search_panel`, the page in
:mod:`.detail_view`, and what is remembered in :mod:`.settings_store`.

Room to read: the page keeps its readable width (``PAGE_MIN_WIDTH``) when the visit panel opens;
the list narrows first, then the panel. What the window says in its status bar (search results, a
therapy added to the visit, a consultation recorded, a save) is also announced to assistive
technology (:func:`send_announcement`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QColor, QKeySequence, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QPushButton, QSplitter, QVBoxLayout, QWidget

from clinic_app import APP_NAME
from clinic_app.errors import ClinicAppError
from clinic_app.ui import messages
from clinic_app.ui.browse.detail_view import AUDIENCE_LABELS, DetailView, PageHeader
from clinic_app.ui.browse.search_panel import SearchPanel
from clinic_app.ui.settings_store import AUDIENCES, UiSettings
from clinic_app.ui.status_colours import PLACEHOLDER_TEXT

SELF_CARE = "self-care"
END_CONSULTATION_KEYS = "Ctrl+Shift+E"
STATUS_SHOWN_MS = 15_000  # how long an announcement stays in the status bar


def send_announcement(source: QWidget, text: str) -> None:
    """Have assistive technology say ``text`` (politely: after what it is reading), from ``source``.

    Qt 6.8 and later send an announcement event; before it, the live label ``source`` takes the
    text as its accessible name and tells that it changed, which screen readers read out."""
    try:
        from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
    except ImportError:  # an older Qt: the name-changed event of a live label
        from PySide6.QtGui import QAccessible, QAccessibleEvent

        source.setAccessibleName(text)
        QAccessible.updateAccessibility(QAccessibleEvent(source, QAccessible.Event.NameChanged))
        return
    event = QAccessibleAnnouncementEvent(source, text)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)

if TYPE_CHECKING:
    from clinic_app.storage.store import Store


class MainWindow(QMainWindow):
    def __init__(self, ui_settings: UiSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = ui_settings if ui_settings is not None else UiSettings()
        self._store: Store | None = None
        self._current_slug: str | None = None
        self.consultation_panel = None
        self.records_window = None
        self.setWindowTitle(APP_NAME)
        self._readable_placeholders()
        self.search_panel = SearchPanel(self)
        self.detail_view = DetailView(self, zoom=self.settings.zoom, audience=self.settings.audience)
        self.page = QWidget(self)
        self.page_header = PageHeader(self.detail_view, self.page)
        page_column = QVBoxLayout(self.page)
        page_column.setContentsMargins(0, 12, 12, 12)
        page_column.setSpacing(0)
        page_column.addWidget(self.page_header)
        page_column.addWidget(self.detail_view, 1)
        self.splitter = QSplitter()  # horizontal; QSplitter(self) would make PySide build every Qt enum
        self.splitter.addWidget(self.search_panel)
        self.splitter.addWidget(self.page)
        # the page takes what the window gains and loses (down to its readable width), the list keeps its width
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([400, 800])
        self.setup_bar = self._setup_bar()
        body = QWidget(self)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.setup_bar)
        column.addWidget(self.splitter, 1)
        self.setCentralWidget(body)
        self.warning_label = QLabel(self)
        self.warning_label.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.warning_label.setWordWrap(False)
        self.warning_label.hide()
        self.statusBar().addPermanentWidget(self.warning_label)
        self.held_label = QLabel(self)  # on a clinic's server: records this room holds until it is back
        self.held_label.setStyleSheet("color: #8a4b00; font-weight: 600;")
        self.held_label.hide()
        self.statusBar().addPermanentWidget(self.held_label)
        self.library_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.library_label)
        self._build_menus()
        self._update_visit_actions()
        self.search_panel.therapy_opened.connect(self._on_therapy_opened)
        self.search_panel.condition_changed.connect(self._on_condition_changed)
        self.detail_view.therapy_link_activated.connect(self._on_therapy_link)
        self.detail_view.zoom_changed.connect(self._on_zoom_changed)
        self.detail_view.audience_changed.connect(self._on_audience_changed)
        self.search_panel.announcement.connect(self.show_status)
        self._restore_layout()
        self.search_panel.search_field.setFocus()

    def _readable_placeholders(self) -> None:
        """Placeholder text ("Search therapies") dark enough to read (6.4:1), in the window and its panels."""
        palette = self.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, QPalette.ColorRole.PlaceholderText, QColor(PLACEHOLDER_TEXT))
        self.setPalette(palette)

    def _setup_bar(self) -> QWidget:
        """Shown until the clinic has a name and phone (or the user says not now): both print on
        every handout, and a handout without them has blank lines instead."""
        bar = QWidget(self)
        bar.setObjectName("setupBar")
        bar.setStyleSheet("#setupBar { background: #fff4d6; border-bottom: 1px solid #d9b44a; }")
        row = QHBoxLayout(bar)
        row.setContentsMargins(12, 6, 12, 6)
        self.setup_label = QLabel("Set up your clinic: its name and phone number print on every handout.", bar)
        self.setup_label.setWordWrap(True)
        self.setup_button = QPushButton("Set up clinic\u2026", bar)
        self.setup_later_button = QPushButton("Not now", bar)
        row.addWidget(self.setup_label, 1)
        row.addWidget(self.setup_button)
        row.addWidget(self.setup_later_button)
        self.setup_button.clicked.connect(self._on_profile_requested)
        self.setup_later_button.clicked.connect(self._on_setup_later)
        bar.hide()
        return bar

    def _update_setup_bar(self) -> None:
        from clinic_app.services.clinic import load_profile, missing_contact

        missing = missing_contact(load_profile(self._store)) if self._store is not None else []
        location = getattr(self._store, "location", None)
        if missing and location is not None:  # the first start: greet the clinic and say where its data is
            where = (f"Your clinic's data is on its server ({location.shown_url}), backed up there by the clinic's IT; "
                     f"this room keeps its own copy of the library in {location.data_dir}." if location.is_server else
                     f"Your data stays on this computer, in {location.data_dir}; it is backed up automatically once a "
                     "day, when the app opens.")
            self.setup_label.setText(
                "Welcome to Clinic Reference. Set up your clinic: its name and phone number print on every "
                f"handout, and its clinicians are offered when you record a visit. {where}")
        self.setup_bar.setVisible(bool(missing) and not self.settings.clinic_setup_later)

    @Slot()
    def _on_setup_later(self) -> None:
        self.settings.clinic_setup_later = True
        self.setup_bar.hide()

    def _action(self, text: str, shortcuts: list, slot, tip: str = "") -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.handout_action = self._action("Patient &handout…", [QKeySequence.StandardKey.Print],
                                           self._on_handout_requested,
                                           "Make a handout for the patient from the therapy on screen (Ctrl+P)")
        self.profile_action = self._action("Clinic &profile…", [], self._on_profile_requested,
                                           "Letterhead, logo, clinicians, disclaimer and print defaults")
        self.clinic_fields_action = self._action("Clinic's own &fields…", [], self._on_clinic_fields_requested,
                                                 "The clinic's cost, contact, protocol notes and whether it offers "
                                                 "the therapy on screen, with their history")
        self.clinic_fields_action.setEnabled(False)  # until a therapy is shown
        self.therapy_text_action = self._action("Edit this therapy's &text…", [], self._on_therapy_text_requested,
                                                "Edit the text of the therapy on screen, with its revisions and any "
                                                "newer shipped text to review")
        self.therapy_text_action.setEnabled(False)  # until a therapy is shown
        self.condition_text_action = self._action("Edit the chosen &condition's text…", [],
                                                  self._on_condition_text_requested,
                                                  "Edit the text, search words and references of the condition "
                                                  "chosen in the list, with its revisions")
        self.condition_text_action.setEnabled(False)  # until a condition is chosen
        self.content_packs_action = self._action("Content pac&ks…", [], self._on_content_packs_requested,
                                                 "Export the clinic's own content to a pack, or import one from "
                                                 "another install")
        self.removed_therapies_action = self._action("Re&moved therapies…", [], self._on_removed_therapies_requested,
                                                     "Therapies the clinic added and then removed: when, who and "
                                                     "why, and restore one")
        self.detail_view.page_changed.connect(self._update_clinic_fields_action)
        self.detail_view.set_clinic_fields_source(self._clinic_fields_of)
        file_menu.addAction(self.handout_action)
        file_menu.addSeparator()
        file_menu.addAction(self.clinic_fields_action)
        file_menu.addAction(self.therapy_text_action)
        file_menu.addAction(self.condition_text_action)
        file_menu.addAction(self.removed_therapies_action)
        file_menu.addAction(self.content_packs_action)
        file_menu.addAction(self.profile_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", ["Ctrl+Q"], self.close, "Close Clinic Reference"))
        view = bar.addMenu("&View")
        self.find_action = self._action("&Find therapy", [QKeySequence.StandardKey.Find], self._on_find_requested,
                                        "Go to the search field")
        view.addAction(self.find_action)
        view.addSeparator()
        self.zoom_in_action = self._action("Zoom &in", [QKeySequence.StandardKey.ZoomIn, "Ctrl+="],
                                           self.detail_view.zoom_in, "Larger therapy text")
        self.zoom_out_action = self._action("Zoom &out", [QKeySequence.StandardKey.ZoomOut],
                                            self.detail_view.zoom_out, "Smaller therapy text")
        self.zoom_reset_action = self._action("&Normal size", ["Ctrl+0"], self.detail_view.reset_zoom,
                                              "Therapy text at its normal size")
        for action in (self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action):
            view.addAction(action)
        view.addSeparator()
        self.audience_group = QActionGroup(self)
        self.audience_actions: dict[str, QAction] = {}
        for key, text in zip(AUDIENCES, ("&Clinician's text first", "&Patient's text first"), strict=True):
            action = QAction(text, self)
            action.setStatusTip(f"The therapy page starts with the {AUDIENCE_LABELS[key].lower()}'s text")
            action.setData(key)
            action.setCheckable(True)
            action.setChecked(key == self.detail_view.audience)
            self.audience_group.addAction(action)
            self.audience_actions[key] = action
            view.addAction(action)
        # a bound method, not a lambda holding the window: that would keep a closed window alive
        self.audience_group.triggered.connect(self._on_audience_action)
        visit = bar.addMenu("Vi&sit")
        self.new_consultation_action = self._action("&New consultation", [QKeySequence.StandardKey.New],
                                                    self._on_new_consultation, "Start a visit: therapies discussed, "
                                                    "what matters, handouts, notes (Ctrl+N)")
        self.add_to_visit_action = self._action("&Add shown therapy to the visit", ["Ctrl+D"], self._on_add_to_visit,
                                                "Put the therapy on screen on the visit's list (Ctrl+D)")
        self.end_consultation_action = self._action("&End consultation", [END_CONSULTATION_KEYS],
                                                    self._on_end_consultation,
                                                    f"Record the visit and close its panel ({END_CONSULTATION_KEYS})")
        self.records_action = self._action("Consultation &records…", ["Ctrl+Shift+R"], self._on_records_requested,
                                           "Past consultations, reprints, usage")
        for action in (self.new_consultation_action, self.add_to_visit_action, self.end_consultation_action):
            visit.addAction(action)
        visit.addSeparator()
        visit.addAction(self.records_action)
        compare = bar.addMenu("&Compare")
        self.compare_action = self._action("&Compare options…", ["Ctrl+Shift+C"], self._on_compare_requested,
                                           "Put the selected therapy side by side with others")
        compare.addAction(self.compare_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&Help", ["F1"],
                                         self._on_help_requested, "Keyboard shortcuts and commands"))
        help_menu.addAction(self._action("&About Clinic Reference", [], self._on_about_requested))

    # -- the clinic's own fields (File menu) ------------------------------------------------
    @Slot()
    def _update_clinic_fields_action(self) -> None:
        self.clinic_fields_action.setEnabled(self.detail_view.detail is not None)
        self.therapy_text_action.setEnabled(self.detail_view.detail is not None)

    def _clinic_fields_of(self, slug: str) -> dict[str, str]:
        """The clinic's fields of ``slug`` as stored now: the page reads them again after a change."""
        from clinic_app.services.clinic_fields import fields_for

        return fields_for(self._store, slug) if self._store is not None else {}

    @Slot()
    def _on_clinic_fields_requested(self) -> None:
        detail = self.detail_view.detail
        if detail is not None:
            self.open_clinic_fields(detail.slug, detail.name)

    def open_clinic_fields(self, slug: str, name: str = ""):  # noqa: ANN201 - ClinicFieldsDialog
        """The clinic's own fields of ``slug``, in a dialog over this window (one at a time); when the
        clinic set an edit passphrase, it is asked first (the passphrase dialog is returned)."""
        from clinic_app.ui.profile.therapy_edit_dialog import guarded

        if self._store is None:
            return None
        return guarded(self, self._store, "editing the clinic's own fields", lambda: self._open_clinic_fields(slug, name))

    def _open_clinic_fields(self, slug: str, name: str = ""):  # noqa: ANN202 - ClinicFieldsDialog
        from clinic_app.ui.profile.clinic_fields_dialog import open_clinic_fields

        return self._one_dialog("clinic_fields_dialog", slug, lambda: open_clinic_fields(self, self._store, slug, name))

    def _one_dialog(self, attribute: str, slug: str, make):  # noqa: ANN001, ANN202 - a dialog
        """One edit dialog of a kind at a time: the one open for ``slug`` comes forward, one open for
        another therapy closes, and ``make`` opens the new one (kept in ``attribute``)."""
        current = getattr(self, attribute, None)
        try:
            if current is not None and current.isVisible():
                if current.slug == slug:
                    current.activateWindow()
                    return current
                current.close()
        except RuntimeError:  # closed and deleted already
            pass
        dialog = make()
        dialog.saved.connect(self._on_clinic_fields_saved)
        setattr(self, attribute, dialog)
        return dialog

    @Slot(str)
    def _on_clinic_fields_saved(self, text: str) -> None:
        self.show_status(text)

    # -- content packs (File menu) -----------------------------------------------------------------
    @Slot()
    def _on_content_packs_requested(self) -> None:
        self.open_content_packs()

    def open_content_packs(self):  # noqa: ANN201 - ContentPacksDialog (or the passphrase dialog first)
        """Export or import the clinic's own content; an import changes text, so the edit passphrase
        is asked first when the clinic set one."""
        from clinic_app.ui.profile.content_packs_dialog import open_content_packs
        from clinic_app.ui.profile.therapy_edit_dialog import guarded

        if self._store is None:
            return None

        def make():  # noqa: ANN202
            self.content_packs_dialog = open_content_packs(self, self._store)
            self.content_packs_dialog.saved.connect(self._on_clinic_fields_saved)
            return self.content_packs_dialog

        return guarded(self, self._store, "importing or exporting the clinic's content", make)

    # -- removed therapies (File menu) ------------------------------------------------------------
    @Slot()
    def _on_removed_therapies_requested(self) -> None:
        self.open_removed_therapies()

    def open_removed_therapies(self):  # noqa: ANN201 - RemovedTherapiesDialog (or the passphrase dialog first)
        """The therapies the clinic removed, to restore one; a restore changes the library, so the edit
        passphrase is asked first when the clinic set one."""
        from clinic_app.ui.profile.removed_therapies_dialog import open_removed_therapies
        from clinic_app.ui.profile.therapy_edit_dialog import guarded

        if self._store is None:
            return None

        def make():  # noqa: ANN202
            self.removed_therapies_dialog = open_removed_therapies(self, self._store)
            self.removed_therapies_dialog.saved.connect(self._on_clinic_fields_saved)
            return self.removed_therapies_dialog

        return guarded(self, self._store, "restoring a removed therapy", make)

    # -- the therapy's own text (File menu) --------------------------------------------------
    @Slot()
    def _on_therapy_text_requested(self) -> None:
        detail = self.detail_view.detail
        if detail is not None:
            self.open_therapy_text(detail.slug, detail.name)

    def open_therapy_text(self, slug: str, name: str = ""):  # noqa: ANN201 - TherapyEditDialog
        """The text of ``slug``, in a dialog over this window (one at a time); when the clinic set an
        edit passphrase, it is asked first (the passphrase dialog is returned)."""
        from clinic_app.ui.profile.therapy_edit_dialog import guarded

        if self._store is None:
            return None
        return guarded(self, self._store, "editing a therapy's text", lambda: self._open_therapy_text(slug, name))

    def _open_therapy_text(self, slug: str, name: str = ""):  # noqa: ANN202 - TherapyEditDialog
        from clinic_app.ui.profile.therapy_edit_dialog import open_therapy_edit

        return self._one_dialog("therapy_text_dialog", slug, lambda: open_therapy_edit(self, self._store, slug, name))

    # -- the condition's own text (File menu) ------------------------------------------------
    @Slot()
    def _on_condition_text_requested(self) -> None:
        if self.current_condition():
            self.open_condition_text(self.current_condition())

    def open_condition_text(self, slug: str):  # noqa: ANN201 - ConditionEditDialog
        """The text of condition ``slug``, in a dialog over this window (one at a time); when the
        clinic set an edit passphrase, it is asked first (the passphrase dialog is returned)."""
        from clinic_app.ui.profile.condition_edit_dialog import open_condition_edit
        from clinic_app.ui.profile.therapy_edit_dialog import guarded

        if self._store is None:
            return None
        return guarded(self, self._store, "editing a condition's text", lambda: self._one_dialog(
            "condition_text_dialog", slug, lambda: open_condition_edit(self, self._store, slug)))

    def _reshow_condition(self) -> None:
        """A condition's text changed: the condition's page, when it is on screen, shows it as stored now."""
        if self.current_condition() and not self._current_slug:
            self._on_condition_changed(self.current_condition())

    def _on_therapies_changed(self) -> None:
        """A therapy's text changed, or a therapy was removed or restored: the list is read again (the
        row chosen stays chosen while it is listed) and the page shows the therapy on screen as stored
        now, or says it was removed."""
        chosen = self.search_panel.current_slug()
        self.search_panel.set_store(self._store)
        if chosen:
            self.search_panel.select_slug(chosen)
        self._reopen_shown_therapy()

    def _reopen_shown_therapy(self) -> None:
        """The page shows the therapy on screen again, as stored now (a message when it is gone)."""
        from clinic_app.services.clinic_therapies import list_removed

        detail = self.detail_view.detail
        if detail is None:
            return
        if detail.slug in {removed.slug for removed in list_removed(self._store)}:
            self.detail_view.show_message(f"{detail.name} was removed from the library. "
                                          "File → Removed therapies… can restore it.")
            self._current_slug = None
            self.setWindowTitle(APP_NAME)
            if self.settings.last_therapy == detail.slug:
                self.settings.last_therapy = ""
            return
        self._open(detail.slug, remember=False)

    # -- data ------------------------------------------------------------------------------
    def set_store(self, store: Store, reopen_last: bool = True) -> None:
        """Fill the list from ``store`` and reopen the therapy selected last time (or, with
        ``reopen_last`` False, select it and leave its page to :meth:`reopen_last`: at start the
        list is painted first, then the page)."""
        from clinic_app.services import library  # after the first paint: see search_panel
        from clinic_app.ui.operations import Change, on_change

        self._store = store
        self.detail_view.enable_keyboard_reading()  # after the first paint, like the rest of this
        self.search_panel.set_store(store)
        self._update_setup_bar()
        on_change(self, {Change.CLINIC_PROFILE}, self._update_setup_bar)
        on_change(self, {Change.THERAPY_TEXT}, self._on_therapies_changed)
        on_change(self, {Change.CONSULTATIONS, Change.HANDOUTS}, self.show_held)
        self.show_held()
        on_change(self, {Change.CONDITION_TEXT}, self._reshow_condition)
        self._enable_list_menu()
        info = library.library_info(store)
        self.library_label.setText(f"Content library {info.get('library_version', '')} · "
                                   f"{info.get('therapies', '0')} therapies")
        if reopen_last:
            self.reopen_last()

    def reopen_last(self) -> None:
        """Select the therapy selected last time and show its page (unless the doctor has chosen
        another meanwhile)."""
        last = self.settings.last_therapy
        if self._store is None or not last or self._current_slug or self.search_panel.current_slug():
            return
        if self.search_panel.select_slug(last):
            self._open(last, remember=False)

    def show_warning(self, text: str) -> None:
        """A problem the clinic must see until it is fixed (a failed automatic backup); '' hides it."""
        first = text.split(". ")[0].split("  ", 1)[-1]
        self.warning_label.setText(f"⚠ {first}" if text else "")
        self.warning_label.setToolTip(text)
        self.warning_label.setVisible(bool(text))

    def show_status(self, text: str) -> None:
        """``text`` in the status bar, and announced to assistive technology."""
        self.statusBar().showMessage(text, STATUS_SHOWN_MS)
        send_announcement(self.statusBar(), text)

    def _open(self, slug: str, remember: bool = True) -> None:
        from clinic_app.services import library

        if self._store is None:
            return
        try:
            detail = library.get_therapy(self._store, slug)
        except ClinicAppError as exc:
            messages.show_error(self, "Cannot open the therapy", exc.message, exc.detail)
            return
        self.detail_view.show_therapy(detail)
        self._current_slug = slug
        self.setWindowTitle(f"{detail.name} — {APP_NAME}")
        if remember:
            self.settings.last_therapy = slug

    def current_condition(self) -> str:
        """The patient's condition chosen in the list ("" for all): compare and handouts are about it."""
        return self.search_panel.current_condition()

    # -- slots -----------------------------------------------------------------------------
    @Slot(str)
    def _on_therapy_opened(self, slug: str) -> None:
        self._open(slug)

    @Slot(str)
    def _on_therapy_link(self, slug: str) -> None:
        self.search_panel.select_slug(slug)
        self._open(slug)

    @Slot(str)
    def _on_condition_changed(self, slug: str) -> None:
        from clinic_app.services import library

        self.detail_view.set_condition(slug)
        self.condition_text_action.setEnabled(bool(slug) and self._store is not None)
        if not slug or self._store is None:
            return
        try:
            condition = library.get_condition(self._store, slug)
        except ClinicAppError as exc:
            messages.show_error(self, "Cannot open the condition", exc.message, exc.detail)
            return
        self.detail_view.show_condition(condition)
        self._current_slug = ""
        self.setWindowTitle(f"{condition.name} — {APP_NAME}")

    @Slot()
    def _on_compare_requested(self) -> None:
        # A fair comparison includes the option of doing little or nothing: start with it beside the
        # therapy on screen; the doctor adds, removes or reorders options in the compare window.
        self.open_comparison(s for s in (self._current_slug, SELF_CARE) if s)

    # -- the list's context menu --------------------------------------------------------------
    def _enable_list_menu(self) -> None:
        from PySide6.QtCore import Qt  # after the first paint (see _panel)

        view = self.search_panel.list_view
        if view.contextMenuPolicy() != Qt.ContextMenuPolicy.CustomContextMenu:
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(self._on_list_menu_requested)

    def list_menu(self, slug: str):  # noqa: ANN201 - QMenu
        """What can be done with one therapy of the list: open it, a handout, compare, the visit."""
        from PySide6.QtWidgets import QMenu

        menu = QMenu(self)
        menu.addAction("&Open", lambda: self._open(slug))
        menu.addAction("Patient &handout…", lambda: self.open_handout((slug,)))
        menu.addAction("&Compare with self-care…", lambda: self.open_comparison((slug, SELF_CARE)))
        visit = "&Add to the visit" if self.consultation_active() else "Start a &visit with it"
        menu.addAction(visit, lambda: self.add_to_visit(slug))
        return menu

    def _on_list_menu_requested(self, pos) -> None:  # noqa: ANN001 - QPoint
        view = self.search_panel.list_view
        slug = self.search_panel.model.slug_at(view.indexAt(pos).row()) if self.search_panel.model else ""
        if slug:
            menu = self.list_menu(slug)
            menu.aboutToHide.connect(menu.deleteLater)
            menu.popup(view.viewport().mapToGlobal(pos))

    def open_handout(self, therapies) -> None:  # noqa: ANN001 - a sequence of slugs
        from clinic_app.ui.handout.handout_builder import open_builder

        if self._store is not None:
            self.handout_builder = open_builder(self, self._store, therapies=tuple(therapies),
                                                condition=self.current_condition())

    def open_comparison(self, slugs) -> None:  # noqa: ANN001
        from clinic_app.ui.compare.compare_view import open_compare

        if self._store is not None:
            self.compare_window = open_compare(self, self._store, tuple(dict.fromkeys(slugs)),
                                               condition=self.current_condition())

    def add_to_visit(self, slug: str) -> None:
        """Put ``slug`` on the visit's list (starting a visit if none is open); the list announces it."""
        if not self.consultation_active():
            self._on_new_consultation()
        if self.consultation_panel is not None:
            self.consultation_panel.add_therapy(slug)

    def _on_visit_rows_inserted(self, _parent, first: int, last: int) -> None:  # noqa: ANN001 - QModelIndex
        """A therapy went on the visit's list (Ctrl+D, the panel's button, the list's menu): say which."""
        from PySide6.QtCore import Qt

        model = self.consultation_panel.working_model
        names = [model.index(row, 0).data(Qt.ItemDataRole.DisplayRole) or "" for row in range(first, last + 1)]
        self.show_status(f"{', '.join(n for n in names if n) or 'The therapy'} added to the visit.")

    # -- the visit -------------------------------------------------------------------------
    def _panel(self):  # noqa: ANN202
        from PySide6.QtCore import Qt  # not at import: building Qt's namespace would delay the first paint

        from clinic_app.ui.visit.consultation_panel import ConsultationPanel

        if self.consultation_panel is None:
            self.consultation_panel = ConsultationPanel(self._store, self)
            self.consultation_panel.recorded.connect(self._on_consultation_recorded)
            self.consultation_panel.visibilityChanged.connect(lambda *_: self._update_visit_actions())
            self.consultation_panel.working_model.rowsInserted.connect(self._on_visit_rows_inserted)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.consultation_panel)
        return self.consultation_panel

    def consultation_active(self) -> bool:
        return self.consultation_panel is not None and self.consultation_panel.isVisible()

    @Slot()
    def _on_new_consultation(self) -> None:
        if self._store is None:
            return
        if not self.consultation_active():
            self._panel().start()
            if self._current_slug:
                self.consultation_panel.add_therapy(self._current_slug)
        self.consultation_panel.show()
        self.consultation_panel.patient_field.setFocus()
        self._update_visit_actions()

    @Slot()
    def _on_add_to_visit(self) -> None:
        if not self.consultation_active():
            self._on_new_consultation()  # starts with the therapy on screen
        elif self._current_slug:
            self.add_to_visit(self._current_slug)

    @Slot()
    def _on_end_consultation(self) -> None:
        if self.consultation_active():
            self.consultation_panel.end()
        self._update_visit_actions()

    def correct_consultation(self, consultation_id: int) -> None:
        from clinic_app.services import consultations

        try:
            item = consultations.get(self._store, consultation_id)
        except ClinicAppError as exc:
            messages.show_error(self, "Cannot open the consultation", exc.message, exc.detail)
            return
        panel = self._panel()
        panel.start(item)
        panel.show()
        self._update_visit_actions()

    @Slot(int)
    def _on_consultation_recorded(self, record_id: int | None) -> None:
        if record_id is None:
            self.show_status("The clinic's server cannot be reached: the consultation is held in this room and is "
                             "delivered when the server is back.")
        else:
            self.show_status(f"Consultation #{record_id} recorded.")  # an open records window reads it by itself
        self.show_held()

    def show_held(self) -> None:
        """Say in the status bar how many records this room holds for the clinic's server, while any are."""
        location = self._store.location if self._store is not None else None
        count = refused = 0
        if location is not None and location.is_server:  # a one-room file holds nothing for anyone
            from clinic_app.services.delivery import held_count, refused_count

            count = held_count(location)
            refused = refused_count(location) if count else 0
        text = f"{count} record{'s' if count != 1 else ''} held in this room until the server is back" if count else ""
        if refused:  # the server answered and said no: the clinic settles them (see the README)
            text = (f"{count} record{'s' if count != 1 else ''} held in this room, {refused} refused by the server: "
                    "see 'clinic-app db outbox'")
        self.held_label.setText(text)
        self.held_label.setVisible(bool(count))
        self._update_visit_actions()

    @Slot()
    def _on_records_requested(self) -> None:
        from clinic_app.ui.records.consultation_records import open_records

        if self._store is None:
            return
        if self.records_window is not None and self.records_window.isVisible():
            self.records_window.refresh()
            self.records_window.activateWindow()
            return
        self.records_window = open_records(self, self._store)
        self.records_window.correct_requested.connect(self.correct_consultation)
        self.records_window.destroyed.connect(lambda *_: setattr(self, "records_window", None))

    def _update_visit_actions(self) -> None:
        self.end_consultation_action.setEnabled(self.consultation_active())

    @Slot()
    def _on_handout_requested(self) -> None:
        if self.consultation_active():  # Ctrl+P during a visit prints the visit's bundle
            self.handout_builder = self.consultation_panel.print_handouts()
            return
        self.open_handout((self._current_slug,) if self._current_slug else ())

    @Slot()
    def _on_profile_requested(self) -> None:
        from clinic_app.ui.profile.clinic_profile_dialog import ClinicProfileDialog

        if self._store is None:
            return
        dialog = ClinicProfileDialog(self._store, self)
        dialog.saved.connect(lambda: self.show_status("Clinic profile saved."))
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()
        self._update_setup_bar()

    @Slot()
    def _on_find_requested(self) -> None:
        self.search_panel.focus_search()

    @Slot(int)
    def _on_zoom_changed(self, steps: int) -> None:
        self.settings.zoom = steps

    @Slot(str)
    def _on_audience_changed(self, audience: str) -> None:
        self.settings.audience = audience
        action = self.audience_actions.get(audience)
        if action is not None:
            action.setChecked(True)
        self.show_status(f"The {AUDIENCE_LABELS[audience].lower()}'s text comes first.")

    @Slot(QAction)
    def _on_audience_action(self, action: QAction) -> None:
        self.detail_view.set_audience(action.data())

    def set_audience(self, audience: str) -> None:
        """Whose text the therapy page shows first ("clinician" or "patient"); remembered."""
        self.detail_view.set_audience(audience)

    @Slot()
    def _on_help_requested(self) -> None:
        from clinic_app.ui import help_text

        messages.show_help(self, help_text.help_html())

    @Slot()
    def _on_about_requested(self) -> None:
        from clinic_app.services import library
        from clinic_app.ui import help_text

        info = None
        if self._store is not None:
            try:
                info = library.library_info(self._store)
            except ClinicAppError:
                info = None
        messages.show_about(self, help_text.about_html(info))

    # -- remembered layout -----------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.geometry
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            from clinic_app.ui.window_place import fitted_size

            self.resize(*fitted_size(self, 1200, 800))  # a small screen, or large scaling, shows it whole
        splitter = self.settings.splitter_state
        if not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def save_layout(self) -> None:
        self.settings.geometry = self.saveGeometry()
        # the splitter keeps the sizes chosen, not those a visit panel squeezed it to: the list's own width is saved
        self.settings.splitter_state = self.splitter.saveState()
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.consultation_panel is not None and not self.consultation_panel.settle_before_close():
            event.ignore()  # the doctor chose to stay, or the visit could not be recorded
            return
        self.save_layout()
        super().closeEvent(event)
