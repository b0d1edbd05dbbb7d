"""``clinic-app fields show|set|history|revert`` end to end."""

from __future__ import annotations

import re
import sqlite3

from clinic_app.cli import main

COST = "A class costs $15. Most insurance plans do not pay for it."
CONTACT = "Call Sam at the front desk."


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


def count(location, table):
    with sqlite3.connect(location.sqlite_path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def test_set_show_history_revert(prepared_location, capsys):
    assert run(prepared_location, "fields", "show", "yoga") == 0
    out = capsys.readouterr().out
    assert re.search(r"^cost\s+\(not set\)$", out, re.M) and re.search(r"^offered\s+\(not set\)$", out, re.M)

    assert run(prepared_location, "fields", "set", "yoga", "--cost", COST, "--contact", CONTACT, "--offered", "no",
               "--protocol", "Refer after two physio visits.", "--by", "Dr Lee", "--why", "new class fees") == 0
    out = capsys.readouterr().out
    assert out.count("why: new class fees") == 4
    assert count(prepared_location, "clinic_field_revision") == 4

    assert run(prepared_location, "fields", "show", "yoga") == 0
    out = capsys.readouterr().out
    assert f"cost      {COST}  (Dr Lee, " in out and "offered   no" in out and CONTACT in out

    assert run(prepared_location, "fields", "set", "yoga", "--cost", "A class costs $12.", "--by", "Dr Shah",
               "--why", "price cut") == 0
    capsys.readouterr()
    assert run(prepared_location, "fields", "history", "yoga") == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("#5 ") and "Dr Shah" in first and "cost: 'A class costs $15. Most insurance plans…' \u2192 " \
        "'A class costs $12.'" in first
    assert "why: price cut" in out and "contact: (empty) \u2192 'Call Sam at the front desk.'" in out

    assert run(prepared_location, "fields", "revert", "5", "--by", "Dr Lee", "--why", "cut not agreed") == 0
    out = capsys.readouterr().out
    assert "reverted revision #5 of yoga cost" in out and "(reverts #5)" in out
    assert count(prepared_location, "clinic_field_revision") == 6
    run(prepared_location, "fields", "show", "yoga")
    assert f"cost      {COST}" in capsys.readouterr().out


def test_the_compare_command_shows_the_clinics_cost(prepared_location, capsys):
    run(prepared_location, "fields", "set", "yoga", "--cost", COST, "--by", "Dr Lee", "--why", "new fees")
    capsys.readouterr()
    assert run(prepared_location, "compare", "yoga", "self-care", "--rows", "cost") == 0
    assert "A class costs $15." in capsys.readouterr().out


def test_missing_by_or_why_is_refused_and_nothing_changes(prepared_location, capsys):
    assert run(prepared_location, "fields", "set", "yoga", "--cost", COST, "--why", "new fees") == 1
    assert "needs who is making it (by); nothing was changed" in capsys.readouterr().err
    assert run(prepared_location, "fields", "set", "yoga", "--cost", COST, "--by", "Dr Lee") == 1
    assert "needs a short reason (why)" in capsys.readouterr().err
    assert count(prepared_location, "clinic_field") == 0 and count(prepared_location, "clinic_field_revision") == 0


def test_a_hard_cost_sentence_is_refused_naming_the_grade(prepared_location, capsys):
    hard = ("Reimbursement eligibility is contingent upon comprehensive documentation demonstrating medical "
            "necessity and prior authorization.")
    assert run(prepared_location, "fields", "set", "yoga", "--cost", hard, "--contact", CONTACT, "--by", "Dr Lee",
               "--why", "coverage") == 1
    err = capsys.readouterr().err
    assert re.search(r"cost and coverage \(cost\) for yoga .* reads at US grade \d+\.\d; patients' text must be "
                     r"grade 8 or lower", err)
    assert count(prepared_location, "clinic_field") == 0  # the contact given with it was not stored either


def test_unknown_therapy_and_revision_are_refused(prepared_location, capsys):
    assert run(prepared_location, "fields", "show", "yogga") == 2
    assert "unknown therapy 'yogga'" in capsys.readouterr().err
    assert run(prepared_location, "fields", "history", "yogga") == 2
    capsys.readouterr()
    assert run(prepared_location, "fields", "revert", "42", "--by", "Dr Lee", "--why", "x") == 2
    assert "no revision 42" in capsys.readouterr().err
    assert run(prepared_location, "fields", "history", "yoga") == 0
    assert "no changes to the clinic's fields for yoga" in capsys.readouterr().out
