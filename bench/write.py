"""A write as the user waits for it, in-process: ending a consultation (``consultations.record``:
the checks against the library, then one transaction through this process's store), next to the
floor: one INSERT in its own transaction with the stdlib ``sqlite3`` on the same file (independent
of the app's code). On the shipped store, and again on a store padded to ``--pad-mb`` (a clinic's
file after years of use: the write must not grow with it). Prints medians, p95s and the ratio.
Target: a write under 5 ms whatever the file's size.
Run: make bench   (or .venv/bin/python bench/write.py [--writes N] [--pad-mb M])
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from clinic_app.services import consultations, store_setup
from clinic_app.settings import resolve
from clinic_app.storage.store import Store


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def pad(path: Path, megabytes: int) -> None:
    """Grow the file with a table of filler rows (the app never reads it)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS bench_filler (id INTEGER PRIMARY KEY, blob BLOB)")
    chunk = b"x" * 1_000_000
    with conn:
        conn.executemany("INSERT INTO bench_filler (blob) VALUES (?)", ((chunk,) for _ in range(megabytes)))
    conn.close()


def measure(directory: Path, writes: int, pad_mb: int) -> tuple[list[float], list[float]]:
    location = resolve(data_dir=directory)
    store_setup.prepare(location)
    if pad_mb:
        pad(location.sqlite_path, pad_mb)
    store = Store.of(location)
    draft = consultations.ConsultationDraft(clinician="Bench", therapies=("nsaids", "exercise-therapy"),
                                            notes="Benchmark write.")
    consultations.record(store, draft)  # the first write opens this process's store
    raw = sqlite3.connect(location.sqlite_path, isolation_level=None)
    raw.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, note TEXT)")
    floor, app = [], []
    for _ in range(writes):
        t0 = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO bench_floor (note) VALUES ('floor')")
        raw.execute("COMMIT")
        t1 = time.perf_counter()
        consultations.record(store, draft)
        t2 = time.perf_counter()
        floor.append((t1 - t0) * 1000)
        app.append((t2 - t1) * 1000)
    raw.close()
    store.close()
    return floor, app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--pad-mb", type=int, default=128)
    args = parser.parse_args()
    for pad_mb in (0, args.pad_mb):
        with tempfile.TemporaryDirectory() as tmp:
            floor, app = measure(Path(tmp), args.writes, pad_mb)
        size = f"padded to +{pad_mb} MB" if pad_mb else "shipped store"
        fm, am = statistics.median(floor), statistics.median(app)
        print(f"write ({size}): consultation record median {am:.2f} ms, p95 {percentile(app, 0.95):.2f} ms; "
              f"floor (one sqlite3 INSERT) median {fm:.2f} ms -> ratio {am / fm:.2f} (target: under 5 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
