"""The one-page option grid: two to four options on one sheet, Option Grid style.

What goes on the page is decided here without Qt: how many options it takes, which comparison
rows (the clinic's short set unless the doctor chose), and how a cell is shortened to whole
sentences when the page is full. Laying it out and checking that it fits one page is
:mod:`clinic_app.printing.one_page`'s job.
"""

from __future__ import annotations

import re
from dataclasses import replace

from clinic_app.errors import NotFoundError
from clinic_app.services.comparison import ComparisonMatrix, compare
from clinic_app.storage.reader import Reader

MIN_OPTIONS, MAX_OPTIONS = 2, 4
PORTRAIT_MAX = 3  # up to this many options the page is portrait; beyond, landscape
DEFAULT_ROWS = ("what_is_it", "how_is_it_done", "time_to_benefit", "evidence", "main_risks", "recovery", "guidelines")
TITLE = "Your options side by side"
HOW_TO_READ = "How to read this: each column is one option; read across a row to compare them."
FULL_HANDOUT = "Ask for the full handout: it has more detail and the sources."
SEE_FULL = " (see the full handout)"
MIN_KEPT_WORDS = 6  # a shortened answer keeps at least this many words

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z0-9\"“(])")


def check_count(count: int) -> None:
    """Refuse a one-page handout with fewer than two or more than four options, naming the count."""
    if not MIN_OPTIONS <= count <= MAX_OPTIONS:
        chosen = f"{count} was chosen" if count == 1 else f"{count} were chosen"
        raise NotFoundError(f"a one-page handout compares {MIN_OPTIONS} to {MAX_OPTIONS} options; {chosen}")


def landscape(count: int) -> bool:
    return count > PORTRAIT_MAX


def title(condition_name: str = "") -> str:
    return f"Your options for {condition_name.lower()}" if condition_name else TITLE


def matrix(reader: Reader, slugs: tuple[str, ...], rows: tuple[str, ...] = (), condition: str = "") -> ComparisonMatrix:
    """The grid of the page: ``rows`` (default :data:`DEFAULT_ROWS`), in the library's order."""
    check_count(len(slugs))
    return compare(reader, slugs, rows or DEFAULT_ROWS, condition or None)


def sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(" ".join(text.split())) if part]


def shorten(text: str, limit: int, mark: str = SEE_FULL) -> str:
    """``text`` cut to the whole sentences that fit in ``limit`` characters, the mark
    " (see the full handout)" included. A cut keeps at least :data:`MIN_KEPT_WORDS` words, so a
    short lead such as "Low." is never all that is left; when no such cut fits, the shortest one
    is used. ``text`` comes back whole when it fits or when no cut would make it shorter."""
    if len(text) <= limit:
        return text
    parts = sentences(text)
    heads = (" ".join(parts[:keep]) for keep in range(1, len(parts)))
    cuts = [head + mark for head in heads if len(head.split()) >= MIN_KEPT_WORDS]
    if not cuts:
        return text
    cut = next((c for c in reversed(cuts) if len(c) <= limit), cuts[0])
    return cut if len(cut) < len(text) else text


def shortened(grid: ComparisonMatrix, limit: int, whole: frozenset[tuple[int, int]] = frozenset(),
              mark: str = SEE_FULL) -> ComparisonMatrix:
    """``grid`` with every answer longer than ``limit`` characters cut to whole sentences, except
    the answers at (row, column) in ``whole``. A row that says the same for every option is
    printed once across the page and is left whole."""
    rows = tuple(replace(row, cells=tuple(cell if (r, c) in whole else replace(cell, text=shorten(cell.text, limit, mark))
                                          for c, cell in enumerate(row.cells)))
                 if row.differs else row for r, row in enumerate(grid.rows))
    return replace(grid, rows=rows)


def cut_cells(grid: ComparisonMatrix, limit: int) -> list[tuple[int, int]]:
    """Where :func:`shortened` cuts an answer at ``limit``: (row, column), the smallest cut first."""
    found = [(len(cell.text) - len(shorten(cell.text, limit)), r, c) for r, row in enumerate(grid.rows) if row.differs
             for c, cell in enumerate(row.cells) if shorten(cell.text, limit) != cell.text]
    return [(r, c) for _, r, c in sorted(found)]


def cut_limits(grid: ComparisonMatrix) -> list[int]:
    """The limits worth trying, loosest first: each cuts one more length of answer than the last."""
    lengths = {len(cell.text) for row in grid.rows if row.differs for cell in row.cells}
    return [length - 1 for length in sorted(lengths, reverse=True)]
