"""Checking a cohort file in blocks: the columnar reader, the row-by-row reader and the whole-file reader
give the same output, byte for byte, whatever the block size and the number of workers."""

from __future__ import annotations

import csv
import io
import json
import os
import random
from concurrent.futures.process import BrokenProcessPool

import pytest
from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter import cohort
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.readers import read_records
from qualrules.interpreter.records.stream import columnar_blocks, learner_blocks, open_table, scan_learners

ISP_CERTIFICATE, ISP_AWARD, ILM = "610/3788/6", "610/3791/6", "600/5929/1"
QANS = (ISP_CERTIFICATE, ISP_AWARD, ILM)
HEADER = ["learner", "unit", "result", "achieved_on", "registered_on", "date_of_birth"]


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load()


def cohort_rows(seed: int, learners: int) -> list[list[str]]:
    """Learners sorted by id, most of them plain, some with every kind of trouble a verdict must mention."""
    rng = random.Random(seed)
    isp = ["L3B1", "L3B2", "L3B3", "L3B5", "L3C1", "L3C2", "L3C3", "L3C5", "L3L1", "L4L4", "L3S1", "L4S5",
           "L/650/7899", "l3c4"]
    ilm = ["8570-228", "8570-229", "8570-205", "8750-213", "8750-212", "8750-300", "8750-302", "8750-307",
           "8750-326"]
    rows = []
    for number in range(learners):
        learner = f"A{number:04d}" if rng.random() < 0.9 else f"É-{number:04d} \"x\""
        registered = f"2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        born = f"{rng.choice([1970, 1990, 2000, 2006, 2010])}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        trouble = rng.choice(["none"] * 6 + ["unknown unit", "bad date", "referred only", "late", "undated",
                                             "no registration", "conflict", "born after", "quoted newline",
                                             "time of day", "blank row", "spaces"])
        catalogue = isp if rng.random() < 0.6 else ilm
        for unit in rng.sample(catalogue, rng.randint(1, len(catalogue))):
            result = rng.choice(["pass", "pass", "pass", "merit", "referred", "Pass"])
            achieved = f"202{rng.randint(2, 6)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            rows.append([learner, unit, result, achieved, registered, born])
        last = rows[-1]
        if trouble == "unknown unit":
            last[1] = "XYZ9"
        elif trouble == "bad date":
            last[3] = "31/02/2024"
        elif trouble == "referred only":
            rows.append([learner, catalogue[0], "referred", "2023-01-01", registered, born])
        elif trouble == "late":
            last[3] = "2029-01-01"
        elif trouble == "undated":
            last[3] = ""
        elif trouble == "no registration":
            for row in rows:
                if row[0] == learner:
                    row[4] = ""
        elif trouble == "conflict":
            last[5] = "1980-01-01"
        elif trouble == "born after":
            for row in rows:
                if row[0] == learner:
                    row[5] = "2023-06-01"
        elif trouble == "quoted newline":
            last[2] = "pass\nwith a note"
        elif trouble == "time of day":
            last[3] = last[3] + "T10:30:00"
        elif trouble == "blank row":
            rows.append([""] * len(HEADER))
        elif trouble == "spaces":
            last[1] = f"  {last[1].lower()} "
            last[2] = "  credit   transfer "
    return rows


def write_csv(path, rows) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def settings(output_format: str = "json") -> cohort.CheckSettings:
    return cohort.CheckSettings(QANS, output_format)


def decided(tasks, library, jobs: int = 1) -> tuple[str, list]:
    """The JSON text and the problems of every block, in order."""
    opened = cohort.Cohort(0, True, iter(tasks))
    blocks = list(cohort.check_blocks(opened, settings(), library, library.vocabulary(), jobs))
    return "".join(cohort.json_array(b.json for b in blocks)), [d for b in blocks for d in b.problems]


def whole_file(path, library) -> str:
    records = read_records(path, library.vocabulary())
    rows = cohort.check_rows(records, [library.qualification(q) for q in QANS])
    return json.dumps([row.to_json() for row in rows], indent=2)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("per_block", [1, 3, 50])
def test_columnar_and_row_blocks_give_the_whole_file_verdicts(seed, per_block, library, tmp_path):
    path = tmp_path / "cohort.csv"
    write_csv(path, cohort_rows(seed, 40))
    expected = whole_file(path, library)
    header, rows = open_table(path)
    by_rows = [("rows", str(path), header, block) for block in learner_blocks(rows, header, per_block)]
    by_columns = [("columns", block) for block in columnar_blocks(path, header, per_block)]
    assert decided(by_rows, library)[0] == expected
    assert decided(by_columns, library)[0] == expected
    assert json.loads(expected)  # the cohort gives verdicts, not only errors
    assert scan_learners(path, header).grouped


def test_workers_give_the_same_output_in_the_same_order(library, tmp_path):
    path = tmp_path / "cohort.csv"
    write_csv(path, cohort_rows(7, 60))
    header, _ = open_table(path)
    tasks = [("columns", block) for block in columnar_blocks(path, header, 4)]
    assert decided(tasks, library, jobs=2)[0] == decided(tasks, library, jobs=1)[0] == whole_file(path, library)


def test_a_quoted_newline_does_not_shift_the_lines_reported_after_it(library, tmp_path):
    path = tmp_path / "cohort.csv"
    rows = [["A1", "L3B1", "pass\nwith a note", "2024-01-01", "2022-01-01", "1990-01-01"],
            ["A2", "L3B2", "pass", "not a date", "2022-01-01", "1990-01-01"]]
    write_csv(path, rows)
    header, _ = open_table(path)
    (block,) = columnar_blocks(path, header, 10)
    assert block.lines.tolist() == [2, 4]
    text, _ = decided([("columns", block)], library)
    errors = [e for row in json.loads(text) for e in row.get("errors", [])]
    assert {(e["code"], e["line"]) for e in errors} == {("QR503", 2), ("QR502", 4)}


def test_a_file_whose_learners_are_not_together_is_read_whole(library, tmp_path):
    path = tmp_path / "cohort.csv"
    rows = cohort_rows(3, 20)
    rows.append(rows[0][:])  # the first learner again, at the end
    write_csv(path, rows)
    header, _ = open_table(path)
    assert not scan_learners(path, header).grouped
    opened = cohort.open_cohort(path, library.vocabulary())
    assert not opened.streamed
    blocks = cohort.check_blocks(opened, settings(), library, library.vocabulary(), 1)
    assert "".join(cohort.json_array(b.json for b in blocks)) == whole_file(path, library)


def test_a_ragged_file_streams_through_the_row_reader(library, tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_text("learner,unit,result,achieved_on\nA1,L3B1,pass,2024-01-01\nA2,L3B2\nA3,L3B1,pass,2024-01-01\n")
    header, _ = open_table(path)
    scan = scan_learners(path, header)
    assert (scan.learners, scan.grouped, scan.columnar) == (3, True, False)
    opened = cohort.open_cohort(path, library.vocabulary())
    assert opened.streamed
    assert [task[0] for task in opened.tasks] == ["rows"]


def test_check_jobs_and_verbose_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "cohort.csv", cohort_rows(11, 30))
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 4)
    arguments = ["check", "cohort.csv", "-q", ISP_CERTIFICATE, "-q", ILM, "--format", "json"]
    one = CliRunner().invoke(main, arguments + ["--jobs", "1"])
    two = CliRunner().invoke(main, arguments + ["--jobs", "2", "-v"])
    assert one.exit_code == two.exit_code == 2  # some rows have errors
    assert one.stdout == two.stdout
    assert json.loads(one.stdout)
    assert f"{ISP_CERTIFICATE}: compiled: 18 states over credit totals 0 to 36" in two.stderr
    assert "Checking" not in one.stderr  # no progress bar when stderr is not a terminal


def test_ids_that_differ_only_by_what_python_strips_are_one_learner(library, tmp_path):
    # "\x1c" is white space to Python's str.strip, as the row reader strips ids, but not to Unicode.
    path = tmp_path / "cohort.csv"
    write_csv(path, [["A1", "L3B1", "pass", "2024-01-01", "2022-01-01", "1990-01-01"],
                     ["A1\x1c", "L3B2", "pass", "2024-01-01", "2022-01-01", "1990-01-01"],
                     ["A2", "L3B1", "pass", "2024-01-01", "2022-01-01", "1990-01-01"]])
    opened = cohort.open_cohort(path, library.vocabulary())
    blocks = cohort.check_blocks(opened, settings(), library, library.vocabulary(), 1)
    text = "".join(cohort.json_array(b.json for b in blocks))
    assert text == whole_file(path, library)
    assert [row["learner"] for row in json.loads(text)] == ["A1"] * 3 + ["A2"] * 3


def test_a_worker_that_dies_stops_the_run_instead_of_leaving_it_waiting(library, tmp_path, monkeypatch):
    path = tmp_path / "cohort.csv"
    write_csv(path, cohort_rows(5, 12))
    header, _ = open_table(path)
    tasks = [("columns", block) for block in columnar_blocks(path, header, 3)]
    monkeypatch.setattr(cohort._Worker, "check", lambda worker, task: os._exit(1))  # inherited by the workers
    with pytest.raises(BrokenProcessPool):
        decided(tasks, library, jobs=2)
