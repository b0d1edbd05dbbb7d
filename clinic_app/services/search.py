"""Full-text search over therapy text, comparison cells and references (SQLite FTS5).

Every word typed is matched as a prefix (``plat`` finds platelet), all words must match,
diacritics are folded by the index's tokenizer, and results are ranked with BM25 weighting
the therapy name above summaries, summaries above body text, body text above references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clinic_app.storage.reader import Reader

_WORD = re.compile(r"\w+", re.UNICODE)
# bm25 weights per column: slug (unindexed), name, summary, body, refs
_RANK = "bm25(search_index, 0.0, 10.0, 4.0, 1.0, 0.5)"
_SQL = (
    "SELECT s.slug, t.name, t.category, t.status, t.evidence_grade, "
    "snippet(search_index, -1, :open, :close, ' … ', 12) AS snippet, " + _RANK + " AS rank "
    "FROM search_index s JOIN therapy t ON t.slug = s.slug "
    "WHERE search_index MATCH :match ORDER BY rank LIMIT :limit"
)


@dataclass(frozen=True)
class SearchHit:
    slug: str
    name: str
    category: str
    status: str
    evidence_grade: str
    snippet: str
    rank: float


def match_expression(query: str) -> str:
    """The FTS5 query for what a user typed: each word a quoted prefix, all required."""
    words = _WORD.findall(query)
    return " ".join(f'"{word}"*' for word in words)


def search(reader: Reader, query: str, limit: int = 50, highlight: tuple[str, str] = ("[", "]")) -> list[SearchHit]:
    match = match_expression(query)
    if not match:
        return []
    rows = reader.query(_SQL, {"match": match, "limit": limit, "open": highlight[0], "close": highlight[1]})
    return [SearchHit(*row) for row in rows]
