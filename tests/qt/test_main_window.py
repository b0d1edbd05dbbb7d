"""The window remembers zoom, layout and the last therapy; its menus; its list model obeys Qt's rules."""

from __future__ import annotations

from PySide6.QtCore import Qt

from clinic_app import __version__
from clinic_app.services import library
from clinic_app.storage.store import Store
from clinic_app.ui import messages
from clinic_app.ui.browse.therapy_list import MARK_CLOSE, MARK_OPEN, TherapyListModel


def test_zoom_keys_change_the_detail_view_and_persist(qtbot, make_window):
    first = make_window()
    base = first.detail_view.base_point_size()
    qtbot.keyClick(first, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(first, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(first, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert first.detail_view.base_point_size() == base + 1
    first.close()
    second = make_window()
    assert second.detail_view.zoom == 1
    qtbot.keyClick(second, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert second.detail_view.zoom == 0
    second.close()
    assert make_window().detail_view.zoom == 0


def test_zoom_actions_are_in_the_view_menu(window):
    texts = [a.text() for a in window.menuBar().actions()]
    assert texts == ["&File", "&View", "Vi&sit", "&Compare", "&Help"]
    assert window.zoom_in_action.shortcut().toString() == "Ctrl++"
    assert window.zoom_reset_action.shortcut().toString() == "Ctrl+0"


def test_last_selected_therapy_is_restored(qtbot, make_window):
    first = make_window()
    first.search_panel.select_slug("prolotherapy")
    first.search_panel._open_current()
    first.close()
    second = make_window()
    assert second.detail_view.detail is not None and second.detail_view.detail.slug == "prolotherapy"
    assert second.search_panel.current_slug() == "prolotherapy"


def test_a_forgotten_therapy_is_ignored(qtbot, make_window, ui_settings):
    ui_settings.last_therapy = "no-longer-shipped"
    ui_settings.sync()
    window = make_window()
    assert window.detail_view.detail is None


def test_geometry_and_splitter_are_restored(qtbot, make_window):
    first = make_window()
    first.resize(720, 520)
    first.splitter.setSizes([260, 460])
    qtbot.waitUntil(lambda: first.size().width() == 720)
    first.close()
    second = make_window()
    assert (second.size().width(), second.size().height()) == (720, 520)
    assert second.splitter.sizes()[0] == first.splitter.sizes()[0]


def test_quit_closes_the_window(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


def test_help_lists_shortcuts_and_commands(window, monkeypatch):
    shown = []
    monkeypatch.setattr(messages, "show_help", lambda parent, text: shown.append(text))
    next(a for a in window.actions() if a.text() == "&Help").trigger()
    assert shown and "Ctrl+F" in shown[0] and "clinic-app search" in shown[0] and "Escape" in shown[0]


def test_about_shows_app_and_library_versions(window, reader, monkeypatch):
    shown = []
    monkeypatch.setattr(messages, "show_about", lambda parent, text: shown.append(text))
    next(a for a in window.actions() if a.text().startswith("&About")).trigger()
    version = library.library_info(reader)["library_version"]
    assert __version__ in shown[0] and version in shown[0]


def test_status_bar_shows_the_library_version(window, reader):
    assert library.library_info(reader)["library_version"] in window.library_label.text()


def test_list_model_in_every_mode(qtmodeltester, reader):
    from clinic_app.services import search

    model = TherapyListModel()
    qtmodeltester.check(model)
    model.set_therapies(library.list_therapies(reader))
    qtmodeltester.check(model)
    model.set_filter(status="investigational")
    qtmodeltester.check(model)
    model.set_hits("plate", search.search(reader, "plate", highlight=(MARK_OPEN, MARK_CLOSE)))
    qtmodeltester.check(model)
    model.set_hits("zzqx", [])
    qtmodeltester.check(model)
    model.set_filter()
    model.set_hits("", None)
    qtmodeltester.check(model)


def test_compare_opens_with_the_selected_therapy(qtbot, window):
    from clinic_app.ui.compare.compare_view import CompareWindow

    window.search_panel.select_slug("platelet-rich-plasma")
    window.search_panel._open_current()
    window.compare_action.trigger()
    opened = [w for w in window.findChildren(CompareWindow) if w.isVisible()]
    try:
        assert len(opened) == 1
        model = opened[0].view.table_model
        slugs = [model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.UserRole + 8)
                 for c in range(1, model.columnCount())]
        assert slugs == ["platelet-rich-plasma", "self-care"]
    finally:
        for w in opened:
            w.close()


def test_the_list_menu_opens_a_handout_a_comparison_and_the_visit_for_that_therapy(qtbot, window):
    window.search_panel.select_slug("nsaids")
    window.search_panel._open_current()
    menu = window.list_menu("prolotherapy")
    texts = [a.text() for a in menu.actions()]
    assert texts == ["&Open", "Patient &handout…", "&Compare with self-care…", "Start a &visit with it"]
    menu.actions()[1].trigger()
    assert window.handout_builder.therapy_model.chosen() == ("prolotherapy",)
    window.handout_builder.close()
    menu.actions()[2].trigger()
    assert window.compare_window.view.therapies() == ["prolotherapy", "self-care"]
    window.compare_window.close()
    menu.actions()[3].trigger()
    assert window.consultation_panel.working_model.slugs() == ("nsaids", "prolotherapy")
    assert window.list_menu("self-care").actions()[3].text() == "&Add to the visit"
    assert window.search_panel.list_view.contextMenuPolicy().name == "CustomContextMenu"


def test_a_fresh_install_asks_for_the_clinic_until_it_is_set_or_put_off(qtbot, make_window, prepared_location):
    window = make_window()
    assert window.setup_bar.isVisible()
    greeting = window.setup_label.text()
    assert greeting.startswith("Welcome to Clinic Reference. Set up your clinic")
    assert str(prepared_location.data_dir) in greeting and "backed up automatically" in greeting
    qtbot.mouseClick(window.setup_later_button, Qt.MouseButton.LeftButton)
    assert not window.setup_bar.isVisible()
    assert not make_window().setup_bar.isVisible()  # "Not now" is remembered


def test_the_clinic_prompt_goes_once_name_and_phone_are_set(qtbot, make_window, prepared_location):
    from clinic_app.services.clinic import ClinicProfileData, save_profile

    save_profile(Store.of(prepared_location), ClinicProfileData(name="Northside Spine Clinic", phone="020 7946 0000"))
    assert not make_window().setup_bar.isVisible()
