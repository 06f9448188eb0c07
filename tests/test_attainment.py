"""Learner attributes and external qualifications: an apprenticeship standard's English and maths requirement
with its EHCP exception, read from a provider's export (CSV, spreadsheet, JSON), decided three ways (met, not
met, cannot tell), explained, planned, shown, formatted and linted."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from click.testing import CliRunner

from test_exactness import COUNTS
from qualrules.cli import main
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.engine.evaluator import Status, evaluate
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.lint import lint
from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.plugins import RulesetSource, discover

# After the Adult Care Worker standard (ST0005): "Apprentices without level 2 English and maths will need to
# achieve this level prior to taking the end-point assessment. For those with an education, health and care
# plan or a legacy statement the apprenticeship's English and maths minimum requirement is Entry Level 3."
# The columns are those of a provider's ILR-style export: EHCP flag, GCSE grades, functional skills levels.
ADULT_CARE = """\
awarding body EPAO "An end-point assessment organisation"
attribute ehcp yes or no column "EHCP"
external GCSE-ENGLISH "GCSE English Language" column "EngGrade"
  grade 9 to 4 level 2
  grade 3 to 1 level 1
  grade "U", "NONE" no level
external GCSE-MATHS "GCSE Mathematics" column "MathGrade"
  grade 9 to 4 level 2
  grade 3 to 1 level 1
  grade "U", "NONE" no level
external FS-ENGLISH "Functional Skills English" column "FS English"
  grade "Entry 3" entry level 3
  grade "Level 1" level 1
  grade "Level 2" level 2
  grade "None" no level
external FS-MATHS "Functional Skills mathematics" column "FS maths"
  grade "Entry 3" entry level 3
  grade "Level 1" level 1
  grade "Level 2" level 2
  grade "None" no level
unit EPA1 "Knowledge test" level 2 credits 1
unit EPA2 "Observation of practice" level 2 credits 1
qualification ST0005 "Adult Care Worker"
  units from EPA1, EPA2
  all of EPA1, EPA2
  requires level 2 in GCSE-ENGLISH or FS-ENGLISH, entry level 3 when ehcp
  requires level 2 in GCSE-MATHS or FS-MATHS, entry level 3 when ehcp
"""
QAN = "ST0005"


def adult_care(text: str = ADULT_CARE):
    (q,) = compile_ruleset(build_ruleset(text, "adult-care.qual"))
    return q


def verdict(columns: dict[str, str], text: str = ADULT_CARE):
    passed = tuple(Attempt(unit, "pass", dt.date(2024, 6, 1)) for unit in ("EPA1", "EPA2"))
    return evaluate(adult_care(text), Learner("L1", None, None, passed, attributes=columns), COUNTS)


# Every learner passed both assessments; only the columns differ.
@pytest.mark.parametrize("columns,status", [
    # GCSE grade 4 and above is level 2.
    ({"enggrade": "4", "mathgrade": "5", "ehcp": "N"}, Status.ACHIEVED),
    # Grade 3 is level 1, with no functional skills: short of level 2, which applies without an EHCP.
    ({"enggrade": "3", "fs_english": "None", "mathgrade": "5", "ehcp": "N"}, Status.NOT_ACHIEVED),
    # Trap: the same, but the functional skills column is blank: it might hold level 2, so cannot tell.
    ({"enggrade": "3", "mathgrade": "5", "ehcp": "N"}, Status.UNDETERMINED),
    # With an EHCP, entry level 3 is enough: GCSE grade 3 (level 1) and functional skills entry 3 both are.
    ({"enggrade": "3", "fs_maths": "Entry 3", "ehcp": "Y"}, Status.ACHIEVED),
    # Functional skills level 2 meets it whatever the GCSE grade.
    ({"enggrade": "U", "fs_english": "Level 2", "mathgrade": "4", "ehcp": "no"}, Status.ACHIEVED),
    # Trap: the EHCP flag is missing, and grade 3 is enough only with it: cannot tell, not a guess.
    ({"enggrade": "3", "fs_english": "None", "mathgrade": "5"}, Status.UNDETERMINED),
    # Level 2 held meets either level, so the missing flag does not matter.
    ({"enggrade": "5", "mathgrade": "5"}, Status.ACHIEVED),
    # Nothing at entry level 3 or above fails either level, so the missing flag does not matter either.
    ({"enggrade": "NONE", "fs_english": "None", "mathgrade": "5"}, Status.NOT_ACHIEVED),
])
def test_english_and_maths_by_hand(columns, status):
    assert verdict(columns).status is status


def test_the_outcome_says_which_level_applies_and_what_is_held():
    found = verdict({"enggrade": "3", "mathgrade": "5", "ehcp": "Y", "fs_english": "Level 1"})
    english = found.outcomes[-2]
    assert (english.text, english.met) == ("requires level 2 in GCSE-ENGLISH or FS-ENGLISH, entry level 3 when ehcp",
                                           True)
    assert english.detail == ("requires level 2 in GCSE-ENGLISH or FS-ENGLISH, entry level 3 when ehcp: entry level "
                              "3 required (ehcp: yes); held: GCSE-ENGLISH grade 3 (level 1), FS-ENGLISH grade "
                              "Level 1 (level 1)")


def test_what_is_missing_is_named_by_its_column():
    found = verdict({"enggrade": "3", "mathgrade": "5"})
    # The EHCP flag decides only with functional skills below level 2, which the record does not give either.
    needed = "needed for `requires level 2 in GCSE-ENGLISH or FS-ENGLISH, entry level 3 when ehcp`"
    assert found.missing == (f'`ehcp` (column "EHCP", {needed})', f'FS-ENGLISH grade (column "FS English", {needed})')


def test_a_word_attribute_chooses_the_level():
    text = ADULT_CARE.replace('attribute ehcp yes or no column "EHCP"',
                              'attribute ehcp yes or no column "EHCP"\n'
                              'attribute route word "standard", "legacy statement" column "Support route"').replace(
        "entry level 3 when ehcp\n", 'entry level 3 when route is "legacy statement", entry level 3 when ehcp\n')
    assert verdict({"enggrade": "3", "mathgrade": "5", "support_route": "Legacy Statement"}, text).achieved
    # Neither exception holds: level 2.
    assert verdict({"enggrade": "3", "fs_english": "None", "mathgrade": "5", "support_route": "standard", "ehcp": "n"},
                   text).status is Status.NOT_ACHIEVED


@pytest.mark.parametrize("change,code,message", [
    (("in GCSE-ENGLISH or", "in GCSE-ENGLSH or"), "QR194", "`GCSE-ENGLSH` is not an external qualification of this file"),
    (("when ehcp\n", "when send\n"), "QR195", "`send` is not a learner attribute of this file"),
    (("when ehcp\n", 'when ehcp is "Y"\n'), "QR195", "`ehcp` is yes or no, so it is tested as `when ehcp` or "
                                                      "`when not ehcp`"),
    (('column "FS maths"', 'column "EngGrade"'), "QR193", 'column "EngGrade" is read twice (first on line 3)'),
    (('grade 3 to 1 level 1\n  grade "U"', 'grade 3 to 1 level 1\n  grade 3, "U"'), "QR196",
     'grade "3" of GCSE-ENGLISH is given twice (first on line 5)'),
])
def test_declarations_and_requirements_are_checked(change, code, message):
    with pytest.raises(DiagnosticError) as raised:
        adult_care(ADULT_CARE.replace(*change, 1))
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [(code, message)]


def test_lint_finds_unread_declarations_and_a_grade_table_that_is_not_monotone():
    maths_table = 'grade 9 to 4 level 2\n  grade 3 to 1 level 1\n  grade "U", "NONE" no level\nexternal FS-ENGLISH'
    text = (ADULT_CARE
            .replace('column "EHCP"\n', 'column "EHCP"\nattribute care_leaver yes or no column "Care leaver"\n')
            .replace(maths_table, maths_table.replace("level 2\n  grade 3 to 1 level 1",
                                                      "level 1\n  grade 3 to 1 level 2"))
            .replace("unit EPA1", 'external GCSE-SCIENCE "GCSE Science" column "SciGrade"\n  grade 9 to 4 level 2\n'
                                  "unit EPA1"))
    found = [(d.code, d.location.line, d.message) for d in lint([RulesetSource("adult-care.qual", text)], discover())
             if d.code.startswith("QR42")]
    assert found == [
        ("QR425", 3, "no rule reads the learner attribute `care_leaver`"),
        ("QR427", 9, "in GCSE-MATHS, grade 4 gives level 1 but the lower grade 3 gives level 2"),
        ("QR426", 22, "no requirement names the external qualification GCSE-SCIENCE"),
    ]


def test_fmt_writes_the_canonical_lines_and_keeps_them():
    scrambled = ADULT_CARE.replace("grade 9 to 4 level 2", 'GRADE 9, 8, 7, "6", 5, 4 LEVEL 2', 1).replace(
        "entry level 3 when ehcp\n", "ENTRY LEVEL 3 WHEN ehcp.\n", 1)
    formatted = format_ruleset(scrambled, "adult-care.qual")
    assert formatted.count("  grade 9 to 4 level 2\n") == 2
    assert "  requires level 2 in GCSE-ENGLISH or FS-ENGLISH, entry level 3 when ehcp\n" in formatted
    assert format_ruleset(formatted, "adult-care.qual") == formatted


# ---- records: the export's own columns ---------------------------------------------------------------------
EXPORT = """\
learner,unit,result,achieved_on,EHCP,EngGrade,MathGrade,FS English,FS maths,Tutor
MET,EPA1,pass,2024-06-01,N,5,4,,,Ann
MET,EPA2,pass,2024-06-02,N,5,4,,,Ann
EHCP,EPA1,pass,2024-06-01,Y,2,,,Entry 3,Bob
EHCP,EPA2,pass,2024-06-02,Y,2,,,Entry 3,Bob
SHORT,EPA1,pass,2024-06-01,N,3,4,Level 1,,Bob
SHORT,EPA2,pass,2024-06-02,N,3,4,Level 1,,Bob
UNKNOWN,EPA1,pass,2024-06-01,,3,4,,,Bob
UNKNOWN,EPA2,pass,2024-06-02,,3,4,,,Bob
BAD,EPA1,pass,2024-06-01,N,B,4,,,Bob
CLASH,EPA1,pass,2024-06-01,N,5,4,,,Bob
CLASH,EPA2,pass,2024-06-02,Y,5,4,,,Bob
"""
EXPECTED = {"MET": "achieved", "EHCP": "achieved", "SHORT": "not achieved", "UNKNOWN": "undetermined", "BAD": "error",
            "CLASH": "error"}


@pytest.fixture
def export(tmp_path):
    (tmp_path / "adult-care.qual").write_text(ADULT_CARE, encoding="utf-8")
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    workbook = openpyxl.Workbook()
    for line in EXPORT.splitlines():
        workbook.active.append(line.split(","))
    workbook.save(tmp_path / "export.xlsx")
    return tmp_path


def check_json(folder, records: str):
    result = CliRunner().invoke(main, ["check", str(folder / records), "-q", QAN, "--ruleset",
                                       str(folder / "adult-care.qual"), "--format", "json"])
    return result, json.loads(result.stdout)


@pytest.mark.parametrize("records", ["export.csv", "export.xlsx"])
def test_the_columns_are_read_from_csv_and_spreadsheets(export, records):
    result, rows = check_json(export, records)
    assert result.exit_code == 2  # BAD and CLASH have record errors
    assert {row["learner"]: row["status"] for row in rows if "status" in row} == EXPECTED
    errors = {row["learner"]: [(e["code"], e["message"]) for e in row["errors"]] for row in rows if "errors" in row}
    assert errors == {
        "BAD": [("QR550", "`EngGrade` holds 'B', which no ruleset's declaration of that column allows")],
        "CLASH": [("QR551", "learner CLASH has two different `EHCP` values: 'N' (line 11) and 'Y'")],
    }


def test_the_columns_are_read_from_json(export):
    learners = []
    for learner, columns in (("MET", {"EHCP": "N", "EngGrade": 5, "MathGrade": "4", "Tutor": "Ann"}),
                             ("EHCP", {"ehcp": True, "eng grade": "2", "FS maths": "entry 3"}),
                             ("UNKNOWN", {"EngGrade": "3", "MathGrade": "4"})):
        learners.append({"id": learner, "attributes": columns,
                         "units": [{"unit": u, "result": "pass", "achieved_on": "2024-06-01"} for u in ("EPA1", "EPA2")]})
    (export / "export.json").write_text(json.dumps({"learners": learners}), encoding="utf-8")
    result, rows = check_json(export, "export.json")
    # "eng grade" is not the heading "EngGrade": letter case and spaces only are folded, so that one is unread.
    assert {row["learner"]: row["status"] for row in rows} == {
        "MET": "achieved", "EHCP": "undetermined", "UNKNOWN": "undetermined"}


def test_explain_text(snapshot, export):
    for learner in ("SHORT", "UNKNOWN"):
        result = CliRunner().invoke(main, ["explain", str(export / "export.csv"), "--learner", learner, "-q", QAN,
                                           "--ruleset", str(export / "adult-care.qual"), "--no-color"])
        assert result.exit_code == 1
        assert result.stdout == snapshot


def test_plan_says_no_unit_can_meet_it(export):
    result = CliRunner().invoke(main, ["plan", str(export / "export.csv"), "--learner", "SHORT", "-q", QAN,
                                       "--ruleset", str(export / "adult-care.qual"), "--format", "json"])
    plan = json.loads(result.stdout)
    assert plan["status"] == "impossible"
    assert plan["reasons"] == [
        "no unit can meet this requirement of the learner: requires level 2 in GCSE-ENGLISH or FS-ENGLISH, entry "
        "level 3 when ehcp: level 2 required (ehcp: no); held: GCSE-ENGLISH grade 3 (level 1), FS-ENGLISH grade "
        "Level 1 (level 1)"]


def test_show_states_the_requirements(export):
    result = CliRunner().invoke(main, ["show", QAN, "--ruleset", str(export / "adult-care.qual"), "--format", "json"])
    assert json.loads(result.stdout)["learner_requirements"][0] == (
        'Learners must hold level 2 in GCSE English Language (GCSE-ENGLISH, column "EngGrade") or Functional Skills '
        'English (FS-ENGLISH, column "FS English"); entry level 3 where ehcp (column "EHCP") is yes.')
