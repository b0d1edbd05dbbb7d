"""The builder's live preview: pages drawn on a worker as pictures, shown one under another.

The pictures come from :func:`clinic_app.printing.paged.render_pages`, laid out exactly as the PDF
and the printer are, so the preview shows what comes out; the window only scales and paints them.
A list view over a model of page pictures, each page as wide as the view (less a margin), with a
shadowless border, like paper on a grey desk.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from clinic_app.ui.list_models import ItemListModel

Index = QModelIndex | QPersistentModelIndex
PAGE_ROLE = Qt.ItemDataRole.UserRole + 1
GAP = 14  # pixels of desk around each page
DESK = QColor("#8a9099")


class PageModel(ItemListModel):
    """One row per page; ``PAGE_ROLE`` gives the page's picture."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        if role == Qt.ItemDataRole.AccessibleTextRole and index.isValid():
            return f"Page {index.row() + 1} of {self.rowCount()}"
        return super().data(index, role)

    def show(self, image: QImage, role: int):  # noqa: ANN201
        return image if role == PAGE_ROLE else None


class PageDelegate(QStyledItemDelegate):
    """Paints a page scaled to the view's width, keeping its proportions."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def _page_size(self, image: QImage) -> QSize:
        width = max(40, self._view.viewport().width() - 2 * GAP)
        return QSize(width, round(width * image.height() / max(1, image.width())))

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        image = index.data(PAGE_ROLE)
        if not isinstance(image, QImage):
            return QSize(0, 0)
        size = self._page_size(image)
        return QSize(size.width() + 2 * GAP, size.height() + GAP)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        image = index.data(PAGE_ROLE)
        if not isinstance(image, QImage):
            return
        size = self._page_size(image)
        target = QRect(option.rect.left() + GAP, option.rect.top() + GAP, size.width(), size.height())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, image)
        painter.setPen(QColor("#5d636b"))
        painter.drawRect(target.adjusted(0, 0, -1, -1))
        painter.restore()


class PagePreview(QListView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page_model = PageModel(self)
        self.setModel(self.page_model)
        self.setItemDelegate(PageDelegate(self))
        self.setResizeMode(QListView.ResizeMode.Adjust)  # pages follow the view's width
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the keyboard scrolls the pages too
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, DESK)
        self.setPalette(palette)

    def set_pages(self, pages: Sequence[QImage]) -> None:
        top = self.verticalScrollBar().value()
        self.page_model.set_items(pages)
        self.doItemsLayout()
        self.verticalScrollBar().setValue(top)  # an edit keeps the doctor's place in the handout

    def pageCount(self) -> int:  # noqa: N802 - the name QPrintPreviewWidget uses
        return self.page_model.rowCount()

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()  # each page's height follows the new width
