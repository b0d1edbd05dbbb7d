"""The layer contract of DESIGN.md, enforced on the source: arrows point down only.

Two checks state the same contract and each covers what the other cannot see:

- ``lint-imports`` (import-linter, contracts in setup.cfg) builds the import graph with grimp: every
  ``import`` statement, relative ones included, and chains through other modules (services reaching
  Qt through printing). It cannot see a module imported by name at run time, nor submodules of an
  outside package (``PySide6.QtWidgets`` is just ``PySide6`` to it).
- the ``ast`` walker below reads the same statements, resolves relative imports against the module's
  package, and also records the string names given to ``importlib.import_module``, ``__import__``,
  ``importlib.resources.files`` and ``sys.modules[...]`` (``.get``, ``.pop``): the reach-arounds.

The tests at the end break each rule on purpose, in a copy of the package or in source text, to
show that each check fails when it should.
"""

from __future__ import annotations

import ast
import configparser
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "clinic_app"
# Top first. A module may import from its own layer and the layers below it, never above.
LAYERS = ("__main__", "cli", "ui", "printing", "services", "content", "storage", "settings", "errors")
QT_FREE = ("storage", "content", "services")
BELOW_UI = ("printing", *QT_FREE, "settings", "errors")
QT = ("PySide6", "shiboken6")
CONTRACTS = {"layers", "no-qt-below-printing", "ui-on-top", "storage-at-the-bottom"}
COMPUTED = "<computed>"  # a dynamic import whose module name is not a string literal


# --- the walker ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Reach:
    """One module (or ``module.attribute``) named by a module, and how."""

    line: int
    name: str
    how: str


def module_name(path: Path, package_dir: Path = PACKAGE) -> str:
    """``clinic_app.storage.backup`` for clinic_app/storage/backup.py; a file outside is top-level."""
    try:
        relative = path.resolve().relative_to(package_dir.resolve())
    except ValueError:
        return path.stem
    parts = [package_dir.name, *relative.with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module: str, is_package: bool, level: int, name: str | None) -> str:
    """What ``from <level dots><name> import ...`` names inside ``module``, as Python resolves it."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level > len(package):
        raise ValueError(f"{module}: relative import beyond the top-level package (level {level})")
    base = package[: len(package) - level + 1]
    return ".".join([*base, name] if name else base)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


class _Aliases:
    """The local names under which a module binds sys, sys.modules, importlib and friends."""

    def __init__(self, tree: ast.AST) -> None:
        self.sys = {"sys"}
        self.modules: set[str] = set()
        self.importlib = {"importlib"}
        self.import_module: set[str] = set()
        self.resources: set[str] = {"importlib.resources"}
        self.files: set[str] = set()
        self.builtins = {"builtins"}
        self.dunder_import = {"__import__"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name
                    if alias.name == "sys":
                        self.sys.add(bound)
                    elif alias.name == "importlib":
                        self.importlib.add(bound)
                    elif alias.name == "importlib.resources":
                        self.resources.add(bound)
                    elif alias.name == "builtins":
                        self.builtins.add(bound)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                for alias in node.names:
                    bound = alias.asname or alias.name
                    pair = (node.module, alias.name)
                    if pair == ("sys", "modules"):
                        self.modules.add(bound)
                    elif pair == ("importlib", "import_module"):
                        self.import_module.add(bound)
                    elif pair == ("importlib", "resources"):
                        self.resources.add(bound)
                    elif pair == ("importlib.resources", "files"):
                        self.files.add(bound)
                    elif pair in (("builtins", "__import__"), ("importlib", "__import__")):
                        self.dunder_import.add(bound)
        self.modules |= {f"{name}.modules" for name in self.sys}
        self.import_module |= {f"{name}.import_module" for name in self.importlib}
        self.resources |= {f"{name}.resources" for name in self.importlib}
        self.files |= {f"{name}.files" for name in self.resources}
        self.dunder_import |= {f"{name}.__import__" for name in self.builtins | self.importlib}


def reaches_in(source: str, module: str, *, is_package: bool = False, filename: str = "<source>") -> list[Reach]:
    """Every module that ``source`` (the text of ``module``) imports or looks up by name."""
    tree = ast.parse(source, filename=filename)
    names = _Aliases(tree)
    package = module if is_package else module.rpartition(".")[0]
    found: list[Reach] = []

    def relative_to_package(name: str, anchor: ast.expr | None) -> str:
        """A dotted name given to import_module; a leading dot is relative to ``anchor``."""
        if not name.startswith("."):
            return name
        level = len(name) - len(name.lstrip("."))
        anchor_name = _string(anchor)
        if anchor_name is None and _dotted(anchor) in ("__package__", "__spec__.parent"):
            anchor_name = package
        if anchor_name is None:
            return COMPUTED
        return _absolute(anchor_name, True, level, name[level:] or None)

    def record(node: ast.AST, name: str | None, how: str) -> None:
        found.append(Reach(node.lineno, name if name else COMPUTED, how))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                record(node, alias.name, "import")
        elif isinstance(node, ast.ImportFrom):
            base = node.module if node.level == 0 else _absolute(module, is_package, node.level, node.module)
            record(node, base, "from")
            for alias in node.names:
                if alias.name != "*":
                    record(node, f"{base}.{alias.name}", "from")
        elif isinstance(node, ast.Subscript) and _dotted(node.value) in names.modules:
            record(node, _string(node.slice), "sys.modules[]")
        elif isinstance(node, ast.Call):
            callee = _dotted(node.func)
            if callee in names.import_module:
                name = _string(_argument(node, 0, "name"))
                record(node, name and relative_to_package(name, _argument(node, 1, "package")), "importlib.import_module")
            elif callee in names.dunder_import:
                name = _string(_argument(node, 0, "name"))
                level_node = _argument(node, 4, "level")
                level = level_node.value if isinstance(level_node, ast.Constant) and isinstance(level_node.value, int) else 0
                if name is not None and level:
                    name = _absolute(module, is_package, level, name or None)
                record(node, name, "__import__")
                fromlist = _argument(node, 3, "fromlist")
                if name and isinstance(fromlist, ast.List | ast.Tuple):
                    for item in fromlist.elts:
                        if _string(item):
                            record(node, f"{name}.{_string(item)}", "__import__")
            elif callee in {f"{m}.{method}" for m in names.modules for method in ("get", "pop", "setdefault", "__getitem__")}:
                record(node, _string(_argument(node, 0, "key")), f"{callee}()")
            elif callee in names.files:
                anchor = _argument(node, 0, "anchor")
                if _string(anchor) is not None:
                    record(node, _string(anchor), "importlib.resources.files")
                elif _dotted(anchor) in ("__package__", "__spec__.parent", "__name__"):
                    record(node, package if _dotted(anchor) != "__name__" else module, "importlib.resources.files")
    return sorted(found)


def reaches(path: Path, package_dir: Path = PACKAGE) -> list[Reach]:
    return reaches_in(path.read_text(encoding="utf-8"), module_name(path, package_dir),
                      is_package=path.name == "__init__.py", filename=str(path))


def imported_modules(path: Path, package_dir: Path = PACKAGE) -> set[str]:
    return {reach.name for reach in reaches(path, package_dir)}


# --- the rules, on any copy of the package --------------------------------------------------------


@functools.cache
def package_reaches(package_dir: Path) -> dict[str, tuple[Path, tuple[Reach, ...]]]:
    """module name -> (file, what it reaches), for every module of the package at ``package_dir``."""
    return {
        module_name(path, package_dir): (path, tuple(reaches(path, package_dir)))
        for path in sorted(package_dir.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _is_under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def internal_module(name: str, modules: Iterable[str]) -> str | None:
    """The package's own module that ``name`` (perhaps ``module.attribute``) imports."""
    known = set(modules)
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in known:
            return ".".join(parts[:end])
    return None


def _loads(name: str, modules: dict) -> set[str]:
    """Importing ``a.b.c`` runs ``a``, ``a.b`` and ``a.b.c``: the modules among those that exist."""
    target = internal_module(name, modules)
    if target is None:
        return set()
    parts = target.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts) + 1)} & set(modules)


def offences(package_dir: Path, layers: Iterable[str], forbidden: Callable[[str], bool], *, through: bool = False) -> list[str]:
    """Where a module of ``layers`` reaches a name that ``forbidden`` refuses.

    With ``through``, also when it reaches it through the package's other modules (``a -> b -> X``).
    """
    graph = package_reaches(package_dir)
    root = package_dir.parent
    found = []
    for module, (path, _) in graph.items():
        if layer_of(module) not in layers:
            continue
        seen = {module}
        frontier = [(module, (module,))]
        while frontier:
            current, chain = frontier.pop(0)
            current_path, current_reaches = graph[current]
            for reach in current_reaches:
                if forbidden(reach.name):
                    via = " -> ".join(chain)
                    where = f"{current_path.relative_to(root)}:{reach.line}"
                    found.append(f"{path.relative_to(root)}: {via} reaches {reach.name} ({reach.how}, {where})")
                if through:
                    for loaded in sorted(_loads(reach.name, graph) - seen):
                        seen.add(loaded)
                        frontier.append((loaded, (*chain, loaded)))
    return sorted(set(found))


def upward_reaches(package_dir: Path, layers: tuple[str, ...] = LAYERS) -> list[str]:
    """Imports that point up the list of layers, and modules in no layer."""
    graph = package_reaches(package_dir)
    root = package_dir.parent
    rank = {layer: index for index, layer in enumerate(layers)}
    found = []
    for module, (path, module_reaches) in graph.items():
        own = layer_of(module)
        if own is None:
            continue
        if own not in rank:
            found.append(f"{path.relative_to(root)}: {module} is in no layer of {layers}")
            continue
        for reach in module_reaches:
            target = internal_module(reach.name, graph)
            other = layer_of(target) if target else None
            if other in rank and rank[other] < rank[own]:
                found.append(f"{path.relative_to(root)}:{reach.line}: {own} reaches {other} ({reach.how} {reach.name})")
    return sorted(set(found))


def computed_reaches(package_dir: Path) -> list[str]:
    graph = package_reaches(package_dir)
    root = package_dir.parent
    return sorted(
        f"{path.relative_to(root)}:{reach.line}: {reach.how} of a name that is not a string literal"
        for path, module_reaches in graph.values()
        for reach in module_reaches
        if reach.name == COMPUTED
    )


def is_qt(name: str) -> bool:
    return name.split(".")[0] in QT


def is_qtwidgets(name: str) -> bool:
    return _is_under(name, "PySide6.QtWidgets")


def is_orm(name: str) -> bool:
    return _is_under(name, "sqlalchemy.orm")


def is_ui(name: str) -> bool:
    return _is_under(name, f"{PACKAGE.name}.ui")


def is_above_storage(name: str) -> bool:
    return any(_is_under(name, f"{PACKAGE.name}.{layer}") for layer in ("services", "printing", "content", "ui", "cli"))


# --- the rules, on the real package -----------------------------------------------------------------


@pytest.mark.parametrize("layer", QT_FREE)
def test_lower_layers_import_no_qt(layer):
    """Not directly, nor through another module of the package (services -> printing -> Qt)."""
    assert offences(PACKAGE, (layer,), is_qt, through=True) == []


@pytest.mark.parametrize("layer", BELOW_UI)
def test_only_ui_imports_qtwidgets(layer):
    assert offences(PACKAGE, (layer,), is_qtwidgets, through=True) == []


def test_nothing_outside_ui_imports_qtwidgets_itself():
    """cli and __main__ reach the window through ui; they do not build widgets themselves."""
    outside_ui = tuple(layer for layer in LAYERS if layer != "ui")
    assert offences(PACKAGE, outside_ui, is_qtwidgets) == []


def test_ui_does_not_import_the_orm():
    assert offences(PACKAGE, ("ui",), is_orm) == []


def test_lower_layers_do_not_import_ui():
    assert offences(PACKAGE, BELOW_UI, is_ui) == []


def test_storage_imports_no_layer_above_it():
    assert offences(PACKAGE, ("storage", "settings", "errors"), is_above_storage) == []


def test_arrows_point_down_only():
    """Every module is in a layer, and each import goes to its own layer or one below."""
    assert upward_reaches(PACKAGE) == []


def test_no_import_by_a_computed_name():
    """A name built at run time would slip past both checks."""
    assert computed_reaches(PACKAGE) == []


def test_lint_imports_states_the_same_layers():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    assert config["importlinter"]["root_package"] == PACKAGE.name
    assert config["importlinter"].getboolean("include_external_packages")
    contracts = {section.split(":", 2)[2] for section in config.sections() if section.startswith("importlinter:contract:")}
    assert contracts == CONTRACTS
    layers = config["importlinter:contract:layers"]
    assert tuple(layers["layers"].split()) == LAYERS
    assert layers["containers"].strip() == PACKAGE.name
    assert layers.getboolean("exhaustive")
    qt_free = config["importlinter:contract:no-qt-below-printing"]
    assert {f"{PACKAGE.name}.{layer}" for layer in QT_FREE} <= set(qt_free["source_modules"].split())
    assert set(qt_free["forbidden_modules"].split()) == set(QT)


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the package found first from ``cwd`` (it puts ``cwd`` first on sys.path)."""
    command = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    environment = {**os.environ, "COLUMNS": "1000"}  # one line per contract, however long its name
    return subprocess.run([sys.executable, "-c", command, "--no-cache"], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


def test_lint_imports_passes():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(CONTRACTS)} kept, 0 broken" in result.stdout, result.stdout


# --- each kind of violation is caught -------------------------------------------------------------


@pytest.fixture
def copy(tmp_path) -> Path:
    """A copy of the package and its setup.cfg; returns the copied package folder."""
    shutil.copytree(PACKAGE, tmp_path / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    return tmp_path / PACKAGE.name


def add_module(package_dir: Path, relative: str, source: str) -> str:
    path = package_dir / relative
    path.write_text(source, encoding="utf-8")
    return module_name(path, package_dir)


def broken(result: subprocess.CompletedProcess[str], contract: str) -> bool:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return f"{config[f'importlinter:contract:{contract}']['name']} BROKEN" in result.stdout


def test_relative_import_from_storage_up_into_services(copy):
    bad = add_module(copy, "storage/upward.py", "from ..services import library\n")
    result = lint_imports(copy.parent)
    assert result.returncode == 1, result.stdout + result.stderr
    assert bad in result.stdout  # the copy was checked, not the installed package
    assert broken(result, "layers") and broken(result, "storage-at-the-bottom"), result.stdout
    assert offences(copy, ("storage",), is_above_storage) == [
        f"{PACKAGE.name}/storage/upward.py: {bad} reaches {PACKAGE.name}.services (from, {PACKAGE.name}/storage/upward.py:1)",
        f"{PACKAGE.name}/storage/upward.py: {bad} reaches {PACKAGE.name}.services.library "
        f"(from, {PACKAGE.name}/storage/upward.py:1)",
    ]
    assert upward_reaches(copy) != []


def test_absolute_import_of_services_from_storage(copy):
    add_module(copy, "storage/upward.py", "def f():\n    from clinic_app.services.search import search_results\n")
    result = lint_imports(copy.parent)
    assert broken(result, "layers") and broken(result, "storage-at-the-bottom"), result.stdout
    assert any("upward.py" in offence for offence in offences(copy, ("storage",), is_above_storage))


def test_import_module_of_ui_in_services_is_caught_by_the_walker(copy):
    """import-linter does not see a module imported by name (its contracts stay kept); the walker does."""
    add_module(copy, "services/reach.py",
               'import importlib\n\nWINDOW = importlib.import_module("clinic_app.ui.browse.main_window")\n')
    assert offences(copy, ("services",), is_ui) == [
        f"{PACKAGE.name}/services/reach.py: {PACKAGE.name}.services.reach reaches {PACKAGE.name}.ui.browse.main_window "
        f"(importlib.import_module, {PACKAGE.name}/services/reach.py:3)"
    ]
    assert upward_reaches(copy) == [
        f"{PACKAGE.name}/services/reach.py:3: services reaches ui (importlib.import_module {PACKAGE.name}.ui.browse.main_window)"
    ]
    # through ui, services now reaches Qt and QtWidgets too
    assert any("reach.py" in offence for offence in offences(copy, ("services",), is_qtwidgets, through=True))


def test_relative_import_module_and_aliases():
    source = (
        "from importlib import import_module as load\n"
        "import importlib as il\n"
        "load('.printing.paged', 'clinic_app')\n"
        "il.import_module('..ui', __package__)\n"
    )
    found = {r.name for r in reaches_in(source, "clinic_app.services.x")}
    assert {"clinic_app.printing.paged", "clinic_app.ui"} <= found


def test_dunder_import_is_caught():
    source = "mod = __import__('clinic_app.printing', fromlist=['paged'])\nrel = __import__('ui', globals(), None, [], 2)\n"
    found = {r.name for r in reaches_in(source, "clinic_app.content.x")}
    assert {"clinic_app.printing", "clinic_app.printing.paged", "clinic_app.ui"} <= found


def test_sys_modules_lookup_is_caught(copy):
    add_module(copy, "printing/lookup.py",
               "import sys as _sys\n\n\ndef close():\n    _sys.modules['clinic_app.ui.app'].run\n"
               "    _sys.modules.get('clinic_app.ui.tasks')\n")
    assert offences(copy, ("printing",), is_ui) == [
        f"{PACKAGE.name}/printing/lookup.py: {PACKAGE.name}.printing.lookup reaches {PACKAGE.name}.ui.app "
        f"(sys.modules[], {PACKAGE.name}/printing/lookup.py:5)",
        f"{PACKAGE.name}/printing/lookup.py: {PACKAGE.name}.printing.lookup reaches {PACKAGE.name}.ui.tasks "
        f"(_sys.modules.get(), {PACKAGE.name}/printing/lookup.py:6)",
    ]
    assert len(upward_reaches(copy)) == 2


def test_computed_names_are_caught():
    source = "import importlib, sys\nname = 'clinic_app.ui'\nimportlib.import_module(name)\nsys.modules[name]\n__import__(name)\n"
    assert [r.how for r in reaches_in(source, "clinic_app.services.x") if r.name == COMPUTED] == [
        "importlib.import_module", "sys.modules[]", "__import__"]


def test_qt_reaching_services_through_printing(copy):
    add_module(copy, "services/render.py", "from clinic_app.printing import paged\n")
    result = lint_imports(copy.parent)
    assert broken(result, "layers") and broken(result, "no-qt-below-printing"), result.stdout
    qt = offences(copy, ("services",), is_qt, through=True)
    assert qt and all(" -> clinic_app.printing" in offence for offence in qt), qt
    assert offences(copy, ("services",), is_qt) == []  # not directly: only the chain shows it


def test_qt_imported_by_storage(copy):
    add_module(copy, "storage/gui.py", "from PySide6.QtGui import QImage\n")
    result = lint_imports(copy.parent)
    assert broken(result, "no-qt-below-printing"), result.stdout
    assert offences(copy, ("storage",), is_qt) == [
        f"{PACKAGE.name}/storage/gui.py: {PACKAGE.name}.storage.gui reaches PySide6.QtGui "
        f"(from, {PACKAGE.name}/storage/gui.py:1)",
        f"{PACKAGE.name}/storage/gui.py: {PACKAGE.name}.storage.gui reaches PySide6.QtGui.QImage "
        f"(from, {PACKAGE.name}/storage/gui.py:1)",
    ]


def test_qtwidgets_imported_by_printing(copy):
    """import-linter sees only ``PySide6``, which printing may import: the walker catches this one."""
    add_module(copy, "printing/dialog.py", "from PySide6 import QtWidgets\n")
    assert [o for o in offences(copy, ("printing",), is_qtwidgets) if "dialog.py" in o]


def test_ui_imported_by_content(copy):
    add_module(copy, "content/window.py", "from ..ui import main_window\n")
    result = lint_imports(copy.parent)
    assert broken(result, "layers") and broken(result, "ui-on-top"), result.stdout
    assert offences(copy, ("content",), is_ui)


def test_orm_in_ui_is_caught():
    source = "from sqlalchemy.orm import Session\n"
    assert is_orm(reaches_in(source, "clinic_app.ui.x")[0].name)


def test_a_module_in_no_layer(copy):
    (copy / "plugins").mkdir()
    add_module(copy, "plugins/__init__.py", "")
    result = lint_imports(copy.parent)
    assert broken(result, "layers"), result.stdout  # exhaustive
    assert upward_reaches(copy) == [f"{PACKAGE.name}/plugins/__init__.py: {PACKAGE.name}.plugins is in no layer of {LAYERS}"]


def test_relative_import_beyond_the_package_is_refused():
    with pytest.raises(ValueError, match="beyond the top-level package"):
        reaches_in("from ... import x\n", "clinic_app.storage.backup")


def test_the_contract_detects_a_violation(tmp_path):
    """The walker itself must see a Qt import, or the tests above prove nothing."""
    sample = tmp_path / "bad.py"
    sample.write_text("from PySide6.QtWidgets import QLabel\nimport sqlalchemy.orm\n")
    assert {"PySide6.QtWidgets", "sqlalchemy.orm"} <= imported_modules(sample)
