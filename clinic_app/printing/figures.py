"""Icon arrays on paper: 100 figures in a ten-by-ten block, so many shaded (filled dots), the rest as
light rings, so the count reads without colour too. The caption and the number beside each array
say it in words, so the PDF's text layer needs nothing from the picture.

A document asks for one with an image named ``icon-array:COUNT:COLOUR`` (for instance
``icon-array:48:143d59``); the renderer's document answers that name with :func:`render`, drawn
at about 600 dots per inch for the size a handout prints it. QtGui only.
"""

from __future__ import annotations

import re
import threading

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen

NAME = re.compile(r"^icon-array:(\d{1,3}):([0-9a-fA-F]{6})$")
EMPTY = QColor("#aab4bd")  # the figures not counted: light rings, visible in black-and-white print
SIDE = 10  # figures per row and per column
PIXELS = 440  # the picture's side: about 600 dpi at the 72 CSS pixels (19 mm) large print uses


def icon_array_name(count: int, colour: str) -> str:
    """The image name a template uses to ask for an array of ``count`` shaded figures in 100."""
    return f"icon-array:{max(0, min(100, count))}:{colour.lstrip('#')}"


def render(name: str) -> QImage | None:
    """The picture for an ``icon-array:`` image name, or None for any other name."""
    match = NAME.match(name)
    if not match:
        return None
    with _lock:
        cached = _drawn.get(name)
    if cached is not None:
        return cached
    image = _draw(match)
    with _lock:
        _drawn[name] = image
    return image


_drawn: dict[str, QImage] = {}  # a few hundred names at most (count x colour)
_lock = threading.Lock()


def _draw(match: re.Match) -> QImage:
    count, colour = min(100, int(match.group(1))), QColor(f"#{match.group(2)}")
    image = QImage(PIXELS, PIXELS, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    cell = PIXELS / SIDE
    radius = cell * 0.36
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for index in range(SIDE * SIDE):  # filled left to right, top row first
        row, column = divmod(index, SIDE)
        centre = QPointF((column + 0.5) * cell, (row + 0.5) * cell)
        if index < count:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(colour))
            painter.drawEllipse(centre, radius, radius)
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(EMPTY, cell * 0.08))
            painter.drawEllipse(centre, radius * 0.8, radius * 0.8)
    painter.end()
    return image
