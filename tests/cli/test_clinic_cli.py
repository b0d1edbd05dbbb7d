"""The clinic's name, phone and hours from a script (clinic IT sets up rooms), and on every handout."""

from __future__ import annotations

import json
import sqlite3

from pypdf import PdfReader

from clinic_app.cli import main


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


def text_of(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)


def test_a_fresh_install_says_what_handouts_still_need(prepared_location, capsys):
    assert run(prepared_location, "clinic", "show", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["name"] == "" and data["missing_for_handouts"] == ["name", "phone number"]


def test_set_then_show(prepared_location, capsys):
    assert run(prepared_location, "clinic", "set", "--name", "Northside Spine Clinic", "--phone", "020 7946 0000 ext 12",
               "--hours", "Monday to Friday, 8am to 6pm", "--paper", "letter") == 0
    assert run(prepared_location, "clinic", "show") == 0
    out = capsys.readouterr().out
    assert "Northside Spine Clinic" in out and "020 7946 0000 ext 12" in out and "letter" in out
    assert "still need" not in out


def test_a_bad_phone_is_refused_by_name_and_nothing_changes(prepared_location, capsys):
    run(prepared_location, "clinic", "set", "--name", "Northside Spine Clinic", "--phone", "020 7946 0000")
    capsys.readouterr()
    before = sqlite3.connect(prepared_location.sqlite_path).execute("SELECT name, phone FROM clinic_profile").fetchall()
    assert run(prepared_location, "clinic", "set", "--name", "Other", "--phone", "call reception") == 1
    assert "clinic phone 'call reception' is not a phone number" in capsys.readouterr().err
    after = sqlite3.connect(prepared_location.sqlite_path).execute("SELECT name, phone FROM clinic_profile").fetchall()
    assert after == before


def test_every_handout_carries_the_clinic_phone_and_hours(prepared_location, tmp_path, capsys):
    run(prepared_location, "clinic", "set", "--name", "Northside Spine Clinic", "--phone", "020 7946 0000",
        "--hours", "Monday to Friday, 8am to 6pm")
    out = tmp_path / "h.pdf"
    assert run(prepared_location, "handout", "--therapy", "nsaids", "-o", out) == 0
    assert "not set" not in capsys.readouterr().err
    text = text_of(out)
    assert "Northside Spine Clinic" in text and text.count("020 7946 0000") >= 2
    assert "Monday to Friday, 8am to 6pm" in text and "Get help urgently if" in text


def test_without_a_clinic_the_app_never_stands_in_for_it(prepared_location, tmp_path, capsys):
    out = tmp_path / "h.pdf"
    assert run(prepared_location, "handout", "--therapy", "nsaids", "-o", out) == 0
    assert "the clinic's name and phone number are not set" in capsys.readouterr().err
    text = text_of(out)
    letterhead = text.split("Phone:")[0]  # the page band and the letterhead (the funding note names the authors)
    assert "Clinic Reference" not in letterhead
    assert "Clinic: ____" in text and "Phone: ____" in text
