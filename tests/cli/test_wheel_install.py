"""``pip install .`` gives a working ``clinic-app`` outside the repository, resources and
migrations included: build the wheel, install it into a new virtual environment, run it."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info",
                                                                "__pycache__", ".pytest_cache", ".ruff_cache"))
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(work / "dist"), str(source)],
                   check=True, capture_output=True, timeout=600)
    wheel = next((work / "dist").glob("clinic_app-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # The app's dependencies are taken from this test environment (a path entry, so its editable
    # install of the repository is NOT active there); the app itself only from the wheel.
    target_site = next((venv / "lib").glob("python3*/site-packages"))
    (target_site / "test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, timeout=300)
    return wheel, venv, work


def run_installed(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_APP_")}
    env["HOME"] = str(cwd)
    return subprocess.run([*args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_wheel_ships_resources_and_migrations(installed):
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert "clinic_app/resources/attributes.yaml" in names
    assert "clinic_app/resources/therapies/platelet-rich-plasma.yaml" in names
    assert "clinic_app/migrations/env.py" in names
    assert any(n.startswith("clinic_app/migrations/versions/0001_") for n in names)


@pytest.mark.slow
def test_installed_command_works_outside_the_repository(installed):
    _, venv, work = installed
    outside = work / "elsewhere"
    outside.mkdir()
    data = outside / "data"
    check = run_installed(venv, outside, str(venv / "bin" / "clinic-app"), "content", "check")
    assert check.returncode == 0, check.stderr
    assert "content OK" in check.stdout and str(venv) in check.stdout
    found = run_installed(venv, outside, str(venv / "bin" / "clinic-app"), "--data-dir", str(data), "search", "plasma")
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("platelet-rich-plasma")
    module = run_installed(venv, outside, str(venv / "bin" / "python"), "-m", "clinic_app", "--data-dir", str(data),
                           "db", "check")
    assert module.returncode == 0, module.stderr
    where = run_installed(venv, outside, str(venv / "bin" / "python"), "-c",
                         "import clinic_app; print(clinic_app.__file__)")
    assert where.stdout.strip().startswith(str(venv))
