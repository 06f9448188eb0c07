"""`qualrules eligible`: every loaded qualification per learner, achieved first, then nearest first, then
out of reach with the reason (snapshots), with the ISP progression checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import ISP_CERTIFICATE, ISP_DIPLOMA, learner
from qualrules.cli import main
from qualrules.interpreter.engine.journeys import eligibility
from qualrules.interpreter.engine.planner import PlanStatus

ROOT = Path(__file__).parent.parent
COHORT = str(ROOT / "examples" / "cohort.csv")
JOURNEYS = str(Path(__file__).parent / "data" / "journeys.json")


def run(*args: str):
    return CliRunner().invoke(main, ["eligible", *args])


def test_isp_progression_text(snapshot):
    result = run(COHORT, "--awarding-body", "ISP")
    assert result.exit_code == 0, result.output
    assert result.stdout == snapshot


def test_ilm_text(snapshot):
    # Achieved, a cheapest finish, past the completion deadline, and a date missing from the record.
    result = run(JOURNEYS, "--awarding-body", "ilm")
    assert result.exit_code == 0, result.output
    assert result.stdout == snapshot


def test_every_body_json(snapshot):
    result = run(COHORT, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == snapshot


def test_undetermined_distances_share_one_note(snapshot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("records.csv").write_text("learner,unit,result,achieved_on,registered_on\n"
                                   "P2,L3B3,pass,2024-02-01,2024-01-15\nP2,L3C6,pass,2024-03-01,2024-01-15\n")
    result = run("records.csv", "--awarding-body", "ISP")
    assert result.exit_code == 0, result.output
    assert result.stdout == snapshot


def test_unreadable_learners_are_listed_with_their_errors(snapshot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("records.csv").write_text("learner,unit,result,achieved_on,date_of_birth,registered_on\n"
                                   "B1,L3B1,pased,2024-02-01,1990-01-01,2024-01-15\n"
                                   "B2,L3B4,pass,2024-02-01,1990-01-01,2024-01-15\n")
    result = run("records.csv", "--awarding-body", "ISP")
    assert result.exit_code == 2
    assert result.stdout == snapshot


def test_unknown_awarding_body_suggests_the_loaded_ones():
    result = run(COHORT, "--awarding-body", "IPS")
    assert result.exit_code == 2
    assert "error[QR604]: no loaded qualification is from awarding body 'IPS'" in result.stderr
    assert "help: did you mean `ISP`?" in result.stderr


def test_the_same_units_serve_awards_the_certificate_and_towards_the_diploma(library):
    targets = [(q, body.name, body.counts_as_achieved) for q, body in library.qualifications.values()
               if q.awarding_body == "ISP"]
    # A001 of the example cohort: L3B1, L3B2, L3C1, L3C2 and L3L1, 16 credits.
    distances = eligibility(targets, learner(["L3B1", "L3B2", "L3C1", "L3C2", "L3L1"]))
    achieved = [d.qualification.qan for d in distances if d.plan.status is PlanStatus.ALREADY_ACHIEVED]
    assert achieved == ["610/3791/6", "610/3795/3", ISP_CERTIFICATE]
    # Nearest first: 3-credit Awards before the 4- and 5-credit ones, the Diplomas last.
    rest = [(d.qualification.qan, d.plan.credits_to_add, d.plan.units_to_add) for d in distances[3:]]
    assert [credits for _, credits, _ in rest] == sorted(credits for _, credits, _ in rest)
    # The Diploma needs 37 credits: one more BUSINESS, two more CORE and two SELF units give at most
    # 4 + 10 + 6 = 20 of the 21 missing, so six units; 21 credits in six units is reachable.
    assert (ISP_DIPLOMA, 21, 6) in rest
    assert rest[-1][0] == "610/3790/4"
