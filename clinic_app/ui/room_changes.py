"""Other rooms' saves, shown here at once: the server's change notices as this window's changes.

On a clinic's PostgreSQL server, a :class:`~clinic_app.storage.server_notices.ChangeListener`
hears which tables another room changed; this turns them into the same :class:`Change` events
this window's own operations announce, so the records window, the profile, presets, fields and
therapy texts refresh whoever saved them. A lost server is shown in the status bar until it is back
(with the date of the room's own copy of the library, while the window reads it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from clinic_app.ui.operations import Change, store_events

TABLE_CHANGES = {
    "consultation": Change.CONSULTATIONS, "consultation_handout": Change.CONSULTATIONS,
    "handout_print": Change.HANDOUTS, "comparison_preset": Change.PRESETS, "clinic_profile": Change.CLINIC_PROFILE,
    "clinic_field": Change.CLINIC_FIELDS, "clinic_field_revision": Change.CLINIC_FIELDS,
    "therapy": Change.THERAPY_TEXT, "content_revision": Change.THERAPY_TEXT, "withdrawn_therapy": Change.THERAPY_TEXT,
    "condition": Change.CONDITION_TEXT, "condition_revision": Change.CONDITION_TEXT,
}


LOST = ("The clinic's server cannot be reached: what you see may be out of date; consultations and handouts are "
        "held in this room until it is back, other changes cannot be saved.")


def copy_warning(taken_at: str) -> str:
    """What the window says while the room reads its own copy of the library (``taken_at``: when the
    server last held that library, UTC, ISO); its first sentence is the one the bar shows."""
    when = dt.datetime.fromisoformat(taken_at).replace(tzinfo=dt.UTC).astimezone()
    return (f"Server not reachable: you are reading this room's copy of the library from {when:%d %b %Y %H:%M}. "
            "Consultations and handouts are kept in this room and sent when the server is back; other changes "
            "cannot be saved until then.")


def changes_of(tables: frozenset[str]) -> frozenset[Change]:
    if "*" in tables:
        return frozenset(Change)
    return frozenset(TABLE_CHANGES[table] for table in tables if table in TABLE_CHANGES)


class RoomChanges(QObject):
    """Lives on the GUI thread; the listener's thread reaches it through queued signals."""

    _heard = Signal(object)
    _lost = Signal(object)

    def __init__(self, url: str, show_warning: Callable[[str], None], parent: QObject | None = None,
                 on_back: Callable[[], None] | None = None, on_lost: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        from clinic_app.storage.server_notices import ChangeListener

        self._show_warning = show_warning
        self._on_back = on_back or (lambda: None)
        self._on_lost = on_lost or (lambda: show_warning(LOST))
        self._heard.connect(self._announce)
        self._lost.connect(self._say_lost)
        self.listener = ChangeListener(url, self._heard.emit, self._lost.emit).start()

    def _announce(self, tables: frozenset[str]) -> None:
        changes = changes_of(tables)
        if changes:
            store_events().changed.emit(changes)

    def _say_lost(self, message: str | None) -> None:
        if message is None:  # back: what this room held meanwhile is delivered
            self._show_warning("")
            self._on_back()
        else:
            self._on_lost()

    def stop(self) -> None:
        self.listener.stop()
