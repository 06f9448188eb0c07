"""The certification claim: its column layout (CSV and .xlsx, with the learners not ready on a second sheet),
text never read as a formula, and `qualrules claim` on the command line (notes for learners not ready, the
output's form, exit statuses, never a half-written file)."""

from __future__ import annotations

import re

import csv
import io

import openpyxl
import pytest
from click.testing import CliRunner

from criteria_demo import AWARD, CATALOGUE, RULESET, every, logged, signed
from qualrules.cli import main
from qualrules.interpreter.engine import assessment
from qualrules.interpreter.presentation import claim_file
from qualrules.interpreter.presentation.outputs import BYTE_ORDER_MARK, write_claim

COUNTS = {"pass"}.__contains__
READY = logged("C1", every("L3B1") + every("L3B2", 5), [signed("L3B1", 12), signed("L3B2", 10)])
UNVERIFIED = logged("C2", every("L3B1") + every("L3B2", 5), [signed("L3B1", 12, verified=False), signed("L3B2", 10)])
FORMULA = logged("=HYPERLINK(\"x\")", every("L3B1") + every("L3B2", 5), [signed("L3B1", 12), signed("L3B2", 10)])


def cohort(*learners):
    return assessment.cohort_readiness(AWARD, RULESET, learners, [l.id for l in learners], {}, COUNTS)


def claim_written(ready, not_ready, output_format: str) -> str | bytes:
    """The claim file of these learners, as `qualrules claim` writes it to a file."""
    buffer = io.BytesIO() if output_format == "xlsx" else io.StringIO()
    with claim_file.Claim(AWARD) as claim:
        claim.add([claim_file.claim_row(AWARD, r) for r in ready], not_ready)
        write_claim(claim, output_format, buffer)
    return buffer.getvalue()


def claim_csv(ready) -> str:
    return claim_written(ready, [], "csv").removeprefix(BYTE_ORDER_MARK)


def test_the_claim_csv_has_a_row_per_ready_learner_with_every_unit_claimed():
    ready, not_ready = cohort(READY, UNVERIFIED)
    assert not_ready == [("C2", ("L3B1: not yet verified by the IQA",))]
    rows = list(csv.reader(io.StringIO(claim_csv(ready))))
    assert rows[0][:8] == ["learner", "date_of_birth", "registered_on", "qualification", "title", "result",
                           "achieved_on", "units"]
    assert rows[0][8:] == ["unit_1", "unit_1_ofqual", "unit_1_title", "unit_1_result", "unit_1_achieved_on",
                           "unit_1_assessor", "unit_1_signed_off_on", "unit_1_iqa_verifier",
                           "unit_1_iqa_verified_on", "unit_2", "unit_2_ofqual", "unit_2_title", "unit_2_result",
                           "unit_2_achieved_on", "unit_2_assessor", "unit_2_signed_off_on", "unit_2_iqa_verifier",
                           "unit_2_iqa_verified_on"]
    assert rows[1] == ["C1", "1990-01-01", "2024-01-15", "900/0000/6",
                       "Demonstration Level 3 Award in Sales Communication", "Pass", "2024-05-06", "2",
                       "L3B1", "", "Understand Sales Communication", "pass", "2024-05-04", "A. Assessor",
                       "2024-05-13", "V. Verifier", "2024-05-18",
                       "L3B2", "", "Understand Organisations", "pass", "2024-05-06", "A. Assessor",
                       "2024-05-11", "V. Verifier", "2024-05-16"]
    assert len(rows) == 2


def test_with_nobody_ready_the_claim_is_its_header_alone():
    ready, _ = cohort(UNVERIFIED)
    assert claim_csv(ready).splitlines() == [",".join(claim_file.claim_columns(0))]


def test_the_workbook_has_the_claim_and_the_learners_not_ready_and_no_formulas():
    ready, not_ready = cohort(READY, FORMULA, UNVERIFIED)
    book = openpyxl.load_workbook(io.BytesIO(claim_written(ready, not_ready, "xlsx")))
    assert book.sheetnames == ["Claim", "Not ready"]
    claim_rows = list(book["Claim"].iter_rows(values_only=True))
    assert [row[0] for row in claim_rows] == ["learner", "C1", '=HYPERLINK("x")']
    assert book["Claim"]["A3"].data_type == "s"
    assert list(book["Not ready"].iter_rows(values_only=True)) == [
        ("learner", "qualification", "reason"), ("C2", "900/0000/6", "L3B1: not yet verified by the IQA")]


def test_the_header_is_as_wide_as_the_longest_claim_of_any_block():
    ready, _ = cohort(READY)
    (two_units,) = [claim_file.claim_row(AWARD, r) for r in ready]
    one_unit = two_units[:7] + (1,) + two_units[8:17]
    with claim_file.Claim(AWARD) as claim:
        claim.add([one_unit], [("C2", ("a reason",))])
        claim.add([two_units], [])
        assert (claim.ready, claim.not_ready) == (2, 1)
        assert claim.columns == claim_file.claim_columns(2)
        assert list(claim.rows()) == [one_unit + (None,) * 9, two_units]
        assert list(claim.not_ready_learners()) == [("C2", ("a reason",))]


# ---- the command line ---------------------------------------------------------------------------------

@pytest.fixture
def files(tmp_path):
    (tmp_path / "demo.qual").write_text(CATALOGUE, encoding="utf-8")
    (tmp_path / "records.csv").write_text("learner,unit,result,achieved_on\nD1,L3B1,pass,2024-05-01\n"
                                          "D1,L3B2,pass,2024-05-02\nD2,L3B1,pass,2024-05-01\n", encoding="utf-8")
    return tmp_path


def run(files, output: str, *extra: str):
    return CliRunner().invoke(main, ["claim", str(files / "records.csv"), "-q", "900/0000/6", "--ruleset",
                                     str(files / "demo.qual"), "-o", str(files / output), *extra])


def test_claim_names_each_learner_not_ready_and_writes_the_header(files):
    result = run(files, "claim.csv")
    assert result.exit_code == 1
    assert result.stdout == f"wrote {files / 'claim.csv'}: 0 learners ready to claim, 2 not ready\n"
    assert "note: learner 'D1' is not ready to be claimed for 900/0000/6: L3B1: no sign-off recorded; " \
           "L3B2: no sign-off recorded" in result.stderr
    assert "learner 'D2' is not ready to be claimed for 900/0000/6: has not achieved 900/0000/6: all of L3B1, " \
           "L3B2: 1 of 2 units counted, still needed: L3B2" in result.stderr
    # A byte order mark first, as for check's CSV files, so that Excel reads accented names right.
    assert (files / "claim.csv").read_text(encoding="utf-8").startswith("\ufefflearner,date_of_birth,")


def test_a_claim_from_a_file_naming_no_learner_says_so(files):
    (files / "records.csv").write_text("learner,unit,result,achieved_on\n", encoding="utf-8")
    result = run(files, "claim.csv")
    assert result.exit_code == 0
    assert "warning[QR638]:" in result.stderr and "names no learner, so nothing is decided" in result.stderr


def test_claim_writes_a_workbook_for_xlsx(files):
    assert run(files, "claim.xlsx").exit_code == 1
    book = openpyxl.load_workbook(files / "claim.xlsx")
    # D2 has not achieved, and the unit it holds has no sign-off either.
    assert [row[:3] for row in book["Not ready"].iter_rows(values_only=True)][3:] == [
        ("D2", "900/0000/6", "has not achieved 900/0000/6: all of L3B1, L3B2: 1 of 2 units counted, still needed: "
                             "L3B2"),
        ("D2", "900/0000/6", "L3B1: no sign-off recorded")]


def test_claim_refuses_an_output_it_cannot_tell_the_form_of_and_writes_nothing(files):
    result = run(files, "claim.txt")
    assert result.exit_code == 2
    assert "error[QR640]: cannot tell how to write" in result.stderr
    assert not (files / "claim.txt").exists()


def test_claim_refuses_a_qualification_whose_identifiers_no_awarding_body_knows(files):
    # A QAN that fails its check character and an Ofqual reference out of format are lint's errors; check
    # still judges learners by the rules, but a claim would send the identifiers on.
    text = CATALOGUE.replace("900/0000/6", "900/0000/7").replace("level 3  glh 15", "ofqual L/650/789  level 3  glh 15", 1)
    (files / "demo.qual").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["claim", str(files / "records.csv"), "-q", "900/0000/7", "--ruleset",
                                       str(files / "demo.qual"), "-o", str(files / "claim.csv")])
    assert result.exit_code == 2
    assert re.findall(r"error\[(QR\d+)\]: (.*)", result.stderr) == [
        ("QR202", "900/0000/7 fails the QAN check: the check character of 900/0000 is 6"),
        ("QR203", "`L/650/789` is not in the format of an Ofqual unit reference")]
    assert not (files / "claim.csv").exists()
    assert CliRunner().invoke(main, ["check", str(files / "records.csv"), "-q", "900/0000/7", "--ruleset",
                                     str(files / "demo.qual")]).exit_code == 1


def test_claim_never_writes_over_its_records(files):
    result = CliRunner().invoke(main, ["claim", str(files / "records.csv"), "-q", "900/0000/6", "--ruleset",
                                       str(files / "demo.qual"), "-o", str(files / "records.csv")])
    assert result.exit_code == 2
    assert (files / "records.csv").read_text(encoding="utf-8").startswith("learner,unit,result")


def test_a_learner_whose_rows_cannot_be_read_is_never_ready_and_the_rest_are_still_claimed(files):
    (files / "records.csv").write_text("learner,unit,result,achieved_on\nD1,L3B1,pass,2024-05-01\n"
                                       "D3,L3B1,pass,not a date\n", encoding="utf-8")
    result = run(files, "claim.csv")
    assert result.exit_code == 2
    reason = (f"the record has an error: {files / 'records.csv'}:3: error[QR502]: `achieved_on` is not a date: "
              "'not a date' (write dates as 2024-03-12, 12/03/2024, 12-03-2024 or 12 Mar 2024)")
    assert f"learner 'D3' is not ready to be claimed for 900/0000/6: {reason}" in result.stderr
    assert (files / "claim.csv").exists()
    # The workbook's sheet of learners not ready says where the error is and how to mend it, on its own.
    assert run(files, "claim.xlsx").exit_code == 2
    not_ready = list(openpyxl.load_workbook(files / "claim.xlsx")["Not ready"].iter_rows(values_only=True))
    assert ("D3", "900/0000/6", reason) in not_ready
