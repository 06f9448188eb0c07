"""A row naming a unit in no loaded catalogue is left out of every verdict (QR520); `explain` and `plan` name
it under the learner, with what it probably is, so that a unit the record holds mistyped is not one a tutor
is told to add."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.options import ReadOptions
from qualrules.interpreter.records.readers import read_records
from qualrules.interpreter.records.synonyms import look_alike_units

AWARD = "610/3791/6"


@pytest.fixture
def typo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "typo.csv").write_text("learner,unit,result,achieved_on,registered_on,date_of_birth\n"
                                       "T1,L3B1,pass,2024-01-02,2023-09-01,1990-01-01\n"
                                       "T1,L3BI,pass,2024-01-03,2023-09-01,1990-01-01\n"
                                       "T1,FS-ENG,pass,2024-01-03,2023-09-01,1990-01-01\n"
                                       "T2,L3B2,pass,2024-01-03,2023-09-01,1990-01-01\n", encoding="utf-8")
    return tmp_path


def test_explain_names_the_units_it_could_not_read_with_the_one_a_look_alike_typo_means(typo, snapshot):
    result = CliRunner().invoke(main, ["explain", "typo.csv", "--learner", "T1", "-q", AWARD])
    assert result.exit_code == 1
    assert result.stdout == snapshot


def test_plan_and_the_json_of_both_give_them_and_a_learner_without_any_has_none(typo):
    plan = CliRunner().invoke(main, ["plan", "typo.csv", "--learner", "T1", "-q", AWARD])
    assert plan.stdout.endswith("Not read from the record\n"
                                "├─ 'L3BI' (line 3): in no loaded catalogue, so not counted; did you mean `L3B1`?\n"
                                "└─ 'FS-ENG' (line 4): in no loaded catalogue, so not counted\n")
    for command in ("explain", "plan"):
        given = json.loads(CliRunner().invoke(main, [command, "typo.csv", "--learner", "T1", "-q", AWARD,
                                                     "--format", "json"]).stdout)
        assert given["not_read"] == [
            {"unit": "L3BI", "file": "typo.csv", "line": 3, "element": None, "hint": "did you mean `L3B1`?"},
            {"unit": "FS-ENG", "file": "typo.csv", "line": 4, "element": None, "hint": None}]
        other = json.loads(CliRunner().invoke(main, [command, "typo.csv", "--learner", "T2", "-q", AWARD,
                                                     "--format", "json"]).stdout)
        assert other["not_read"] == []
    assert "Not read" not in CliRunner().invoke(main, ["explain", "typo.csv", "--learner", "T2", "-q", AWARD]).stdout


def test_a_unit_given_on_many_rows_in_any_letter_case_is_named_once_at_its_first(tmp_path):
    path = tmp_path / "records.json"
    path.write_text(json.dumps({"learners": [{"id": "J1", "units": [
        {"unit": "X9", "result": "pass"}, {"unit": "L3B1", "result": "pass"}, {"unit": "x9", "result": "referred"}]}]}),
        encoding="utf-8")
    [learner] = read_records(path, Library.load().vocabulary()).learners
    assert [(u.text, u.source.element) for u in learner.unread_units] == [("X9", "learners[0].units[0]")]


@pytest.mark.parametrize(("cell", "meant"), [("L3BI", ["L3B1"]), ("l3bl", ["L3B1"]), ("8570-2O5", ["8570-205"]),
                                             ("2O5", ["8570-205"]),
                                             ("L3B1", []), ("L3B9", [])])
def test_look_alike_characters_are_taken_for_the_digit_they_look_like(cell, meant):
    refs = Library.load().unit_refs().values()
    assert look_alike_units(cell, refs) == meant


def test_an_unknown_unit_refused_as_an_error_gets_the_same_hint(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("learner,unit,result,achieved_on\nT1,L3BI,pass,2024-01-03\n", encoding="utf-8")
    records = read_records(path, Library.load().vocabulary(), ReadOptions(unknown_units="error"))
    [error] = records.unreadable["T1"]
    assert (error.code, error.hint) == ("QR501", "did you mean `L3B1`?")


def test_the_report_shows_each_learner_s_units_not_read(typo):
    assert CliRunner().invoke(main, ["report", "typo.csv", "-q", AWARD, "-o", "report.html"]).exit_code == 1
    page = (typo / "report.html").read_text(encoding="utf-8")
    assert page.count("Not read from the record") == 1  # T1's; T2 holds none
    assert ('<tr><th scope="row">L3BI</th><td>line 3</td><td>in no loaded catalogue, so not counted; did you mean '
            '`L3B1`?</td></tr>') in page
