"""``clinic-app edit show|set|history|revert|changed|review`` end to end."""

from __future__ import annotations

import re
import sqlite3

import yaml

from clinic_app.cli import main
from clinic_app.content.check import load_content
from clinic_app.content.loader import write_content
from clinic_app.storage.store import Store

SLUG = "yoga"
LOCAL = "Ask our front desk about class times."


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


def rows(location, sql, params=()):
    with sqlite3.connect(location.sqlite_path) as conn:
        return conn.execute(sql, params).fetchall()


def revisions(location):
    return rows(location, "SELECT count(*) FROM content_revision r JOIN therapy t ON t.id = r.therapy_id "
                          "WHERE t.slug = ?", (SLUG,))[0][0]


def shipped_recovery():
    return load_content()[0].therapy(SLUG).patient.recovery


def test_show_set_history_revert(prepared_location, capsys):
    assert run(prepared_location, "edit", "show", SLUG) == 0
    out = capsys.readouterr().out
    assert re.search(r"^patient\.recovery\s+There is no recovery time\.", out, re.M)
    assert re.search(r"^clinician\.summary\s+\S", out, re.M) and "status" not in out.split()

    new = f"{shipped_recovery()} {LOCAL}"
    assert run(prepared_location, "edit", "set", SLUG, "--field", "patient.recovery", "--text", new,
               "--by", "Dr Lee", "--why", "our class times") == 0
    out = capsys.readouterr().out
    assert re.search(rf"edited {SLUG}: revision #2, origin clinic \(patient\.recovery\)", out)
    assert rows(prepared_location, "SELECT origin FROM therapy WHERE slug = ?", (SLUG,)) == [("clinic",)]

    assert run(prepared_location, "edit", "history", SLUG) == 0
    out = capsys.readouterr().out
    assert out.startswith("#2 ") and "clinic" in out.splitlines()[0] and "Dr Lee" in out.splitlines()[0]
    assert "why: our class times" in out and "{+Ask our front desk about class times.+}" in out

    assert run(prepared_location, "edit", "revert", SLUG, "1", "--by", "Dr Lee", "--why", "not needed") == 0
    out = capsys.readouterr().out
    assert "reverted to revision #1:" in out and "revision #3, origin shipped" in out
    assert revisions(prepared_location) == 3
    assert rows(prepared_location, "SELECT origin, json_extract(patient_text, '$.recovery') FROM therapy "
                                   "WHERE slug = ?", (SLUG,)) == [("shipped", shipped_recovery())]


def test_a_refused_edit_names_the_problem_and_changes_nothing(prepared_location, capsys):
    before = rows(prepared_location, "SELECT * FROM therapy ORDER BY id")
    assert run(prepared_location, "edit", "set", SLUG, "--field", "patient.recovery", "--text",
               "Ask our front desk about this. TBD", "--by", "Dr Lee", "--why", "local note") == 1
    err = capsys.readouterr().err
    assert "the text of yoga was not changed" in err and "patient.recovery 'Ask our front desk about this. TBD'" in err
    assert "Traceback" not in err
    assert run(prepared_location, "edit", "set", SLUG, "--field", "patient.recovery", "--by", "Dr Lee",
               "--why", "x") == 1
    assert "give each --field with its --text" in capsys.readouterr().err
    assert run(prepared_location, "edit", "set", SLUG, "--field", "patient.recovery", "--text", LOCAL * 2,
               "--why", "x") == 1
    assert "who is making it (by)" in capsys.readouterr().err
    assert rows(prepared_location, "SELECT * FROM therapy ORDER BY id") == before
    assert revisions(prepared_location) == 1


def test_changed_and_review(prepared_location, content_copy, capsys):
    assert run(prepared_location, "edit", "changed") == 0
    assert "no therapy the clinic edited has newer shipped text" in capsys.readouterr().out
    new = f"{shipped_recovery()} {LOCAL}"
    assert run(prepared_location, "edit", "set", SLUG, "--field", "patient.recovery", "--text", new,
               "--by", "Dr Lee", "--why", "our class times") == 0
    capsys.readouterr()

    path = content_copy / "therapies" / f"{SLUG}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["content_version"] += 1
    data["patient"]["recovery"] = data["patient"]["recovery"].replace(", over several weeks.", ".")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    bundle, problems = load_content(content_copy)
    assert problems == []
    with Store.of(prepared_location).write() as session:
        write_content(session, bundle)

    assert run(prepared_location, "edit", "changed") == 0
    out = capsys.readouterr().out
    assert f"({SLUG}): shipped text changed since your edit" in out
    assert "patient.recovery: " in out and "[-week, over several weeks.-] {+week.+}" in out

    assert run(prepared_location, "edit", "review", SLUG, "--take-shipped", "--by", "Dr Lee", "--why", "fine") == 0
    assert "took the shipped text for yoga" in capsys.readouterr().out
    assert rows(prepared_location, "SELECT origin, pending_shipped_version, json_extract(patient_text, '$.recovery') "
                                   "FROM therapy WHERE slug = ?", (SLUG,)) == \
        [("shipped", None, data["patient"]["recovery"])]
    assert run(prepared_location, "edit", "changed") == 0
    assert "no therapy the clinic edited" in capsys.readouterr().out
    assert run(prepared_location, "edit", "review", SLUG, "--keep", "--by", "Dr Lee", "--why", "again") == 1
    assert "no newer shipped text waiting" in capsys.readouterr().err
