"""A store with many synthetic therapies, for benchmarks only (never shipped, never shown as real).

Words are drawn from the shipped content so the index has a realistic vocabulary; every row is
named "Synthetic therapy N" so nobody could mistake it for clinical content.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from pathlib import Path

from clinic_app.content.paths import shipped_content_dir
from clinic_app.services import store_setup
from clinic_app.settings import Location, resolve


def vocabulary() -> list[str]:
    words: set[str] = set()
    for path in sorted(shipped_content_dir().rglob("*.yaml")):
        words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", path.read_text(encoding="utf-8")))
    return sorted(words)


def build(directory: Path, count: int, seed: int = 7) -> tuple[Location, list[str]]:
    """A prepared store in ``directory`` with ``count`` synthetic therapies added to the shipped ones,
    and the vocabulary used."""
    location = resolve(data_dir=directory)
    store_setup.prepare(location)
    rng = random.Random(seed)
    words = vocabulary()

    def text(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n)) + "."

    conn = sqlite3.connect(location.sqlite_path)
    cursor = conn.execute("SELECT * FROM therapy LIMIT 1")
    template = dict(zip([d[0] for d in cursor.description], cursor.fetchone()))
    columns = [c for c in template if c != "id"]
    rows, index_rows = [], []
    for number in range(count):
        row = dict(template)
        slug = f"synthetic-{number:05d}"
        row.update(slug=slug, name=f"Synthetic therapy {number} {rng.choice(words)}",
                   clinician_summary=text(40), mechanism=text(40), procedure=text(30),
                   patient_text=json.dumps({"summary": text(30), "questions": [text(6)]}),
                   category=rng.choice(["regenerative", "procedure", "medicine", "non-drug"]),
                   status=rng.choice(["established", "emerging", "investigational"]))
        rows.append(tuple(row[c] for c in columns))
        index_rows.append((slug, row["name"], text(3), row["clinician_summary"], text(120), text(30)))
    with conn:
        conn.executemany(f"INSERT INTO therapy ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
        ids = dict(conn.execute("SELECT slug, id FROM therapy WHERE slug LIKE 'synthetic-%'").fetchall())
        conn.executemany("INSERT INTO search_index (rowid, slug, name, aliases, summary, body) VALUES (?, ?, ?, ?, ?, ?)",
                         [(ids[r[0]], *r[:5]) for r in index_rows])
        conn.executemany("INSERT INTO search_refs (rowid, slug, refs) VALUES (?, ?, ?)",
                         [(ids[r[0]], r[0], r[5]) for r in index_rows])
    conn.close()
    return location, words
