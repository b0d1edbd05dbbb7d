"""What a doctor does with the left side of the window: type, move with the arrows, open, filter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from clinic_app.services import library
from clinic_app.ui.browse.therapy_list import KIND_HEADER, KIND_HIT, KIND_THERAPY, KindRole, SlugRole, StatusRole


def type_query(qtbot, window, text: str) -> None:
    panel = window.search_panel
    panel.search_field.setFocus()
    qtbot.keyClicks(panel.search_field, text)
    qtbot.waitUntil(lambda: panel.model.query() == text, timeout=2000)


def shown_slugs(model) -> list[str]:
    return [model.index(r, 0).data(SlugRole) for r in range(model.rowCount())
            if model.index(r, 0).data(KindRole) in (KIND_THERAPY, KIND_HIT)]


@pytest.mark.parametrize(("query", "first"), [
    ("plate", "platelet-rich-plasma"),
    ("stem", "bone-marrow-concentrate"),
    ("fusion", "lumbar-fusion"),
])
def test_typing_ranks_the_therapies(qtbot, window, query, first):
    type_query(qtbot, window, query)
    model = window.search_panel.model
    assert model.is_searching()
    assert shown_slugs(model)[0] == first
    assert model.index(0, 0).data(KindRole) == KIND_HIT


def test_search_results_appear_within_the_debounce(qtbot, window):
    panel = window.search_panel
    assert panel._search_timer.interval() <= 80
    qtbot.keyClicks(panel.search_field, "plas")
    qtbot.waitUntil(lambda: panel.model.query() == "plas", timeout=500)


def test_hits_show_a_snippet_with_the_match(qtbot, window):
    type_query(qtbot, window, "plate")
    index = window.search_panel.model.index(0, 0)
    assert "platelet" in index.data(Qt.ItemDataRole.AccessibleTextRole).lower()
    window.search_panel.list_view.grab()  # the delegate paints hits without error


def test_no_match_says_so(qtbot, window):
    type_query(qtbot, window, "zzqx")
    model = window.search_panel.model
    assert shown_slugs(model) == []
    assert "No therapy matches" in model.index(0, 0).data()
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsSelectable


def test_down_moves_into_the_results_and_enter_opens(qtbot, window):
    type_query(qtbot, window, "plate")
    panel = window.search_panel
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Down)
    assert panel.list_view.hasFocus()
    assert panel.current_slug() == "platelet-rich-plasma"
    qtbot.keyClick(panel.list_view, Qt.Key.Key_Return)
    assert window.detail_view.detail.slug == "platelet-rich-plasma"


def test_arrows_move_through_results_and_skip_headers(qtbot, window, reader):
    panel = window.search_panel
    slugs = [t.slug for t in library.list_therapies(reader)]
    panel.search_field.setFocus()
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Down)
    assert panel.current_slug() == slugs[0]
    seen = [panel.current_slug()]
    for _ in range(len(slugs) - 1):
        qtbot.keyClick(panel.list_view, Qt.Key.Key_Down)
        seen.append(panel.current_slug())
    assert seen == slugs  # the category header rows were stepped over
    qtbot.keyClick(panel.list_view, Qt.Key.Key_Return)
    assert window.detail_view.detail.slug == slugs[-1]


def test_up_from_the_first_result_returns_to_the_search_field(qtbot, window):
    type_query(qtbot, window, "plate")
    panel = window.search_panel
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Down)
    qtbot.keyClick(panel.list_view, Qt.Key.Key_Up)
    assert panel.search_field.hasFocus()


def test_enter_in_the_search_field_opens_the_best_match(qtbot, window):
    panel = window.search_panel
    panel.search_field.setFocus()
    qtbot.keyClicks(panel.search_field, "plate")
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Return)  # before the debounce elapsed
    assert window.detail_view.detail.slug == "platelet-rich-plasma"


def test_escape_clears_the_search(qtbot, window):
    type_query(qtbot, window, "plate")
    panel = window.search_panel
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Escape)
    assert panel.search_field.text() == ""
    assert not panel.model.is_searching()
    assert panel.model.index(0, 0).data(KindRole) == KIND_HEADER


def test_escape_in_the_list_clears_and_returns_to_the_field(qtbot, window):
    type_query(qtbot, window, "plate")
    panel = window.search_panel
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Down)
    qtbot.keyClick(panel.list_view, Qt.Key.Key_Escape)
    assert panel.search_field.text() == ""
    assert panel.search_field.hasFocus()


def test_ctrl_f_focuses_the_search_field(qtbot, window):
    window.detail_view.setFocus()
    qtbot.waitUntil(window.detail_view.hasFocus)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.search_panel.search_field


def test_grouped_list_has_both_headers_first(window):
    model = window.search_panel.model
    headers = [model.index(r, 0).data() for r in range(model.rowCount())
               if model.index(r, 0).data(KindRole) == KIND_HEADER]
    assert headers == list(library.CATEGORY_LABELS.values())
    header = model.index(0, 0)
    assert not model.flags(header) & (Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)


def test_category_filter_changes_the_list(window, reader):
    panel = window.search_panel
    panel.category_filter.setCurrentIndex(panel.category_filter.findData("medicine"))
    expected = [t.slug for t in library.list_therapies(reader) if t.category == "medicine"]
    assert shown_slugs(panel.model) == expected
    headers = [panel.model.index(r, 0).data() for r in range(panel.model.rowCount())
               if panel.model.index(r, 0).data(KindRole) == KIND_HEADER]
    assert headers == ["Medicines"]


@pytest.mark.parametrize("status", ["established", "emerging", "investigational"])
def test_status_filter_changes_the_list(window, reader, status):
    panel = window.search_panel
    panel.status_filter.setCurrentIndex(panel.status_filter.findData(status))
    expected = [t.slug for t in library.list_therapies(reader) if t.status == status]
    assert expected, f"the shipped content has no {status} therapy"
    assert shown_slugs(panel.model) == expected
    model = panel.model
    assert {model.index(r, 0).data(StatusRole) for r in range(model.rowCount())
            if model.index(r, 0).data(KindRole) == KIND_THERAPY} == {status}


def test_filters_apply_to_search_hits(qtbot, window):
    panel = window.search_panel
    type_query(qtbot, window, "plate")
    panel.category_filter.setCurrentIndex(panel.category_filter.findData("medicine"))
    assert "platelet-rich-plasma" not in shown_slugs(panel.model)


def test_clicking_a_therapy_opens_it(qtbot, window):
    panel = window.search_panel
    row = panel.model.row_of("platelet-rich-plasma")
    rect = panel.list_view.visualRect(panel.model.index(row, 0))
    qtbot.mouseClick(panel.list_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.detail_view.detail.slug == "platelet-rich-plasma"


def test_search_field_filters_and_list_have_accessible_names(window):
    panel = window.search_panel
    names = [w.accessibleName() for w in (panel.search_field, panel.category_filter, panel.status_filter,
                                           panel.list_view, window.detail_view)]
    assert all(names) and len(set(names)) == len(names)


def test_a_busy_database_during_search_is_reported(qtbot, window, monkeypatch):
    from clinic_app.errors import DatabaseLockedError
    from clinic_app.services import search as search_service
    from clinic_app.ui import messages

    shown = []
    monkeypatch.setattr(messages, "show_error", lambda parent, title, message, detail="": shown.append(message))

    def busy(*_args, **_kwargs):
        raise DatabaseLockedError("the database is busy; try again in a moment")

    monkeypatch.setattr(search_service, "search_results", busy)
    window.search_panel.search_field.setText("plate")
    qtbot.waitUntil(lambda: bool(shown))
    assert shown == ["the database is busy; try again in a moment"]


@pytest.fixture
def large_library(prepared_location, reader):
    """The shipped therapies and enough made-up ones (names "Listed therapy N") for the list to be
    read on a worker; returns every slug in the order the list shows them."""
    import sqlite3

    from clinic_app.ui.browse.search_panel import OFF_THREAD_FROM

    conn = sqlite3.connect(prepared_location.sqlite_path)
    cursor = conn.execute("SELECT * FROM therapy LIMIT 1")
    template = dict(zip([d[0] for d in cursor.description], cursor.fetchone()))
    columns = [c for c in template if c != "id"]
    categories = list(library.CATEGORY_LABELS)
    rows = []
    for number in range(OFF_THREAD_FROM):
        row = dict(template, slug=f"listed-{number:05d}", name=f"Listed therapy {number:05d}",
                   category=categories[number % len(categories)])
        rows.append(tuple(row[c] for c in columns))
    with conn:
        conn.executemany(f"INSERT INTO therapy ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
    conn.close()
    return [t.slug for t in library.list_therapies(reader)]


def test_a_large_library_fills_the_whole_list(qtbot, large_library, make_window):
    window = make_window()
    panel = window.search_panel
    qtbot.waitUntil(lambda: not panel.is_loading())
    assert shown_slugs(panel.model) == large_library
    headers = [panel.model.index(r, 0).data() for r in range(panel.model.rowCount())
               if panel.model.index(r, 0).data(KindRole) == KIND_HEADER]
    assert headers == list(library.CATEGORY_LABELS.values())


def test_a_large_library_reopens_the_last_therapy_and_shows_it_in_the_list(qtbot, large_library, make_window,
                                                                            ui_settings):
    last = large_library[-1]
    ui_settings.last_therapy = last
    ui_settings.sync()
    window = make_window()
    panel = window.search_panel
    assert window.detail_view.detail.slug == last  # opened while the list was still being read
    qtbot.waitUntil(lambda: panel.current_slug() == last)
    index = panel.model.index(panel.model.row_of(last), 0)
    qtbot.waitUntil(lambda: panel.list_view.viewport().rect().intersects(panel.list_view.visualRect(index)))


def test_a_forgotten_therapy_is_not_selected_in_a_large_library(qtbot, large_library, make_window, ui_settings):
    ui_settings.last_therapy = "no-longer-shipped"
    ui_settings.sync()
    window = make_window()
    qtbot.waitUntil(lambda: not window.search_panel.is_loading())
    assert window.detail_view.detail is None and window.search_panel.current_slug() == ""


def test_filters_keep_the_last_row_of_a_large_library_reachable(qtbot, large_library, make_window, reader):
    window = make_window()
    panel = window.search_panel
    qtbot.waitUntil(lambda: not panel.is_loading())
    panel.category_filter.setCurrentIndex(panel.category_filter.findData("non-drug"))
    expected = [t.slug for t in library.list_therapies(reader) if t.category == "non-drug"]
    assert shown_slugs(panel.model) == expected
    assert panel.select_slug(expected[-1])
    index = panel.model.index(panel.model.row_of(expected[-1]), 0)
    qtbot.waitUntil(lambda: panel.list_view.viewport().rect().intersects(panel.list_view.visualRect(index)))


def test_a_therapy_due_for_review_says_so_in_the_list_and_in_its_hits(qtbot, make_window, prepared_location):
    import datetime as dt
    import sqlite3

    from clinic_app.ui.browse.therapy_delegate import TherapyDelegate
    from clinic_app.ui.browse.therapy_list import MarksRole

    with sqlite3.connect(prepared_location.sqlite_path) as conn:  # last reviewed 13 months ago
        conn.execute("UPDATE therapy SET last_reviewed = ? WHERE slug = 'nsaids'",
                     ((dt.date.today() - dt.timedelta(days=400)).isoformat(),))
    conn.close()
    window = make_window()
    model = window.search_panel.model
    rows = {model.index(r, 0).data(SlugRole): model.index(r, 0) for r in range(model.rowCount())}
    assert rows["nsaids"].data(MarksRole) == ("Review due",) and rows["self-care"].data(MarksRole) == ()
    assert "Review due." in rows["nsaids"].data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Review due" not in rows["self-care"].data(Qt.ItemDataRole.AccessibleTextRole)
    assert TherapyDelegate._grade_text("moderate", marks=("Review due",)) == "Evidence grade: Moderate \u00b7 Review due"
    window.search_panel.list_view.grab()  # painted with the mark, without error
    type_query(qtbot, window, "nsaid")
    hit = model.index(0, 0)
    assert hit.data(SlugRole) == "nsaids" and hit.data(MarksRole) == ("Review due",)
