"""Achievement logs in records files: criterion rows and unit sign-offs read from CSV, JSON and XLSX, the
passes they make, and the evidence checks (QR530-QR542), hand-worked on the two units of an ISP Award."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path

import attrs
import openpyxl
import pytest

from qualrules import api
from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import DiagnosticError, Severity, render_plain
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.achievement import CriterionResult, SignOff, Stage
from qualrules.interpreter.records.learner import Attempt
from qualrules.interpreter.records.log_checks import EvidencePolicy
from qualrules.interpreter.records.readers import read_records

# L3B1 and L3B2 with every outcome and criterion as the specification prints them, under the ISP plugin's
# policy (its evidence methods).
AWARD = '''\
awarding body ISP "Institute of Sales Professionals"

unit L3B1  "Understand Sales Communication"  ofqual L/650/7899  level 3  credits 3
  simulation not permitted
  outcome 1 knowledge "Understand effective communication in sales"
    1.1 "Explain the importance of effective communication in the sales process"
    1.2 "Explain communication channels used within sales"
    1.3 "Assess the strengths and weaknesses of different types of communication used within sales"
    1.4 "Summarise the factors that affect communication within sales"
  outcome 2 knowledge "Understand a communication cycle and barriers"
    2.1 "Explain a communication cycle and its application in the workplace"
    2.2 "Explain barriers to effective communication"
    2.3 "Evaluate ways to overcome barriers to communication"
  outcome 3 skills "Be able to plan communication for a target audience"
    3.1 "Evaluate the factors that impact on the selection of communication types for different target audiences"
    3.2 "Create a plan to communicate with a target audience"
    3.3 "Analyse own communication preferences to identify improvement areas and actions"
unit L3B2  "Understand Organisations"  ofqual K/651/0342  level 3  credits 3
  outcome 1 knowledge "Understand the UK legal forms for organisations and operational functions"
    1.1 "Describe the UK legal forms for organisations"
    1.2 "Explain the different operational functions within an organisation"
    1.3 "Outline how the sales function relates to other organisational functions"
    1.4 "Describe the roles and responsibilities of sales professionals at different levels of the organisation"
  outcome 2 knowledge "Understand the context in which an organisation operates"
    2.1 "Describe the internal forces that impact on an organisation"
    2.2 "Describe the external forces that impact on an organisation"
    2.3 "Conduct a PESTLE analysis for an organisation"
unit L3B3  "Understand Customer Groups and Profiling"  level 3  credits 2

qualification 610/3791/6 "ISP Level 3 Award in Understanding Organisations and Sales Communication"
  units from L3B1, L3B2
  all of L3B1, L3B2
'''
L3B1 = ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]
L3B2 = ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3"]
QAN = "610/3791/6"
HEADER = ("learner,unit,criterion,result,achieved_on,evidence,method,assessor,simulated,"
          "signed_off_on,learner_signed_on,iqa_verified_on,iqa_verifier,registered_on")


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Library:
    path = tmp_path_factory.mktemp("rulesets") / "award.qual"
    path.write_text(AWARD, encoding="utf-8")
    return Library.load([path], bundled=False)


@pytest.fixture
def read(tmp_path, monkeypatch, library):
    """read(name, content) -> Records, the file in a temporary working folder so it is named plainly."""
    monkeypatch.chdir(tmp_path)

    def run(name: str, content, vocabulary=None):
        if isinstance(content, str):
            Path(name).write_text(content, encoding="utf-8")
        return read_records(name, vocabulary or library.vocabulary())
    return run


def criterion_rows(learner: str, unit: str, numbers: list[str], start: int, **cells) -> list[str]:
    """One met row per criterion, a day apart from 1 March 2024 + `start` days."""
    rows = []
    for k, number in enumerate(numbers):
        day = dt.date(2024, 3, 1) + dt.timedelta(days=start + k)
        values = {"learner": learner, "unit": unit, "criterion": number, "result": "met",
                  "achieved_on": day.isoformat(), "evidence": f"portfolio p.{k + 1}", "method": "assignment",
                  "assessor": "A. Khan", **cells}
        rows.append(row(**values))
    return rows


def row(**cells) -> str:
    return ",".join(str(cells.get(column, "")) for column in HEADER.split(","))


def sign_off(learner: str, unit: str, signed="2024-04-01", learner_signed="2024-04-02", verified="",
             verifier="", assessor="A. Khan") -> str:
    return row(learner=learner, unit=unit, assessor=assessor, signed_off_on=signed, learner_signed_on=learner_signed,
               iqa_verified_on=verified, iqa_verifier=verifier)


def log(*rows: str | list[str]) -> str:
    lines = [HEADER]
    for item in rows:
        lines.extend([item] if isinstance(item, str) else item)
    return "\n".join(lines) + "\n"


def complete_log(learner: str = "A1", *, leave_out: str | None = None, sign_l3b1: bool = True) -> str:
    """Every criterion of L3B1 (from 1 March) and L3B2 (from 15 March) met, each unit signed off."""
    return log(row(learner=learner, unit="L3B3", result="referred", achieved_on="2024-02-01",
                   registered_on="2024-01-10"),
               criterion_rows(learner, "L3B1", [n for n in L3B1 if n != leave_out], 0),
               [sign_off(learner, "L3B1")] if sign_l3b1 else [],
               criterion_rows(learner, "L3B2", L3B2, 14),
               sign_off(learner, "L3B2", signed="2024-04-03", learner_signed="2024-04-03"))


def verdict(library, learner):
    return api.evaluate(library, QAN, learner)


def messages(records) -> list[str]:
    return [render_plain(d) for d in records.diagnostics + records.warnings]


# ---- what a log makes of a learner -------------------------------------------------------------

def test_a_log_meeting_every_criterion_of_both_units_signed_off_achieves_the_award(read, library):
    records = read("log.csv", complete_log())
    assert messages(records) == []
    (learner,) = records.learners
    assert len(learner.evidence) == len(L3B1) + len(L3B2)
    # Each unit is a pass on the date of its last criterion: L3B1's tenth (10 March), L3B2's seventh (21 March).
    assert [(a.unit, a.result, a.achieved_on) for a in learner.attempts] == [
        ("L3B3", "referred", dt.date(2024, 2, 1)),
        ("L3B1", "pass", dt.date(2024, 3, 10)),
        ("L3B2", "pass", dt.date(2024, 3, 21)),
    ]
    assert [(s.unit, s.signed_off_on, s.learner_signed_on) for s in learner.sign_offs] == [
        ("L3B1", dt.date(2024, 4, 1), dt.date(2024, 4, 2)), ("L3B2", dt.date(2024, 4, 3), dt.date(2024, 4, 3))]
    # The pass made from the log is located at the unit's sign-off.
    assert learner.attempts[1].source.line == 13
    assert verdict(library, learner).achieved


def test_with_one_criterion_missing_and_the_unit_not_signed_off_the_award_is_not_achieved(read, library):
    records = read("log.csv", complete_log(leave_out="2.2", sign_l3b1=False))
    assert messages(records) == []
    (learner,) = records.learners
    assert [a.unit for a in learner.attempts] == ["L3B3", "L3B2"]
    result = verdict(library, learner)
    assert (result.achieved, result.claim) == (False, ("L3B2",))


def test_criteria_met_count_only_once_both_assessor_and_learner_have_signed(read, library):
    for signed, learner_signed in (("", ""), ("2024-04-01", ""), ("", "2024-04-02")):
        text = log(criterion_rows("A1", "L3B1", L3B1, 0), criterion_rows("A1", "L3B2", L3B2, 14),
                   sign_off("A1", "L3B1", signed=signed, learner_signed=learner_signed),
                   sign_off("A1", "L3B2"))
        (learner,) = read("log.csv", text).learners
        assert [a.unit for a in learner.attempts] == ["L3B2"], (signed, learner_signed)
        assert not verdict(library, learner).achieved


def test_a_unit_result_given_directly_still_counts_beside_a_log(read, library):
    text = log(row(learner="A1", unit="L3B1", result="pass", achieved_on="2024-03-10"),
               criterion_rows("A1", "L3B2", L3B2, 14), sign_off("A1", "L3B2"))
    (learner,) = read("log.csv", text).learners
    assert [(a.unit, a.result) for a in learner.attempts] == [("L3B1", "pass"), ("L3B2", "pass")]
    assert verdict(library, learner).achieved


def test_a_file_of_unit_results_reads_as_before(read):
    records = read("units.csv", "learner,unit,result,achieved_on,assessor,method\nA1,L3B1,pass,2024-03-10,x,y\n")
    (learner,) = records.learners
    assert learner.attempts == (Attempt("L3B1", "pass", dt.date(2024, 3, 10)),)
    assert learner.evidence == () and learner.sign_offs == ()


def test_an_empty_result_is_met_when_dated_and_not_yet_when_not(read):
    text = log(row(learner="A1", unit="L3B1", criterion="1.1", achieved_on="2024-03-01"),
               row(learner="A1", unit="L3B1", criterion="1.2"),
               row(learner="A1", unit="L3B1", criterion="1.3", result="Refer", achieved_on="2024-03-02"),
               row(learner="A1", unit="L3B1", criterion="1.4", result="Not  Yet"),
               row(learner="A1", unit="L3B1", criterion="2.1", result="pass", achieved_on="2024-03-03"))
    (learner,) = read("log.csv", text).learners
    assert [(e.criterion, e.result) for e in learner.evidence] == [
        ("1.1", CriterionResult.MET), ("1.2", CriterionResult.NOT_YET), ("1.3", CriterionResult.REFERRED),
        ("1.4", CriterionResult.NOT_YET), ("2.1", CriterionResult.MET)]


def test_a_row_names_a_unit_by_its_ofqual_reference_in_any_case(read, library):
    text = log(criterion_rows("A1", "l/650/7899", L3B1, 0), sign_off("A1", "L/650/7899"),
               criterion_rows("A1", "L3B2", L3B2, 14), sign_off("A1", "k/651/0342"))
    (learner,) = read("log.csv", text).learners
    assert {e.unit for e in learner.evidence} == {"L3B1", "L3B2"}
    assert [s.unit for s in learner.sign_offs] == ["L3B1", "L3B2"]
    assert verdict(library, learner).achieved


def test_a_sign_off_given_over_several_rows_is_merged(read):
    text = log(criterion_rows("A1", "L3B1", L3B1, 0),
               row(learner="A1", unit="L3B1", assessor="A. Khan", signed_off_on="2024-04-01"),
               row(learner="A1", unit="L3B1", learner_signed_on="2024-04-02"),
               row(learner="A1", unit="L3B1", iqa_verified_on="2024-04-20", iqa_verifier="R. Patel"))
    (learner,) = read("log.csv", text).learners
    assert learner.sign_offs == (SignOff("L3B1", dt.date(2024, 4, 1), "A. Khan", dt.date(2024, 4, 2),
                                         dt.date(2024, 4, 20), "R. Patel"),)
    assert learner.sign_offs[0].source.line == 12


def test_the_simulated_column_and_the_free_text_columns_are_kept(read):
    text = log(row(learner="A1", unit="L3B2", criterion="2.3", achieved_on="2024-03-01", evidence="  file 7 ",
                   method="Professional discussion", assessor="A. Khan", simulated="Yes"))
    (learner,) = read("log.csv", text).learners
    (evidence,) = learner.evidence
    assert (evidence.evidence, evidence.method, evidence.assessor, evidence.simulated) == (
        "file 7", "Professional discussion", "A. Khan", True)


def test_json_gives_the_same_learners_as_csv(read):
    document = {"learners": [{
        "id": "A1", "registered_on": "2024-01-10",
        "units": [{"unit": "L3B3", "result": "referred", "achieved_on": "2024-02-01"}],
        "criteria": [{"unit": unit, "criterion": number, "result": "met",
                      "achieved_on": (dt.date(2024, 3, 1) + dt.timedelta(days=start + k)).isoformat(),
                      "evidence": f"portfolio p.{k + 1}", "method": "assignment", "assessor": "A. Khan"}
                     for unit, numbers, start in (("L3B1", L3B1, 0), ("L3B2", L3B2, 14))
                     for k, number in enumerate(numbers)],
        "sign_offs": [{"unit": "L3B1", "assessor": "A. Khan", "signed_off_on": "2024-04-01",
                       "learner_signed_on": "2024-04-02"},
                      {"unit": "L3B2", "assessor": "A. Khan", "signed_off_on": "2024-04-03",
                       "learner_signed_on": "2024-04-03", "iqa_verified_on": None}]}]}
    from_json = read("log.json", json.dumps(document))
    from_csv = read("log.csv", complete_log())
    assert messages(from_json) == []
    assert from_json.learners == from_csv.learners
    assert from_json.learners[0].sign_offs[1].source.element == "learners[0].sign_offs[1]"


def test_json_reads_a_criterion_given_as_a_number_as_written(read):
    text = '{"learners": [{"id": "A1", "criteria": [{"unit": "L3B1", "criterion": 1.1, "achieved_on": null},' \
           ' {"unit": "L3B1", "criterion": 1.10, "achieved_on": null}]}]}'
    records = read("log.json", text)
    assert messages(records) == ["log.json (learners[0].criteria[1]): error[QR530]: unit L3B1 has no assessment "
                                 "criterion '1.10' (did you mean `1.1`?)"]


def test_json_log_entries_that_are_not_objects_or_lists_are_located(read):
    document = {"learners": [{"id": "A1", "criteria": ["1.1"], "sign_offs": {"unit": "L3B1"}},
                             {"id": "A2", "criteria": [{"unit": "L3B1", "achieved_on": "2024-03-01"}]}]}
    assert messages(read("log.json", json.dumps(document))) == [
        'log.json (learners[0].criteria[0]): error[QR506]: each of criteria must be an object like '
        '{"unit": "L3B1", "criterion": "1.1", "achieved_on": "2024-05-01"}',
        'log.json (learners[0]): error[QR506]: "sign_offs" must be a list',
        'log.json (learners[1].criteria[0]): error[QR506]: the criterion is empty '
        '(name it as the specification numbers it: "2.3")',
    ]


def test_a_spreadsheet_gives_the_same_learners_as_csv(read, tmp_path):
    text = complete_log()
    workbook = openpyxl.Workbook()
    for line in text.splitlines():
        cells = line.split(",")
        workbook.active.append([dt.date.fromisoformat(c) if len(c) == 10 and c[4] == "-" else c for c in cells])
    workbook.save(tmp_path / "log.xlsx")
    from_xlsx = read("log.xlsx", None)
    assert messages(from_xlsx) == []
    assert from_xlsx.learners == read("log.csv", text).learners


def test_a_log_header_needs_its_columns(read):
    with pytest.raises(DiagnosticError) as raised:
        read("log.csv", "learner,unit,criterion,result\nA1,L3B1,1.1,met\n")
    assert [render_plain(d) for d in raised.value.diagnostics] == [
        "log.csv:1: error[QR505]: missing column: achieved_on (the header has learner, unit, criterion, result; "
        "required: learner, unit, criterion, achieved_on; to read a column of another name as one, add  "
        "\"Your Heading\" = \"achieved_on\"  under [columns] in qualrules.toml)"]


def test_a_unit_row_without_a_result_in_a_log_without_sign_off_columns_is_refused(read):
    records = read("log.csv", "learner,unit,criterion,achieved_on\nA1,L3B1,,2024-03-01\n")
    assert messages(records) == ["log.csv:2: error[QR503]: the result is empty, which is not a result word "
                                 "(use one of credit transfer, distinction, distinction star, exemption, fail, "
                                 "merit, near pass, pass, referred, unclassified, withdrawn)"]


def test_the_vocabulary_with_its_logged_units_survives_pickling(library):
    vocabulary = library.vocabulary()
    assert set(vocabulary.logs) == {"l3b1", "l/650/7899", "l3b2", "k/651/0342"}
    assert pickle.loads(pickle.dumps(vocabulary)) == vocabulary


def test_a_streamed_log_gives_the_verdicts_of_the_whole_file(tmp_path, library, monkeypatch):
    from qualrules.interpreter import cohort

    learners = [complete_log(f"A{k}") for k in range(3)] + [complete_log("B1", leave_out="3.3", sign_l3b1=False)]
    text = HEADER + "\n" + "".join(part.split("\n", 1)[1] for part in learners)
    text = text.replace("B1,L3B2,2.3,met,2024-03-21,portfolio p.7,assignment,A. Khan,",
                        "B1,L3B2,2.3,met,2024-03-21,portfolio p.7,assignment,A. Khan,yes")
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    # A block per learner, decided by two worker processes.
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 1)
    run = api.check_run(path, QAN, library, jobs=2, output_format="table")
    assert run.learners == 4
    blocks = list(run.blocks)
    rows = [row for block in blocks for row in block.rows]
    assert [(r.learner, r.verdict.achieved) for r in rows] == [("A0", True), ("A1", True), ("A2", True),
                                                                ("B1", False)]
    assert [(w.code, w.location.line) for block in blocks for w in block.warnings] == [("QR534", 78)]
    whole = read_records(path, library.vocabulary())
    assert [verdict(library, learner).achieved for learner in whole.learners] == [True, True, True, False]


def test_a_batch_with_criterion_columns_is_read_as_a_log(library):
    import pyarrow as pa

    lines = [line.split(",") for line in complete_log().splitlines()]
    table = pa.table({name: [line[k] for line in lines[1:]] for k, name in enumerate(lines[0])})
    (found,) = api.check_batch(table, QAN, library).to_pylist()
    assert (found["learner"], found["achieved"]) == ("A1", True)


# ---- the evidence checks -----------------------------------------------------------------------

def unreadable(records, learner: str = "A1") -> list[str]:
    assert learner not in {l.id for l in records.learners}
    return [render_plain(d) for d in records.unreadable[learner]]


def test_an_unknown_criterion_is_an_error_with_a_did_you_mean(read):
    text = log(row(learner="A1", unit="L3B1", criterion="2.4", achieved_on="2024-03-01"),
               row(learner="A1", unit="L3B1", criterion="9.9", achieved_on="2024-03-01"),
               row(learner="A1", unit="L3B3", criterion="1.1", achieved_on="2024-03-01"),
               row(learner="A2", unit="L3B1", criterion="1.1", achieved_on="2024-03-01"))
    records = read("log.csv", text)
    assert unreadable(records) == [
        "log.csv:2: error[QR530]: unit L3B1 has no assessment criterion '2.4' (did you mean `2.3`, `2.2` or `2.1`?)",
        "log.csv:3: error[QR530]: unit L3B1 has no assessment criterion '9.9' (its criteria are 1.1, 1.2, 1.3, 1.4, "
        "2.1, 2.2, 2.3, 3.1, 3.2, 3.3)",
        "log.csv:4: error[QR530]: unit L3B3 declares no assessment criteria, so its criterion 1.1 cannot be read "
        "(give the unit's result on a row with the criterion left empty)",
    ]
    # Other learners are read as normal.
    assert [l.id for l in records.learners] == ["A2"]


def test_a_criterion_result_word_must_be_known(read):
    records = read("log.csv", log(row(learner="A1", unit="L3B1", criterion="1.1", result="done",
                                      achieved_on="2024-03-01")))
    assert unreadable(records) == ["log.csv:2: error[QR531]: the criterion result is 'done', which is not a "
                                   "criterion result word (a criterion's result is met, referred or not yet; to "
                                   "read 'done' as one, add  \"done\" = \"...\"  under [results] in qualrules.toml)"]


def with_policy(vocabulary, **changes):
    """The vocabulary with every logged unit's evidence policy changed."""
    logs = {key: attrs.evolve(entry, policy=attrs.evolve(entry.policy, **changes))
            for key, entry in vocabulary.logs.items()}
    return attrs.evolve(vocabulary, logs=logs)


def test_a_method_the_body_does_not_list_for_the_outcome_kind_is_a_warning_that_leaves_the_verdict(read, library):
    vocabulary = with_policy(library.vocabulary(), methods={
        m.OutcomeKind.KNOWLEDGE: frozenset({"assignment", "portfolio", "other"}),
        m.OutcomeKind.SKILLS: frozenset({"observation", "witness testimony", "other"})})
    text = complete_log().replace("L3B1,3.2,met,2024-03-09,portfolio p.9,assignment",
                                  "L3B1,3.2,met,2024-03-09,portfolio p.9,Observation") \
                         .replace("L3B1,3.3,met,2024-03-10,portfolio p.10,assignment",
                                  "L3B1,3.3,met,2024-03-10,portfolio p.10,questioning")
    records = read("log.csv", text, vocabulary)
    assert records.diagnostics == ()
    assert [render_plain(w) for w in records.warnings] == [
        # 3.1 (an assignment, for a skills outcome) and 3.3; 3.2's observation is listed, in any case.
        "log.csv:10: warning[QR532]: L3B1 3.1 is assessed by 'assignment', which is not an evidence method for "
        "skills criteria (the methods allowed are observation, other, witness testimony)",
        "log.csv:12: warning[QR532]: L3B1 3.3 is assessed by 'questioning', which is not an evidence method for "
        "skills criteria (the methods allowed are observation, other, witness testimony)",
    ]
    assert verdict(library, records.learners[0]).achieved


def test_the_isp_plugin_s_own_methods_decide_qr532(read, library):
    # The ISP specification names assignments and questioning for skills criteria and worksheets for
    # knowledge ones, so the complete log, and a worksheet for 1.1, give no warning; a portfolio is not a
    # skills method in its lists, nor an observation a knowledge one.
    text = complete_log().replace("L3B1,1.1,met,2024-03-01,portfolio p.1,assignment",
                                  "L3B1,1.1,met,2024-03-01,portfolio p.1,worksheet")
    assert "worksheet" in text and read("log.csv", text).warnings == ()
    text = text.replace("L3B1,1.2,met,2024-03-02,portfolio p.2,assignment",
                        "L3B1,1.2,met,2024-03-02,portfolio p.2,observation") \
               .replace("L3B1,3.3,met,2024-03-10,portfolio p.10,assignment",
                        "L3B1,3.3,met,2024-03-10,portfolio p.10,portfolio")
    records = read("log.csv", text)
    isp = library.bodies["ISP"].evidence_methods
    assert [(w.code, w.location.line, w.hint) for w in records.warnings] == [
        ("QR532", 4, "the methods allowed are " + ", ".join(sorted(isp[m.OutcomeKind.KNOWLEDGE]))),
        ("QR532", 12, "the methods allowed are " + ", ".join(sorted(isp[m.OutcomeKind.SKILLS])))]
    assert records.diagnostics == () and verdict(library, records.learners[0]).achieved


def test_simulation_where_the_unit_does_not_permit_it_is_an_error_and_where_it_does_not_say_a_warning(read):
    text = log(row(learner="A1", unit="L3B1", criterion="3.2", achieved_on="2024-03-01", simulated="yes"),
               row(learner="A1", unit="L3B1", criterion="3.3", achieved_on="2024-03-01", simulated="no"),
               row(learner="A2", unit="L3B2", criterion="2.3", achieved_on="2024-03-01", simulated="TRUE"),
               row(learner="A3", unit="L3B2", criterion="2.3", achieved_on="2024-03-01", simulated="maybe"))
    records = read("log.csv", text)
    assert unreadable(records) == ["log.csv:2: error[QR533]: L3B1 3.2 is evidenced by simulation, which unit L3B1 "
                                   "does not permit (evidence it in the workplace, or correct the `simulated` cell)"]
    assert [render_plain(w) for w in records.warnings] == [
        "log.csv:4: warning[QR534]: L3B2 2.3 is evidenced by simulation, but unit L3B2 does not say whether "
        "simulation is permitted (simulation may be used only where the unit's specification says so)"]
    assert unreadable(records, "A3") == ["log.csv:5: error[QR535]: `simulated` is 'maybe', not yes or no (write yes "
                                         "when the evidence comes from simulation, and no or nothing otherwise)"]
    assert [l.id for l in records.learners] == ["A2"]


def test_a_criterion_dated_before_registration_is_an_error(read):
    text = log(row(learner="A1", unit="L3B1", criterion="1.1", achieved_on="2024-01-09", registered_on="2024-01-10"),
               row(learner="A1", unit="L3B1", criterion="1.2", result="referred", achieved_on="2023-12-01"),
               row(learner="A1", unit="L3B1", criterion="1.3", achieved_on="2024-01-10"))
    assert unreadable(read("log.csv", text)) == [
        "log.csv:2: error[QR536]: L3B1 1.1 is dated 2024-01-09, before the learner registered on 2024-01-10 "
        "(one of the two dates is mistyped)",
        "log.csv:3: error[QR536]: L3B1 1.2 is dated 2023-12-01, before the learner registered on 2024-01-10 "
        "(one of the two dates is mistyped)",
    ]


def test_a_criterion_met_after_the_sign_off_is_an_error_at_the_criterion(read):
    rows = criterion_rows("A1", "L3B1", L3B1, 0)  # the last, 3.3, on 10 March
    text = log(rows, sign_off("A1", "L3B1", signed="2024-03-09", learner_signed="2024-03-12"))
    assert unreadable(read("log.csv", text)) == [
        "log.csv:11: error[QR537]: L3B1 3.3 is met on 2024-03-10, after the assessor signed the unit off on "
        "2024-03-09, at line 12 (one of the two dates is mistyped, or the unit is to be signed off again)"]
    # The learner's declaration counts as much as the assessor's.
    text = log(rows, sign_off("A1", "L3B1", signed="2024-03-12", learner_signed="2024-03-08"))
    assert [d.split(", at")[0] for d in unreadable(read("log.csv", text))] == [
        "log.csv:10: error[QR537]: L3B1 3.2 is met on 2024-03-09, after the learner signed the unit off on 2024-03-08",
        "log.csv:11: error[QR537]: L3B1 3.3 is met on 2024-03-10, after the learner signed the unit off on 2024-03-08"]
    # A criterion met before the sign-off and evidenced again after it was met in time.
    again = row(learner="A1", unit="L3B1", criterion="1.1", result="met", achieved_on="2024-03-20")
    assert read("log.csv", log(rows, again, sign_off("A1", "L3B1"))).diagnostics == ()


def test_a_sign_off_before_every_criterion_is_met_is_an_error_at_the_sign_off(read):
    text = log(criterion_rows("A1", "L3B1", [n for n in L3B1 if n not in ("2.2", "3.1")], 0),
               row(learner="A1", unit="L3B1", criterion="2.2", result="referred", achieved_on="2024-03-05"),
               sign_off("A1", "L3B1", learner_signed=""))
    assert unreadable(read("log.csv", text)) == [
        "log.csv:11: error[QR538]: L3B1 is signed off by the assessor on 2024-04-01, but criteria 2.2 and 3.1 are "
        "not met (sign a unit off once the log shows every criterion met)"]
    # A sign-off with no criterion rows for its unit is not judged against them, and nor is one not yet signed.
    assert read("log.csv", log(sign_off("A1", "L3B1"), row(learner="A1", unit="L3B1", result="pass",
                                                           achieved_on="2024-03-01"))).diagnostics == ()
    assert read("log.csv", log(row(learner="A1", unit="L3B1", criterion="1.1", achieved_on="2024-03-01"),
                               sign_off("A1", "L3B1", signed="", learner_signed=""))).diagnostics == ()


def test_sign_off_rows_that_disagree_are_an_error(read):
    text = log(row(learner="A1", unit="L3B1", signed_off_on="2024-04-01", assessor="A. Khan"),
               row(learner="A1", unit="l3b1", signed_off_on="2024-04-02", assessor="B. Jones"))
    assert unreadable(read("log.csv", text)) == [
        "log.csv:3: error[QR539]: the sign-off of L3B1 gives two different `signed_off_on` values: 2024-04-01 "
        "(line 2) and 2024-04-02 (correct the row that is wrong; a unit is signed off once)",
        "log.csv:3: error[QR539]: the sign-off of L3B1 gives two different `assessor` values: A. Khan (line 2) and "
        "B. Jones (correct the row that is wrong; a unit is signed off once)",
    ]


def test_an_iqa_verifier_who_assessed_the_unit_is_a_warning_that_a_body_can_make_an_error(read, library):
    # R. Patel assessed one criterion of L3B1 and verifies it.
    text = complete_log().replace("L3B1,2.3,met,2024-03-07,portfolio p.7,assignment,A. Khan",
                                  "L3B1,2.3,met,2024-03-07,portfolio p.7,assignment,R.  Patel")
    text = text.replace(sign_off("A1", "L3B1"), sign_off("A1", "L3B1", verified="2024-04-10", verifier="r. patel"))
    records = read("log.csv", text)
    # Located at the criterion row they assessed, which is what the quality assurers look at.
    assert [render_plain(w) for w in records.warnings] == [
        "log.csv:9: warning[QR540]: L3B1 is verified by r. patel, who also assessed its criterion 2.3 (the IQA "
        "must be someone with no part in the unit's assessment)"]
    signed = text.replace(sign_off("A1", "L3B1", verified="2024-04-10", verifier="r. patel"),
                          sign_off("A1", "L3B1", verified="2024-04-10", verifier="A. Khan"))
    assert [render_plain(w) for w in read("log.csv", signed).warnings] == [
        "log.csv:13: warning[QR540]: L3B1 is verified by A. Khan, who also signed it off (the IQA must be someone "
        "with no part in the unit's assessment)"]
    assert verdict(library, records.learners[0]).achieved
    strict = read("log.csv", text, with_policy(library.vocabulary(), assessor_as_verifier=Severity.ERROR))
    assert [d.code for d in strict.unreadable["A1"]] == ["QR540"] and strict.warnings == ()


def test_a_unit_result_that_its_criterion_rows_contradict_is_an_error(read):
    text = log(criterion_rows("A1", "L3B1", ["1.1", "1.2"], 0),
               row(learner="A1", unit="L/650/7899", result="Pass", achieved_on="2024-03-05"),
               row(learner="A1", unit="L3B1", result="referred", achieved_on="2024-03-04"))
    assert unreadable(read("log.csv", text)) == [
        "log.csv:4: error[QR541]: L/650/7899 is recorded as 'pass', but in its criterion rows criteria 1.3, 1.4, "
        "2.1, 2.2, 2.3, 3.1, 3.2 and 3.3 are not met (record the missing criteria, or correct the unit's result)"]


def test_verification_before_the_assessor_signs_off_is_an_error(read):
    text = log(criterion_rows("A1", "L3B1", L3B1, 0),
               sign_off("A1", "L3B1", verified="2024-03-31", verifier="R. Patel"),
               sign_off("A1", "L3B2", signed="", learner_signed="", verified="2024-03-31", verifier="R. Patel"))
    assert unreadable(read("log.csv", text)) == [
        "log.csv:12: error[QR542]: L3B1 is verified by the IQA on 2024-03-31, before the assessor signed it off on "
        "2024-04-01 (the IQA verifies a unit once the assessor has signed it off)",
        "log.csv:13: error[QR542]: L3B2 is verified by the IQA on 2024-03-31, but the assessor has not signed it "
        "off (the IQA verifies a unit once the assessor has signed it off)",
    ]


def test_a_verified_unit_is_claimable_and_a_signed_one_counts(read, library):
    from qualrules.interpreter.records.achievement import learner_progress

    text = complete_log().replace(sign_off("A1", "L3B1"),
                                  sign_off("A1", "L3B1", verified="2024-04-10", verifier="R. Patel"))
    (learner,) = read("log.csv", text).learners
    units = {entry.unit.ref: entry.unit for entry in library.vocabulary().logs.values()}
    progress = learner_progress(learner.evidence, learner.sign_offs, units)
    assert [(ref, p.stage) for ref, p in progress.items()] == [("L3B1", Stage.VERIFIED), ("L3B2", Stage.SIGNED_OFF)]


def test_a_plugin_can_make_an_assessor_verifying_their_own_unit_an_error():
    from qualrules.interpreter.library import evidence_policy
    from qualrules.plugins import ACHIEVING_RESULTS, EVIDENCE_METHODS, AwardingBody, InstalledBody, PluginError

    class Strict(AwardingBody):
        name = "STRICT"
        assessor_as_verifier = "error"

    class Wrong(AwardingBody):
        name = "WRONG"
        assessor_as_verifier = "never"

    assert evidence_policy(InstalledBody(Strict(), "strict-dist")).assessor_as_verifier is Severity.ERROR
    assert evidence_policy(AwardingBody()) == EvidencePolicy(EVIDENCE_METHODS, ACHIEVING_RESULTS)
    with pytest.raises(PluginError, match='assessor_as_verifier = \'never\', not "warning" or "error"'):
        InstalledBody(Wrong(), "wrong-dist")


def test_the_check_command_reports_warnings_without_failing(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from qualrules.cli import main

    monkeypatch.chdir(tmp_path)
    Path("award.qual").write_text(AWARD, encoding="utf-8")
    text = complete_log().replace("L3B2,2.3,met,2024-03-21,portfolio p.7,assignment,A. Khan,",
                                  "L3B2,2.3,met,2024-03-21,portfolio p.7,assignment,A. Khan,yes")
    Path("log.csv").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "log.csv", "-q", QAN, "--ruleset", "award.qual"])
    assert result.exit_code == 0, result.output
    assert "warning[QR534]: L3B2 2.3 is evidenced by simulation" in result.stderr


def test_a_spreadsheet_criterion_held_as_a_number_reads_as_printed(read, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["learner", "unit", "criterion", "achieved_on"])
    workbook.active.append(["A1", "L3B1", 2.3, dt.datetime(2024, 3, 1, 9, 30)])
    workbook.save(tmp_path / "log.xlsx")
    (learner,) = read("log.xlsx", None).learners
    (evidence,) = learner.evidence
    assert (evidence.criterion, evidence.result, evidence.achieved_on) == ("2.3", CriterionResult.MET,
                                                                          dt.date(2024, 3, 1))


def test_json_simulated_may_be_true_or_false_or_a_word(read):
    document = {"learners": [{"id": "A1", "criteria": [
        {"unit": "L3B2", "criterion": "1.1", "achieved_on": None, "simulated": True},
        {"unit": "L3B2", "criterion": "1.2", "achieved_on": None, "simulated": "No"},
        {"unit": "L3B2", "criterion": "1.3", "achieved_on": None}]}]}
    records = read("log.json", json.dumps(document))
    assert [e.simulated for e in records.learners[0].evidence] == [True, False, False]
    assert [w.code for w in records.warnings] == ["QR534"]


def test_a_long_evidence_location_is_read_and_a_longer_one_reported(read):
    near = "https://files.example/" + "x" * 2000
    text = log(row(learner="A1", unit="L3B1", criterion="1.1", achieved_on="2024-03-01", evidence=near),
               row(learner="A2", unit="L3B1", criterion="1.1", achieved_on="2024-03-01", evidence=near + "y" * 30))
    records = read("log.csv", text)
    assert records.learners[0].evidence[0].evidence == near
    assert [d.code for d in records.unreadable["A2"]] == ["QR511"]


def test_a_json_log_entry_giving_a_key_twice_is_refused(read):
    text = '{"learners": [{"id": "A1", "criteria": [{"unit": "L3B1", "criterion": "1.1", "criterion": "1.2",' \
           ' "achieved_on": null}]}]}'
    assert unreadable(read("log.json", text)) == [
        'log.json (learners[0].criteria[0]): error[QR510]: learners[0].criteria[0] gives "criterion" 2 times '
        "(keep one: which is right cannot be told)"]
