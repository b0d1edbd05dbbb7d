"""The layer contract of DESIGN.md, enforced on the source: arrows point down only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "clinic_app"
QT_FREE = ("storage", "content", "services")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules_of(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", QT_FREE)
def test_lower_layers_import_no_qt(layer):
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(m for m in imported_modules(path) if m.split(".")[0] in ("PySide6", "shiboken6"))
        for path in modules_of(layer)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("layer", QT_FREE + ("printing",))
def test_only_ui_imports_qtwidgets(layer):
    offenders = [str(p) for p in modules_of(layer) if any(m.startswith("PySide6.QtWidgets") for m in imported_modules(p))]
    assert offenders == []


def test_ui_does_not_import_the_orm():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(m for m in imported_modules(path) if m.startswith("sqlalchemy.orm"))
        for path in modules_of("ui")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_lower_layers_do_not_import_ui():
    for layer in QT_FREE + ("printing",):
        for path in modules_of(layer):
            assert not any(m.startswith("clinic_app.ui") for m in imported_modules(path)), path


def test_the_contract_detects_a_violation(tmp_path):
    """The walker itself must see a Qt import, or the tests above prove nothing."""
    sample = tmp_path / "bad.py"
    sample.write_text("from PySide6.QtWidgets import QLabel\nimport sqlalchemy.orm\n")
    assert {"PySide6.QtWidgets", "sqlalchemy.orm"} <= imported_modules(sample)
