"""explain, plan, log, claim and report from an achievement log read from a CSV file, end to end on the command
line (tests/data/criteria_log.csv against the catalogue of tests/criteria_demo.py): A1 has three of L3B1's four
criteria (2.2 referred) and L3B2 signed off and verified; A2 has both units signed off and verified; A3 has
L3B1 signed off but not verified."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from criteria_demo import CATALOGUE
from qualrules.cli import main
from qualrules.interpreter import cohort

LOG = Path(__file__).parent / "data" / "criteria_log.csv"


@pytest.fixture
def run(tmp_path):
    (tmp_path / "demo.qual").write_text(CATALOGUE, encoding="utf-8")

    def invoke(command: str, *arguments: str):
        return CliRunner().invoke(main, ["--no-color", command, str(LOG), *arguments, "--ruleset",
                                         str(tmp_path / "demo.qual")])
    return invoke


def test_explain_names_the_missing_criterion_from_the_log(run, snapshot):
    result = run("explain", "--learner", "A1", "-q", "900/0000/6")
    assert result.exit_code == 1
    assert "✗ L3B1 2.2 Explain barriers to effective communication  (referred)" in result.stdout
    assert result.stdout == snapshot


def test_explain_json_carries_the_log(run):
    result = run("explain", "--learner", "A3", "-q", "900/0000/6", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["status"] == "achieved"
    assert [(u["unit"], u["stage"]) for u in data["criteria"]["units"]] == [("L3B1", "signed off"),
                                                                           ("L3B2", "verified")]


def test_plan_by_criteria_from_the_log(run):
    refused = run("plan", "--learner", "A1", "-q", "900/0001/8", "--minimise", "criteria")
    assert refused.exit_code == 2 and "QR608" in refused.stderr and "--exclude it" in refused.stderr
    result = run("plan", "--learner", "A1", "-q", "900/0001/8", "--minimise", "criteria", "--exclude", "L3X9",
                 "--format", "json")
    assert result.exit_code == 0
    finish = json.loads(result.stdout)
    assert (finish["add"], finish["cost"], finish["minimise"]) == (["L3B1", "L3S2"], 3, "criteria")


def test_claim_from_the_log(run, tmp_path):
    output = tmp_path / "claim.csv"
    result = run("claim", "-q", "900/0000/6", "-o", str(output))
    assert result.exit_code == 1
    assert result.stdout == f"wrote {output}: 1 learner ready to claim, 2 not ready\n"
    assert result.stderr.splitlines() == [
        "note: learner 'A1' is not ready to be claimed for 900/0000/6: has not achieved 900/0000/6: all of L3B1, "
        "L3B2: 1 of 2 units counted, still needed: L3B1; L3B1: in progress: 3 of 4 criteria met",
        "note: learner 'A3' is not ready to be claimed for 900/0000/6: L3B1: not yet verified by the IQA",
    ]
    rows = list(csv.DictReader(output.open(encoding="utf-8-sig", newline="")))
    assert [(r["learner"], r["units"], r["unit_1"], r["unit_1_achieved_on"], r["unit_2_iqa_verified_on"])
            for r in rows] == [("A2", "2", "L3B1", "2024-05-04", "2024-05-20")]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_claim_decided_a_learner_at_a_time_is_the_claim_decided_whole(run, tmp_path, monkeypatch, jobs):
    whole = run("claim", "-q", "900/0000/6", "-o", str(tmp_path / "whole.xlsx"))
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 1)
    blocks = run("claim", "-q", "900/0000/6", "-o", str(tmp_path / "blocks.xlsx"), "--jobs", jobs)
    assert (blocks.exit_code, blocks.stderr) == (whole.exit_code, whole.stderr)
    sheets = [[list(sheet.iter_rows(values_only=True)) for sheet in openpyxl.load_workbook(tmp_path / name)]
              for name in ("whole.xlsx", "blocks.xlsx")]
    assert sheets[0] == sheets[1]
    assert [row[0] for row in sheets[0][0]] == ["learner", "A2"]


def test_a_learner_id_given_with_white_space_around_it_is_the_id_the_file_gives(run):
    # A record's cells are read without the spaces around them; an id pasted from a spreadsheet is too.
    assert run("explain", "--learner", " A1\t", "-q", "900/0000/6").stdout == \
        run("explain", "--learner", "A1", "-q", "900/0000/6").stdout


def test_log_from_the_log(run, tmp_path):
    output = tmp_path / "log.html"
    result = run("log", "--learner", "A1", "-q", "900/0000/6", "-o", str(output))
    assert (result.exit_code, result.stdout) == (1, f"wrote {output}: A1 not achieved\n")
    page = output.read_text(encoding="utf-8")
    assert "Award achievement log" in page
    assert ('<td>Explain barriers to effective communication</td><td class="state">referred</td>'
            '<td class="evidence">portfolio p.4</td><td class="method">assignment</td>'
            '<td class="date">2024-05-04</td><td class="assessor">A. Assessor</td>') in page


def test_report_shows_criteria_progress_from_the_log(run, tmp_path):
    output = tmp_path / "report.html"
    result = run("report", "-q", "900/0000/6", "-o", str(output))
    assert result.exit_code == 1
    page = output.read_text(encoding="utf-8")
    assert page.count('<table class="criteria-progress">') == 1  # A1's L3B1; A2 and A3 have every unit counting
    assert '<td class="number">3 / 4</td>' in page
