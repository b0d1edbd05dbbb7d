"""``clinic-app therapy add|list`` end to end: a clinic's own therapy added, listed and found, and a bad
file refused with one line per problem and the database unchanged."""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from pathlib import Path

import yaml
from store_files import db_digest

from clinic_app.cli import main
from clinic_app.services.clinic_therapies import SHIPPED_SLUG

# the clinic's test therapy (a local class described by its logistics only) lives beside the service's tests
_spec = importlib.util.spec_from_file_location(
    "clinic_therapy_fixture", Path(__file__).parents[1] / "unit" / "test_clinic_therapies.py")
fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture)
SLUG = fixture.SLUG


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


def rows(location, sql, params=()):
    with sqlite3.connect(location.sqlite_path) as conn:
        return conn.execute(sql, params).fetchall()


def write(tmp_path, document, name="back-care-class.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_add_list_and_search(prepared_location, tmp_path, capsys):
    assert run(prepared_location, "therapy", "list") == 0
    assert "the clinic has added no therapies" in capsys.readouterr().out

    path = write(tmp_path, fixture.clinic_document())
    assert run(prepared_location, "therapy", "add", path, "--by", "Dr Lee", "--why", "our own class") == 0
    out = capsys.readouterr().out
    assert f"added {SLUG} (Back-care education class): revision #1, origin clinic-added" in out
    assert "[L1] stored as [Z1]" in out
    assert rows(prepared_location, "SELECT origin FROM therapy WHERE slug = ?", (SLUG,)) == [("clinic-added",)]
    assert rows(prepared_location, "SELECT verification, other_id FROM reference WHERE key = 'Z1'") == [
        ("CLINIC", "NICE quality standard QS155")]

    assert run(prepared_location, "therapy", "list") == 0
    out = capsys.readouterr().out
    assert re.search(rf"^{SLUG}\s+Back-care education class  added \d{{4}}-\d\d-\d\d by Dr Lee  references: Z1$",
                     out, re.M)
    assert "why: added by the clinic: our own class" in out

    assert run(prepared_location, "search", "back-care class") == 0
    assert SLUG in capsys.readouterr().out

    # a later 'db upgrade' leaves it as it is
    assert run(prepared_location, "db", "upgrade") == 0
    capsys.readouterr()
    assert rows(prepared_location, "SELECT origin FROM therapy WHERE slug = ?", (SLUG,)) == [("clinic-added",)]


def _refused(location, tmp_path, capsys, document_or_path, *expected):
    path = document_or_path if isinstance(document_or_path, Path) else write(tmp_path, document_or_path)
    assert run(location, "therapy", "list") == 0  # the store opened (and its log made) before the digest
    capsys.readouterr()
    before = db_digest(location)
    assert run(location, "therapy", "add", path, "--by", "Dr Lee", "--why", "our own class") == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert lines[0].startswith("clinic-app: ") and "nothing was changed" in lines[0]
    for words in expected:
        assert any(words in line for line in lines[1:]), captured.err
    assert db_digest(location) == before
    return lines


def test_a_bad_file_is_refused_one_line_a_problem(prepared_location, tmp_path, capsys):
    document = fixture.clinic_document()
    document["therapy"]["slug"] = "yoga"
    document["therapy"]["clinician"]["risks"] += " See [L7]."
    del document["references"][0]["source_seen"]
    lines = _refused(prepared_location, tmp_path, capsys, document, f"therapy.slug: 'yoga' is a shipped therapy: "
                     f"{SHIPPED_SLUG}", "therapy.clinician.risks: cites unknown reference [L7]",
                     "references[0].source_seen: required field is missing")
    assert all(line.startswith(f"  {tmp_path / 'back-care-class.yaml'}:") for line in lines[1:]), lines
    assert len(lines) == 4  # the three problems, and no unknown [L1] for the reference with a problem of its own


def test_an_alias_bomb_and_a_binary_file_are_refused(prepared_location, tmp_path, capsys):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x, x, x]\n" + "".join(f"b{i}: [{', '.join(['*a'] * 9)}]\n" for i in range(10)),
                    encoding="utf-8")
    _refused(prepared_location, tmp_path, capsys, bomb, "YAML aliases")
    binary = tmp_path / "photo.yaml"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    _refused(prepared_location, tmp_path, capsys, binary, "not UTF-8 text")


def test_who_and_why_are_required(prepared_location, tmp_path, capsys):
    path = write(tmp_path, fixture.clinic_document())
    assert run(prepared_location, "therapy", "add", path, "--why", "our own class") == 1
    err = capsys.readouterr().err
    assert err.strip() == "clinic-app: error: adding a therapy needs who is adding it (by); nothing was added"
    assert rows(prepared_location, "SELECT count(*) FROM therapy WHERE slug = ?", (SLUG,)) == [(0,)]


def test_db_check_names_the_therapies_the_clinic_added(prepared_location, tmp_path, capsys):
    assert run(prepared_location, "db", "check") == 0
    assert re.search(r"added by the clinic\W+none", capsys.readouterr().out)
    path = write(tmp_path, fixture.clinic_document())
    assert run(prepared_location, "therapy", "add", path, "--by", "Dr Lee", "--why", "our own class") == 0
    capsys.readouterr()
    assert run(prepared_location, "db", "check") == 0
    assert re.search(rf"added by the clinic\W+{SLUG}", capsys.readouterr().out)
