"""What a screen reader on Linux meets: the app's accessible tree read through AT-SPI, window by
window, as Orca reads it. Not part of ``make test``: it needs an X display, a D-Bus session and the
AT-SPI bus, and runs the real app.

For each window it opens (the main window on a therapy, compare, the full-screen presentation, the
handout builder, the consultation records, the clinic profile, help, the clinic's own fields, the
therapy text editor and content packs) it prints every interactive element with its role and name,
the headings, links and tables it exposes (a table's row and column headers as read), and then every
interactive element without a name. On the therapy page it lists the document's headings (name,
level, place on screen) and links, moves to the last heading as a screen reader does, then opens
other therapies one after another and lists each new page's headings (the old page's heading
objects go as the new ones come). It exits 1 if an element has no name, 2 if a window could not be
opened or the app ended during the walk, 3 if a therapy page has no heading objects.

Interactive: a role a user operates (buttons, boxes, fields, lists and their items, tables and
their cells, tabs, links, menu items, sliders, spin boxes) or anything else that takes focus, except
text labels and scroll bars (a scroll bar is read by its orientation and value). Checked are the
elements showing, items scrolled out of a list or table on screen, and the menus of the menu bar;
closed pop-ups (a combo box's list) are not, as a screen reader only meets them open.

Setup (Debian/Ubuntu, once, as root):
    apt-get install at-spi2-core dbus-x11 gir1.2-atspi-2.0 python3-gi xvfb xauth
Run with the system Python (which has the GObject bindings), from the repository:
    /usr/bin/python3 bench/atspi_walk.py [--app .venv/bin/clinic-app] [--size 1440x900] [--verbose]
With no session bus it restarts itself under ``dbus-run-session`` (which starts the AT-SPI bus on
demand); with no DISPLAY it starts Xvfb. The app runs on a fresh data folder and settings, with
QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1 and QT_ACCESSIBILITY=1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTERACTIVE_ROLES = {
    "push button", "toggle button", "check box", "radio button", "combo box", "text", "entry", "password text",
    "spin button", "slider", "list", "list item", "list box", "table", "table cell", "tree", "tree table",
    "tree item", "page tab", "page tab list", "link", "menu item", "check menu item", "radio menu item",
    "menu", "button", "dial", "tool bar",
}
NOT_INTERACTIVE = {"label", "static", "scroll bar", "separator", "status bar", "unknown",
                   "split pane", "frame", "dialog", "window", "application", "table row header",
                   "table column header", "popup menu", "menu bar", "heading", "paragraph", "section"}
ITEM_CONTAINERS = {"list", "list box", "table", "tree", "tree table", "document frame"}
WINDOW_ROLES = {"frame", "dialog", "window", "filler", "alert", "file chooser"}
KEY_RETURN, KEY_ESCAPE, KEY_F5 = 0xFF0D, 0xFF1B, 0xFFC2


def _restart_in_session(args: argparse.Namespace) -> None:
    """Run this script again inside a D-Bus session (and on a virtual screen when there is none)."""
    env = dict(os.environ, CLINIC_ATSPI_WALK_CHILD="1")
    xvfb = None
    if not env.get("DISPLAY"):
        display = f":{150 + os.getpid() % 100}"
        xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{args.size}x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        env["DISPLAY"] = display
    try:
        code = subprocess.call(["dbus-run-session", "--", sys.executable, *sys.argv], env=env)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)
    sys.exit(code)


class Walk:
    def __init__(self, atspi, glib, verbose: bool) -> None:  # noqa: ANN001 - gi modules
        self.atspi = atspi
        self.glib = glib
        self.verbose = verbose
        self.unnamed: dict[str, list[str]] = {}
        self.summary: list[str] = []
        self.pages: dict[str, tuple[list, list]] = {}  # window -> (headings, links) of its documents

    # -- reading the tree ----------------------------------------------------------------------
    def app(self, pid: int):  # noqa: ANN201
        desktop = self.atspi.get_desktop(0)
        for index in range(desktop.get_child_count()):
            child = desktop.get_child_at_index(index)
            if child is not None and child.get_process_id() == pid:
                return child
        return None

    def windows(self, app) -> list:  # noqa: ANN001
        found = []
        for index in range(app.get_child_count()):
            child = app.get_child_at_index(index)
            if child is not None and child.get_role_name() in WINDOW_ROLES:
                found.append(child)
        return found

    def has(self, node, state: str) -> bool:  # noqa: ANN001
        return node.get_state_set().contains(getattr(self.atspi.StateType, state))

    def interactive(self, node, role: str) -> bool:  # noqa: ANN001
        if role in INTERACTIVE_ROLES:
            return True
        return role not in NOT_INTERACTIVE and self.has(node, "FOCUSABLE")

    def nodes(self, window):  # noqa: ANN001, ANN201 - yields (node, depth)
        """The elements a screen reader meets in ``window`` (see the module's docstring)."""
        stack = [(window, 0, True)]
        while stack:
            node, depth, checked = stack.pop()
            try:
                role = node.get_role_name()
                count = node.get_child_count()
            except self.glib.Error:
                continue
            if checked:
                yield node, depth
            children = []
            for index in range(min(count, 500)):
                child = node.get_child_at_index(index)
                if child is None:
                    continue
                if role in ITEM_CONTAINERS and checked:
                    visible = True  # items scrolled out of a list or table on screen
                elif role in ("menu bar", "menu item", "popup menu") and checked:
                    visible = True  # the menus of the menu bar, closed until opened
                else:
                    visible = self.has(child, "SHOWING")
                children.append((child, depth + 1, visible))
            stack.extend(reversed(children))

    def document(self, node) -> bool:  # noqa: ANN001
        """A focusable text object holding a page of text (a browser of rich text), not a field."""
        if not self.has(node, "FOCUSABLE") or self.has(node, "EDITABLE"):
            return False
        try:
            return self.atspi.Text.get_character_count(node) > 200
        except self.glib.Error:
            return False

    def heading_runs(self, node) -> list[str]:  # noqa: ANN001
        """Text in a text object set larger and bold than its first run: what a sighted reader
        takes for a heading, where the object exposes no heading role of its own."""
        text_api = self.atspi.Text
        try:
            length = text_api.get_character_count(node)
        except self.glib.Error:
            return []
        runs, offset, base, last_end = [], 0, None, -1
        while offset < length:
            attrs, start, end = text_api.get_attribute_run(node, offset, True)
            if end <= offset:
                break
            size = float(attrs.get("size", "0") or 0)
            base = size if base is None else min(base, size)
            if attrs.get("weight") == "bold" and size > (base or 0):
                text = text_api.get_text(node, start, end)
                if runs and start == last_end and runs[-1][1] == size:  # one heading in two runs
                    runs[-1][0] += text
                elif text.strip():
                    runs.append([text, size])
                last_end = end
            offset = end
        return [f"{' '.join(text.split())[:70]} ({size:g} pt)" for text, size in runs]

    def table(self, node) -> list[str]:  # noqa: ANN001
        table_api = self.atspi.Table
        rows, columns = table_api.get_n_rows(node), table_api.get_n_columns(node)
        lines = [f"table {node.get_name()!r}: {rows} rows x {columns} columns"]
        heads = []
        for column in range(columns):
            head = table_api.get_column_header(node, column)
            heads.append(head.get_name() if head is not None else "")
        lines.append("  column headers: " + " | ".join(h[:60] for h in heads))
        for row in range(rows):
            head = table_api.get_row_header(node, row)
            cell = table_api.get_accessible_at(node, row, min(1, columns - 1))
            lines.append(f"  row {row + 1} header: {(head.get_name() if head is not None else '')!r}"
                         f"; a cell reads: {(cell.get_name() if cell is not None else '')[:90]!r}")
        return lines

    def walk(self, label: str, window) -> None:  # noqa: ANN001
        print(f"\n== {label}: [{window.get_role_name()}] {window.get_name()!r}")
        interactive, unnamed, headings, links, styled = 0, [], [], 0, []
        page_headings, page_links = [], []
        for node, depth in self.nodes(window):
            role, name = node.get_role_name(), node.get_name() or ""
            if role == "heading":
                headings.append(name)
            if role == "link":
                links += 1
            if role in ("heading", "link"):
                parent = node.get_parent()
                if parent is not None and parent.get_role_name() == "document frame":
                    (page_headings if role == "heading" else page_links).append(node)
            if role in ("label", "text", "document frame", "document text") and self.document(node):
                styled.append((name, self.heading_runs(node)))  # a page to read: named like a control
                interactive += 1
                if self.verbose or not name.strip():
                    print(f"  {'  ' * depth}[{role}] {name!r} (a page of text)")
                if not name.strip():
                    unnamed.append(f"[{role}] (a page of text)")
            if role == "table" and "Table" in node.get_interfaces():
                for line in self.table(node):
                    print("  " + line)
            if not self.interactive(node, role):
                continue
            interactive += 1
            if self.verbose or not name.strip():
                print(f"  {'  ' * depth}[{role}] {name[:100]!r}")
            if not name.strip():
                parent = node.get_parent()
                unnamed.append(f"[{role}] in [{parent.get_role_name() if parent else '?'}] "
                               f"{(parent.get_name() if parent else '')!r}")
        if styled:
            for name, runs in styled:
                print(f"  headings in {name!r} by text attributes only (no heading role): {len(runs)}")
                for run in runs[:40]:
                    print(f"    {run}")
        print(f"  headings exposed with the heading role: {len(headings)} {headings[:10]}")
        print(f"  links exposed as objects: {links}")
        if page_headings or page_links:
            self.page_outline(page_headings, page_links)
        self.pages[label] = (page_headings, page_links)
        print(f"  interactive elements: {interactive}; without a name: {len(unnamed)}")
        self.unnamed[label] = unnamed
        self.summary.append(f"{label}: {interactive} interactive, {len(unnamed)} unnamed, "
                            f"{len(headings)} heading objects, {sum(len(r) for _, r in styled)} heading-styled runs")

    def page_outline(self, headings: list, links: list) -> None:  # noqa: ANN001
        """The headings (with their level and place) and links of a document, as a reader lists them."""
        print(f"  document headings: {len(headings)}")
        for node in headings:
            extents = self.atspi.Component.get_extents(node, self.atspi.CoordType.SCREEN)
            print(f"    {node.get_name()[:70]!r} ({node.get_description()}) at {extents.x},{extents.y} "
                  f"{extents.width}x{extents.height}{'' if self.has(node, 'SHOWING') else ', scrolled out'}")
        print(f"  document links: {len(links)}")
        for node in links[:12]:
            actions = self.atspi.Action.get_n_actions(node) if "Action" in node.get_interfaces() else 0
            print(f"    {node.get_name()[:70]!r} -> {node.get_description()[:60]!r} ({actions} actions)")

    def heading_jump(self, headings: list, page) -> str:  # noqa: ANN001
        """Move to the last heading as a screen reader does (its set-focus action) and say where the
        page's caret went."""
        node = headings[-1]
        before = self.atspi.Text.get_caret_offset(page)
        self.atspi.Component.grab_focus(node)
        time.sleep(0.5)
        after = self.atspi.Text.get_caret_offset(page)
        line = self.atspi.Text.get_string_at_offset(page, after, self.atspi.TextGranularity.LINE)
        return f"caret {before} -> {after}, line {' '.join(line.content.split())[:70]!r} (heading {node.get_name()!r})"

    def document_headings(self, window) -> list:  # noqa: ANN001
        return [node for node, _ in self.nodes(window) if node.get_role_name() == "heading"
                and (parent := node.get_parent()) is not None and parent.get_role_name() == "document frame"]

    def open_page(self, window, search, query: str) -> list:  # noqa: ANN001
        """Open another therapy from the search field, as a reader does, and list the new page's
        headings (the objects of the page before are gone by then)."""
        before = window.get_name() or ""
        self.atspi.EditableText.set_text_contents(search, query)
        self.atspi.Component.grab_focus(search)
        time.sleep(1.0)
        self.key(KEY_RETURN)
        end = time.monotonic() + 10
        while (window.get_name() or "") == before and time.monotonic() < end:
            time.sleep(0.2)
        time.sleep(1.0)
        headings = self.document_headings(window)
        names = [node.get_name() for node in headings]
        print(f"  opened {query!r}: {(window.get_name() or '')[:50]!r}, document headings: {len(names)} {names[:4]}")
        return headings

    # -- driving the app -----------------------------------------------------------------------
    def find(self, root, role: str, name_starts: str, exact: bool = False):  # noqa: ANN001, ANN201
        for node, _ in self.nodes(root):
            name = node.get_name() or ""
            if node.get_role_name() == role and (name == name_starts if exact else name.startswith(name_starts)):
                if role == "menu item" and node.get_child_count():
                    continue  # a menu of the menu bar, not an item in it
                return node
        return None

    def press(self, node) -> None:  # noqa: ANN001
        """Do the element's first action. An action that opens a modal dialog answers only when
        the dialog closes, so the answer is not waited for."""
        self.atspi.set_timeout(1500, 30_000)
        try:
            self.atspi.Action.do_action(node, 0)
        except self.glib.Error:
            pass
        finally:
            self.atspi.set_timeout(25_000, 30_000)

    def key(self, keysym: int) -> None:
        self.atspi.generate_keyboard_event(keysym, None, self.atspi.KeySynthType.SYM)

    def wait_new(self, app, before: list, timeout: float = 15.0):  # noqa: ANN001, ANN201
        known = {(w.get_role_name(), w.get_name()) for w in before}
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for window in self.windows(app):
                if (window.get_role_name(), window.get_name()) not in known and self.has(window, "SHOWING"):
                    time.sleep(1.5)  # let it fill (a preview, a table)
                    return window
            time.sleep(0.2)
        return None

    def close(self, app, window) -> None:  # noqa: ANN001
        key = (window.get_role_name(), window.get_name())
        for name in ("Cancel", "Close", "OK"):
            button = self.find(window, "push button", name)
            if button is not None and self.has(button, "ENABLED"):
                self.press(button)
                break
        else:
            self.atspi.Component.grab_focus(window)
            self.key(KEY_ESCAPE)
        end = time.monotonic() + 10
        while time.monotonic() < end and any((w.get_role_name(), w.get_name()) == key for w in self.windows(app)):
            time.sleep(0.2)


def prepare(app_cmd: str, tmp: Path) -> dict:
    data = tmp / "data"
    env = dict(os.environ, HOME=str(tmp / "home"), XDG_CONFIG_HOME=str(tmp / "config"),
               XDG_DATA_HOME=str(tmp / "share"), QT_QPA_PLATFORM="xcb",
               QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1", QT_ACCESSIBILITY="1")
    subprocess.run([app_cmd, "--data-dir", str(data), "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", default=str(ROOT / ".venv" / "bin" / "clinic-app"))
    parser.add_argument("--size", default="1440x900")
    parser.add_argument("--verbose", action="store_true", help="print every interactive element, named or not")
    args = parser.parse_args()
    if not os.environ.get("CLINIC_ATSPI_WALK_CHILD") and (not os.environ.get("DBUS_SESSION_BUS_ADDRESS")
                                                           or not os.environ.get("DISPLAY")):
        _restart_in_session(args)
    import gi

    gi.require_version("Atspi", "2.0")
    from gi.repository import Atspi, GLib

    tmp = Path(tempfile.mkdtemp(prefix="atspi-walk-"))
    env = prepare(args.app, tmp)
    process = subprocess.Popen([args.app, "--data-dir", str(tmp / "data")], env=env)
    walk = Walk(Atspi, GLib, args.verbose)
    failed_to_open = []
    no_headings = False
    try:
        app = None
        end = time.monotonic() + 30
        while app is None or not walk.windows(app):
            if time.monotonic() > end:
                print("the app did not appear on the AT-SPI bus", file=sys.stderr)
                return 2
            time.sleep(0.3)
            app = walk.app(process.pid)
        main_window = walk.windows(app)[0]
        search = walk.find(main_window, "text", "Search therapies")
        Atspi.EditableText.set_text_contents(search, "nsaids")
        Atspi.Component.grab_focus(search)
        time.sleep(1.0)
        walk.key(KEY_RETURN)
        end = time.monotonic() + 10
        while not (main_window.get_name() or "").startswith("NSAIDs") and time.monotonic() < end:
            time.sleep(0.2)
        time.sleep(1.0)
        walk.walk("main window (NSAIDs)", main_window)
        page_headings, _links = walk.pages["main window (NSAIDs)"]
        if not page_headings:
            no_headings = True
        else:
            page = page_headings[0].get_parent()
            print("  jump by heading: " + walk.heading_jump(page_headings, page))
        for query in ("acupuncture", "yoga", "platelet", "nsaids"):  # page after page under the reader
            if not walk.open_page(main_window, search, query):
                no_headings = True

        def through_menu(label: str, item: str, then=None) -> None:  # noqa: ANN001
            before = walk.windows(app)
            node = walk.find(main_window, "menu item", item)
            if node is None:
                failed_to_open.append(f"{label}: no menu item {item!r}")
                return
            walk.press(node)
            window = walk.wait_new(app, before)
            if window is None:
                failed_to_open.append(f"{label}: nothing opened from {item!r}")
                return
            walk.walk(label, window)
            if then is not None:
                then(window)
            walk.close(app, window)

        def presentation(compare) -> None:  # noqa: ANN001
            before = walk.windows(app)
            button = walk.find(compare, "push button", "Show comparison to the patient")
            walk.press(button)
            shown = walk.wait_new(app, before)
            if shown is None:
                failed_to_open.append("presentation: nothing opened from the Show button")
                return
            walk.walk("presentation (F5)", shown)
            walk.close(app, shown)

        through_menu("compare", "Compare options", presentation)
        through_menu("handout builder", "Patient handout")
        through_menu("consultation records", "Consultation records")
        through_menu("clinic profile", "Clinic profile")
        through_menu("help", "Help")
        through_menu("clinic's own fields", "Clinic's own fields")
        through_menu("therapy text editor", "Edit this therapy's text")
        through_menu("content packs", "Content packs")
        if process.poll() is not None:
            failed_to_open.append(f"the app ended during the walk (exit code {process.returncode})")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n== summary")
    for line in walk.summary:
        print("  " + line)
    missing = [(label, item) for label, items in walk.unnamed.items() for item in items]
    print(f"\ninteractive elements without a name: {len(missing)}")
    for label, item in missing:
        print(f"  {label}: {item}")
    for problem in failed_to_open:
        print(f"  not opened: {problem}")
    if no_headings:
        print("  the therapy page exposes no heading objects")
    return 2 if failed_to_open else 3 if no_headings else 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
