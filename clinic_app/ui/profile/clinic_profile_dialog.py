"""Clinic profile settings: the letterhead, clinicians, disclaimer and print defaults.

Everything is checked by :mod:`clinic_app.services.clinic` before it is stored. A refused logo or
field is named in the dialog, which stays open with what the user typed; the stored profile is
left as it was.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from clinic_app import APP_NAME
from clinic_app.errors import ClinicAppError
from clinic_app.ui.operations import Change, Operation
from clinic_app.ui.window_place import place

if TYPE_CHECKING:
    from clinic_app.errors import ConflictError
    from clinic_app.services.clinic import ClinicProfileData
    from clinic_app.storage.store import Store

LOGO_PREVIEW_PX = 96


class LogoFileDialog:
    @classmethod
    def ask(cls, parent: QWidget | None) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(parent, f"Choose the clinic logo — {APP_NAME}", str(Path.home()),
                                              "Images (*.png *.jpg *.jpeg)")
        return Path(name) if name else None


def _shown(value: object) -> str:
    if isinstance(value, bytes):
        return f"an image of {len(value):,} bytes"
    if isinstance(value, tuple):
        return ", ".join(value) or "(none)"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value) if value not in (None, "") else "(empty)"


class ClinicProfileDialog(QDialog):
    saved = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from clinic_app.services.clinic import load_profile

        self.store = store
        self.setWindowTitle(f"Clinic profile — {APP_NAME}")
        profile = load_profile(store)
        self._loaded = profile  # the version this edit started from: another room's later save is not overwritten
        self.logo: bytes | None = profile.logo
        self.name_field = QLineEdit(profile.name, self)
        self.name_field.setMaxLength(200)
        self.address_field = QPlainTextEdit(profile.address, self)
        self.address_field.setTabChangesFocus(True)
        self.address_field.setMaximumHeight(70)
        self.phone_field = QLineEdit(profile.phone, self)
        self.phone_field.setMaxLength(60)
        self.phone_field.setToolTip("The number patients call: printed on every handout.")
        self.hours_field = QLineEdit(profile.hours, self)
        self.hours_field.setMaxLength(200)
        self.hours_field.setPlaceholderText("e.g. Monday to Friday, 8am to 6pm")
        self.hours_field.setToolTip("When that phone is answered: printed beside it.")
        self.website_field = QLineEdit(profile.website, self)
        self.website_field.setMaxLength(200)
        self.website_field.setToolTip("Printed as text on the handout; nothing is loaded from it.")
        self.logo_label = QLabel(self)
        self.logo_label.setFixedSize(LOGO_PREVIEW_PX, LOGO_PREVIEW_PX)
        self.logo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_label.setStyleSheet("border: 1px solid #c0c0c0;")
        self.logo_label.setAccessibleName("Logo preview")
        self.choose_logo_button = QPushButton("Choose &logo…", self)
        self.remove_logo_button = QPushButton("Remove logo", self)
        self.clinicians_model = QStringListModel(list(profile.clinicians), self)
        self.clinicians_view = QListView(self)
        self.clinicians_view.setModel(self.clinicians_model)
        self.clinicians_view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.clinicians_view.setMaximumHeight(100)
        self.clinicians_view.setAccessibleName("Clinicians")
        self.add_clinician_button = QPushButton("&Add clinician", self)
        self.remove_clinician_button = QPushButton("Remove", self)
        self.disclaimer_field = QPlainTextEdit(profile.disclaimer, self)
        self.disclaimer_field.setTabChangesFocus(True)
        self.disclaimer_field.setPlaceholderText("Leave empty to print the library's standard disclaimer")
        self.disclaimer_field.setMaximumHeight(90)
        self.paper_combo = QComboBox(self)
        self.paper_combo.addItem("A4", "a4")
        self.paper_combo.addItem("Letter", "letter")
        self.paper_combo.setCurrentIndex(max(0, self.paper_combo.findData(profile.paper_size)))
        self.large_print_box = QCheckBox("Large print (14 pt) by default", self)
        self.large_print_box.setChecked(profile.large_print)
        self.keep_names_box = QCheckBox("Keep patient names and labels in the clinic's records", self)
        self.keep_names_box.setChecked(profile.keep_patient_names)
        self.keep_names_box.setToolTip("Off: names are printed on handouts but not stored. On: the handout log and "
                                       "consultation records keep them until a purge removes them.")
        self.error_label = QLabel(self)  # no accessible name of its own: its text is what is read
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                                 | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self._lay_out()
        self._show_logo()
        self.choose_logo_button.clicked.connect(self.choose_logo)
        self.remove_logo_button.clicked.connect(self.remove_logo)
        self.add_clinician_button.clicked.connect(self.add_clinician)
        self.remove_clinician_button.clicked.connect(self.remove_clinician)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def _lay_out(self) -> None:
        logo_buttons = QVBoxLayout()
        logo_buttons.addWidget(self.choose_logo_button)
        logo_buttons.addWidget(self.remove_logo_button)
        logo_buttons.addStretch(1)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_label)
        logo_row.addLayout(logo_buttons)
        logo_row.addStretch(1)
        clinician_buttons = QVBoxLayout()
        clinician_buttons.addWidget(self.add_clinician_button)
        clinician_buttons.addWidget(self.remove_clinician_button)
        clinician_buttons.addStretch(1)
        clinician_row = QHBoxLayout()
        clinician_row.addWidget(self.clinicians_view, 1)
        clinician_row.addLayout(clinician_buttons)
        form = QFormLayout()
        form.addRow("Clinic &name:", self.name_field)
        form.addRow("A&ddress:", self.address_field)
        form.addRow("&Phone:", self.phone_field)
        form.addRow("&Hours:", self.hours_field)
        form.addRow("&Website:", self.website_field)
        form.addRow("Logo:", logo_row)
        form.addRow("Clinicians:", clinician_row)
        form.addRow("D&isclaimer:", self.disclaimer_field)
        form.addRow("Pape&r:", self.paper_combo)
        form.addRow("", self.large_print_box)
        form.addRow("Privacy:", self.keep_names_box)
        for widget, name in ((self.name_field, "Clinic name"), (self.address_field, "Address"),
                             (self.phone_field, "Phone"), (self.hours_field, "Phone hours"),
                             (self.website_field, "Website"),
                             (self.disclaimer_field, "Disclaimer"), (self.paper_combo, "Paper size")):
            widget.setAccessibleName(name)
        page = QWidget(self)
        page.setLayout(form)
        self.scroll_area = QScrollArea(self)  # the form scrolls on a small screen; the error and buttons stay
        self.scroll_area.setWidget(page)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setMinimumHeight(160)
        self.scroll_area.setAccessibleName("Clinic profile fields")  # a Tab stop of its own: it scrolls
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        place(self, "clinic_profile", 620, 680)

    def show_error(self, text: str) -> None:
        """Name a refused logo or field under the form ("" to clear it), and tell assistive
        technology, which reads the label's text as its name."""
        self.error_label.setText(text[:1].upper() + text[1:])
        self.error_label.setAccessibleName(self.error_label.text())
        if text:
            QAccessible.updateAccessibility(QAccessibleEvent(self.error_label, QAccessible.Event.Alert))

    def _show_logo(self) -> None:
        pixmap = QPixmap()
        if self.logo and pixmap.loadFromData(self.logo):
            self.logo_label.setPixmap(pixmap.scaled(LOGO_PREVIEW_PX - 4, LOGO_PREVIEW_PX - 4,
                                                    Qt.AspectRatioMode.KeepAspectRatio,
                                                    Qt.TransformationMode.SmoothTransformation))
        else:
            self.logo_label.setPixmap(QPixmap())
            self.logo_label.setText("No logo")
        self.remove_logo_button.setEnabled(bool(self.logo))

    def choose_logo(self) -> None:
        from clinic_app.services.clinic import read_logo_file

        path = LogoFileDialog.ask(self)
        if path is None:
            return
        try:
            self.logo = read_logo_file(path)
        except ClinicAppError as exc:
            self.show_error(exc.message)
            return
        self.show_error("")
        self._show_logo()

    def remove_logo(self) -> None:
        self.logo = None
        self._show_logo()

    def add_clinician(self) -> None:
        row = self.clinicians_model.rowCount()
        self.clinicians_model.insertRows(row, 1)
        index = self.clinicians_model.index(row)
        self.clinicians_view.setCurrentIndex(index)
        self.clinicians_view.edit(index)

    def remove_clinician(self) -> None:
        index = self.clinicians_view.currentIndex()
        if index.isValid():
            self.clinicians_model.removeRows(index.row(), 1)

    def show_profile(self, profile: ClinicProfileData) -> None:
        """Put ``profile`` in the form (another room's version, taken in place of this one's)."""
        self._loaded = profile
        self.name_field.setText(profile.name)
        self.address_field.setPlainText(profile.address)
        self.phone_field.setText(profile.phone)
        self.hours_field.setText(profile.hours)
        self.website_field.setText(profile.website)
        self.logo = profile.logo
        self._show_logo()
        self.clinicians_model.setStringList(list(profile.clinicians))
        self.disclaimer_field.setPlainText(profile.disclaimer)
        self.paper_combo.setCurrentIndex(max(0, self.paper_combo.findData(profile.paper_size)))
        self.large_print_box.setChecked(profile.large_print)
        self.keep_names_box.setChecked(profile.keep_patient_names)

    def profile(self) -> ClinicProfileData:
        return replace(
            self._loaded, name=self.name_field.text(), address=self.address_field.toPlainText().strip(),
            phone=self.phone_field.text().strip(), hours=self.hours_field.text().strip(),
            website=self.website_field.text().strip(), logo=self.logo,
            clinicians=tuple(self.clinicians_model.stringList()), disclaimer=self.disclaimer_field.toPlainText().strip(),
            paper_size=self.paper_combo.currentData() or "a4", large_print=self.large_print_box.isChecked(),
            keep_patient_names=self.keep_names_box.isChecked(),
        )

    def save(self) -> None:
        """Store the profile off the GUI thread; every open window that shows it follows. A refused
        field is named under the form and nothing is stored. When another room saved the profile
        since this form was opened, both versions are shown side by side to choose from."""
        from clinic_app.errors import ConflictError
        from clinic_app.services.clinic import ProfileError, save_profile

        save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)

        def done(_profile) -> None:  # noqa: ANN001 - services.clinic.ClinicProfileData
            save_button.setEnabled(True)
            self.saved.emit()
            self.accept()

        def failed(error: BaseException) -> bool:
            save_button.setEnabled(True)
            if isinstance(error, ConflictError):
                self.resolve(error)
                return True
            if not isinstance(error, ProfileError):
                return False
            self.show_error(error.message)
            return True  # named under the form, next to the field

        self.show_error("")
        save_button.setEnabled(False)
        Operation(self, "Cannot save the clinic profile", save_profile, self.store, self.profile(),
                  changes={Change.CLINIC_PROFILE}, on_done=done, on_failed=failed).run()

    def resolve(self, conflict: ConflictError) -> None:
        """Another room saved first: show both versions; save this one over theirs, take theirs into
        the form, or go back to this edit. Nothing is lost until the user chooses."""
        from clinic_app.services.clinic import PROFILE_FIELDS, changed_fields
        from clinic_app.ui.profile.conflict_dialog import Choice, ConflictDialog

        mine, theirs = conflict.mine, conflict.theirs
        labels = dict(zip((*PROFILE_FIELDS, "logo"), ("Name", "Address", "Phone", "Hours", "Website", "Clinicians",
                                                      "Disclaimer", "Paper", "Large print", "Keep patient names",
                                                      "Logo"), strict=True))
        rows = [(labels[name], _shown(getattr(mine, name)), _shown(getattr(theirs, name)))
                for name in changed_fields(mine, theirs)]
        dialog = ConflictDialog(conflict.message, rows, theirs.updated_in or "another room", self)
        dialog.exec()
        if dialog.choice is Choice.MINE:
            self._loaded = replace(self._loaded, version=theirs.version)  # over theirs, and only theirs
            self.save()
        elif dialog.choice is Choice.THEIRS:
            self.show_profile(theirs)
            self.show_error("Their version is in the form now; Save keeps it, or change it first.")
