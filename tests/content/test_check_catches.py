"""Content broken in the ways people break it: each problem is named with file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from clinic_app.cli import main
from clinic_app.content.check import load_content

FILE = "therapies/platelet-rich-plasma.yaml"


def edit(directory: Path, change) -> None:
    path = directory / FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def problems_of(directory: Path) -> list[str]:
    _, problems = load_content(directory)
    return [str(p) for p in problems]


def test_a_valid_copy_passes(content_copy):
    assert problems_of(content_copy) == []


def test_unknown_field_is_an_error_with_its_line(content_copy):
    path = content_copy / FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "colour: blue")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems_of(content_copy)
    assert f"{FILE}:4: colour: unknown field (not part of the content schema)" in found


def test_yaml_syntax_error_names_the_line(content_copy):
    path = content_copy / FILE
    path.write_text(path.read_text(encoding="utf-8") + "\nclinician: [unclosed\n", encoding="utf-8")
    found = problems_of(content_copy)
    assert len(found) == 1 and found[0].startswith(f"{FILE}:") and "not valid YAML" in found[0]


def test_unknown_reference_key(content_copy):
    edit(content_copy, lambda d: d["references"].append({"key": "Z9", "supports": "A study that does not exist."}))
    assert any("unknown reference key 'Z9'" in p and FILE in p for p in problems_of(content_copy))


def test_reference_listed_but_never_cited(content_copy):
    def change(d):
        d["references"].append({"key": "E2", "supports": "Exercise therapy for chronic low back pain."})
    edit(content_copy, change)
    assert any("E2 is listed but no clinician text or comparison cell cites it" in p for p in problems_of(content_copy))


def test_patient_text_above_grade_8_prints_grade_and_longest_sentence(content_copy):
    hard = ("Intradiscal administration of autologous platelet concentrates necessitates meticulous "
            "fluoroscopic guidance, comprehensive sterilisation procedures and multidisciplinary consideration "
            "of contraindications. Simple words follow.")
    edit(content_copy, lambda d: d["patient"].__setitem__("recovery", hard))
    found = [p for p in problems_of(content_copy) if "patient.recovery" in p]
    assert found and "reading grade" in found[0] and "above 8" in found[0]
    assert "Intradiscal administration of autologous" in found[0]


def test_missing_comparison_row(content_copy):
    edit(content_copy, lambda d: d["comparison"].pop("visits"))
    assert any("no value for comparison row 'visits'" in p for p in problems_of(content_copy))


def test_placeholder_text(content_copy):
    edit(content_copy, lambda d: d["clinician"].__setitem__("recovery", "TODO: write the recovery section later."))
    assert any("clinician.recovery: placeholder" in p for p in problems_of(content_copy))


def test_date_in_the_future(content_copy):
    edit(content_copy, lambda d: d.__setitem__("last_reviewed", "2999-01-01"))
    assert any("last_reviewed: 2999-01-01 is in the future" in p for p in problems_of(content_copy))


def test_status_outside_the_vocabulary(content_copy):
    edit(content_copy, lambda d: d.__setitem__("status", "miracle"))
    assert any(FILE in p and "status" in p and "established" in p for p in problems_of(content_copy))


def test_duplicated_text(content_copy):
    edit(content_copy, lambda d: d["patient"].__setitem__("recovery", d["patient"]["risks"]))
    assert any("duplicated text" in p for p in problems_of(content_copy))


def test_investigational_therapy_must_say_so(content_copy):
    def change(d):
        d["patient"]["summary"] = "PRP uses a small amount of your own blood. It is put into the disc with a needle."
        d["patient"]["regulatory"] = "Ask your doctor about the rules for this shot where you live."
    edit(content_copy, change)
    assert any("patient.summary" in p and "investigational" in p for p in problems_of(content_copy))


def test_missing_required_field(content_copy):
    edit(content_copy, lambda d: d.pop("funding"))
    assert any(p.startswith(FILE) and p.endswith("funding: required field is missing") for p in problems_of(content_copy))


def test_cli_check_exit_codes_and_format(content_copy, capsys):
    assert main(["content", "check", str(content_copy)]) == 0
    assert f"content OK: {len(load_content(content_copy)[0].therapies)} therapies" in capsys.readouterr().out
    edit(content_copy, lambda d: d.__setitem__("status", "miracle"))
    assert main(["content", "check", str(content_copy)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(FILE) and ": status: " in out


def test_missing_directory(tmp_path, capsys):
    assert main(["content", "check", str(tmp_path / "nowhere")]) == 1
    assert "content directory not found" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["conditions.yaml", "attributes.yaml"])
def test_missing_shared_file(content_copy, name):
    (content_copy / name).unlink()
    assert f"{name}: (file): required content file is missing" in problems_of(content_copy)


def edit_conditions(directory: Path, change) -> None:
    path = directory / "conditions.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_unknown_condition_of_a_therapy(content_copy):
    edit(content_copy, lambda d: d["conditions"].append("whiplash"))
    assert any("conditions: unknown condition 'whiplash'" in p for p in problems_of(content_copy))


def test_a_note_for_a_condition_the_therapy_is_not_for(content_copy):
    def change(d):
        d["by_condition"] = [{"condition": "spinal-stenosis", "clinician": "Not studied in stenosis [C6].",
                              "patient": "We do not know if this helps with stenosis."}]
        d["conditions"] = [c for c in d["conditions"] if c != "spinal-stenosis"]
    edit(content_copy, change)
    assert any("by_condition[0].condition: 'spinal-stenosis' is not one of this therapy's conditions" in p
               for p in problems_of(content_copy))


def test_an_alias_that_already_names_another_therapy(content_copy):
    edit(content_copy, lambda d: d["aliases"].append("ibuprofen"))
    assert any("aliases: 'ibuprofen' already names therapy nsaids" in p or "already names therapy platelet" in p
               for p in problems_of(content_copy))


def test_condition_patient_text_above_grade_8(content_copy):
    long_words = ("Degenerative intervertebral pathology characteristically necessitates multidisciplinary "
                  "consideration incorporating comprehensive pharmacological interventions.")
    edit_conditions(content_copy, lambda d: d[1]["patient"].update(natural_course=long_words))
    found = problems_of(content_copy)
    assert any(p.startswith("conditions.yaml") and "[1] sciatica.patient.natural_course: reading grade" in p
               for p in found), found


def test_condition_cites_an_unknown_reference(content_copy):
    edit_conditions(content_copy, lambda d: d[0]["clinician"].update(
        what_it_is=d[0]["clinician"]["what_it_is"] + " See also [Z9]."))
    assert any("cites unknown reference [Z9]" in p for p in problems_of(content_copy))


def test_an_internal_note_in_a_printed_identifier(content_copy):
    path = next((content_copy / "references").glob("E-*.yaml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[0]["other_id"] = "PMID and DOI not recorded"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert any("a note for the content team belongs in 'note'" in p for p in problems_of(content_copy))


def test_no_reference_files(content_copy):
    shutil.rmtree(content_copy / "references")
    assert "references/: (directory): no reference files (*.yaml) found" in problems_of(content_copy)


def test_a_paper_version_may_leave_findings_out_but_never_add_a_number(content_copy):
    def change(d):
        d["patient"]["paper"]["evidence_known"] = "In the largest trial, about 61 in 100 had less pain with PRP."
    edit(content_copy, change)
    found = problems_of(content_copy)
    assert any("patient.paper.evidence_known" in p and "the number 61 is not in the patient text" in p for p in found)


def test_a_paper_version_of_an_unproven_therapy_must_say_so(content_copy):
    def change(d):
        d["patient"]["paper"]["summary"] = "PRP is made from your own blood and shot into a painful disc."
        d["patient"]["paper"]["regulatory"] = "We could not confirm any US approval for PRP shots into a disc."
    edit(content_copy, change)
    assert any("patient.paper.summary" in p and "must say so in plain words" in p for p in problems_of(content_copy))


def test_a_paper_part_longer_than_300_characters_is_refused(content_copy):
    edit(content_copy, lambda d: d["patient"]["paper"].update(risks="A disc infection is the main risk. " * 10))
    assert any("patient.paper.risks" in p for p in problems_of(content_copy))


def test_a_figure_draws_only_a_number_the_text_gives(content_copy):
    def change(d):
        d["patient"]["figures"][0]["groups"][0]["count"] = 58
    edit(content_copy, change)
    found = problems_of(content_copy)
    assert any("patient.figures[0]" in p and "'58 in 100' is not in the patient text of evidence_known" in p
               for p in found)


def test_standard_care_must_be_an_established_therapy_listed_for_the_condition(content_copy):
    path = content_copy / "library.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["first_options"]["sciatica"] = "platelet-rich-plasma"
    data["first_options"]["spinal-stenosis"] = "nsaids"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    found = problems_of(content_copy)
    assert "library.yaml: first_options.sciatica: platelet-rich-plasma is investigational; it must be established" in found
    assert "library.yaml: first_options.spinal-stenosis: nsaids is not listed for spinal-stenosis" in found


def test_a_content_file_that_is_a_pipe_is_named_not_read(content_copy):
    import os

    path = content_copy / "therapies" / "a-pipe.yaml"
    os.mkfifo(path)  # reading it would wait for a writer forever
    found = problems_of(content_copy)
    assert "therapies/a-pipe.yaml: (file): not a regular file (a pipe or a device?); it was not read" in found


def test_a_yaml_alias_bomb_is_refused_before_it_is_expanded(content_copy):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    (content_copy / "therapies" / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems_of(content_copy)
    assert any(p.startswith("therapies/bomb.yaml: (yaml): 81 YAML aliases") for p in found), found
