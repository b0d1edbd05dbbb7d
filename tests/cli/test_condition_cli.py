"""``clinic-app condition show|set|history|revert|changed|review``, ``edit set --field aliases|references``
and ``therapy remove|restore`` end to end: what a clinic types, what it reads back, and refusals that
name the value and change nothing."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import yaml

from clinic_app.cli import main
from clinic_app.content.check import load_content

CONDITION = "chronic-low-back-pain"
_spec = importlib.util.spec_from_file_location(
    "clinic_therapy_fixture", Path(__file__).parents[1] / "unit" / "test_clinic_therapies.py")
fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture)


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


def rows(location, sql, params=()):
    with sqlite3.connect(location.sqlite_path) as conn:
        return conn.execute(sql, params).fetchall()


def shipped_what_it_is():
    return next(c for c in load_content()[0].conditions if c.slug == CONDITION).patient.what_it_is


def test_condition_show_set_history_revert(prepared_location, capsys):
    assert run(prepared_location, "condition", "show", CONDITION) == 0
    out = capsys.readouterr().out
    assert "patient.what_it_is" in out and "clinician.red_flags" in out and "references" in out
    text = shipped_what_it_is()
    shorter = text[: text.rindex("That kind of leg pain")].strip()
    assert run(prepared_location, "condition", "set", CONDITION, "--field", "patient.what_it_is", "--text", shorter,
               "--by", "Dr Lee", "--why", "shorter") == 0
    assert "edited chronic-low-back-pain: revision #2, origin clinic (patient.what_it_is)" in capsys.readouterr().out
    assert run(prepared_location, "condition", "history", CONDITION) == 0
    out = capsys.readouterr().out
    assert "#2" in out and "Dr Lee" in out and "why: shorter" in out and "[-That kind of leg pain" in out
    assert run(prepared_location, "condition", "revert", CONDITION, "1", "--by", "Dr Lee", "--why", "shipped") == 0
    assert "revision #3, origin shipped" in capsys.readouterr().out
    stored = rows(prepared_location, "SELECT patient_text FROM condition WHERE slug = ?", (CONDITION,))[0][0]
    assert text in stored
    assert run(prepared_location, "condition", "changed") == 0
    assert "no condition the clinic edited has newer shipped text" in capsys.readouterr().out


def test_condition_refusals_name_the_value_and_change_nothing(prepared_location, capsys):
    before = rows(prepared_location, "SELECT count(*) FROM condition_revision")
    assert run(prepared_location, "condition", "set", CONDITION, "--field", "references", "--text", "G1\nQ9",
               "--by", "Dr Lee", "--why", "x") == 1
    err = capsys.readouterr().err
    assert "unknown reference key 'Q9'" in err and "Traceback" not in err
    assert run(prepared_location, "condition", "set", "no-such", "--field", "name", "--text", "X y z",
               "--by", "Dr Lee", "--why", "x") != 0
    assert "unknown condition 'no-such'" in capsys.readouterr().err
    assert run(prepared_location, "condition", "review", CONDITION, "--keep", "--by", "Dr Lee", "--why", "x") != 0
    assert "no newer shipped text waiting" in capsys.readouterr().err
    assert rows(prepared_location, "SELECT count(*) FROM condition_revision") == before


def test_edit_set_aliases_then_search_finds_it(prepared_location, capsys):
    assert run(prepared_location, "edit", "show", "yoga") == 0
    aliases = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("aliases "))
    current = [part.strip() for part in aliases.split(None, 1)[1].split("|")]
    assert run(prepared_location, "edit", "set", "yoga", "--field", "aliases", "--text", "\n".join([*current, "hatha"]),
               "--by", "Dr Lee", "--why", "what patients type") == 0
    assert "(aliases)" in capsys.readouterr().out
    assert run(prepared_location, "search", "hatha") == 0
    assert capsys.readouterr().out.startswith("yoga")
    assert run(prepared_location, "edit", "set", "yoga", "--field", "references", "--text", "K15\nK16\nG4\nG5\nQ9",
               "--by", "Dr Lee", "--why", "x") == 1
    err = capsys.readouterr().err
    assert "unknown reference key 'Q9'" in err and "cites [G6] but it is not in this therapy's references" not in err


def test_therapy_remove_and_restore(prepared_location, tmp_path, capsys):
    path = tmp_path / "back-care-class.yaml"
    path.write_text(yaml.safe_dump(fixture.clinic_document(), sort_keys=False), encoding="utf-8")
    assert run(prepared_location, "therapy", "add", path, "--by", "Dr Lee", "--why", "our own class") == 0
    capsys.readouterr()
    assert run(prepared_location, "therapy", "remove", "yoga", "--by", "Dr Lee", "--why", "x") == 1
    assert "yoga is a shipped therapy and cannot be removed" in capsys.readouterr().err
    assert run(prepared_location, "therapy", "remove", fixture.SLUG, "--by", "Dr Lee", "--why", "stopped") == 0
    assert f"removed {fixture.SLUG}" in capsys.readouterr().out
    assert run(prepared_location, "therapy", "list", "--removed") == 0
    out = capsys.readouterr().out
    assert fixture.SLUG in out and "why: stopped" in out
    assert run(prepared_location, "search", "back care") == 0
    assert fixture.SLUG not in capsys.readouterr().out
    assert run(prepared_location, "therapy", "restore", fixture.SLUG, "--by", "Dr Lee", "--why", "again") == 0
    assert f"restored {fixture.SLUG}" in capsys.readouterr().out
    assert rows(prepared_location, "SELECT origin FROM therapy WHERE slug = ?", (fixture.SLUG,)) == [("clinic-added",)]
