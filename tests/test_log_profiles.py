"""An e-portfolio's achievement-log export read through a profile: its criterion status words mapped under
[results] like its unit results (QR531's hint gives the line, once per learner and word), and `qualrules
init` proposing the columns and words of such an export, the IQA's date and name told apart by the values.

The export is written as e-portfolio systems write one (headings of their own, `Achieved`, `In Progress`),
against the catalogue of examples/achievement-log.qual: the Award 999/0001/4 of SC1 (criteria 1.1, 1.2,
2.1) and SC2 (criterion 1.1).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter.diagnostics import render_plain
from qualrules.interpreter.profile import load_profile
from qualrules.interpreter.records.readers import read_records

from conftest import ACHIEVEMENT_LOG_RULESET

AWARD = "999/0001/4"
HEADINGS = ("Learner ID,Learner Name,DOB,Registration Date,Qualification,Unit Ref,AC Ref,AC Status,Date Assessed,"
            "Evidence Ref,Assessment Method,Assessor,Simulation,Assessor Signed,Learner Signed,IQA Verified,IQA Name")
# L001 has every criterion met and both units signed off and verified; L002 has SC1 2.1 in progress and a
# referral on SC2 1.1, and nothing signed off.
EXPORT_ROWS = [
    "L001,Aisha Rahman,02/03/1995,15/01/2024,999/0001/4,SC1,1.1,Achieved,03/02/2024,p.1,Assignment,J. Barker,No,,,,",
    "L001,Aisha Rahman,,,999/0001/4,SC1,1.2,Achieved,05/02/2024,p.2,Assignment,J. Barker,No,,,,",
    "L001,Aisha Rahman,,,999/0001/4,SC1,2.1,Achieved,07/02/2024,p.3,Observation,J. Barker,No,,,,",
    "L001,Aisha Rahman,,,999/0001/4,SC1,,,,,,J. Barker,,10/02/2024,11/02/2024,20/02/2024,P. Okafor",
    "L001,Aisha Rahman,,,999/0001/4,SC2,1.1,Achieved,12/02/2024,p.4,Assignment,J. Barker,No,,,,",
    "L001,Aisha Rahman,,,999/0001/4,SC2,,,,,,J. Barker,,14/02/2024,14/02/2024,24/02/2024,P. Okafor",
    "L002,Ben Carter,30/11/2001,08/01/2024,999/0001/4,SC1,1.1,Achieved,03/02/2024,p.1,Assignment,J. Barker,No,,,,",
    "L002,Ben Carter,,,999/0001/4,SC1,1.2,Achieved,05/02/2024,p.2,Assignment,J. Barker,No,,,,",
    "L002,Ben Carter,,,999/0001/4,SC1,2.1,In Progress,,,,,,,,,",
    "L002,Ben Carter,,,999/0001/4,SC2,1.1,Referred,12/02/2024,p.4,Assignment,J. Barker,No,,,,",
]
# The profile the quality manager wrote for it: one [results] table for every word of the status column.
PROFILE = """\
qualifications = ["999/0001/4"]
rulesets = ["achievement-log.qual"]

[columns]
"Learner ID" = "learner"
"DOB" = "date_of_birth"
"Registration Date" = "registered_on"
"Unit Ref" = "unit"
"AC Ref" = "criterion"
"AC Status" = "result"
"Date Assessed" = "achieved_on"
"Evidence Ref" = "evidence"
"Assessment Method" = "method"
"Simulation" = "simulated"
"Assessor Signed" = "signed_off_on"
"Learner Signed" = "learner_signed_on"
"IQA Verified" = "iqa_verified_on"
"IQA Name" = "iqa_verifier"

[results]
"Achieved" = "pass"
"Referred" = "referred"
"In Progress" = "not yet"
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def codes(result) -> list[str]:
    return re.findall(r"\b(?:error|warning)\[(QR\d{3})\]", result.stderr)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A working folder holding the export, the example catalogue and the quality manager's profile."""
    monkeypatch.chdir(tmp_path)
    Path("achievement-log.qual").write_text(ACHIEVEMENT_LOG_RULESET.read_text(encoding="utf-8"), encoding="utf-8")
    Path("export.csv").write_text("\n".join([HEADINGS, *EXPORT_ROWS]) + "\n", encoding="utf-8")
    Path("qualrules.toml").write_text(PROFILE, encoding="utf-8")
    return tmp_path


# ---- criterion words under [results] ---------------------------------------------------------------------

def test_an_export_s_criterion_words_are_read_through_results_and_it_checks_as_it_stands(folder):
    result = run("check", "export.csv", "--format", "json")
    assert (result.exit_code, codes(result)) == (1, []), result.stderr
    assert [(row["learner"], row["status"]) for row in json.loads(result.stdout)] == [
        ("L001", "achieved"), ("L002", "not achieved")]
    claim = run("claim", "export.csv", "-q", AWARD, "-o", "claim.csv")
    assert claim.exit_code == 1, claim.stderr
    assert claim.stdout == "wrote claim.csv: 1 learner ready to claim, 1 not ready\n"


def test_a_mapped_criterion_word_reads_as_the_criterion_result_it_stands_for(folder, log_library):
    records = read_records("export.csv", log_library.vocabulary(), load_profile().options)
    assert records.diagnostics == ()
    l002 = records.learners[1]
    assert [(row.criterion, row.result.value) for row in l002.evidence] == [
        ("1.1", "met"), ("1.2", "met"), ("2.1", "not yet"), ("1.1", "referred")]


def test_a_json_log_s_criterion_words_are_mapped_alike(folder, log_library):
    document = {"learners": [{"id": "L001", "criteria": [
        {"unit": "SC1", "criterion": "1.1", "result": "Achieved", "achieved_on": "2024-02-03"},
        {"unit": "SC1", "criterion": "1.2", "result": "In Progress", "achieved_on": None}]}]}
    Path("log.json").write_text(json.dumps(document), encoding="utf-8")
    records = read_records("log.json", log_library.vocabulary(), load_profile().options)
    assert [(row.criterion, row.result.value) for row in records.learners[0].evidence] == [
        ("1.1", "met"), ("1.2", "not yet")]


def test_a_criterion_word_the_profile_does_not_map_is_one_error_per_learner_and_word_with_the_line_to_add(
        folder, snapshot):
    Path("qualrules.toml").write_text(PROFILE.split('"Achieved"')[0], encoding="utf-8")
    result = run("check", "export.csv", "--no-color")
    assert (result.exit_code, re.findall(r"error\[(QR\d{3})\]", result.stdout)) == (2, ["QR531"] * 3)
    # Each learner is unreadable with its own located errors: no learner's reason is hidden behind another's.
    assert result.stdout == snapshot


def test_qr531_counts_the_learner_s_rows_giving_the_word_and_hints_the_profile_line(folder, log_library):
    Path("qualrules.toml").write_text(PROFILE.split('"Achieved"')[0], encoding="utf-8")
    records = read_records("export.csv", log_library.vocabulary(), load_profile().options)
    assert [render_plain(d) for d in records.unreadable["L001"]] == [
        "export.csv:2: error[QR531]: the criterion result is 'Achieved', which is not a criterion result word, "
        "on this row and 3 more of learner L001's (add  \"Achieved\" = \"pass\"  under [results] in qualrules.toml)"]
    assert [render_plain(d) for d in records.unreadable["L002"]] == [
        "export.csv:8: error[QR531]: the criterion result is 'Achieved', which is not a criterion result word, "
        "on this row and 1 more of learner L002's (add  \"Achieved\" = \"pass\"  under [results] in qualrules.toml)",
        "export.csv:10: error[QR531]: the criterion result is 'In Progress', which is not a criterion result word "
        "(add  \"In Progress\" = \"not yet\"  under [results] in qualrules.toml)"]


def test_qr531_hints_a_near_miss_and_otherwise_the_words_and_the_line_to_fill_in(folder, log_library):
    text = "learner,unit,criterion,result,achieved_on\nA1,SC1,1.1,mett,2024-03-01\nA2,SC1,1.1,Done,2024-03-01\n"
    Path("log.csv").write_text(text, encoding="utf-8")
    records = read_records("log.csv", log_library.vocabulary())
    assert [d.hint for learner in ("A1", "A2") for d in records.unreadable[learner]] == [
        "did you mean `met`? if 'mett' stands for it, add  \"mett\" = \"met\"  under [results] in qualrules.toml",
        "a criterion's result is met, referred or not yet; to read 'Done' as one, add  \"Done\" = \"...\"  under "
        "[results] in qualrules.toml"]


def test_a_word_the_profile_maps_to_a_unit_result_no_criterion_gives_is_refused_on_a_criterion_row(
        folder, log_library):
    Path("qualrules.toml").write_text(PROFILE.replace('"In Progress" = "not yet"', '"In Progress" = "fail"'),
                                      encoding="utf-8")
    records = read_records("export.csv", log_library.vocabulary(), load_profile().options)
    assert [render_plain(d) for d in records.unreadable["L002"]] == [
        "export.csv:10: error[QR531]: the criterion result is 'In Progress', which is not a criterion result word "
        "(qualrules.toml maps 'In Progress' to 'fail', which a criterion row cannot give: map it to met, referred "
        "or not yet)"]


def test_a_unit_row_giving_a_word_mapped_to_a_criterion_s_result_is_refused_with_why(folder, log_library):
    Path("export.csv").write_text("\n".join([HEADINGS, EXPORT_ROWS[0].replace("SC1,1.1", "SC3,")]) + "\n",
                                  encoding="utf-8")
    Path("qualrules.toml").write_text(PROFILE.replace('"Achieved" = "pass"', '"Achieved" = "met"'), encoding="utf-8")
    records = read_records("export.csv", log_library.vocabulary(), load_profile().options)
    (error,) = records.unreadable["L001"]
    assert (error.code, error.message) == ("QR503", "the result is 'Achieved', which is not a result word")
    assert error.hint == ("qualrules.toml maps 'Achieved' to 'met', which only a criterion row may give: a unit "
                          "row's result is one of credit transfer, distinction, distinction star, exemption, fail, "
                          "merit, near pass, pass, referred, unclassified, withdrawn")


def test_the_profile_may_map_a_word_to_a_criterion_result_but_not_to_a_criterion_synonym(folder, log_library):
    vocabulary = log_library.vocabulary()
    Path("qualrules.toml").write_text('[results]\n"Done" = "met"\n"Open" = "not yet"\n"Back" = "refer"\n',
                                      encoding="utf-8")
    (refused,) = load_profile().unknown_targets(vocabulary)
    assert (refused.code, refused.location.line, refused.hint) == ("QR634", 4, "did you mean `referred`?")


# ---- qualrules init on an achievement-log export ----------------------------------------------------------

def test_init_proposes_the_columns_and_words_of_an_achievement_log_export(folder, snapshot):
    Path("qualrules.toml").unlink()
    result = run("init", "export.csv", "--ruleset", "achievement-log.qual")
    assert result.exit_code == 0, result.stderr
    proposal = Path("qualrules.toml").read_text(encoding="utf-8")
    assert '"IQA Verified" = "iqa_verified_on"\n"IQA Name" = "iqa_verifier"\n' in proposal
    assert "no column looks like result" not in proposal  # a log's result column is optional
    assert proposal == snapshot


def test_the_export_checks_as_init_proposes_it(folder):
    Path("qualrules.toml").unlink()
    assert run("init", "export.csv", "--ruleset", "achievement-log.qual").exit_code == 0
    load_profile()  # the proposal is a valid profile as it stands
    result = run("check", "export.csv", "-q", AWARD, "--ruleset", "achievement-log.qual", "--format", "json")
    assert (result.exit_code, codes(result)) == (1, []), result.stderr
    assert [row["status"] for row in json.loads(result.stdout)] == ["achieved", "not achieved"]


@pytest.mark.parametrize("headings,expected", [
    ("AC Ref,AC Status,Date Assessed,Assessment Method,Simulation,Assessor Sign-off Date,Learner Signed,IQA Date,IQA",
     ['"AC Ref" = "criterion"', '"AC Status" = "result"', '"Date Assessed" = "achieved_on"',
      '"Assessment Method" = "method"', '"Simulation" = "simulated"', '"Assessor Sign-off Date" = "signed_off_on"',
      '"Learner Signed" = "learner_signed_on"', '"IQA Date" = "iqa_verified_on"', '"IQA" = "iqa_verifier"']),
    ("AC,Status,Assessed On,Method,Sim,Assessor Signed,Learner Sign-off,IQA Verified,IQA",
     ['"AC" = "criterion"', '"Status" = "result"', '"Assessed On" = "achieved_on"', '"Sim" = "simulated"',
      '"Assessor Signed" = "signed_off_on"', '"Learner Sign-off" = "learner_signed_on"',
      '"IQA Verified" = "iqa_verified_on"', '"IQA" = "iqa_verifier"']),
])
def test_init_recognises_the_headings_e_portfolios_write(folder, headings, expected):
    Path("qualrules.toml").unlink()
    cells = "SC1,1.1,Met,03/02/2024,Assignment,No,10/02/2024,11/02/2024,20/02/2024,P. Okafor"
    Path("log.csv").write_text(f"Learner ID,Unit Ref,{headings}\nL001,{cells}\n", encoding="utf-8")
    assert run("init", "log.csv", "--ruleset", "achievement-log.qual").exit_code == 0
    lines = Path("qualrules.toml").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line in expected] == expected


@pytest.mark.parametrize("dates,names,expected", [
    ("IQA", "IQA Name", ['"IQA" = "iqa_verified_on"', '"IQA Name" = "iqa_verifier"']),
    ("IQA Date", "IQA", ['"IQA Date" = "iqa_verified_on"', '"IQA" = "iqa_verifier"']),
    ("IQA Sign Off", "IQA Verified", ['"IQA Sign Off" = "iqa_verified_on"', '"IQA Verified" = "iqa_verifier"']),
])
def test_init_tells_the_iqa_s_date_from_the_iqa_s_name_by_the_column_s_values(folder, dates, names, expected):
    Path("qualrules.toml").unlink()
    Path("log.csv").write_text(f"Learner ID,Unit Ref,AC Ref,Date Assessed,{dates},{names}\n"
                               "L001,SC1,1.1,03/02/2024,,\nL001,SC1,,,20/02/2024,P. Okafor\n", encoding="utf-8")
    assert run("init", "log.csv", "--ruleset", "achievement-log.qual").exit_code == 0
    lines = Path("qualrules.toml").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line in expected] == expected


def test_init_proposes_a_line_for_each_criterion_word_and_none_for_the_criterion_words_themselves(folder):
    Path("qualrules.toml").unlink()
    Path("log.csv").write_text("learner,unit,criterion,result,achieved_on\n"
                               "L001,SC1,1.1,Met,2024-02-03\nL001,SC1,1.2,Awaiting Assessment,\n"
                               "L001,SC1,2.1,Not Yet Achieved,2024-02-04\nL001,SC2,1.1,Refer,2024-02-05\n"
                               "L001,SC3,,Achieved,2024-02-06\nL001,SC3,,Merit,2024-02-06\n"
                               "L001,SC2,1.1,Merit,2024-02-07\n", encoding="utf-8")
    assert run("init", "log.csv", "--ruleset", "achievement-log.qual").exit_code == 0
    results = Path("qualrules.toml").read_text(encoding="utf-8").split("[results]\n")[1].splitlines()
    # Most common first; a word a unit row may give but a criterion row may not is left to the reviewer.
    assert results == [
        "# word in the file = qualrules result word",
        '# "Merit" is a result word, but criterion rows give it too, and a criterion is met, referred or not yet: '
        "map it only if it means one of those on every row",
        '"Awaiting Assessment" = "not yet"',
        '"Not Yet Achieved" = "referred"',
        '"Achieved" = "pass"',
    ]
    load_profile("qualrules.toml")
