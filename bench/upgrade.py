"""`clinic-app db upgrade` on a store that is already up to date, whole process (what every
`make run` and every room's start-up script waits for), next to two other whole processes on the
same file: the floor, a bare Python that opens the file with sqlite3 and reads one row (independent
of the app's code), and `clinic-app search`, the issue's yardstick. Paired runs, interleaved.
Prints medians and the ratios upgrade / floor and upgrade / search. Target: upgrade / search <= 2.
Run: make bench   (or .venv/bin/python bench/upgrade.py [--runs N])
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

APP = [sys.executable, "-m", "clinic_app"]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        subprocess.run([*APP, "--data-dir", str(data), "db", "upgrade"], check=True, capture_output=True)
        database = data / "clinic.sqlite3"
        floor_cmd = [sys.executable, "-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("
                     "'SELECT value FROM app_meta LIMIT 1').fetchone()", str(database)]
        upgrade_cmd = [*APP, "--data-dir", str(data), "db", "upgrade"]
        search_cmd = [*APP, "--data-dir", str(data), "search", "exercise"]
        for command in (floor_cmd, upgrade_cmd, search_cmd):  # warm the file cache
            timed(command)
        floor, upgrade, search = [], [], []
        for _ in range(args.runs):
            floor.append(timed(floor_cmd))
            upgrade.append(timed(upgrade_cmd))
            search.append(timed(search_cmd))
    f, u, s = (statistics.median(v) * 1000 for v in (floor, upgrade, search))
    print(f"db upgrade, up to date (whole process, median of {args.runs}): {u:.0f} ms")
    print(f"  floor: bare python + sqlite3 read {f:.0f} ms  -> ratio {u / f:.2f}")
    print(f"  clinic-app search                 {s:.0f} ms  -> ratio {u / s:.2f} (target <= 2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
