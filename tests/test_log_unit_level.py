"""A unit-level achievement log: a file without a `criterion` column whose rows give each unit's result
with the assessor's, the learner's and the IQA's declarations (the shape of ISP's unit-level template).
Its sign-off columns are read as the log's sign-offs, by every reader, exactly as a criterion log's unit rows
are, so the claim is the one the same file gives with an empty `criterion` column added."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualrules import api
from qualrules.cli import main
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.readers import read_records

AWARD = "610/3791/6"  # ISP Level 3 Award: L3B1 and L3B2, both declaring assessment criteria
HEADER = ("learner,unit,result,achieved_on,registered_on,date_of_birth,assessor,"
          "signed_off_on,learner_signed_on,iqa_verified_on,iqa_verifier")
ROWS = [
    # X01: both units signed off and verified; X02: L3B2 signed off but not yet verified.
    "X01,L3B1,pass,2024-03-01,2024-01-10,1990-01-01,J. Barker,2024-04-01,2024-04-01,2024-04-10,P. Okafor",
    "X01,L3B2,pass,2024-03-02,2024-01-10,1990-01-01,J. Barker,2024-04-01,2024-04-01,2024-04-10,P. Okafor",
    "X02,L3B1,pass,2024-03-01,2024-01-10,1990-01-01,J. Barker,2024-04-01,2024-04-01,2024-04-10,P. Okafor",
    "X02,L3B2,pass,2024-03-02,2024-01-10,1990-01-01,J. Barker,2024-04-01,2024-04-02,,",
    # X03: L3B2 has no result yet; its row gives only the assessor's name.
    "X03,L3B1,pass,2024-03-01,2024-01-10,1990-01-01,J. Barker,2024-04-01,2024-04-01,2024-04-10,P. Okafor",
    "X03,L3B2,,,2024-01-10,1990-01-01,J. Barker,,,,",
]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("units.csv").write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    # The same rows with an empty criterion column: an achievement log as it was already read.
    with_criterion = [HEADER.replace("unit,", "unit,criterion,", 1)]
    with_criterion += [f"{learner},{unit},,{rest}" for learner, unit, rest in (row.split(",", 2) for row in ROWS)]
    Path("with-criterion.csv").write_text("\n".join(with_criterion) + "\n", encoding="utf-8")
    return tmp_path


def test_a_unit_level_file_s_sign_off_columns_are_read_as_the_log_s_sign_offs(folder, library):
    records = read_records("units.csv", library.vocabulary())
    assert (records.diagnostics, records.warnings) == ((), ())
    x01, x02, x03 = records.learners
    assert [(s.unit, s.assessor, s.signed_off_on, s.learner_signed_on, s.iqa_verified_on, s.iqa_verifier)
            for s in x01.sign_offs] == [
        ("L3B1", "J. Barker", dt.date(2024, 4, 1), dt.date(2024, 4, 1), dt.date(2024, 4, 10), "P. Okafor"),
        ("L3B2", "J. Barker", dt.date(2024, 4, 1), dt.date(2024, 4, 1), dt.date(2024, 4, 10), "P. Okafor")]
    assert [(a.unit, a.result) for a in x03.attempts] == [("L3B1", "pass")]
    assert [(s.unit, s.assessor, s.signed_off_on) for s in x03.sign_offs] == [
        ("L3B1", "J. Barker", dt.date(2024, 4, 1)), ("L3B2", "J. Barker", None)]
    whole = read_records("with-criterion.csv", library.vocabulary())
    assert records.learners == whole.learners


def test_claim_reads_a_unit_level_file_as_the_same_file_with_a_criterion_column(folder):
    plain = run("claim", "units.csv", "-q", AWARD, "-o", "plain.csv")
    logged = run("claim", "with-criterion.csv", "-q", AWARD, "-o", "logged.csv")
    assert plain.exit_code == logged.exit_code == 1, plain.stderr
    assert plain.stderr == logged.stderr
    assert Path("plain.csv").read_bytes() == Path("logged.csv").read_bytes()
    assert plain.stdout == "wrote plain.csv: 1 learner ready to claim, 2 not ready\n"
    assert ("note: learner 'X02' is not ready to be claimed for 610/3791/6: L3B2: not yet verified by the IQA"
            in plain.stderr)
    assert "no sign-off recorded" not in plain.stderr


def test_a_streamed_unit_level_file_is_read_by_the_row_reader_as_the_whole_file_is(folder, library, monkeypatch):
    from qualrules.interpreter import cohort

    rows = [HEADER] + [row.replace("X0", f"Y{k:03d}-") for k in range(40) for row in ROWS]
    Path("big.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 7)
    streamed = api.check_run(Path("big.csv"), AWARD, library, jobs=1, output_format="table")
    decided = [(row.learner, row.verdict.achieved) for block in streamed.blocks for row in block.rows]
    whole = read_records("big.csv", library.vocabulary())
    assert decided == [(learner.id, api.evaluate(library, AWARD, learner).achieved) for learner in whole.learners]
    assert [learner.sign_offs for learner in whole.learners[:3]] == \
        [learner.sign_offs for learner in read_records("units.csv", library.vocabulary()).learners]


# A ruleset whose exemption counts only once approved, in the column its file declares.
APPROVALS = '''\
awarding body DEMO "Demonstration Awarding Body"
unit D1 "Demonstration One" level 2 credits 2
  outcome 1 knowledge "Understand one thing"
    1.1 "Explain the thing"
unit D2 "Demonstration Two" level 2 credits 3
approval column "Exemption approved"
unit X9 counts as D2 when approved
qualification 900/0000/1 "Demonstration Award"
  units from D1, D2
  all of D1, D2
'''


@pytest.mark.parametrize("header", ["learner,unit,result,achieved_on,Exemption approved,signed_off_on",
                                    "learner,unit,criterion,result,achieved_on,Exemption approved,signed_off_on"])
def test_a_log_s_unit_rows_read_the_approval_column_too(tmp_path, header):
    (tmp_path / "approvals.qual").write_text(APPROVALS, encoding="utf-8")
    library = Library.load([tmp_path / "approvals.qual"], bundled=False)
    rows = [header]
    for learner, approved in (("A1", "yes"), ("A2", "no")):
        values = {"learner": learner, "unit": "D1", "criterion": "", "result": "pass", "achieved_on": "2024-03-01",
                  "Exemption approved": "", "signed_off_on": ""}
        rows.append(",".join(values[c] for c in header.split(",")))
        values.update(unit="X9", **{"Exemption approved": approved})
        rows.append(",".join(values[c] for c in header.split(",")))
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    records = read_records(tmp_path / "log.csv", library.vocabulary())
    assert records.diagnostics == ()
    assert [[(a.unit, a.approved) for a in learner.attempts] for learner in records.learners] == [
        [("D1", None), ("X9", True)], [("D1", None), ("X9", False)]]
    assert [api.evaluate(library, "900/0000/1", learner).achieved for learner in records.learners] == [True, False]
