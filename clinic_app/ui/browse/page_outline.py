"""The therapy page as a screen reader meets it: a document whose headings and links are objects of
their own, so a reader can list them, jump by heading and follow a link.

Qt exposes a read-only ``QTextBrowser`` as one object (a "label" on AT-SPI) with a text interface
and nothing inside it, whatever headings its HTML has. The page's accessible object here is Qt's
own text object with three changes: its role is a document, its children are the document's
headings (role Heading, named by their text, "level N" as description) and links (role Link, named
by their text), in reading order, each with its place on screen, and it keeps Qt's own text
interface, so the page still reads as text and its caret still moves and is followed.

A heading's "set focus" action puts the caret at the heading and scrolls it into view (what a
screen reader asks for when it moves to a heading); a link's "press" action follows the link.

Who owns what. Every accessible object here has a C++ side, which Qt's accessibility cache owns
and alone deletes, and a Python side (the methods Qt calls, and the action and attribute objects
they hand out), which Python keeps alive for as long as the C++ side may be called:

* :class:`PageDocument`, the page's object, is made by the factory Qt asks for the page. Qt's
  cache deletes it when the page widget goes. PySide's factory keeps a reference to every object
  a factory returned, for the life of the application, so the Python side outlives the C++ side;
  once Qt has deleted it, that reference holds only a dead shell, never a pointer Python would use
  or free.
* Qt's own text object for the page (what the document reads its text, caret and selection
  from) is made and owned by Qt, in the same cache, and deleted with the page widget. Python never
  holds on to it: the document keeps its id and asks the cache for it at each use. (Holding it
  would leave a Python wrapper pointing at freed memory once the page went, and PySide would hand
  that wrapper out again for whatever object Qt later made at the same address: the wrong object
  called through the wrong type, a crash.)
* :class:`PagePart`, a heading or a link, is registered in Qt's cache the moment it is made, so
  the cache owns its C++ side from the start. The page's :class:`PageOutline` keeps every part (and
  with it the part's :class:`PartActions` and :class:`PartAttributes`, which Qt only borrows for
  the length of a call) until the page changes or the page widget goes; then, and only then, it
  tells assistive technology they are gone and asks the cache to delete them. The cache's delete
  marks each Python part dead, so dropping the outline's references afterwards frees no C++
  object a second time. New parts are made when they are next asked for.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QRect, QRectF, QTimer, QUrl
from PySide6.QtGui import (
    QAccessible,
    QAccessibleActionInterface,
    QAccessibleAttributesInterface,
    QAccessibleEvent,
    QAccessibleInterface,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QAccessibleWidget

if TYPE_CHECKING:
    from clinic_app.ui.browse.detail_view import DetailView

PAGE_CLASS = "DetailView"  # the class whose accessible object is a document (its Qt class name)
HEADING, LINK = "heading", "link"
_ROLES = {HEADING: QAccessible.Role.Heading, LINK: QAccessible.Role.Link}

_installed = False
_NULL = shiboken6.VoidPtr(0)
_native_wanted = False  # while set, the factory stands aside and Qt makes its own text object


def _pointer(answer: object) -> shiboken6.VoidPtr:
    """What ``interface_cast`` hands back to Qt: a ``VoidPtr``, the null one for "no such interface".
    PySide passes any other Python object (None, an int) as the address of that Python object, which
    Qt then calls into and crashes."""
    return answer if isinstance(answer, shiboken6.VoidPtr) else _NULL


def install() -> None:
    """Make the page's accessible object a document with headings and links (once per process)."""
    global _installed
    if not _installed:
        QAccessible.installFactory(_interface)
        _installed = True


def _interface(key: str, obj: QObject) -> QAccessibleInterface | None:
    if key != PAGE_CLASS or _native_wanted:
        return None
    outline = getattr(obj, "outline", None)
    if not isinstance(outline, PageOutline):
        return None
    native_id = _native_interface_id(obj)
    return PageDocument(obj, native_id) if native_id else None


def _native_interface_id(obj: QObject) -> int:
    """The id of Qt's own text object for the page, in Qt's cache, which owns it (0 if Qt has none):
    its text interface (text, caret, selection) is the page's. The object itself is let go here."""
    global _native_wanted
    _native_wanted = True
    try:
        native = QAccessible.queryAccessibleInterface(obj)
    finally:
        _native_wanted = False
    return QAccessible.uniqueId(native) if native is not None else 0


def read_parts(document: QTextDocument) -> list[tuple[str, str, int, int, int, str]]:
    """The headings and links of ``document`` in reading order: (kind, name, level, start, end, href);
    a heading's level is 1–6, a link's 0 and its href the address it goes to."""
    parts = []
    block = document.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        name = " ".join(block.text().split())
        if level and name:
            parts.append((HEADING, name, level, block.position(), block.position() + max(0, block.length() - 1), ""))
        link: list | None = None
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            form = fragment.charFormat()
            href = form.anchorHref() if form.isAnchor() else ""
            if href and link is not None and link[5] == href and link[4] == fragment.position():
                link[1] += fragment.text()
                link[4] = fragment.position() + fragment.length()
            elif href:
                if link is not None:
                    parts.append(tuple(link))
                link = [LINK, fragment.text(), 0, fragment.position(), fragment.position() + fragment.length(), href]
            it += 1
        if link is not None:
            parts.append(tuple(link))
        block = block.next()
    return [(kind, " ".join(name.split()), level, start, end, href)
            for kind, name, level, start, end, href in parts if name.strip()]


def span_rect(document: QTextDocument, start: int, end: int) -> QRectF:
    """Where the text from ``start`` to ``end`` (one block) is laid out, in document coordinates."""
    block = document.findBlock(start)
    layout = block.layout()
    if not block.isValid() or layout is None:
        return QRectF()
    base = block.position()
    rect = QRectF()
    for index in range(layout.lineCount()):
        line = layout.lineAt(index)
        first, last = base + line.textStart(), base + line.textStart() + line.textLength()
        if last <= start or first >= end:
            continue
        left = line.cursorToX(max(start, first) - base)
        right = line.cursorToX(min(end, last) - base)
        left = left[0] if isinstance(left, tuple) else left
        right = right[0] if isinstance(right, tuple) else right
        rect = rect.united(QRectF(min(left, right), line.y(), max(1.0, abs(right - left)), line.height()))
    # the layout's position is within its frame (a table cell, a boxed section); the block's bounding
    # rect adds the frames around it
    return rect.translated(document.documentLayout().blockBoundingRect(block).topLeft())


class PageOutline:
    """The headings and links of one page as accessible objects, kept alive while the page shows."""

    def __init__(self, view: DetailView) -> None:
        self._view = weakref.ref(view)
        self._parts: list[PagePart] | None = None
        self._index: dict[int, int] = {}
        view.page_changed.connect(self.page_changed)
        view.destroyed.connect(self.drop)

    @property
    def view(self) -> DetailView | None:
        view = self._view()
        return view if view is not None and shiboken6.isValid(view) else None

    def parts(self) -> list[PagePart]:
        """The page's headings and links, made when first asked for."""
        if self._parts is None:
            view = self.view
            found = read_parts(view.document()) if view is not None else []
            self._parts = [PagePart(self, *part) for part in found]
            for part in self._parts:
                # from now on Qt's cache owns the part's C++ side: only the cache deletes it
                part.id = QAccessible.uniqueId(part)
            self._index = {shiboken6.getCppPointer(part)[0]: row for row, part in enumerate(self._parts)}
        return self._parts

    def index_of(self, iface: QAccessibleInterface | None) -> int:
        if iface is None or self._parts is None or not shiboken6.isValid(iface):
            return -1
        return self._index.get(shiboken6.getCppPointer(iface)[0], -1)

    def headings(self) -> list[PagePart]:
        return [part for part in self.parts() if part.kind == HEADING]

    def links(self) -> list[PagePart]:
        return [part for part in self.parts() if part.kind == LINK]

    def page_changed(self) -> None:
        """The page shows something else: its old headings and links go, and assistive technology is
        told that the document's children changed."""
        view = self.view
        had_parts = bool(self._parts)
        self._retire(tell=True)
        if view is not None and had_parts and QAccessible.isActive():
            QAccessible.updateAccessibility(QAccessibleEvent(view, QAccessible.Event.ObjectReorder))

    def drop(self, *_args: object) -> None:
        """The page is gone: so are its headings and links."""
        self._retire(tell=False)

    def _retire(self, tell: bool) -> None:
        """Have Qt's cache delete the parts (the one place they are deleted), then let them go: the
        local list keeps each one alive until the cache has deleted it (a reader asking for the page's
        children meanwhile gets new ones)."""
        parts, self._parts, self._index = self._parts or [], None, {}
        active = tell and QAccessible.isActive()
        for part in parts:
            if not shiboken6.isValid(part):  # the cache already deleted it (as the application ends)
                continue
            try:
                if active:  # while it is still valid: its parent and place are read for the event
                    QAccessible.updateAccessibility(QAccessibleEvent(part, QAccessible.Event.ObjectDestroyed))
            finally:  # whatever telling did, the cache deletes the part before Python lets it go
                part.retired = True
                QAccessible.deleteAccessibleInterface(part.id)


class PageDocument(QAccessibleWidget):
    """The page: Qt's text object for it, as a document whose children are its headings and links
    (then Qt's own children of the page: its viewport and scroll bars)."""

    def __init__(self, view: QObject, native_id: int) -> None:
        super().__init__(view, QAccessible.Role.Document)
        self._native_id = native_id  # Qt's text object, by its id in Qt's cache (never the object)

    def _native(self) -> QAccessibleInterface | None:
        """Qt's text object for the page, looked up for this call only (None once the page went)."""
        native = QAccessible.accessibleInterface(self._native_id)
        return native if native is not None and native.isValid() else None

    def _outline(self) -> PageOutline | None:
        outline = getattr(self.widget(), "outline", None)
        return outline if isinstance(outline, PageOutline) else None

    def _own(self) -> list[PagePart]:
        outline = self._outline()
        return outline.parts() if outline is not None else []

    def role(self) -> QAccessible.Role:
        return QAccessible.Role.Document

    def state(self) -> QAccessible.State:
        native = self._native()
        return native.state() if native is not None else QAccessible.State()

    def text(self, kind: QAccessible.Text) -> str:
        native = self._native()
        return native.text(kind) if native is not None else ""

    def childCount(self) -> int:  # noqa: N802 - Qt's name
        native = self._native()
        return len(self._own()) + (native.childCount() if native is not None else 0)

    def child(self, index: int) -> QAccessibleInterface | None:
        own = self._own()
        if 0 <= index < len(own):
            return own[index]
        native = self._native()
        return native.child(index - len(own)) if native is not None and index >= len(own) else None

    def indexOfChild(self, child: QAccessibleInterface | None) -> int:  # noqa: N802 - Qt's name
        outline = self._outline()
        row = outline.index_of(child) if outline is not None else -1
        if row >= 0:
            return row
        native = self._native()
        found = native.indexOfChild(child) if native is not None and child is not None else -1
        return found + len(self._own()) if found >= 0 else -1

    def childAt(self, x: int, y: int) -> QAccessibleInterface | None:  # noqa: N802 - Qt's name
        for part in self._own():
            if part.rect().contains(x, y):
                return part
        native = self._native()
        return native.childAt(x, y) if native is not None else None

    def interface_cast(self, kind: QAccessible.InterfaceType) -> shiboken6.VoidPtr:
        if kind in (QAccessible.InterfaceType.TextInterface, QAccessible.InterfaceType.EditableTextInterface):
            native = self._native()  # Qt's object, alive as long as the page widget: the pointer stays good
            return _pointer(native.interface_cast(kind)) if native is not None else _NULL
        return _pointer(super().interface_cast(kind))


class PagePart(QAccessibleInterface):
    """A heading or a link of the page."""

    def __init__(self, outline: PageOutline, kind: str, name: str, level: int, start: int, end: int,
                 href: str) -> None:
        super().__init__()
        self._outline = outline
        self.kind, self.name, self.level, self.start, self.end, self.href = kind, name, level, start, end, href
        self.retired = False
        self.id = 0  # its id in Qt's cache, which owns it (set by the outline as soon as it is made)
        self._actions = PartActions(self)
        self._attributes = PartAttributes(level)

    # -- what it is --------------------------------------------------------------------------
    def isValid(self) -> bool:  # noqa: N802 - Qt's name
        return not self.retired and self._outline.view is not None

    def object(self) -> QObject | None:
        return None

    def role(self) -> QAccessible.Role:
        return _ROLES[self.kind]

    def text(self, kind: QAccessible.Text) -> str:
        if kind == QAccessible.Text.Name:
            return self.name
        if kind == QAccessible.Text.Description:
            return f"level {self.level}" if self.kind == HEADING else self._link_description()
        return ""

    def _link_description(self) -> str:
        url = QUrl(self.href)
        if url.scheme() == "therapy":
            return "Opens this therapy's page"
        return self.href if url.scheme() in ("http", "https") else ""

    def setText(self, kind: QAccessible.Text, text: str) -> None:  # noqa: N802 - Qt's name
        pass  # the page is read-only

    def state(self) -> QAccessible.State:
        state = QAccessible.State()
        view = self._outline.view
        if view is None or not view.isVisible():
            state.invisible = True
            return state
        state.offscreen = not self._viewport_rect(view).intersects(view.viewport().rect())
        state.focusable = True
        if self.kind == LINK:
            state.linked = True
        return state

    def relations(self, match: object = None) -> list:
        return []

    # -- where it is -------------------------------------------------------------------------
    def _viewport_rect(self, view: DetailView) -> QRect:
        rect = span_rect(view.document(), self.start, self.end)
        return rect.translated(-view.horizontalScrollBar().value(), -view.verticalScrollBar().value()).toAlignedRect()

    def rect(self) -> QRect:
        view = self._outline.view
        if view is None:
            return QRect()
        local = self._viewport_rect(view)
        return QRect(view.viewport().mapToGlobal(local.topLeft()), local.size())

    # -- the tree ----------------------------------------------------------------------------
    def parent(self) -> QAccessibleInterface | None:
        view = self._outline.view
        return QAccessible.queryAccessibleInterface(view) if view is not None else None

    def window(self):  # noqa: ANN201 - QWindow
        parent = self.parent()
        return parent.window() if parent is not None else None

    def child(self, index: int) -> QAccessibleInterface | None:
        return None

    def childCount(self) -> int:  # noqa: N802 - Qt's name
        return 0

    def indexOfChild(self, child: QAccessibleInterface | None) -> int:  # noqa: N802 - Qt's name
        return -1

    def childAt(self, x: int, y: int) -> QAccessibleInterface | None:  # noqa: N802 - Qt's name
        return None

    def focusChild(self) -> QAccessibleInterface | None:  # noqa: N802 - Qt's name
        return None

    def interface_cast(self, kind: QAccessible.InterfaceType) -> shiboken6.VoidPtr:
        if kind == QAccessible.InterfaceType.ActionInterface:
            extra = self._actions
        elif kind == QAccessible.InterfaceType.AttributesInterface and self.kind == HEADING:
            extra = self._attributes
        else:
            return _NULL
        return shiboken6.VoidPtr(shiboken6.getCppPointer(extra)[0]) if shiboken6.isValid(extra) else _NULL

    # -- what it does ------------------------------------------------------------------------
    def go_to(self) -> None:
        """Put the caret at the start of this heading or link, scrolled into view, the page focused."""
        view = self._outline.view
        if view is None:
            return
        cursor = QTextCursor(view.document())
        cursor.setPosition(self.start)
        if self.kind == LINK:
            cursor.setPosition(self.end, QTextCursor.MoveMode.KeepAnchor)
        view.setTextCursor(cursor)
        view.ensureCursorVisible()
        view.setFocus()

    def follow(self) -> None:
        """Follow the link, as a click or Enter on it would (after the call that asked returns: the
        page may change and this object go)."""
        view, href = self._outline.view, self.href
        if view is not None and self.kind == LINK:
            QTimer.singleShot(0, view, lambda: view.anchorClicked.emit(QUrl(href)))


class PartAttributes(QAccessibleAttributesInterface):
    """A heading's level, where the platform's bridge reads it (AT-SPI in Qt 6.11 passes on only
    orientation and locale, hence also the description)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self._level = level

    def attributeKeys(self) -> list[QAccessible.Attribute]:  # noqa: N802 - Qt's name
        return [QAccessible.Attribute.Level]

    def attributeValue(self, key: QAccessible.Attribute) -> object:  # noqa: N802 - Qt's name
        return self._level if key == QAccessible.Attribute.Level else None


class PartActions(QAccessibleActionInterface):
    """A heading's action (set focus: the caret goes there) and a link's (press: follow it)."""

    def __init__(self, part: PagePart) -> None:
        super().__init__()
        self._part = weakref.ref(part)

    def _names(self) -> list[str]:
        part = self._part()
        if part is None:
            return []
        focus = QAccessibleActionInterface.setFocusAction()
        return [QAccessibleActionInterface.pressAction(), focus] if part.kind == LINK else [focus]

    def actionNames(self) -> list[str]:  # noqa: N802 - Qt's name
        return self._names()

    def localizedActionName(self, name: str) -> str:  # noqa: N802 - Qt's name
        return {QAccessibleActionInterface.pressAction(): "Follow link",
                QAccessibleActionInterface.setFocusAction(): "Go here"}.get(name, name)

    def localizedActionDescription(self, name: str) -> str:  # noqa: N802 - Qt's name
        return {QAccessibleActionInterface.pressAction(): "Open what the link points to",
                QAccessibleActionInterface.setFocusAction(): "Move the reading caret here"}.get(name, "")

    def keyBindingsForAction(self, name: str) -> list[str]:  # noqa: N802 - Qt's name
        return ["Return"] if name == QAccessibleActionInterface.pressAction() else []

    def doAction(self, name: str) -> None:  # noqa: N802 - Qt's name
        part = self._part()
        if part is None or not part.isValid():
            return
        if name == QAccessibleActionInterface.pressAction():
            part.follow()
        elif name == QAccessibleActionInterface.setFocusAction():
            part.go_to()

