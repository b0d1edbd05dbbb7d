"""What the window remembers between sessions, kept in QSettings.

The QSettings object is injected so tests can give each window its own INI file; the default
uses the application's organisation and name ("Clinic Reference" / "clinic-app").
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

ZOOM_MIN, ZOOM_MAX = -4, 16

_GEOMETRY = "window/geometry"
_SPLITTER = "window/splitter"
_ZOOM = "detail/zoom"
_LAST_THERAPY = "detail/last_therapy"
_CLINIC_SETUP_LATER = "setup/clinic_later"
_AUDIENCE = "detail/audience"
AUDIENCES = ("clinician", "patient")  # whose text a therapy page shows first


class UiSettings:
    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings if settings is not None else QSettings()

    @property
    def zoom(self) -> int:
        """Zoom steps of the detail view (0 is the normal size; each step is one point)."""
        value = self._settings.value(_ZOOM, 0, type=int)
        return max(ZOOM_MIN, min(ZOOM_MAX, int(value)))

    @zoom.setter
    def zoom(self, steps: int) -> None:
        self._settings.setValue(_ZOOM, max(ZOOM_MIN, min(ZOOM_MAX, int(steps))))

    @property
    def last_therapy(self) -> str:
        return str(self._settings.value(_LAST_THERAPY, "", type=str))

    @last_therapy.setter
    def last_therapy(self, slug: str) -> None:
        self._settings.setValue(_LAST_THERAPY, slug)

    @property
    def audience(self) -> str:
        """Whose text the therapy page puts first: "clinician" (the default) or "patient"."""
        value = str(self._settings.value(_AUDIENCE, AUDIENCES[0], type=str))
        return value if value in AUDIENCES else AUDIENCES[0]

    @audience.setter
    def audience(self, value: str) -> None:
        self._settings.setValue(_AUDIENCE, value if value in AUDIENCES else AUDIENCES[0])

    @property
    def clinic_setup_later(self) -> bool:
        """The user said "Not now" to setting up the clinic's name and phone."""
        return bool(self._settings.value(_CLINIC_SETUP_LATER, False, type=bool))

    @clinic_setup_later.setter
    def clinic_setup_later(self, value: bool) -> None:
        self._settings.setValue(_CLINIC_SETUP_LATER, bool(value))

    @property
    def geometry(self) -> QByteArray:
        return self._bytes(_GEOMETRY)

    @geometry.setter
    def geometry(self, state: QByteArray) -> None:
        self._settings.setValue(_GEOMETRY, state)

    @property
    def splitter_state(self) -> QByteArray:
        return self._bytes(_SPLITTER)

    @splitter_state.setter
    def splitter_state(self, state: QByteArray) -> None:
        self._settings.setValue(_SPLITTER, state)

    def sync(self) -> None:
        self._settings.sync()

    def _bytes(self, key: str) -> QByteArray:
        value = self._settings.value(key, QByteArray(), type=QByteArray)
        return value if isinstance(value, QByteArray) else QByteArray()
