"""Ten rooms on one PostgreSQL server: searching, opening therapies and logging handouts at once.

Starts a private PostgreSQL cluster (as the tests do: tests/pg_cluster.py; or uses --server-url, a
superuser URL), makes a clinic database with the shipped library, then runs ``--rooms`` client
processes for ``--seconds``. Each room loops over what a consultation does: a search as typed
(the service: ranking, conditions, snippets), opening a therapy's page (every part of it), and
logging a handout (the document built and its record written with the chain entry, no PDF
painted). The floor, measured in the same run with the same number of processes against the same
server, is the least any client can do there: one raw psycopg round trip of a one-row SELECT by key.

Prints per operation: count, p50 and p95 in ms and the p50 as a ratio to the floor's p50; the
throughput; errors (must be 0); and after the run, that every handout a room was told was logged
is in the database and the record chain verifies.
Run: .venv/bin/python bench/rooms.py [--rooms 10] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

QUERIES = ("prp", "platelet", "stem cell", "back pain", "sciatica", "nsaid", "surgery", "injection", "yoga",
           "exercise", "nerve", "steroid", "massage", "heat", "disc", "spinal", "stenosis", "needle", "physio")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def room(url: str, data_dir: str, seconds: float, out: str, seed: int) -> None:
    """One room's loop; writes one JSON line per operation: [op, ms, ok, print id or error]."""
    from clinic_app import settings
    from clinic_app.printing import handout_jobs
    from clinic_app.services import handout_log, library, search
    from clinic_app.services.handouts import HandoutRequest
    from clinic_app.storage.store import Store

    store = Store.of(settings.resolve(data_dir=data_dir, database_url=url))
    slugs = [item.slug for item in library.list_therapies(store)]
    rng = random.Random(seed)
    end = time.monotonic() + seconds
    with open(out, "w", encoding="utf-8") as results:
        while time.monotonic() < end:
            op = rng.choices(("search", "open", "handout"), weights=(5, 4, 1))[0]
            start = time.perf_counter()
            try:
                if op == "search":
                    query = rng.choice(QUERIES)
                    for typed in range(3, len(query) + 1, 2):  # as typed, a few keystrokes
                        search.search_results(store, query[:typed])
                    detail = None
                elif op == "open":
                    library.get_therapy(store, rng.choice(slugs))
                    detail = None
                else:
                    request = HandoutRequest(therapies=tuple(rng.sample(slugs, rng.randint(1, 2))))
                    handout, doc = handout_jobs.build_document(store, request)
                    detail = handout_log.record(store, handout, doc, "pdf", f"/tmp/room-{seed}.pdf")
                results.write(json.dumps([op, (time.perf_counter() - start) * 1000, True, detail]) + "\n")
            except Exception as exc:  # noqa: BLE001 - counted and shown, the run goes on
                results.write(json.dumps([op, (time.perf_counter() - start) * 1000, False, repr(exc)]) + "\n")


def floor(url: str, seconds: float, out: str, seed: int) -> None:
    """The floor: raw psycopg round trips of a one-row SELECT by key, nothing of the app's."""
    import psycopg

    rng = random.Random(seed)
    end = time.monotonic() + seconds
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn, \
            open(out, "w", encoding="utf-8") as results:
        ids = [row[0] for row in conn.execute("SELECT id FROM therapy")]
        while time.monotonic() < end:
            start = time.perf_counter()
            conn.execute("SELECT slug FROM therapy WHERE id = %s", (rng.choice(ids),)).fetchall()
            results.write(json.dumps(["floor", (time.perf_counter() - start) * 1000, True, None]) + "\n")


def run_all(kind: str, url: str, data_dir: str, rooms: int, seconds: float, folder: Path) -> list[list]:
    procs = []
    for n in range(rooms):
        out = folder / f"{kind}-{n}.jsonl"
        procs.append((out, subprocess.Popen([sys.executable, __file__, f"--{kind}", url, data_dir, str(seconds),
                                             str(out), str(n + 1)])))
    lines = []
    for out, proc in procs:
        if proc.wait() != 0:
            raise SystemExit(f"a {kind} process failed ({proc.returncode})")
        lines += [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return lines


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in ("--room", "--floor"):
        kind, url, data_dir, seconds, out, seed = sys.argv[1:7]
        if kind == "--room":
            room(url, data_dir, float(seconds), out, int(seed))
        else:
            floor(url, float(seconds), out, int(seed))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--server-url", help="a superuser URL of a server to use instead of a private cluster")
    args = parser.parse_args()
    import pg_cluster

    from clinic_app import settings
    from clinic_app.services import store_setup
    from clinic_app.storage import chain
    from clinic_app.storage.store import Store

    admin, cluster = (args.server_url, None) if args.server_url else pg_cluster.admin_url()
    try:
        name = f"clinic_rooms_{os.getpid()}"
        pg_cluster.execute(admin, f"CREATE DATABASE {name}")
        url = pg_cluster.with_database(admin, name)
        with tempfile.TemporaryDirectory() as tmp:
            store_setup.prepare(settings.resolve(data_dir=tmp, database_url=url))
            Store.close_all()
            folder = Path(tmp)
            print(f"{args.rooms} rooms, {args.seconds:.0f} s each run, PostgreSQL at {url.split('@')[1]}")
            floor_lines = run_all("floor", url, tmp, args.rooms, args.seconds, folder)
            lines = run_all("room", url, tmp, args.rooms, args.seconds, folder)
            floor_p50 = statistics.median(line[1] for line in floor_lines)
            print(f"floor (one-row SELECT by key, raw psycopg, {args.rooms} processes): {len(floor_lines):,} in "
                  f"{args.seconds:.0f} s, p50 {floor_p50:.2f} ms, p95 {percentile([x[1] for x in floor_lines], .95):.2f} ms")
            print(f"{'operation':<10} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p50/floor':>10}")
            for op in ("search", "open", "handout"):
                times = [line[1] for line in lines if line[0] == op and line[2]]
                if times:
                    p50 = statistics.median(times)
                    print(f"{op:<10} {len(times):>7,} {p50:>8.1f} {percentile(times, .95):>8.1f} "
                          f"{p50 / floor_p50:>9.1f}x")
            errors = [line for line in lines if not line[2]]
            print(f"throughput: {len(lines) / args.seconds:,.1f} operations/s over {args.rooms} rooms; errors: "
                  f"{len(errors)}")
            for line in errors[:5]:
                print(f"  error in {line[0]}: {line[3]}")
            logged = {line[3] for line in lines if line[0] == "handout" and line[2]}
            store = Store.of(settings.resolve(data_dir=tmp, database_url=url))
            stored = {row[0] for row in store.query("SELECT id FROM handout_print")}
            verified = chain.verify(store.query)
            print(f"handouts logged and acknowledged: {len(logged):,}; all present: {logged <= stored}; "
                  f"record chain: {verified.entries:,} entries, {'verified' if verified.ok else 'BROKEN'}")
            Store.close_all()
            ok = not errors and logged <= stored and verified.ok
        pg_cluster.execute(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        if cluster is not None:
            cluster.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
