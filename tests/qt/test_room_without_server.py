"""The window of a room whose clinic server goes away: it says so plainly, goes on browsing and
searching from the room's own copy of the library, and reads the server again when it is back.

A real PostgreSQL cluster of this module's own is stopped (``pg_ctl stop``) and started again.
"""

from __future__ import annotations

import os

import pg_cluster
import pytest

from clinic_app import settings
from clinic_app.services import library_copy, store_setup
from clinic_app.storage.dialect import POSTGRESQL, SQLITE
from clinic_app.storage.store import Store
from clinic_app.ui import app as ui_app
from clinic_app.ui.browse.therapy_list import SlugRole


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.environ.get(pg_cluster.ENV_URL):
        pytest.skip(f"the server named by {pg_cluster.ENV_URL} is not this test's to stop")
    try:
        url, cluster = pg_cluster.admin_url()
    except pg_cluster.NoServer as exc:
        pytest.skip(f"no PostgreSQL server for these tests: {exc}")
    try:
        name = "clinic_rooms"
        pg_cluster.execute(url, f"CREATE DATABASE {name}")
        yield pg_cluster.with_database(url, name), cluster
    finally:
        cluster.stop()


@pytest.fixture
def room(qtbot, cluster, data_dir):
    """A room's window on the server, its library open and its copy of the library made."""
    url, server = cluster
    location = settings.resolve(data_dir=data_dir, database_url=url)
    store_setup.prepare(location)
    library_copy.refresh(location)
    window = ui_app.MainWindow(ui_app.UiSettings())
    qtbot.addWidget(window)  # deleted after the test, with the start-up object it holds
    startup = ui_app.Startup(location, window)
    window.show()
    yield window, startup, server
    startup.close()
    window.close()
    if not server.running:
        server.start()
        pg_cluster.wait_until_accepting(url)
    Store.forget(location)


def shown_slugs(window) -> list[str]:
    model = window.search_panel.list_view.model()
    if model is None:  # the library is not open yet
        return []
    return [model.index(row, 0).data(SlugRole) for row in range(model.rowCount())]


def type_search(qtbot, window, text: str) -> None:
    field = window.search_panel.search_field
    field.selectAll()
    qtbot.keyClicks(field, text)


def test_the_window_reads_its_copy_while_the_server_is_away(qtbot, room):
    window, startup, server = room
    qtbot.waitUntil(lambda: startup.store is not None and startup.room_changes is not None, timeout=20000)
    store = startup.store
    qtbot.waitUntil(lambda: len(shown_slugs(window)) > 10, timeout=10000)
    assert not window.warning_label.isVisible()

    server.halt()
    qtbot.waitUntil(lambda: window.warning_label.isVisible(), timeout=20000)
    assert window.warning_label.text().startswith("⚠ Server not reachable: you are reading this room's copy of the "
                                                  "library from ")
    assert "sent when the server is back" in window.warning_label.toolTip()
    assert store.sql is SQLITE
    type_search(qtbot, window, "platelet")  # searching goes on, from the copy
    qtbot.waitUntil(lambda: shown_slugs(window)[:1] == ["platelet-rich-plasma"], timeout=10000)

    said = []
    shown = window.show_status
    window.show_status = lambda text: (said.append(text), shown(text))
    server.start()
    qtbot.waitUntil(lambda: not window.warning_label.isVisible(), timeout=30000)
    qtbot.waitUntil(lambda: store.sql is POSTGRESQL, timeout=10000)
    qtbot.waitUntil(lambda: any("server is back" in text for text in said), timeout=10000)
    type_search(qtbot, window, "prolotherapy")
    qtbot.waitUntil(lambda: shown_slugs(window)[:1] == ["prolotherapy"], timeout=10000)


def test_a_room_opened_while_the_server_is_down_shows_its_copy_and_says_so(qtbot, cluster, data_dir):
    url, server = cluster
    location = settings.resolve(data_dir=data_dir, database_url=url)
    store_setup.prepare(location)
    library_copy.refresh(location)
    Store.forget(location)
    server.halt()
    window = ui_app.MainWindow(ui_app.UiSettings())
    qtbot.addWidget(window)
    startup = ui_app.Startup(location, window)
    try:
        window.show()
        qtbot.waitUntil(lambda: len(shown_slugs(window)) > 10, timeout=20000)
        assert not startup.failed
        assert window.warning_label.isVisible()
        assert "reading this room's copy of the library" in window.warning_label.text()
        type_search(qtbot, window, "prolotherapy")
        qtbot.waitUntil(lambda: shown_slugs(window)[:1] == ["prolotherapy"], timeout=10000)
    finally:
        startup.close()
        window.close()
        server.start()
        pg_cluster.wait_until_accepting(url)
        Store.forget(location)


def test_the_records_window_says_where_the_records_are_while_the_server_is_away(qtbot, room):
    from clinic_app.ui.records.consultation_records import open_records

    window, startup, server = room
    qtbot.waitUntil(lambda: startup.store is not None and startup.room_changes is not None, timeout=20000)
    server.halt()
    qtbot.waitUntil(lambda: window.warning_label.isVisible(), timeout=20000)
    records = open_records(window, startup.store)
    try:
        qtbot.waitUntil(lambda: "consultations are kept there" in records.summary_label.text(), timeout=10000)
        assert "No consultations yet" not in records.summary_label.text()
    finally:
        records.close()
