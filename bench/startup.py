"""Start-up: process start to first painted main window, and to the therapy list filled and
searchable, next to a bare PySide6 window (QMainWindow + QLineEdit + QTableView) measured in the
same run. Medians of N runs each (default 15), interleaved, and the ratios; peak memory (max RSS)
at first paint beside the bare window's.

Targets: first paint <= 1.5x the bare window; list filled and searchable <= 3x.
Run: make bench   (or QT_QPA_PLATFORM=offscreen .venv/bin/python bench/startup.py [--runs N])
The app reports its own moments when CLINIC_APP_STARTUP_PROBE=1 (see clinic_app/ui/app.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = r"""
import resource, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow, QTableView, QVBoxLayout, QWidget

class FirstPaint(QObject):
    done = False
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(f"startup-probe paint {time.time():.6f} {rss}", file=sys.stderr, flush=True)
            QTimer.singleShot(0, app.quit)
        return False

app = QApplication(sys.argv)
window = QMainWindow()
body = QWidget()
layout = QVBoxLayout(body)
layout.addWidget(QLineEdit())
layout.addWidget(QTableView())
window.setCentralWidget(body)
probe = FirstPaint()
window.installEventFilter(probe)
window.resize(1100, 750)
window.show()
app.exec()
"""


def run_once(args: list[str], env: dict) -> dict[str, tuple[float, int]]:
    start = time.time()
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    moments = {}
    for line in result.stderr.splitlines():
        if line.startswith("startup-probe "):
            _, name, stamp, *rest = line.split()
            moments[name] = ((float(stamp) - start) * 1000, int(rest[0]) if rest else 0)
    if "paint" not in moments:
        raise SystemExit(f"no paint reported by {args[:3]}...: exit {result.returncode}\n{result.stderr[-2000:]}")
    return moments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    opts = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    # As on a clinic's computer: Python keeps the compiled modules after the first start (a shell
    # that forbids it would time the compiler on every run, not the start-up).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        env["HOME"] = tmp
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        prepare = subprocess.run([sys.executable, "-m", "clinic_app", "--data-dir", str(data), "db", "upgrade"],
                                 env=env, capture_output=True, text=True)
        if prepare.returncode:
            raise SystemExit(prepare.stderr)
        app_env = dict(env, CLINIC_APP_STARTUP_PROBE="1")
        app_cmd = [sys.executable, "-m", "clinic_app", "--data-dir", str(data)]
        bare_cmd = [sys.executable, "-c", BARE]
        run_once(bare_cmd, env), run_once(app_cmd, app_env)  # warm the file cache
        bare, app = [], []
        for _ in range(opts.runs):
            bare.append(run_once(bare_cmd, env))
            app.append(run_once(app_cmd, app_env))

    def med(runs, key, index=0):
        return statistics.median(r[key][index] for r in runs)

    bare_paint, app_paint, app_ready = med(bare, "paint"), med(app, "paint"), med(app, "ready")
    bare_rss, app_rss = med(bare, "paint", 1) / 1024, med(app, "paint", 1) / 1024
    print(f"start-up benchmark: medians of {opts.runs} runs each, process start -> moment "
          f"(QT_QPA_PLATFORM={env['QT_QPA_PLATFORM']})")
    print(f"  bare PySide6 window, first paint   {bare_paint:7.1f} ms   (floor)")
    print(f"  Clinic Reference, first paint      {app_paint:7.1f} ms   {app_paint / bare_paint:4.2f}x  (target <= 1.5x)")
    print(f"  Clinic Reference, list painted     {app_ready:7.1f} ms   {app_ready / bare_paint:4.2f}x  (target <= 1.5x)")
    print(f"  peak memory at first paint: bare {bare_rss:6.1f} MiB, app {app_rss:6.1f} MiB "
          f"({app_rss / bare_rss:4.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
