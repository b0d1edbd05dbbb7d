"""How long the GUI thread stalls while the doctor works: the longest gap between ticks of a 5 ms
timer on the GUI thread of a real window (offscreen), per scenario.

A gap is a freeze the doctor feels: keys and clicks wait, nothing repaints. Each scenario is timed
from the user's action to what the user waits for (the list shown, the preview painted, the PDF
written and logged, the table filled); the timer keeps running a short tail after it (for the
list fill, until its rows are laid out), so work the action left queued behind that moment
counts. The floor, measured in the same run for the same span, owes nothing to the app's code:
the same timer while a bare QWidget is shown and repainted.

Scenarios: (a) typing a 6-letter search at 10,000 therapies, one key per 120 ms; (b) filling the
therapy list at 10,000 therapies; (c) opening the handout builder the first time, in a process of
its own that has shown the main window and nothing else; (d) an option changed in the builder,
until the preview settled; (e) Save as PDF until the file exists and the print is logged; (f)
opening the records window at 50,000 consultations until its table is filled; (g) typing a
clinician's name into the records filter, one key per 120 ms, until the table settled.
Run: make bench   (or QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_gaps.py)
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from synthetic import build  # noqa: E402

from clinic_app.settings import Location, resolve  # noqa: E402

TICK_MS = 5
KEY_MS = 120
TAIL_MS = 200
LAYOUT_TAIL_MS = 1500  # the list goes on laying out its rows, a batch at a time, after it is first shown
TIMEOUT_S = 30
TARGET_MS = 100
CLINICIANS = ("Dr Ana Lee", "Dr Ben Ortiz", "Dr Chloe Park", "Dr Dev Patel", "Dr Emma Stone", "Dr Farid Haddad",
              "Dr Grace Kim", "Dr Hugo Brandt")
TYPED_CLINICIAN = "Haddad"
NOTES = ("Knee pain on stairs.", "Pain worse in the morning; walks 20 minutes.", "Discussed options with spouse.",
         "Wants to avoid surgery for now.", "Sleep disturbed by leg pain.\nReview imaging next time.")
HANDOUT_THERAPY = "platelet-rich-plasma"


@dataclass
class Result:
    label: str
    gap_ms: float
    span_ms: float
    floor_ms: float
    note: str = ""


class GapMonitor(QObject):
    """A 5 ms precise timer on the GUI thread that keeps the longest interval between its ticks."""

    def __init__(self) -> None:
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.longest = 0.0

    def start(self) -> None:
        self._last, self.longest = time.perf_counter(), 0.0
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def stop(self) -> float:
        """The longest gap in ms, counting the one still open (a stall at the very end)."""
        self._tick()
        self._timer.stop()
        return self.longest * 1000


class PaintSeen(QObject):
    """Notes when ``widget`` is painted while ``ready()`` holds: the user sees the result then."""

    def __init__(self, widget: QWidget, ready: Callable[[], bool]) -> None:
        super().__init__(widget)
        self._ready = ready
        self.seen = False
        widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and not self.seen and self._ready():
            self.seen = True
        return False


def spin(ms: int) -> None:
    """Run the event loop for ``ms`` (untimed settling between scenarios)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def discard(widget: QWidget) -> None:
    """Close and delete a window on the GUI thread now: left to the garbage collector, a window in
    a reference cycle could be destroyed on whichever thread collects, a worker included."""
    widget.close()
    widget.deleteLater()
    spin(100)
    gc.collect()


def measure(start: Callable[[], None], done: Callable[[], bool], tail_ms: int = TAIL_MS) -> tuple[float, float]:
    """Call ``start`` from the event loop, run it until ``done()`` (then ``tail_ms`` more); returns
    (longest gap ms, span ms from start to done)."""
    monitor, loop = GapMonitor(), QEventLoop()
    moments: dict[str, float] = {}
    poll = QTimer()
    poll.setInterval(2)

    def begin() -> None:
        moments["start"] = time.perf_counter()
        start()
        poll.start()

    def check() -> None:
        if done():
            moments["done"] = time.perf_counter()
            poll.stop()
            QTimer.singleShot(tail_ms, loop.quit)

    poll.timeout.connect(check)
    monitor.start()
    QTimer.singleShot(30, begin)
    QTimer.singleShot(TIMEOUT_S * 1000, loop.quit)
    loop.exec()
    poll.stop()
    gap = monitor.stop()
    if "done" not in moments:
        raise TimeoutError(f"the scenario did not finish within {TIMEOUT_S} s")
    return gap, (moments["done"] - moments["start"]) * 1000


def floor_gap(span_ms: float, tail_ms: int = TAIL_MS) -> float:
    """The longest gap of the same timer while a bare window is shown and repainted for ``span_ms``
    (plus the same lead-in and tail as the scenario)."""
    widget = QWidget()
    widget.resize(800, 600)
    widget.show()
    repaint = QTimer()
    repaint.setInterval(16)
    repaint.timeout.connect(widget.update)
    repaint.start()
    spin(50)
    monitor = GapMonitor()
    monitor.start()
    spin(int(30 + span_ms + tail_ms))
    gap = monitor.stop()
    repaint.stop()
    widget.close()
    return gap


def scenario(label: str, start: Callable[[], None], done: Callable[[], bool], tail_ms: int = TAIL_MS) -> Result:
    try:
        gap, span = measure(start, done, tail_ms)
    except Exception as exc:  # noqa: BLE001 - one broken scenario is reported, the others still run
        return Result(label, float("nan"), float("nan"), float("nan"), f"failed: {exc}")
    return Result(label, gap, span, floor_gap(span, tail_ms))


def type_keys(field: QWidget, text: str) -> None:
    """One key per ``KEY_MS``, the first now, through the event loop as a typist would."""
    for position, char in enumerate(text):
        QTimer.singleShot(position * KEY_MS, lambda c=char: QTest.keyClicks(field, c))


def isolate_settings(folder: Path) -> None:
    """Window settings go to the bench's temp folder, never the user's."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "qsettings"))


# -- the stores -------------------------------------------------------------------------------
def consultation_rows(conn: sqlite3.Connection, count: int, seed: int = 11) -> list[tuple]:
    """``count`` consultations over the last two years, oldest first; one in a hundred is a
    correction of an earlier record (same start, a later id), as the app records them."""
    rng = random.Random(seed)
    versions = dict(conn.execute("SELECT slug, content_version FROM therapy").fetchall())
    slugs = sorted(versions)
    row_keys = [key for (key,) in conn.execute("SELECT key FROM attribute ORDER BY position")]
    library = (conn.execute("SELECT value FROM app_meta WHERE key = 'library_version'").fetchone() or ("",))[0]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    corrections = count // 100
    starts = sorted(now - dt.timedelta(seconds=rng.randrange(730 * 86400)) for _ in range(count - corrections))
    rows = []

    def row(row_id: int, started: dt.datetime, corrects: int | None) -> tuple:
        chosen = rng.sample(slugs, rng.randint(1, 3))
        recorded = started + dt.timedelta(minutes=rng.randint(10, 40) + (5 if corrects else 0))
        return (row_id, recorded.isoformat(sep=" "), started.isoformat(sep=" "), rng.choice(CLINICIANS), None,
                json.dumps(chosen), json.dumps(rng.sample(row_keys, rng.randint(0, min(3, len(row_keys))))),
                rng.choice(NOTES) if rng.random() < 0.6 else None, json.dumps({s: versions[s] for s in chosen}),
                library, corrects, None)

    rows = [row(number + 1, started, None) for number, started in enumerate(starts)]
    for number, original in enumerate(rng.sample(range(1, len(rows) + 1), corrections)):
        rows.append(row(len(starts) + number + 1, dt.datetime.fromisoformat(rows[original - 1][2]), original))
    return rows


def consultation_store(directory: Path, count: int) -> Location:
    """A prepared store (shipped content) with ``count`` consultations written straight into the table."""
    from clinic_app.services import store_setup

    location = resolve(data_dir=directory)
    store_setup.prepare(location)
    conn = sqlite3.connect(location.sqlite_path)
    with conn:
        conn.executemany(
            "INSERT INTO consultation (id, recorded_at, started_at, clinician, patient_label, therapies, rows, notes, "
            "content_versions, library_version, corrects, purged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            consultation_rows(conn, count))
    conn.close()
    return location


# -- the scenarios ----------------------------------------------------------------------------
def therapy_scenarios(location: Location, words: list[str]) -> list[Result]:
    """(a) typing a search and (b) filling the list, at 10,000 therapies."""
    from clinic_app.storage.store import Store
    from clinic_app.ui.browse.main_window import MainWindow

    store = Store.of(location)
    window = MainWindow()
    window.resize(1200, 800)
    window.set_store(store)
    window.show()
    spin(500)
    panel = window.search_panel
    word = random.Random(3).choice([w for w in words if len(w) >= 6])[:6]
    panel.search_field.setFocus()
    typed = scenario(f"(a) type '{word}' in the search, 10,000 therapies", lambda: type_keys(panel.search_field, word),
                     lambda: panel.model.query() == word)
    discard(window)
    fresh = MainWindow()
    fresh.resize(1200, 800)
    fresh.show()
    spin(300)
    list_panel = fresh.search_panel
    seen: list[PaintSeen] = []

    def fill() -> None:
        fresh.set_store(store)
        seen.append(PaintSeen(list_panel.list_view.viewport(), lambda: list_panel.model.rowCount() > 0))

    filled = scenario("(b) fill the therapy list, 10,000 therapies", fill, lambda: bool(seen) and seen[0].seen,
                      LAYOUT_TAIL_MS)
    discard(fresh)
    return [typed, filled]


def records_settled(window) -> bool:  # noqa: ANN001 - a ConsultationsWindow
    """The window's own word when it has one (a query pending or running), else always."""
    busy = getattr(window, "is_loading", None)
    return not busy() if busy is not None else True


def records_scenarios(location: Location) -> list[Result]:
    """(f) opening the records window and (g) typing in its clinician filter, at 50,000 consultations."""
    from clinic_app.storage.store import Store
    from clinic_app.ui.records.consultation_records import open_records

    store = Store.of(location)
    holder: dict = {}

    def table_ready() -> bool:
        window = holder.get("window")
        return window is not None and records_settled(window) and window.table_model.rowCount() > 0

    def open_window() -> None:
        holder["window"] = window = open_records(None, store)
        window.resize(1240, 760)
        holder["seen"] = PaintSeen(window.table.viewport(), table_ready)

    opened = scenario("(f) open the records, 50,000 consultations", open_window,
                      lambda: table_ready() and holder["seen"].seen)
    window = holder.get("window")
    if window is None:
        return [opened]
    spin(300)
    wanted = TYPED_CLINICIAN.casefold()

    def filtered() -> bool:
        model = window.table_model
        rows = min(model.rowCount(), 50)
        return (records_settled(window) and rows > 0
                and all(wanted in (model.index(r, 1).data() or "").casefold() for r in range(rows)))

    def type_name() -> None:
        window.clinician_field.setFocus()
        holder["typed"] = PaintSeen(window.table.viewport(), filtered)
        type_keys(window.clinician_field, TYPED_CLINICIAN)

    typed = scenario(f"(g) type '{TYPED_CLINICIAN}' in the clinician filter", type_name,
                     lambda: filtered() and holder["typed"].seen)
    discard(window)
    return [opened, typed]


def on_preview_updated(builder, slot: Callable[[], None]) -> None:  # noqa: ANN001 - a HandoutBuilder
    """Call ``slot`` each time the builder's preview shows the options as they are: its own signal
    when it has one (the preview is made on a worker), else the preview's paint request."""
    signal = getattr(builder, "preview_updated", None)
    if signal is not None:
        signal.connect(slot)
    else:
        builder.preview.paintRequested.connect(lambda _printer: slot())


def builder_scenarios(location: Location, folder: Path) -> list[Result]:
    """(c) the builder's first opening, (d) an option changed, (e) Save as PDF; run in a fresh process."""
    from clinic_app.storage.store import Store
    from clinic_app.ui import dialogs
    from clinic_app.ui.browse.main_window import MainWindow

    store = Store.of(location)
    window = MainWindow()
    window.resize(1200, 800)
    window.set_store(store)
    window.show()
    spin(500)
    # As the app does once the list is there and the doctor reads: a worker loads what the first
    # handout needs (see clinic_app.ui.warm_up); the doctor opens the builder after that.
    import threading

    from clinic_app.ui.warm_up import warm_up

    warmer = threading.Thread(target=warm_up, args=(location,))
    warmer.start()
    while warmer.is_alive():
        spin(50)
    spin(300)
    updates: list[float] = []

    def preview_ready() -> bool:
        builder = getattr(window, "handout_builder", None)
        return (builder is not None and builder.isVisible() and bool(builder.pages_label.text())
                and not builder.refresh_timer.isActive() and (bool(updates) or not hasattr(builder, "preview_updated")))

    def open_builder() -> None:
        window.open_handout((HANDOUT_THERAPY,))
        on_preview_updated(window.handout_builder, lambda: updates.append(time.perf_counter()))

    opened = scenario("(c) open the handout builder, first time (after the start's warm-up)", open_builder,
                      preview_ready)
    builder = getattr(window, "handout_builder", None)
    if builder is None or opened.note:
        return [opened]
    spin(300)

    def toggle() -> None:
        updates.clear()
        builder.large_print_box.click()

    changed = scenario("(d) toggle large print in the builder", toggle,
                       lambda: bool(updates) and not builder.refresh_timer.isActive())
    spin(300)
    target = folder / "handout.pdf"
    dialogs.SaveFileDialog.ask = classmethod(lambda cls, *args: target)
    logged = store.query("SELECT COUNT(*) FROM handout_print")[0][0]
    printed: list[int] = []
    builder.printed.connect(printed.append)

    def saved() -> bool:
        return (bool(printed) and target.exists()
                and store.query("SELECT COUNT(*) FROM handout_print")[0][0] > logged)

    wrote = scenario("(e) Save as PDF from the builder", builder.pdf_button.click, saved)
    discard(builder)
    discard(window)
    return [opened, changed, wrote]


# -- running it -------------------------------------------------------------------------------
def builder_child(data_dir: Path, folder: Path) -> int:
    """The builder scenarios in this (fresh) process; prints them as one JSON line."""
    isolate_settings(folder)
    QApplication(["bench"])
    results = builder_scenarios(resolve(data_dir=data_dir), folder)
    print(json.dumps([r.__dict__ for r in results]))
    return 0


def builder_results(data_dir: Path, folder: Path) -> list[Result]:
    command = [sys.executable, __file__, "--builder-child", str(data_dir), str(folder)]
    env = dict(os.environ, HOME=str(folder))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled modules kept, as on a clinic's computer
    subprocess.run([sys.executable, "-c", "import clinic_app.ui.warm_up, clinic_app.ui.browse.main_window"],
                   env=env, check=False)  # (compiles them once)
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    if done.returncode or not lines:
        return [Result("(c)-(e) handout builder", float("nan"), float("nan"), float("nan"),
                       f"failed: exit {done.returncode}: {done.stderr.strip()[-300:]}")]
    return [Result(**fields) for fields in json.loads(lines[-1])]


def report(results: list[Result], therapies: int, consultations: int) -> None:
    print(f"GUI-thread gaps: longest interval between ticks of a {TICK_MS} ms timer on the GUI thread "
          f"({therapies:,} synthetic therapies, {consultations:,} consultations, "
          f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')})")
    print(f"  {'scenario':58} {'span ms':>9} {'gap ms':>9} {'floor ms':>9} {'ratio':>7}")
    for r in sorted(results, key=lambda r: r.label):
        if r.note:
            print(f"  {r.label:58} {r.note}")
            continue
        flag = "" if r.gap_ms < TARGET_MS else "  over"
        print(f"  {r.label:58} {r.span_ms:9.0f} {r.gap_ms:9.1f} {r.floor_ms:9.1f} {r.gap_ms / r.floor_ms:6.1f}x{flag}")
    print(f"target: longest gap under {TARGET_MS} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapies", type=int, default=10_000)
    parser.add_argument("--consultations", type=int, default=50_000)
    parser.add_argument("--builder-child", nargs=2, metavar=("DATA_DIR", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.builder_child:
        return builder_child(Path(args.builder_child[0]), Path(args.builder_child[1]))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        isolate_settings(folder)
        app = QApplication.instance() or QApplication(["bench"])  # noqa: F841 - kept alive for the run
        many_therapies, words = build(folder / "therapies", args.therapies)
        many_visits = consultation_store(folder / "consultations", args.consultations)
        results = builder_results(folder / "consultations", folder)
        results += therapy_scenarios(many_therapies, words)
        results += records_scenarios(many_visits)
        from clinic_app.storage.store import Store

        Store.close_all()
    report(results, args.therapies, args.consultations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
