"""File > Content packs…: export the clinic's own content, open a pack and see what it would
change (nothing written), then import it signed with who and why; a bad pack is named and
changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

from clinic_app.services import clinic_fields

WAIT_MS = 30_000
COST = "A class costs $15. Most plans do not pay for it."


def settled(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.pending(), timeout=WAIT_MS)


def digest(path: Path) -> str:
    data = path.read_bytes() + (Path(f"{path}-wal").read_bytes() if Path(f"{path}-wal").exists() else b"")
    return hashlib.sha256(data).hexdigest()


def test_export_then_import_through_the_window(qtbot, window, store, tmp_path):
    clinic_fields.set_field(store, "yoga", "cost", COST, by="Dr Lee", why="class fees")
    dialog = window.open_content_packs()
    qtbot.waitExposed(dialog)
    pack = tmp_path / "clinic-content.zip"
    dialog.export_to(pack)  # who is exporting is asked for first
    assert "who is exporting" in dialog.message_label.text() and not pack.exists()
    dialog.who_combo.setEditText("Dr Lee")
    dialog.export_to(pack)
    settled(qtbot, dialog)
    assert pack.exists() and "Exported to" in dialog.message_label.text()

    clinic_fields.set_field(store, "yoga", "cost", "", by="Dr Lee", why="cleared by mistake")
    before = digest(store.location.sqlite_path)
    dialog.open_pack(pack)
    settled(qtbot, dialog)
    assert any(line.startswith("yoga field cost and coverage: (empty) →") for line in dialog.changes())
    assert digest(store.location.sqlite_path) == before  # opening a pack writes nothing
    assert not dialog.save_button.isEnabled()  # why is still missing
    dialog.why_field.setText("restore our fees")
    assert dialog.save_button.isEnabled()
    dialog.save()
    settled(qtbot, dialog)
    assert clinic_fields.fields_for(store, "yoga")["cost"] == COST
    assert clinic_fields.history(store, "yoga")[0].reason == "restore our fees"
    assert "backed up first" in dialog.message_label.text() and dialog.changes() == []
    dialog.close()


def test_a_bad_pack_is_named_and_changes_nothing(qtbot, window, store, tmp_path):
    bad = tmp_path / "not-a-pack.zip"
    bad.write_text("a clinic's notes, not a pack")
    dialog = window.open_content_packs()
    qtbot.waitExposed(dialog)
    before = digest(store.location.sqlite_path)
    dialog.who_combo.setEditText("Dr Lee")
    dialog.why_field.setText("move")
    dialog.open_pack(bad)
    settled(qtbot, dialog)
    text = dialog.message_label.text()
    assert str(bad) in text and "not a zip file" in text and "left unchanged" in text
    assert not dialog.save_button.isEnabled() and dialog.changes() == []
    assert digest(store.location.sqlite_path) == before
    dialog.close()
