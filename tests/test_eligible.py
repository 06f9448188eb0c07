"""`qualrules eligible`: every loaded qualification per learner, achieved first, then nearest first, then
out of reach with the reason (snapshots), with the ISP progression checked by hand; many learners planned at
once as one at a time, the compiled finishes as CP-SAT's, and the JSON as the standard encoder lays it out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest
import click
from click.testing import CliRunner

from conftest import ISP_CERTIFICATE, ISP_DIPLOMA, learner
from qualrules import cli
from qualrules.cli import main
from qualrules.interpreter import cohort
from qualrules.interpreter.engine import decision as decision_module
from qualrules.interpreter.engine.journeys import _RANK, Distance, eligibility, eligibility_many
from qualrules.interpreter.engine.planner import PlanStatus, plan
from qualrules.interpreter.presentation.journeys_text import eligibility_json_elements, eligibility_text
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.readers import read_records

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
    # 610/3792/8 is all of L3B3, L3C6: nothing to add, only the date of birth to know; not "to go".
    waiting, to_go = result.stdout.split("to go (cheapest finish")
    assert "? nothing to add: achieved if the record's missing data allows" in waiting and "610/3792/8" in waiting
    assert "610/3792/8" not in to_go
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


# ---- many learners at once ------------------------------------------------------------------------------
def every_target(library):
    return [(q, loaded.body.name, loaded.body.counts_as_achieved)
            for loaded in library.rulesets for q in loaded.qualifications]


def varied_learners() -> list:
    """Records that reach every branch of a plan: ISP and ILM units together, referred units, a unit without
    a date under the ILM's completion window, no registration date, no date of birth, under 18 at
    registration, an ILM unit after the deadline, nothing at all; each twice, the second under another id."""
    ilm = ["8570-228", "8570-229", "8570-205", "8750-300", "8750-302"]
    isp = ["L3B1", "L3B2", "L3C1", "L3C2", "L3L1", "L3S1"]
    records = [
        learner(isp + ilm),
        learner(isp[:3] + [("L3C6", "referred"), ("8750-213", "fail")]),
        learner(ilm[:3] + [("8750-307", "pass", None), ("L3B3", "pass", None)]),
        learner(ilm + isp[:2], registered_on=None),
        learner(isp, date_of_birth=None),
        learner(isp + ["L3B3", "L3B4", "L3C3", "L3C4"], date_of_birth=dt.date(2007, 3, 15)),
        learner(ilm[:4] + [("8750-302", "pass", dt.date(2027, 6, 1))], registered_on=dt.date(2024, 1, 15)),
        learner([]),
        learner(isp + ["L3B3", "L3B4", "L3B5", "L4B6", "L3C3", "L3C4", "L3C5", "L3C6", "L3L3", "L3S3"]),
    ]
    return records + [attrs.evolve(record, id=f"{record.id}-{k}") for k, record in enumerate(records)]


def test_many_learners_at_once_are_planned_as_one_at_a_time(library):
    """eligibility_many reads each record once per catalogue, plans every qualification for all learners
    together and sorts them all at once: the same distances as a plan per learner and qualification."""
    targets = every_target(library)
    records = varied_learners()
    together = eligibility_many(targets, records)
    statuses = set()
    for record, distances in zip(records, together):
        one_by_one = sorted((Distance(q, body, plan(q, record, counts)) for q, body, counts in targets),
                            key=lambda d: (_RANK[d.plan.status], d.plan.credits_to_add, d.plan.units_to_add))
        assert list(distances) == one_by_one, record.id
        assert eligibility(targets, record) == distances
        statuses |= {d.plan.status for d in distances}
    assert statuses == set(PlanStatus)


def test_compiled_finishes_are_those_of_cpsat(library, monkeypatch):
    """The whole command on the example cohort and the varied records, with every cheapest finish found by
    the compiled procedure and then by CP-SAT: the same output, text and JSON."""
    records = varied_learners()
    outputs = {}
    for engine in ("compiled", "CP-SAT"):
        if engine == "CP-SAT":
            monkeypatch.setattr(decision_module, "MAX_FINISH_CELLS", 0)
        rows = list(zip((r.id for r in records), eligibility_many(every_target(library), records)))
        outputs[engine] = (eligibility_text(rows), eligibility_json_elements(rows), run(COHORT).stdout,
                           run(JOURNEYS, "--format", "json").stdout)
    assert outputs["compiled"] == outputs["CP-SAT"]


def test_json_is_laid_out_as_the_standard_encoder_would(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("records.csv").write_text("learner,unit,result,achieved_on,date_of_birth,registered_on\n"
                                   "Zoë,L3B1,pass,2024-02-01,1990-01-01,2024-01-15\n"
                                   "B1,L3B1,pased,2024-02-01,1990-01-01,2024-01-15\n", encoding="utf-8")
    result = run("records.csv", "--format", "json")
    assert result.exit_code == 2
    laid_out = json.loads(result.stdout)
    assert [entry["learner"] for entry in laid_out] == ["Zoë", "B1"] and "errors" in laid_out[1]
    assert result.stdout == json.dumps(laid_out, indent=2) + "\n"


def test_a_cohort_past_one_block_is_written_as_one(tmp_path, monkeypatch, library):
    """10,000 learners are planned and written at a time: past that, text and JSON read as one block would
    write them, with an unreadable learner on each side of the boundary."""
    monkeypatch.chdir(tmp_path)
    units = (["L3B1", "L3B2", "L3C1", "L3C2", "L3L1"], ["L3B1"], ["8570-228", "8570-229", "8570-205"])
    lines = ["learner,unit,result,achieved_on,date_of_birth,registered_on"]
    for number in range(10_003):
        result = "pased" if number in (9_999, 10_000) else "pass"
        lines += [f"P{number:05d},{unit},{result},2024-02-01,1990-01-01,2024-01-15" for unit in units[number % 3]]
    Path("records.csv").write_text("\n".join(lines) + "\n")
    text, laid_out = run("records.csv"), run("records.csv", "--format", "json")
    assert text.exit_code == laid_out.exit_code == 2
    record_set = read_records("records.csv", library.vocabulary())
    planned = dict(zip((r.id for r in record_set.learners),
                       eligibility_many(every_target(library), record_set.learners)))
    rows = [(i, planned[i] if i in planned else record_set.unreadable[i]) for i in record_set.order]
    assert text.stdout == click.unstyle(eligibility_text(rows)) + "\n"
    entries = json.loads(laid_out.stdout)
    assert len(entries) == 10_003 and "errors" in entries[9_999] and "errors" in entries[10_000]
    assert laid_out.stdout == json.dumps(entries, indent=2) + "\n"


def test_a_file_of_learners_together_is_planned_block_by_block_never_read_whole(tmp_path, monkeypatch):
    # Memory holds one block of learners, whatever the cohort: the file is read in blocks, as `check` reads
    # it, and a warning that holds for several blocks is given once.
    monkeypatch.chdir(tmp_path)
    lines = ["learner,unit,result,achieved_on,date_of_birth,registered_on"]
    for number in range(7):
        lines += [f"P{number},L3B1,pass,2024-02-01,1990-01-01,2024-01-15",
                  f"P{number},XYZ9,pass,2024-02-01,1990-01-01,2024-01-15"]
    Path("records.csv").write_text("\n".join(lines) + "\n")
    whole = run("records.csv", "--format", "json")
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 2)

    def refused(*args, **kwargs):
        raise AssertionError("the file was read whole")

    monkeypatch.setattr(cohort, "read_records", refused)
    monkeypatch.setattr(cli, "read_records", refused)
    blocks = run("records.csv", "--format", "json")
    assert blocks.exit_code == whole.exit_code == 0
    assert blocks.stdout == whole.stdout and len(json.loads(blocks.stdout)) == 7
    assert blocks.stderr.count("QR520") == whole.stderr.count("QR520") == 1


def sheets_of(path: Path) -> dict[str, list[tuple]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}
    finally:
        workbook.close()


@pytest.mark.parametrize("output_format", ["text", "json", "csv", "xlsx"])
def test_blocks_planned_on_two_workers_are_written_as_one_process_writes_them(tmp_path, monkeypatch, output_format):
    # The blocks come back in the file's order, with a learner whose rows cannot be read, a row that names no
    # learner and a unit in no catalogue among them, each reported once, as one process reports them.
    monkeypatch.chdir(tmp_path)
    lines = ["learner,unit,result,achieved_on,date_of_birth,registered_on"]
    for number in range(9):
        result = "pased" if number == 4 else "pass"
        lines += [f"P{number},L3B1,{result},2024-02-01,1990-01-01,2024-01-15",
                  f"P{number},XYZ9,pass,2024-02-01,1990-01-01,2024-01-15"]
    lines.insert(12, ",L3B2,pass,2024-02-01,1990-01-01,2024-01-15")
    Path("records.csv").write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 2)
    written = {}
    for jobs in ("1", "2"):
        to_file = ["-o", f"eligible-{jobs}.xlsx"] if output_format == "xlsx" else ["--format", output_format]
        written[jobs] = run("records.csv", *to_file, "--jobs", jobs)
    one, two = written["1"], written["2"]
    assert one.exit_code == two.exit_code == 2
    assert (one.stdout, one.stderr) == (two.stdout.replace("eligible-2", "eligible-1"), two.stderr)
    assert one.stderr.count("QR520") == 1 and one.stderr.count("QR506") == 1
    if output_format == "xlsx":
        sheets = sheets_of(Path("eligible-2.xlsx"))
        assert sheets == sheets_of(Path("eligible-1.xlsx"))
        # The learner whose rows cannot be read, then the row that names no learner, with an empty learner.
        assert [(row[0], row[4]) for row in sheets["Errors"][1:]] == [("P4", "QR503"), (None, "QR506")]
    else:
        assert "QR503" in two.stdout
        assert two.stdout.index("P3") < two.stdout.index("P4") < two.stdout.index("P5") < two.stdout.index("P8")


def test_a_progress_bar_is_shown_when_asked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("records.csv").write_text("learner,unit,result,achieved_on\nP1,L3B1,pass,2024-02-01\n")
    assert "Planning" in run("records.csv", "--progress").stderr
    assert "Planning" not in run("records.csv").stderr  # stderr is no terminal here


def test_where_workers_cannot_be_forked_each_loads_the_installed_rulesets(tmp_path, monkeypatch):
    # Spawned workers plan the blocks with the installed plugins' rulesets, which they load themselves:
    # the same output as one process gives.
    import multiprocessing

    monkeypatch.chdir(tmp_path)
    lines = ["learner,unit,result,achieved_on,date_of_birth,registered_on"]
    lines += [f"P{number},L3B{number % 5 + 1},pass,2024-02-01,1990-01-01,2024-01-15" for number in range(5)]
    Path("records.csv").write_text("\n".join(lines) + "\n")
    alone = run("records.csv", "--format", "json", "--jobs", "1")
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 2)
    # A library of other rulesets than the installed ones would be decided in this process instead.
    assert cohort.worker_processes(2, 3, Library.load()) == 2
    assert cohort.worker_processes(2, 3, Library.load([ROOT / "tests" / "data" / "demo.qual"])) == 1
    workers = run("records.csv", "--format", "json", "--jobs", "2")
    assert (workers.exit_code, workers.stdout) == (alone.exit_code, alone.stdout)
