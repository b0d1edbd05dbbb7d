"""Search over therapies and conditions (SQLite FTS5, or PostgreSQL full-text search on a clinic's
server), built to find what people type.

- Every word typed is matched as a prefix (``plat`` finds platelet), all words must match, and
  diacritics are folded by the index's tokenizer.
- Ranking (BM25 with column weights, set on the index as its ``rank``) puts the therapy name and
  its aliases (abbreviations, drug and brand names, lay words) above summaries, and summaries
  above the body. FTS5 stops at the top hits, and snippets are built for those hits only.
- A word found only in a therapy's references never outranks a therapy whose own text matches:
  reference-only hits come after every other hit, and their snippet says "In the sources:".
- A query that names a condition ("sciatica", "slipped disc") lists that condition's options,
  after any therapy named by the query itself.
- A query that finds nothing gets a second, forgiving pass: each unknown word is corrected to the
  closest word of the names and aliases (edit distance), or split where two words were run
  together ("stemcell"); the hits then carry the corrected query, for a "did you mean".
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass, replace
from itertools import islice
from typing import NamedTuple

from clinic_app.errors import ServerUnreachableError
from clinic_app.storage.reader import Reader

_WORD = re.compile(r"\w+", re.UNICODE)
REFERENCE_NOTE = "In the sources: "
# Ranking: BM25 with the column weights (slug, name, aliases, summary, body), sorted by SQLite; the
# top rows' snippets are cut here from their stored text (see _snippet), which costs less than
# asking FTS5 to rank and snip in one pass.
SNIPPETS = 12


@dataclass(frozen=True)
class _Queries:
    """The queries that differ between the two stores' search indexes."""

    top: str  # (match, limit) -> rowid, best first
    top_refs: str
    listing: str
    condition_therapies: str


# SQLite: FTS5, BM25 with the column weights (slug, name, aliases, summary, body), sorted by SQLite;
# the top rows' snippets are cut here from their stored text (see _snippet), which costs less than
# asking FTS5 to rank and snip in one pass.
_SQLITE = _Queries(
    top=("SELECT rowid FROM search_index WHERE search_index MATCH ? "
         "ORDER BY bm25(search_index, 0.0, 10.0, 8.0, 4.0, 1.0) LIMIT ?"),
    top_refs="SELECT rowid FROM search_refs WHERE search_refs MATCH ? ORDER BY bm25(search_refs) LIMIT ?",
    listing="SELECT id, slug, name, category, status, evidence_grade FROM therapy INDEXED BY ix_therapy_listing",
    condition_therapies=("SELECT t.id, c.name FROM therapy t JOIN therapy_condition tc ON tc.therapy_id = t.id "
                         "JOIN condition c ON c.id = tc.condition_id WHERE c.slug = ? ORDER BY t.name COLLATE NOCASE"),
)
# PostgreSQL: the stored tsvector (weights A-D for name, aliases, summary, body, in the proportions of
# the BM25 weights above), ranked by ts_rank with a rank scaled down for long texts as BM25 does.
_RANK = "'{0.1, 0.4, 0.8, 1.0}'"
_SERVER = _Queries(
    top=("SELECT rowid FROM search_index, to_tsquery('simple', clinic_fold(?)) AS q WHERE document @@ q "
         f"ORDER BY ts_rank_cd({_RANK}, document, q, 2) DESC, rowid LIMIT ?"),
    top_refs=("SELECT rowid FROM search_refs, to_tsquery('simple', clinic_fold(?)) AS q WHERE document @@ q "
              "ORDER BY ts_rank_cd(document, q, 2) DESC, rowid LIMIT ?"),
    listing="SELECT id, slug, name, category, status, evidence_grade FROM therapy",
    condition_therapies=("SELECT t.id, c.name FROM therapy t JOIN therapy_condition tc ON tc.therapy_id = t.id "
                         "JOIN condition c ON c.id = tc.condition_id WHERE c.slug = ? ORDER BY lower(t.name)"),
)
_TEXT = "SELECT rowid, name, aliases, summary, body FROM search_index WHERE rowid IN ({ids})"
_TEXT_REFS = "SELECT rowid, refs FROM search_refs WHERE rowid IN ({ids})"
_CONDITIONS = "SELECT slug, name, patient_name, aliases FROM condition ORDER BY position"


def _queries(reader: Reader) -> _Queries:
    return _SERVER if reader.sql.is_server else _SQLITE


class SearchHit(NamedTuple):
    """One hit (a tuple: made fifty times a keystroke, so as light as a record can be)."""

    slug: str
    name: str
    category: str
    status: str
    evidence_grade: str
    snippet: str
    rank: float
    via: str = ""  # "", "condition" (listed as an option for a condition named), "references"


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    corrected: str | None = None  # the query actually run, when the typed one found nothing
    conditions: tuple[str, ...] = ()  # slugs of the conditions the query names


MAX_WORDS = 32  # a query is a few words; a pasted page would cost seconds a keystroke
MAX_WORD_LENGTH = 64  # longer than any word of the library: the rest of a word is not looked at


def words_of(query: str) -> list[str]:
    """The words of ``query``: the first :data:`MAX_WORDS`, each cut to :data:`MAX_WORD_LENGTH` letters."""
    return [match.group()[:MAX_WORD_LENGTH] for match in islice(_WORD.finditer(query), MAX_WORDS)]


def word_count(query: str) -> int:
    """How many words ``query`` holds (a search looks at the first :data:`MAX_WORDS`)."""
    return sum(1 for _ in _WORD.finditer(query))


def singular(word: str) -> str:
    """A plural folded to the prefix of its singular, so "injections" also finds "injection" and
    "therapies" finds "therapy" (the index does not stem words: a stemmer cuts short queries down)."""
    lower = word.casefold()
    if len(lower) >= 5 and lower.endswith("ies"):
        return word[:-3]
    if len(lower) >= 5 and lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def match_expression(query: str, server: bool = False) -> str:
    """The index's query for what a user typed: each word a prefix, all required (FTS5's words, or
    PostgreSQL's ``tsquery`` when ``server``)."""
    if server:
        return " & ".join(f"{singular(word)}:*" for word in words_of(query))
    return " ".join(f'"{singular(word)}"*' for word in words_of(query))


def search(reader: Reader, query: str, limit: int = 50, highlight: tuple[str, str] = ("[", "]"),
           snippets: int = SNIPPETS) -> list[SearchHit]:
    return search_results(reader, query, limit, highlight, snippets).hits


def search_results(reader: Reader, query: str, limit: int = 50, highlight: tuple[str, str] = ("[", "]"),
                   snippets: int = SNIPPETS) -> SearchResults:
    """The ranked hits for ``query``; the first ``snippets`` of them carry a snippet with the match."""
    asked = reader.sql
    try:
        results = _run(reader, query, limit, highlight, snippets)
    except ServerUnreachableError:
        if reader.sql is asked:
            raise
        # the server went away as this was asked, and the room now reads its own copy of the
        # library: asked again there, in its words
        results = _run(reader, query, limit, highlight, snippets)
    if results.hits or not words_of(query):
        return results
    corrected = Vocabulary.of(reader).correct(query)
    if corrected is None:
        return results
    again = _run(reader, corrected, limit, highlight, snippets)
    return replace(again, corrected=corrected) if again.hits else results


def _run(reader: Reader, query: str, limit: int, highlight: tuple[str, str], snippets: int) -> SearchResults:
    queries = _queries(reader)
    match = match_expression(query, reader.sql.is_server)
    if not match:
        return SearchResults([])
    found: list[tuple[int, str]] = [(row[0], "") for row in reader.query(queries.top, (match, limit))]
    conditions = conditions_named(reader, query)
    notes: dict[int, str] = {}
    if conditions:
        # the condition's options come after any therapy the query names, in the order they matched
        members: dict[int, str] = {}
        for condition in conditions:
            for rowid, condition_name in reader.query(queries.condition_therapies, (condition,)):
                members.setdefault(rowid, f"An option for {condition_name.lower()}")
        named = [hit for hit in found[:3] if hit[0] not in members and _names(reader, hit[0], query)]
        matched = [(rowid, "condition") for rowid, _ in found if rowid in members]
        listed = {rowid for rowid, _ in matched}
        rest = [(rowid, "condition") for rowid in members if rowid not in listed]
        notes = {rowid: members[rowid] for rowid, _ in rest}
        others = [hit for hit in found if hit[0] not in members and hit not in named]
        found = named + matched + rest + others
    if len(found) < limit:
        seen = {rowid for rowid, _ in found}
        found += [(row[0], "references") for row in reader.query(queries.top_refs, (match, limit)) if row[0] not in seen]
    found = found[:limit]
    if not found:
        return SearchResults([], conditions=conditions)
    rows = _listing(reader)
    cut = _snippets(reader, [hit for hit in found[:snippets] if hit[0] not in notes], query, highlight)
    hits = []
    for rank, (rowid, via) in enumerate(found):
        row = rows.get(rowid)
        if row is None:
            continue
        snippet = notes.get(rowid) or cut.get(rowid, "")
        if via == "references":
            snippet = REFERENCE_NOTE + snippet
        hits.append(SearchHit(row[1], row[2], row[3], row[4], row[5], snippet, float(rank), via))
    return SearchResults(hits, conditions=conditions)


def _snippets(reader: Reader, hits: list[tuple[int, str]], query: str,
              highlight: tuple[str, str]) -> dict[int, str]:
    """Snippets for ``hits``: their own text, or their references for hits found there only."""
    out: dict[int, str] = {}
    terms = [fold(singular(w)).casefold() for w in words_of(query)]
    for sql, wanted in ((_TEXT, [r for r, via in hits if via != "references"]),
                        (_TEXT_REFS, [r for r, via in hits if via == "references"])):
        if wanted:
            for row in reader.query(sql.format(ids=", ".join("?" * len(wanted))), tuple(wanted)):
                out[row[0]] = _snippet(row[1:], terms, highlight)
    return out


def fold(text: str) -> str:
    """``text`` with accents taken off, letter for letter (the index folds them the same way)."""
    if text.isascii():
        return text
    return "".join(unicodedata.normalize("NFKD", ch)[0] if len(ch) == 1 else ch for ch in text)


def _snippet(columns, terms: list[str], highlight: tuple[str, str], size: int = 12) -> str:  # noqa: ANN001
    """About ``size`` words around the first match, from the first column (by weight) that matches,
    each matched word between the ``highlight`` marks."""
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms) + ")", re.IGNORECASE)
    for text in columns:
        if not text:
            continue
        folded = fold(text)
        found = pattern.search(folded)
        if found is None:
            continue
        # the words of a window around the first match: up to three before it, the rest after
        start = max(0, found.start() - 120)
        before = list(_WORD.finditer(folded, start, found.start()))[-3:]
        if before and start > 0 and before[0].start() == start:
            before = before[1:]  # the window may begin inside a word
        words = before + list(islice(_WORD.finditer(folded, found.start()), size - len(before)))
        out, position = [], words[0].start()
        for m in words:
            out.append(text[position:m.start()])
            word = text[m.start():m.end()]
            out.append(f"{highlight[0]}{word}{highlight[1]}" if pattern.match(folded, m.start()) else word)
            position = m.end()
        end = words[-1].end()
        trail = text[end] if end < len(text) and text[end] in ".,;:)?!" else ""
        lead = "… " if words[0].start() > 0 else ""
        more = " …" if _WORD.search(text, end) else ""
        return lead + " ".join(("".join(out) + trail).split()) + more
    return ""


def conditions_named(reader: Reader, query: str) -> tuple[str, ...]:
    """The conditions whose name or an alias holds every word typed (each as a prefix, 3 letters or more)."""
    typed = [fold(w).casefold() for w in words_of(query)]
    if not typed or min(len(w) for w in typed) < 3:
        return ()
    return tuple(slug for slug, phrases in _condition_phrases(reader)
                 if any(all(t in prefixes for t in typed) for prefixes in phrases))


_PHRASES: dict[tuple[int, int], list[tuple[str, list[set[str]]]]] = {}
_LISTINGS: dict[tuple[int, int], dict[int, tuple]] = {}


def _version(reader: Reader) -> tuple[int, int]:
    return reader.data_version()


def _listing(reader: Reader) -> dict[int, tuple]:
    """Every therapy's id, slug, name, category, status and grade, by id: what a hit shows. Read
    once (10,000 therapies take a few milliseconds, from a covering index), and again only after
    another connection has written to the database."""
    key = _version(reader)
    found = _LISTINGS.get(key)
    if found is None:
        found = {row[0]: tuple(row) for row in reader.query(_queries(reader).listing)}
        _LISTINGS.clear()
        _LISTINGS[key] = found
    return found


def _prefixes(phrase: str) -> set[str]:
    return {w[:n] for w in (fold(w).casefold() for w in _WORD.findall(phrase)) for n in range(3, len(w) + 1)}


def _condition_phrases(reader: Reader) -> list[tuple[str, list[set[str]]]]:
    """Each condition's name, patient name and aliases as the sets of word prefixes (3 letters or
    more) they hold, read again only after another connection has written to the database."""
    key = _version(reader)
    found = _PHRASES.get(key)
    if found is None:
        found = [(slug, [_prefixes(phrase) for phrase in (name, patient_name, *json.loads(aliases or "[]"))])
                 for slug, name, patient_name, aliases in reader.query(_CONDITIONS)]
        _PHRASES.clear()
        _PHRASES[key] = found
    return found


def _names(reader: Reader, rowid: int, query: str) -> bool:
    """Whether every word of ``query`` starts a word of the therapy's name or aliases."""
    row = reader.query("SELECT name, aliases FROM search_index WHERE rowid = ?", (rowid,))
    if not row:
        return False
    words = {w.casefold() for w in _WORD.findall(f"{row[0][0]} {row[0][1]}")}
    return all(any(w.startswith(singular(q).casefold()) for w in words) for q in words_of(query))


class Vocabulary:
    """The words of every name and alias, for correcting a query that found nothing."""

    _cache: dict[tuple[int, int], Vocabulary] = {}
    _lock = threading.Lock()

    def __init__(self, words: set[str]) -> None:
        self.words = {w for w in words if len(w) >= 3}
        self.by_gram: dict[str, set[str]] = {}
        for word in self.words:
            for gram in _grams(word):
                self.by_gram.setdefault(gram, set()).add(word)

    @classmethod
    def of(cls, reader: Reader) -> Vocabulary:
        # data_version changes when another connection commits: the names may have changed
        key = _version(reader)
        with cls._lock:
            found = cls._cache.get(key)
        if found is None:
            words: set[str] = set()
            for name, aliases in reader.query("SELECT name, aliases FROM search_index"):
                words.update(w.casefold() for w in _WORD.findall(f"{name} {aliases}"))
            for name, patient_name, aliases in reader.query("SELECT name, patient_name, aliases FROM condition"):
                words.update(w.casefold() for w in _WORD.findall(f"{name} {patient_name} {' '.join(json.loads(aliases))}"))
            found = cls(words)
            with cls._lock:
                cls._cache = {key: found}
        return found

    def correct(self, query: str) -> str | None:
        """The query with each word not in the vocabulary replaced by its closest word, or None."""
        out, changed = [], False
        for word in words_of(query):
            folded = word.casefold()
            if folded in self.words or any(w.startswith(folded) for w in self._candidates(folded, 1)):
                out.append(folded)
                continue
            fixed = self._closest(folded) or self._split(folded)
            if fixed is None:
                return None
            out.append(fixed)
            changed = True
        return " ".join(out) if changed else None

    def _candidates(self, word: str, shared: int) -> set[str]:
        counts: dict[str, int] = {}
        for gram in _grams(word):
            for candidate in self.by_gram.get(gram, ()):
                counts[candidate] = counts.get(candidate, 0) + 1
        return {w for w, n in counts.items() if n >= shared}

    def _closest(self, word: str) -> str | None:
        if len(word) < 4:
            return None
        allowed = 1 if len(word) < 7 else 2
        best: tuple[int, int, str] | None = None
        for candidate in self._candidates(word, max(1, len(word) // 3 - 1)):
            if abs(len(candidate) - len(word)) > allowed:
                continue
            distance = edit_distance(word, candidate, allowed)
            if distance <= allowed:
                key = (distance, abs(len(candidate) - len(word)), candidate)
                best = key if best is None or key < best else best
        return best[2] if best else None

    def _split(self, word: str) -> str | None:
        for cut in range(3, len(word) - 2):
            head, tail = word[:cut], word[cut:]
            if head in self.words and (tail in self.words or any(w.startswith(tail) for w in self.words)):
                return f"{head} {tail}"
        return None


def _grams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once), stopping early past ``limit``."""
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
