"""Search latency through the service next to a raw FTS5 query on the same data and queries.

10,000 synthetic therapies; each query is a 3-6 letter prefix of a word in the index, typed as a
person would. Prints medians, p95s and the ratio service / raw. Target: ratio <= 1.2.
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
from clinic_app.storage.reader import Reader  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        location, words = build(Path(tmp), args.count)
        reader = Reader.for_location(location)
        rng = random.Random(11)
        queries = [w[: rng.randint(3, min(6, len(w)))] for w in rng.sample(words, args.queries)]
        raw_conn = reader.connection()
        sql = search._SQL  # the very statement the service runs
        for q in queries[:20]:  # warm both paths
            search.search(reader, q)
        raw, service = [], []
        for q in queries:
            params = {"match": f'"{q}"*', "limit": 50, "open": "[", "close": "]"}
            t0 = time.perf_counter()
            raw_conn.execute(sql, params).fetchall()
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
    print(f"  raw FTS5 query      median {raw_med:7.3f} ms   p95 {raw_p95:7.3f} ms   (floor)")
    print(f"  search service      median {svc_med:7.3f} ms   p95 {svc_p95:7.3f} ms")
    print(f"  ratio service/raw   median {svc_med / raw_med:5.2f}x      p95 {svc_p95 / raw_p95:5.2f}x   (target <= 1.2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
