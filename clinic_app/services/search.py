"""Search over therapies and conditions (SQLite FTS5), built to find what people type.

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
from dataclasses import dataclass, replace

from clinic_app.storage.reader import Reader

_WORD = re.compile(r"\w+", re.UNICODE)
REFERENCE_NOTE = "In the sources: "
_TOP = (
    "SELECT slug, snippet(search_index, -1, :open, :close, ' … ', 12) FROM search_index "
    "WHERE search_index MATCH :match ORDER BY rank LIMIT :limit"
)
_TOP_REFS = (
    "SELECT slug, snippet(search_refs, -1, :open, :close, ' … ', 12) FROM search_refs "
    "WHERE search_refs MATCH :match ORDER BY rank LIMIT :limit"
)
_THERAPY = "SELECT slug, name, category, status, evidence_grade FROM therapy WHERE slug IN ({slugs})"
_CONDITION_THERAPIES = (
    "SELECT t.slug, c.name FROM therapy t JOIN therapy_condition tc ON tc.therapy_id = t.id "
    "JOIN condition c ON c.id = tc.condition_id WHERE c.slug = ? ORDER BY t.name COLLATE NOCASE"
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
    via: str = ""  # "", "condition" (listed as an option for a condition named), "references"


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    corrected: str | None = None  # the query actually run, when the typed one found nothing
    conditions: tuple[str, ...] = ()  # slugs of the conditions the query names


def words_of(query: str) -> list[str]:
    return _WORD.findall(query)


def singular(word: str) -> str:
    """A plural folded to the prefix of its singular, so "injections" also finds "injection" and
    "therapies" finds "therapy" (the index does not stem words: a stemmer cuts short queries down)."""
    lower = word.casefold()
    if len(lower) >= 5 and lower.endswith("ies"):
        return word[:-3]
    if len(lower) >= 5 and lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def match_expression(query: str) -> str:
    """The FTS5 query for what a user typed: each word a quoted prefix, all required."""
    return " ".join(f'"{singular(word)}"*' for word in words_of(query))


def search(reader: Reader, query: str, limit: int = 50, highlight: tuple[str, str] = ("[", "]")) -> list[SearchHit]:
    return search_results(reader, query, limit, highlight).hits


def search_results(reader: Reader, query: str, limit: int = 50,
                   highlight: tuple[str, str] = ("[", "]")) -> SearchResults:
    results = _run(reader, query, limit, highlight)
    if results.hits or not words_of(query):
        return results
    corrected = Vocabulary.of(reader).correct(query)
    if corrected is None:
        return results
    again = _run(reader, corrected, limit, highlight)
    return replace(again, corrected=corrected) if again.hits else results


def _run(reader: Reader, query: str, limit: int, highlight: tuple[str, str]) -> SearchResults:
    match = match_expression(query)
    if not match:
        return SearchResults([])
    params = {"match": match, "limit": limit, "open": highlight[0], "close": highlight[1]}
    found = [(slug, " ".join(snippet.split()), "") for slug, snippet in reader.query(_TOP, params)]
    conditions = Vocabulary.of(reader).conditions_named(query)
    if conditions:
        # the condition's options come after any therapy the query names, in the order they matched
        members: dict[str, str] = {}
        for condition in conditions:
            for slug, condition_name in reader.query(_CONDITION_THERAPIES, (condition,)):
                members.setdefault(slug, f"An option for {condition_name.lower()}")
        named = [hit for hit in found[:3] if hit[0] not in members and _names(reader, hit[0], query)]
        matched = [hit for hit in found if hit[0] in members]
        listed = {hit[0] for hit in matched}
        rest = [(slug, name, "condition") for slug, name in members.items() if slug not in listed]
        others = [hit for hit in found if hit[0] not in members and hit not in named]
        found = named + [(s, snip, "condition") for s, snip, _ in matched] + rest + others
    if len(found) < limit:
        seen = {hit[0] for hit in found}
        for slug, snippet in reader.query(_TOP_REFS, params):
            if slug not in seen:
                found.append((slug, REFERENCE_NOTE + " ".join(snippet.split()), "references"))
                seen.add(slug)
    found = found[:limit]
    if not found:
        return SearchResults([], conditions=conditions)
    rows = {r[0]: r for r in reader.query(_THERAPY.format(slugs=", ".join("?" * len(found))),
                                           tuple(hit[0] for hit in found))}
    hits = [SearchHit(slug, row[1], row[2], row[3], row[4], snippet, float(rank), via)
            for rank, (slug, snippet, via) in enumerate(found) if (row := rows.get(slug)) is not None]
    return SearchResults(hits, conditions=conditions)


def _names(reader: Reader, slug: str, query: str) -> bool:
    """Whether every word of ``query`` starts a word of the therapy's name or aliases."""
    row = reader.query("SELECT name, aliases FROM search_index WHERE slug = ?", (slug,))
    if not row:
        return False
    words = {w.casefold() for w in _WORD.findall(f"{row[0][0]} {row[0][1]}")}
    return all(any(w.startswith(q.casefold()) for w in words) for q in words_of(query))


class Vocabulary:
    """The words of every name and alias, for correcting a query that found nothing."""

    _cache: dict[tuple[str, str], Vocabulary] = {}
    _lock = threading.Lock()

    def __init__(self, words: set[str], conditions: dict[str, list[set[str]]] | None = None) -> None:
        self.conditions = conditions or {}  # slug -> the word sets of its name and each alias
        self.words = {w for w in words if len(w) >= 3}
        self.by_gram: dict[str, set[str]] = {}
        for word in self.words:
            for gram in _grams(word):
                self.by_gram.setdefault(gram, set()).add(word)

    @classmethod
    def of(cls, reader: Reader) -> Vocabulary:
        stamp = reader.query("SELECT count(*), max(rowid) FROM search_index")[0]
        meta = reader.query("SELECT value FROM app_meta WHERE key = 'content_fingerprint'")
        key = (str(reader.path), f"{stamp[0]}:{stamp[1]}:{meta[0][0] if meta else ''}")
        with cls._lock:
            found = cls._cache.get(key)
        if found is None:
            words: set[str] = set()
            for name, aliases in reader.query("SELECT name, aliases FROM search_index"):
                words.update(w.casefold() for w in _WORD.findall(f"{name} {aliases}"))
            conditions: dict[str, list[set[str]]] = {}
            for slug, name, patient_name, aliases in reader.query(
                    "SELECT slug, name, patient_name, aliases FROM condition ORDER BY position"):
                phrases = [name, patient_name, *json.loads(aliases or "[]")]
                conditions[slug] = [{w.casefold() for w in _WORD.findall(p)} for p in phrases]
                words.update(*conditions[slug])
            found = cls(words, conditions)
            with cls._lock:
                cls._cache = {key: found}
        return found

    def conditions_named(self, query: str) -> tuple[str, ...]:
        """The conditions whose name or an alias holds every word typed (each as a prefix)."""
        typed = [w.casefold() for w in words_of(query)]
        if not typed or min(len(w) for w in typed) < 3:
            return ()
        return tuple(slug for slug, phrases in self.conditions.items()
                     if any(all(any(w.startswith(t) for w in phrase) for t in typed) for phrase in phrases))

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
