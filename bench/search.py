"""Search latency through the service next to a minimal FTS5 query on the same file and queries.

10,000 synthetic therapies (``--count``); each query is a 3-6 letter prefix of a word in the index,
typed as a person would. The floor is independent of the app's code: the least any full-text
search over this file can do, ``SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY
bm25(search_index) LIMIT 50``. The service does what the user waits for: ranking with the column
weights, the condition and reference passes, snippets for the hits shown, the therapy rows.
Prints medians, p95s and the ratio service / floor. Target: ratio <= 1.5.
Run: make bench   (or .venv/bin/python bench/search.py [--count N])
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import build  # noqa: E402

from clinic_app.services import search  # noqa: E402
from clinic_app.storage.store import Store  # noqa: E402

FLOOR_SQL = "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY bm25(search_index) LIMIT 50"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def floor_query(conn, query: str) -> list:  # noqa: ANN001
    """The minimal FTS5 top-50 query for ``query``: each word a quoted prefix, as typed."""
    match = " ".join(f'"{word}"*' for word in query.split())
    return conn.execute(FLOOR_SQL, (match,)).fetchall()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        location, words = build(Path(tmp), args.count)
        reader = Store.of(location)
        rng = random.Random(11)
        queries = [w[: rng.randint(3, min(6, len(w)))] for w in rng.sample(words, args.queries)]
        raw_conn = reader.connection()
        for q in queries[:20]:  # warm both paths
            search.search(reader, q)
            floor_query(raw_conn, q)
        raw, service = [], []
        for q in queries:
            t0 = time.perf_counter()
            floor_query(raw_conn, q)
            t1 = time.perf_counter()
            search.search(reader, q)
            t2 = time.perf_counter()
            raw.append((t1 - t0) * 1000)
            service.append((t2 - t1) * 1000)
        rows = reader.query("SELECT count(*) FROM therapy")[0][0]
        reader.close()
    raw_med, svc_med = statistics.median(raw), statistics.median(service)
    raw_p95, svc_p95 = percentile(raw, 0.95), percentile(service, 0.95)
    print(f"search benchmark: {rows:,} therapies, {len(queries)} prefix queries")
    print(f"  minimal FTS5 top-50  median {raw_med:7.3f} ms   p95 {raw_p95:7.3f} ms   (floor)")
    print(f"  search service       median {svc_med:7.3f} ms   p95 {svc_p95:7.3f} ms")
    print(f"  ratio service/floor  median {svc_med / raw_med:5.2f}x      p95 {svc_p95 / raw_p95:5.2f}x   (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
