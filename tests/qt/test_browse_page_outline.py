"""The therapy page as a screen reader meets it, asked of Qt's accessibility layer: a document whose
children are its headings (named, with their level and place on screen) and its links, that still
reads as text with a caret, and that survives pages changing under a reader walking it."""

from __future__ import annotations

import gc

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleActionInterface, QAccessibleInterface, QTextCursor, QTextDocument

Role = QAccessible.Role
Text = QAccessible.Text


@pytest.fixture
def reader_present():
    """Accessibility on, as when a screen reader runs: Qt then sends its events (a page's children
    changed, a heading gone) through the interfaces under test."""
    QAccessible.setActive(True)
    yield
    QAccessible.setActive(False)


def open_slug(window, slug: str) -> None:
    assert window.search_panel.select_slug(slug)
    window.search_panel._open_current()
    assert window.detail_view.detail is not None and window.detail_view.detail.slug == slug


def page_of(window):
    return QAccessible.queryAccessibleInterface(window.detail_view)


def children(page, role: Role) -> list:
    found = []
    for index in range(page.childCount()):
        child = page.child(index)
        if child is not None and child.role() == role:
            found.append(child)
    return found


def document_headings(view) -> list[tuple[int, str, int]]:
    """(level, text, position) of every heading block of the page's document."""
    found, block = [], view.document().begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        if level and block.text().strip():
            found.append((level, " ".join(block.text().split()), block.position()))
        block = block.next()
    return found


def document_links(view) -> list[tuple[str, str]]:
    """(text, address) of every link of the page's document, a link split in fragments joined."""
    links: list[list[str]] = []
    block = view.document().begin()
    while block.isValid():
        it, last_end = block.begin(), -1
        while not it.atEnd():
            fragment = it.fragment()
            form = fragment.charFormat()
            if form.isAnchor() and form.anchorHref():
                if links and links[-1][1] == form.anchorHref() and last_end == fragment.position():
                    links[-1][0] += fragment.text()
                else:
                    links.append([fragment.text(), form.anchorHref()])
                last_end = fragment.position() + fragment.length()
            it += 1
        block = block.next()
    return [(" ".join(text.split()), href) for text, href in links]


def test_the_page_is_a_document_whose_heading_children_are_its_headings(window):
    open_slug(window, "nsaids")
    page = page_of(window)
    assert page.role() == Role.Document and page.text(Text.Name) == "Therapy page"
    headings = children(page, Role.Heading)
    expected = document_headings(window.detail_view)
    assert len(expected) > 10  # the title, the parts and their sections
    assert [h.text(Text.Name) for h in headings] == [text for _level, text, _pos in expected]
    assert [h.text(Text.Description) for h in headings] == [f"level {level}" for level, _t, _p in expected]
    levels = [h.attributesInterface().attributeValue(QAccessible.Attribute.Level) for h in headings]
    assert levels == [level for level, _t, _p in expected]
    assert headings[0].text(Text.Name).startswith("NSAIDs") and levels[0] == 1
    for heading in headings:  # each is a child of the page, found where the page says it is
        assert heading.parent().role() == Role.Document
        assert page.child(page.indexOfChild(heading)).text(Text.Name) == heading.text(Text.Name)


def test_a_heading_is_where_it_is_drawn_and_says_when_it_is_scrolled_out(qtbot, window):
    open_slug(window, "nsaids")
    view = window.detail_view
    headings = children(page_of(window), Role.Heading)
    _level, _text, position = document_headings(view)[1]  # "For the clinician", on screen at the top
    cursor = QTextCursor(view.document())
    cursor.setPosition(position)
    caret = view.cursorRect(cursor)  # where the heading's first letter is drawn, in the viewport
    rect = headings[1].rect()
    top_left = view.viewport().mapToGlobal(caret.topLeft())
    assert abs(rect.left() - top_left.x()) <= 2 and abs(rect.top() - top_left.y()) <= caret.height()
    assert rect.width() > 20 and rect.height() >= caret.height() - 2
    assert not headings[1].state().offscreen
    # the page's hit test finds the heading under its own centre
    assert page_of(window).childAt(rect.center().x(), rect.center().y()).text(Text.Name) == headings[1].text(Text.Name)
    last = headings[-1]
    assert last.state().offscreen  # "About this entry", pages below
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: not last.state().offscreen)
    assert view.viewport().rect().contains(view.viewport().mapFromGlobal(last.rect().center()))


def test_links_are_children_named_by_their_text_and_pressing_one_follows_it(qtbot, window):
    window.search_panel.set_condition("sciatica")  # the condition's page links to its options
    view = window.detail_view
    qtbot.waitUntil(lambda: view.condition_page is not None)
    page = page_of(window)
    links = children(page, Role.Link)
    expected = document_links(view)
    assert len(expected) >= 3
    assert [link.text(Text.Name) for link in links] == [text for text, _href in expected]
    therapy = next(link for link in links if link.text(Text.Description) == "Opens this therapy's page")
    name = therapy.text(Text.Name)
    actions = therapy.actionInterface()
    assert QAccessibleActionInterface.pressAction() in actions.actionNames()
    actions.doAction(QAccessibleActionInterface.pressAction())
    qtbot.waitUntil(lambda: view.detail is not None)
    assert view.detail.name == name


def test_the_page_still_reads_as_text_with_a_caret_and_a_heading_takes_the_caret(qtbot, window):
    open_slug(window, "nsaids")
    view = window.detail_view
    page = page_of(window)
    text = page.textInterface()
    plain = view.toPlainText()
    assert text.characterCount() == len(plain)
    assert text.text(0, 40) == plain[:40]
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.moveCursor(QTextCursor.MoveOperation.Start)
    qtbot.keyClick(view, Qt.Key.Key_Down)  # the arrow keys move a caret, and the text interface follows it
    assert text.cursorPosition() == view.textCursor().position() > 0
    heading = children(page, Role.Heading)[-1]
    heading.actionInterface().doAction(QAccessibleActionInterface.setFocusAction())  # a reader moving to it
    _level, name, position = document_headings(view)[-1]
    assert heading.text(Text.Name) == name
    assert view.textCursor().position() == text.cursorPosition() == position
    assert view.viewport().rect().intersects(view.cursorRect())  # scrolled to it


def test_switching_therapies_50_times_while_walking_the_tree(qtbot, window, reader_present):
    """A reader walks the page while the doctor moves through therapies: every walk finds the new
    page's headings, and the old page's objects are dropped from Qt's cache, never left dangling."""
    slugs = ["nsaids", "platelet-rich-plasma", "acupuncture", "yoga", "lumbar-fusion"]
    view = window.detail_view
    previous_ids: list[int] = []
    for turn in range(50):
        open_slug(window, slugs[turn % len(slugs)])
        for old in previous_ids:
            assert QAccessible.accessibleInterface(old) is None
        page = page_of(window)
        assert page.role() == Role.Document
        names, ids = [], []
        for index in range(page.childCount()):
            child = page.child(index)
            assert child is not None and child.isValid()
            assert page.indexOfChild(child) == index
            child.rect(), child.state()  # what a reader asks of each
            if child.role() == Role.Heading:
                names.append(child.text(Text.Name))
            if child.role() in (Role.Heading, Role.Link):
                ids.append(QAccessible.uniqueId(child))  # registered, as a reader's bridge does
                assert QAccessible.accessibleInterface(ids[-1]).text(Text.Name) == child.text(Text.Name)
        assert names == [text for _level, text, _pos in document_headings(view)]
        if turn % 7 == 0:  # now and then the page changes again before the walk ends
            view.set_zoom(view.zoom + (1 if turn % 2 else -1))
            assert all(QAccessible.accessibleInterface(i) is None for i in ids)
            ids = []
        previous_ids = ids
        qtbot.wait(1)
    assert window.isVisible()


def test_a_closed_window_leaves_no_page_objects_behind(qtbot, make_window):
    window = make_window()
    open_slug(window, "nsaids")
    page = page_of(window)
    headings = children(page, Role.Heading)
    ids = [QAccessible.uniqueId(h) for h in headings]
    assert all(QAccessible.accessibleInterface(i) is not None for i in ids)
    window.detail_view.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(headings[0]))
    assert all(QAccessible.accessibleInterface(i) is None for i in ids)


def walk_like_a_reader(page) -> tuple[list[str], list[int]]:
    """Everything a screen reader asks of the page and each of its children; returns the headings'
    names and the cache ids of the headings and links."""
    names, ids = [], []
    assert page.role() == Role.Document and page.text(Text.Name) == "Therapy page"
    assert page.textInterface().characterCount() > 0
    for index in range(page.childCount()):
        child = page.child(index)
        assert child is not None and child.isValid()
        assert page.indexOfChild(child) == index
        role, name = child.role(), child.text(Text.Name)
        child.text(Text.Description), child.state()
        rect = child.rect()
        if role not in (Role.Heading, Role.Link):
            continue
        assert name and child.parent().role() == Role.Document
        assert child.actionInterface().actionNames()
        if role == Role.Heading:
            names.append(name)
            assert child.attributesInterface().attributeValue(QAccessible.Attribute.Level) >= 1
        ids.append(QAccessible.uniqueId(child))
        hit = page.childAt(rect.center().x(), rect.center().y()) if not child.state().offscreen else None
        assert hit is None or hit.isValid()
    return names, ids


def accessible_objects_held_as_alive() -> int:
    """How many accessible objects Python holds and takes to be alive (it would call into each as if
    it were): one of a page that went would be memory Qt has freed. Counted, never shown: showing one
    calls into it."""
    return sum(isinstance(o, QAccessibleInterface) for o in shiboken6.Shiboken.getAllValidWrappers())


def test_pages_made_switched_and_destroyed_under_a_reader_200_times(qtbot, reader, reader_present):
    """A reader walks the page while pages come and go: twenty page widgets in turn, each shown 10
    therapies (200 switches) and walked after every switch, a heading taken to now and then, then
    destroyed. Every walk finds the page's own headings, nothing of a page that went is still
    reachable or held, and the objects Qt makes afterwards (a new page's text) are what they claim to be."""
    from clinic_app.services import library
    from clinic_app.ui.browse.detail_view import DetailView

    slugs = ["nsaids", "platelet-rich-plasma", "acupuncture", "yoga", "lumbar-fusion"]
    therapies = [library.get_therapy(reader, slug) for slug in slugs]
    gone_ids: list[int] = []
    gc.collect()
    held_before = accessible_objects_held_as_alive()
    for round_ in range(20):
        view = DetailView()
        assert isinstance(view.document(), QTextDocument)  # not a wrapper left from a page that went
        view.resize(700, 500)
        view.show()
        qtbot.waitExposed(view)
        assert all(QAccessible.accessibleInterface(i) is None for i in gone_ids)
        ids: list[int] = []
        for turn in range(10):
            view.show_therapy(therapies[(round_ + turn) % len(therapies)])
            assert all(QAccessible.accessibleInterface(i) is None for i in ids)  # the last page's parts went
            page = QAccessible.queryAccessibleInterface(view)
            names, ids = walk_like_a_reader(page)
            assert names == [text for _level, text, _pos in document_headings(view)]
            if turn % 4 == 0:  # a reader moving to a heading: the caret goes there
                heading = children(page, Role.Heading)[-1]
                heading.actionInterface().doAction(QAccessibleActionInterface.setFocusAction())
                assert view.textCursor().position() == document_headings(view)[-1][2]
            del page
            gc.collect(1)  # the young objects of this walk: a full collection follows each destroy
        page_id = QAccessible.uniqueId(QAccessible.queryAccessibleInterface(view))
        gone_ids += [*ids, page_id]
        view.deleteLater()
        qtbot.waitUntil(lambda gone=page_id: QAccessible.accessibleInterface(gone) is None)
        del view
        gc.collect()
        held = accessible_objects_held_as_alive()
        assert held <= held_before  # nothing of this page is left
    assert all(QAccessible.accessibleInterface(i) is None for i in gone_ids)
