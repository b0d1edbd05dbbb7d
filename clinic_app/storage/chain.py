"""The record chain: every consultation, handout and purge, in the order it was recorded, each entry
tied to the one before it, so a record changed, removed or slipped in afterwards shows.

An entry holds the SHA-256 of its record's *content*, a canonical JSON of the record's lasting fields
(:func:`consultation_content`, :func:`handout_content`, :func:`purge_content`), the chain hash of the
entry before it (:data:`GENESIS` for the first) and its own chain hash, SHA-256(previous + content
hash). The personal parts a privacy purge may blank (patient label and notes, the patient's name, a
handout's notes and next steps, a PDF's destination) are left out of the content, so a purge never
breaks the chain; a purge is an entry of its own, its content kept in the entry (``detail``).

The content is read back from the database, as stored, in the transaction that writes the record,
and its entry is written in that same transaction: a record and its entry are kept together or not
at all. Migration 0008 holds a copy of these rules, as they were then, to build the chain for the
records a clinic already had; ``tests/unit/test_chain.py`` keeps both copies equal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .dialect import driver_sql, is_server

GENESIS = "0" * 64  # the "previous hash" of the first entry

CONSULTATION_FIELDS = ("id", "recorded_at", "started_at", "clinician", "therapies", "rows", "content_versions",
                       "library_version", "corrects")
HANDOUT_FIELDS = ("id", "printed_at", "kind", "clinician", "therapies", "content_versions", "library_version", "paper",
                  "options", "sha256", "reprint_of")
PURGE_COUNTS = ("consultations", "handouts", "handout_names", "handout_notes", "file_names")
_JSON_FIELDS = frozenset({"therapies", "rows", "content_versions", "options"})
_TIME = {"consultation": "recorded_at", "handout": "printed_at", "purge": "at"}

CONSULTATIONS_SQL = f"SELECT {', '.join(CONSULTATION_FIELDS)} FROM consultation"
LINKS_SQL = "SELECT consultation_id, handout_print_id, sha256 FROM consultation_handout"
HANDOUTS_SQL = f"SELECT {', '.join(HANDOUT_FIELDS)} FROM handout_print"
ENTRIES_SQL = ("SELECT id, kind, record_id, recorded_at, content_hash, previous_hash, chain_hash, detail "
               "FROM record_chain ORDER BY id")

def stored_time(value: dt.datetime) -> str:
    """A timestamp as SQLite holds it (and the chain hashes it): ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"


Run = Callable[..., list]  # (sql, params) -> rows, on whichever connection is at hand


CHAIN_LOCK = 0x636861696E  # on a server, the advisory lock held while an entry is appended


def runner(connection: Any) -> Run:
    """A function running one query on ``connection`` (a SQLAlchemy connection or a stdlib one)."""
    execute = driver_sql(connection)
    return lambda sql, params=(): execute(sql, params).fetchall()


def _value(name: str, value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dt.datetime):  # as a server gives it: in the words SQLite stores it in
        return stored_time(value)
    if name in _JSON_FIELDS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def consultation_content(row: Sequence, links: Iterable[Sequence]) -> dict:
    """The lasting fields of a consultation (``row`` as :data:`CONSULTATIONS_SQL` reads it) and its
    handouts ((handout id, SHA-256) pairs)."""
    content = {"record": "consultation", **{name: _value(name, value) for name, value in zip(CONSULTATION_FIELDS, row)}}
    content["handouts"] = sorted([_value("", print_id), _value("", digest)] for print_id, digest in links)
    return content


def handout_content(row: Sequence) -> dict:
    """The lasting fields of a handout record (``row`` as :data:`HANDOUTS_SQL` reads it)."""
    return {"record": "handout", **{name: _value(name, value) for name, value in zip(HANDOUT_FIELDS, row)}}


def purge_content(before: str, at: str, counts: dict[str, int]) -> dict:
    """A purge: the day before which it removed personal parts, when it ran, and how many records it changed."""
    return {"record": "purge", "before": before, "at": at, **{name: int(counts[name]) for name in PURGE_COUNTS}}


def canonical(content: dict) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical(content).encode("ascii")).hexdigest()


def link_hash(previous: str, digest: str) -> str:
    return hashlib.sha256(f"{previous}{digest}".encode()).hexdigest()


def _links(run: Run, consultation_id: int | None = None) -> dict[int, list]:
    where = ("", ()) if consultation_id is None else (" WHERE consultation_id = ?", (consultation_id,))
    links: dict[int, list] = {}
    for owner, print_id, digest in run(LINKS_SQL + where[0], where[1]):
        links.setdefault(owner, []).append((print_id, digest))
    return links


def _live(run: Run) -> Iterator[tuple[tuple[str, int], dict]]:
    links = _links(run)
    for row in run(CONSULTATIONS_SQL):
        yield ("consultation", row[0]), consultation_content(row, links.get(row[0], ()))
    for row in run(HANDOUTS_SQL):
        yield ("handout", row[0]), handout_content(row)


def live_records(run: Run) -> dict[tuple[str, int], dict]:
    """The content of every consultation and handout in the database, by (kind, id)."""
    return dict(_live(run))


def _live_hashes(run: Run) -> dict[tuple[str, int], tuple[str, str]]:
    """(content hash, time recorded) of every consultation and handout, by (kind, id)."""
    return {key: (content_hash(content), str(content[_TIME[key[0]]])) for key, content in _live(run)}


def describe(kind: str, record_id: Any) -> str:
    return f"{kind} #{record_id}" if kind in ("consultation", "handout") else f"{kind} {record_id}"


# Writing ------------------------------------------------------------------------------------------


def append(connection: Any, kind: str, record_id: int | None, content: dict, detail: str | None = None) -> str:
    """Add the entry of one record after the last one, on ``connection`` (in the transaction that
    writes the record); returns its chain hash."""
    run = runner(connection)
    if is_server(connection):  # rooms append one at a time (a SQLite writer holds the file's lock already)
        run(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})")
    digest = content_hash(content)
    last = run("SELECT chain_hash FROM record_chain ORDER BY id DESC LIMIT 1")
    previous = last[0][0] if last else GENESIS
    chained = link_hash(previous, digest)
    driver_sql(connection)(
        "INSERT INTO record_chain (kind, record_id, recorded_at, content_hash, previous_hash, chain_hash, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", (kind, record_id, content[_TIME[kind]], digest, previous, chained, detail))
    return chained


def append_consultation(connection: Any, consultation_id: int) -> str:
    """The entry of consultation ``consultation_id``, as stored (its handout links written first)."""
    run = runner(connection)
    row = run(f"{CONSULTATIONS_SQL} WHERE id = ?", (consultation_id,))[0]
    return append(connection, "consultation", consultation_id,
                  consultation_content(row, _links(run, consultation_id).get(consultation_id, ())))


def append_handout(connection: Any, print_id: int) -> str:
    """The entry of handout record ``print_id``, as stored."""
    row = runner(connection)(f"{HANDOUTS_SQL} WHERE id = ?", (print_id,))[0]
    return append(connection, "handout", print_id, handout_content(row))


def append_purge(connection: Any, before: str, at: str, counts: dict[str, int]) -> str:
    """The entry of a purge: its content is kept in the entry, there being no other row for it."""
    content = purge_content(before, at, counts)
    return append(connection, "purge", None, content, detail=canonical(content))


# Checking -----------------------------------------------------------------------------------------


@dataclass
class Verification:
    entries: int = 0
    problems: list[str] = field(default_factory=list)  # in chain order: the first names the first broken link

    @property
    def ok(self) -> bool:
        return not self.problems


def _purge_problem(entry_id: int, recorded_at: Any, digest: str, detail: Any) -> str | None:
    changed = f"chain entry {entry_id} (a purge) was changed after it was written"
    if not isinstance(detail, str) or hashlib.sha256(detail.encode("utf-8", "replace")).hexdigest() != digest:
        return changed
    try:
        content = json.loads(detail)
    except ValueError:
        return changed
    if not isinstance(content, dict) or content.get("record") != "purge" or str(content.get("at")) != str(recorded_at):
        return changed
    return None


def verify(run: Run) -> Verification:
    """Recompute the chain from the records as they are now. Each problem names a record or an entry:
    an entry that does not follow the one before it, an entry changed, a record that no longer matches
    its entry, an entry whose record is gone, a record without an entry."""
    records = _live_hashes(run)
    result = Verification()
    previous_id, previous = None, GENESIS
    seen: dict[tuple[str, int], int] = {}
    for entry_id, kind, record_id, recorded_at, digest, previous_hash, chained, detail in run(ENTRIES_SQL):
        result.entries += 1
        problems = result.problems
        if previous_hash != previous:
            problems.append(f"chain entry {entry_id} does not follow entry {previous_id} (an entry was removed or changed)"
                            if previous_id is not None else
                            f"chain entry {entry_id} does not start the chain (the entries before it were removed)")
        if not isinstance(previous_hash, str) or not isinstance(digest, str) or chained != link_hash(previous_hash, digest):
            problems.append(f"chain entry {entry_id} was changed after it was written")
        if kind == "purge":
            if problem := _purge_problem(entry_id, recorded_at, digest, detail):
                problems.append(problem)
        elif kind in ("consultation", "handout"):
            key, name = (kind, record_id), describe(kind, record_id)
            if key in seen:
                problems.append(f"{name} has more than one chain entry ({seen[key]} and {entry_id})")
            seen.setdefault(key, entry_id)
            live = records.get(key)
            if live is None:
                problems.append(f"chain entry {entry_id} is for {name}, which is no longer in the database")
            elif live[0] != digest:
                problems.append(f"{name} does not match its chain entry (changed after it was recorded)")
            elif live[1] != str(recorded_at):
                problems.append(f"chain entry {entry_id} was changed after it was written")
        else:
            problems.append(f"chain entry {entry_id} is of a kind the app does not write ({kind!r})")
        previous_id, previous = entry_id, chained
    unchained = sorted((key for key in records if key not in seen), key=lambda key: (records[key][1], *key))
    result.problems += [f"{describe(*key)} has no chain entry (it was added outside the app, or its entry was removed)"
                        for key in unchained]
    return result
