"""Keystroke to list shown, in the window, on 10,000 synthetic therapies.

Each query is typed into the search field of a real main window (offscreen). Measured: from the
last keystroke to the result list filled and repainted. The floor, measured in the same run for
the same queries, owes nothing to the app's code: the minimal FTS5 top-50 query on the same file
(bench/search.py) and a bare QListView over a QStringListModel given the 50 rowids and repainted.
Prints medians, p95s and the ratio; the goal is a p95 under 50 ms. Run: make bench
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QStringListModel  # noqa: E402
from PySide6.QtWidgets import QApplication, QListView  # noqa: E402
from search import floor_query, percentile  # noqa: E402 - bench/search.py
from synthetic import build  # noqa: E402

from clinic_app.storage.store import Store  # noqa: E402
from clinic_app.ui.browse.main_window import MainWindow  # noqa: E402
from clinic_app.ui.browse.search_panel import SEARCH_DELAY_MS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(["bench"])
    with tempfile.TemporaryDirectory() as tmp:
        location, words = build(Path(tmp), args.count)
        reader = Store.of(location)
        window = MainWindow()
        window.set_store(reader)
        window.resize(1200, 800)
        window.show()
        app.processEvents()
        panel = window.search_panel
        shown: list[float] = []
        original = panel.model.set_hits

        def set_hits(*a, **kw):  # noqa: ANN002, ANN003, ANN202
            original(*a, **kw)
            panel.list_view.viewport().repaint()
            shown.append(time.perf_counter())

        panel.model.set_hits = set_hits
        rng = random.Random(5)
        queries = [w[: rng.randint(3, min(6, len(w)))] for w in rng.sample(words, args.queries)]
        raw_conn = reader.connection()
        bare_model = QStringListModel()
        bare = QListView()
        bare.setModel(bare_model)
        bare.resize(360, 700)
        bare.show()
        window_ms, floor_ms = [], []
        for q in queries:
            panel.search_field.clear()
            app.processEvents()
            shown.clear()
            for i in range(1, len(q) + 1):  # typed a letter at a time; the last keystroke starts the clock
                panel.search_field.setText(q[:i])
            start = time.perf_counter()
            while not shown and time.perf_counter() - start < 5:
                app.processEvents()
                time.sleep(0.0005)
            window_ms.append((shown[-1] - start) * 1000)
            t0 = time.perf_counter()
            bare_model.setStringList([str(row[0]) for row in floor_query(raw_conn, q)])
            bare.viewport().repaint()
            floor_ms.append(SEARCH_DELAY_MS + (time.perf_counter() - t0) * 1000)
        window.close()
        bare.close()
        reader.close()
    med, p95 = statistics.median(window_ms), percentile(window_ms, 0.95)
    fmed, fp95 = statistics.median(floor_ms), percentile(floor_ms, 0.95)
    print(f"keystroke-to-list benchmark: {args.count:,} synthetic therapies, {len(queries)} typed queries")
    print(f"  floor (minimal FTS5 + bare list)  median {fmed:7.1f} ms   p95 {fp95:7.1f} ms")
    print(f"  last keystroke to list shown  median {med:7.1f} ms   p95 {p95:7.1f} ms")
    print(f"  ratio window/floor            median {med / fmed:5.2f}x      p95 {p95 / fp95:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
