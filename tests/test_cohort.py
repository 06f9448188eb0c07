"""Checking a cohort file in blocks: the columnar reader, the row-by-row reader and the whole-file reader
give the same output, byte for byte, whatever the block size, the number of workers, the file's encoding
and delimiter, and whether it is CSV or Parquet."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import random
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import datetime as dt

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st
from test_compiled_engine import sum_rulesets
from test_exactness import compiled, exactness_settings

from qualrules.cli import main
from qualrules.interpreter import cohort
from qualrules.interpreter.engine.evaluator import Explanations, age_on, decide, plain_holdings
from qualrules.interpreter.library import Library
from qualrules.interpreter.presentation.check_table import verdict_rest
from qualrules.interpreter.presentation.plain_verdicts import Pieces, PlainVerdicts
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.records.options import DEFAULT_OPTIONS, ReadOptions
from qualrules.interpreter.records import stream
from qualrules.interpreter.records.readers import CELL_LIMIT, read_records
from qualrules.interpreter.records.stream import (block_starts, columnar_blocks, csv_file, learner_blocks, open_table,
                                                  scan_learners)

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


def settings(output_format: str = "json", qans: tuple[str, ...] = QANS) -> cohort.CheckSettings:
    return cohort.CheckSettings(qans, output_format)


def decided(tasks, library, jobs: int = 1, qans: tuple[str, ...] = QANS) -> tuple[str, list]:
    """The JSON text and the problems of every block, in order."""
    opened = cohort.Cohort(0, True, iter(tasks))
    blocks = list(cohort.check_blocks(opened, settings(qans=qans), library, library.vocabulary(), jobs))
    return "".join(cohort.json_array(b.json for b in blocks)), [d for b in blocks for d in b.problems]


def whole_file(path, library, qans: tuple[str, ...] = QANS) -> str:
    records = read_records(path, library.vocabulary())
    rows = cohort.check_rows(records, [library.qualification(q) for q in qans])
    return json.dumps([row.to_json() for row in rows], indent=2)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("per_block", [1, 3, 50])
def test_columnar_and_row_blocks_give_the_whole_file_verdicts(seed, per_block, library, tmp_path):
    path = tmp_path / "cohort.csv"
    write_csv(path, cohort_rows(seed, 40))
    expected = whole_file(path, library)
    header, rows = open_table(csv_file(path))
    by_rows = [("rows", str(path), header, block) for block in learner_blocks(rows, header, per_block)]
    by_columns = [("columns", block) for block in columnar_blocks(csv_file(path), header, per_block)]
    assert decided(by_rows, library)[0] == expected
    assert decided(by_columns, library)[0] == expected
    assert json.loads(expected)  # the cohort gives verdicts, not only errors
    assert scan_learners(csv_file(path), header).grouped


def test_blocks_start_at_a_learner_after_so_many_learners_or_rows():
    # Learners starting at rows 0, 3, 10, 11 and 30.
    starts = np.array([0, 3, 10, 11, 30])
    assert block_starts(starts, 2) == [0, 2, 4]
    assert block_starts(starts, 10, rows_per_block=10) == [0, 2, 4]  # rows 0-9, 10-29, 30 on
    assert block_starts(starts, 10, rows_per_block=1) == [0, 1, 2, 3, 4]  # a learner's rows are never cut
    assert block_starts(starts, 1, rows_per_block=100) == [0, 1, 2, 3, 4]
    assert block_starts(starts[:0], 4, rows_per_block=10) == []


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("rows_per_block", [1, 5, 17])
def test_blocks_cut_by_rows_give_the_whole_file_verdicts_on_every_path(seed, rows_per_block, library, tmp_path,
                                                                       monkeypatch):
    path = tmp_path / "cohort.csv"
    write_csv(path, cohort_rows(seed, 40))
    expected = whole_file(path, library)
    header, rows = open_table(csv_file(path))
    by_rows = list(learner_blocks(rows, header, 1000, rows_per_block))
    by_columns = list(columnar_blocks(csv_file(path), header, 1000, rows_per_block))
    # Each block's rows, but for its last learner's (and rows naming none, which go with the learner before):
    # fewer than `rows_per_block`.
    for block in by_rows:
        ids = [row[0].strip() for _, row in block]
        last, before_last = next(i for i in reversed(ids) if i), len(ids)
        while before_last and ids[before_last - 1] in ("", last):
            before_last -= 1
        assert before_last < rows_per_block
    assert [len(block) for block in by_rows] == [block.batch.num_rows for block in by_columns]
    assert len(by_rows) > 1
    assert decided([("rows", str(path), header, block) for block in by_rows], library)[0] == expected
    assert decided([("columns", block) for block in by_columns], library)[0] == expected


@pytest.mark.parametrize("rows_per_block", [1, 6, 40])
def test_a_plain_file_is_read_by_workers_in_blocks_cut_by_rows(rows_per_block, library, tmp_path, monkeypatch):
    path = tmp_path / "cohort.csv"
    write_csv(path, plain_rows(3, 30, list(ISP_UNITS)))
    expected = whole_file(path, library)
    header, rows = open_table(csv_file(path))
    by_rows = list(learner_blocks(rows, header, 1000, rows_per_block))
    # Each worker reads its block from where the scan says it starts: the same blocks.
    monkeypatch.setattr(cohort, "ROWS_PER_BLOCK", rows_per_block)
    opened = cohort.open_cohort(path, library.vocabulary())
    tasks = list(opened.tasks)
    assert {task[0] for task in tasks} == {"lines"}
    assert [end - start for _, _, _, start, end, _ in tasks] == [sum(len(",".join(row)) + 1 for _, row in block)
                                                                 for block in by_rows]
    assert len(by_rows) == opened.blocks > 1
    assert decided(tasks, library, jobs=2)[0] == expected


def test_workers_give_the_same_output_in_the_same_order(library, tmp_path):
    path = tmp_path / "cohort.csv"
    write_csv(path, cohort_rows(7, 60))
    header, _ = open_table(csv_file(path))
    tasks = [("columns", block) for block in columnar_blocks(csv_file(path), header, 4)]
    assert decided(tasks, library, jobs=2)[0] == decided(tasks, library, jobs=1)[0] == whole_file(path, library)


def test_a_row_whose_id_is_too_long_to_read_cuts_no_learner_in_two(library, tmp_path):
    # Such a row belongs to no learner (QR511), as the scan reads it, so A1's rows on both sides of it are one
    # learner's, in one block: one verdict, as the whole file gives.
    path = tmp_path / "cohort.csv"
    dates = ["2023-01-01", "2022-12-01", "1990-01-01"]
    write_csv(path, [["A1", "L3B1", "pass", *dates], ["x" * (CELL_LIMIT + 1), "L3B2", "pass", *dates],
                     ["A1", "L3B2", "pass", *dates], ["A2", "L3B1", "pass", *dates], ["A3", "L3B1", "pass", *dates]])
    header, rows = open_table(csv_file(path))
    assert scan_learners(csv_file(path), header).grouped
    blocks = list(learner_blocks(rows, header, 1))
    assert [[row[1][0] for row in block] for block in blocks] == [["A1", "x" * (CELL_LIMIT + 1), "A1"], ["A2"], ["A3"]]
    by_columns = [("columns", block) for block in columnar_blocks(csv_file(path), header, 1)]
    assert [block.batch.num_rows for _, block in by_columns] == [3, 1, 1]
    for tasks in ([("rows", str(path), header, block) for block in blocks], by_columns):
        json_text, problems = decided(tasks, library)
        assert json_text == whole_file(path, library)
        assert [d.code for d in problems] == ["QR511"]


def plain_rows(seed: int, learners: int, pool: list[str]) -> list[list[str]]:
    """Learners whose records a verdict takes as they are: any number of the pool's units passed (often more
    than a cap allows), some only referred, a few too young for an age rule."""
    rng = random.Random(seed)
    rows = []
    for number in range(learners):
        learner, registered = f"P{number:04d}", f"2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        born = rng.choice(["1990-05-17"] * 9 + ["2006-02-11"])
        for unit in rng.sample(pool, rng.randint(0, len(pool))):
            result = rng.choice(["pass"] * 8 + ["referred", "merit"])
            rows.append([learner, unit, result, f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                         registered, born])
            if rng.random() < 0.1:
                rows.append([learner, rng.choice(pool), "referred", "2023-02-01", registered, born])
        if not rows or rows[-1][0] != learner:
            rows.append([learner, pool[0], "referred", "2023-03-01", registered, born])
    return rows


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("qan", QANS)
def test_plain_learners_joined_from_pieces_give_the_whole_file_verdicts(qan, seed, library, tmp_path):
    path = tmp_path / "cohort.csv"
    write_csv(path, plain_rows(seed, 300, [unit.ref for unit in library.qualification(qan)[0].units]))
    header, _ = open_table(csv_file(path))
    tasks = [("columns", block) for block in columnar_blocks(csv_file(path), header, 37)]
    expected = whole_file(path, library, (qan,))
    assert decided(tasks, library, qans=(qan,))[0] == expected
    verdicts = json.loads(expected)
    assert {v["status"] for v in verdicts} == {"achieved", "not achieved"}
    assert any(v["achieved"] for v in verdicts) and any(v["set_aside"] for v in verdicts)


def test_a_quoted_newline_does_not_shift_the_lines_reported_after_it(library, tmp_path):
    path = tmp_path / "cohort.csv"
    rows = [["A1", "L3B1", "pass\nwith a note", "2024-01-01", "2022-01-01", "1990-01-01"],
            ["A2", "L3B2", "pass", "not a date", "2022-01-01", "1990-01-01"]]
    write_csv(path, rows)
    header, _ = open_table(csv_file(path))
    (block,) = columnar_blocks(csv_file(path), header, 10)
    assert block.lines.tolist() == [2, 4]
    text, _ = decided([("columns", block)], library)
    errors = [e for row in json.loads(text) for e in row.get("errors", [])]
    assert {(e["code"], e["line"]) for e in errors} == {("QR503", 2), ("QR502", 4)}


def test_a_file_whose_learners_are_not_together_is_read_whole(library, tmp_path):
    path = tmp_path / "cohort.csv"
    rows = cohort_rows(3, 20)
    rows.append(rows[0][:])  # the first learner again, at the end
    write_csv(path, rows)
    header, _ = open_table(csv_file(path))
    assert not scan_learners(csv_file(path), header).grouped
    opened = cohort.open_cohort(path, library.vocabulary())
    assert not opened.streamed
    blocks = cohort.check_blocks(opened, settings(), library, library.vocabulary(), 1)
    assert "".join(cohort.json_array(b.json for b in blocks)) == whole_file(path, library)


def test_a_ragged_file_streams_through_the_row_reader(library, tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_text("learner,unit,result,achieved_on\nA1,L3B1,pass,2024-01-01\nA2,L3B2\nA3,L3B1,pass,2024-01-01\n")
    header, _ = open_table(csv_file(path))
    scan = scan_learners(csv_file(path), header)
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
    header, _ = open_table(csv_file(path))
    tasks = [("columns", block) for block in columnar_blocks(csv_file(path), header, 3)]
    monkeypatch.setattr(cohort._Worker, "__call__", lambda worker, task: os._exit(1))  # inherited by the workers
    with pytest.raises(BrokenProcessPool):
        decided(tasks, library, jobs=2)


def write_text_csv(path, rows, encoding: str, delimiter: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def streamed(path, library, options=DEFAULT_OPTIONS) -> str:
    opened = cohort.open_cohort(path, library.vocabulary(), options)
    assert opened.streamed
    blocks = cohort.check_blocks(opened, cohort.CheckSettings(QANS, "json", options), library,
                                 library.vocabulary(), 1)
    return "".join(cohort.json_array(b.json for b in blocks))


@pytest.mark.parametrize("encoding,delimiter", [("utf-8-sig", ","), ("utf-16", "\t"), ("cp1252", ";"),
                                                ("utf-8", ";")])
@pytest.mark.parametrize("per_block", [1, 50])
def test_every_encoding_and_delimiter_gives_the_verdicts_of_utf8_with_commas(encoding, delimiter, per_block,
                                                                             library, tmp_path, monkeypatch):
    rows = cohort_rows(5, 40)
    assert any(not row[0].isascii() for row in rows)  # the encodings differ in this cohort's bytes
    (tmp_path / "plain").mkdir()
    (tmp_path / "variant").mkdir()
    monkeypatch.chdir(tmp_path / "plain")
    write_text_csv(Path("cohort.csv"), rows, "utf-8", ",")
    expected = whole_file(Path("cohort.csv"), library)
    monkeypatch.chdir(tmp_path / "variant")
    path = Path("cohort.csv")
    write_text_csv(path, rows, encoding, delimiter)
    file = csv_file(path)
    assert (file.delimiter, file.decided.guessed) == (delimiter, encoding == "cp1252")
    header, lines = open_table(file)
    by_rows = [("rows", str(path), header, block) for block in learner_blocks(lines, header, per_block)]
    by_columns = [("columns", block) for block in columnar_blocks(file, header, per_block)]
    assert whole_file(path, library) == expected
    assert decided(by_rows, library)[0] == expected
    assert decided(by_columns, library)[0] == expected
    assert streamed(path, library) == expected


def test_options_naming_the_encoding_delimiter_and_date_forms_reach_every_path(library, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = cohort_rows(6, 30)
    for row in rows:
        row[3] = _two_digit_year(row[3])
    options = ReadOptions(encoding="latin-1", delimiter=";", date_formats=("dd/mm/yy",))
    path = Path("cohort.csv")
    write_text_csv(path, rows, "latin-1", ";")
    records = read_records(path, library.vocabulary(), options)
    assert [warning.code for warning in records.warnings] == ["QR520"]  # the cohort's unit in no catalogue, and
    # no QR515: the encoding is named
    targets = [library.qualification(q) for q in QANS]
    expected = json.dumps([row.to_json() for row in cohort.check_rows(records, targets)], indent=2)
    refused = {e["message"] for row in json.loads(expected) for e in row.get("errors", []) if e["code"] == "QR502"}
    assert refused == {"`achieved_on` is not a date: '31/02/24'"}  # only the cohort's own bad date
    assert streamed(path, library, options) == expected
    header, lines = open_table(csv_file(path, options))
    settings_with = cohort.CheckSettings(QANS, "json", options)
    by_rows = [("rows", str(path), header, block) for block in learner_blocks(lines, header, 3)]
    blocks = cohort.check_blocks(cohort.Cohort(0, True, iter(by_rows)), settings_with, library,
                                 library.vocabulary(), 1)
    assert "".join(cohort.json_array(b.json for b in blocks)) == expected


def _two_digit_year(date: str) -> str:
    """An ISO date of the cohort as dd/mm/yy (others, such as the bad `31/02/2024`, with a two-digit year)."""
    if date[:4].isdigit() and date[4:5] == "-":
        return f"{date[8:10]}/{date[5:7]}/{date[2:4]}" + date[10:]
    return date[:-4] + date[-2:] if date.endswith("2024") else date


def write_parquet(path, rows, row_group_size: int = 7) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(zip(*rows))
    pq.write_table(pa.table({name: list(values) for name, values in zip(HEADER, columns)}), path,
                   row_group_size=row_group_size)


@pytest.mark.parametrize("per_block", [1, 3, 50])
def test_a_parquet_file_streams_with_the_verdicts_read_whole(per_block, library, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", per_block)
    rows = cohort_rows(8, 40)
    write_parquet("cohort.parquet", rows)
    expected = whole_file(Path("cohort.parquet"), library)
    assert streamed(Path("cohort.parquet"), library) == expected
    # The verdicts of the same rows as CSV; only where an error points differs (a row, not a line).
    write_csv(tmp_path / "cohort.csv", rows)

    def verdicts(text: str) -> list:
        return [{key: value for key, value in row.items() if key != "errors"} | {
            "errors": [error["code"] for error in row.get("errors", [])]} for row in json.loads(text)]

    assert verdicts(expected) == verdicts(whole_file(Path("cohort.csv"), library))
    assert any(row.get("errors") for row in json.loads(expected))


def test_a_parquet_file_whose_learners_are_not_together_is_read_whole(library, tmp_path):
    path = tmp_path / "cohort.parquet"
    rows = cohort_rows(3, 20)
    write_parquet(path, rows + [rows[0][:]])
    opened = cohort.open_cohort(path, library.vocabulary())
    assert not opened.streamed
    blocks = cohort.check_blocks(opened, settings(), library, library.vocabulary(), 1)
    assert "".join(cohort.json_array(b.json for b in blocks)) == whole_file(path, library)


def test_a_folder_of_parquet_parts_reads_as_one_table(library, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 3)
    rows = cohort_rows(9, 30)
    write_parquet("cohort.parquet", rows)
    Path("parts").mkdir()
    # A learner's rows may be split between two parts; the parts are read in the order of their names.
    for number, start in enumerate(range(0, len(rows), 25)):
        write_parquet(Path("parts", f"part-{number:05d}.parquet"), rows[start:start + 25], row_group_size=4)
    Path("parts", "_SUCCESS").write_text("")
    expected = whole_file(Path("parts"), library)
    assert streamed(Path("parts"), library) == expected
    assert expected == whole_file(Path("cohort.parquet"), library).replace('"cohort.parquet"', '"parts"')


def test_iso_dates_read_as_columns_are_the_dates_the_row_reader_reads():
    import datetime as dt

    import pyarrow as pa

    from qualrules.interpreter.records.columnar import BAD_DATE, _iso_days
    from qualrules.interpreter.records.dates import DateForms

    texts = [dt.date.fromordinal(day).isoformat() for day in range(1, dt.date.max.toordinal() + 1, 97)]
    texts += ["0001-01-01", "9999-12-31", "2024-02-29", "2000-02-29", "1900-02-29", "2023-02-29", "2023-04-31",
              "2023-13-01", "2023-00-10", "2023-01-00", "2023-01-32", "0000-01-01", "2023-1-01", " 2023-01-01",
              "２023-01-01", "2023-01-01T10:30", ""]
    iso, days = _iso_days(pa.array(["x"] + texts).slice(1))  # an offset into the array's text, as a block has
    read = [DateForms().read(text) for text in texts]
    assert iso.tolist() == [len(text) == 10 and text.isascii() and text[:4].isdigit() for text in texts]
    assert [day for day, taken in zip(days.tolist(), iso) if taken] == [
        day.toordinal() if isinstance(day, dt.date) else BAD_DATE for day, taken in zip(read, iso) if taken]


def test_ages_read_as_columns_are_the_evaluator_s_ages():
    import datetime as dt

    import numpy as np

    from qualrules.interpreter.records.columnar import NO_DATE, _ages

    rng = random.Random(5)
    born = [rng.randint(1, 3_000_000) for _ in range(5000)] + [dt.date(2000, 2, 29).toordinal(), NO_DATE, 5]
    registered = [b + rng.randint(-400, 40_000) for b in born[:-3]] + [dt.date(2018, 2, 28).toordinal(), 9, NO_DATE]
    expected = [age_on(dt.date.fromordinal(b), dt.date.fromordinal(r)) if b > 0 and r > 0 else -1
                for b, r in zip(born, registered)]
    assert _ages(np.array(born), np.array(registered)).tolist() == expected


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("last_line_ended", [True, False])
def test_a_file_of_one_line_per_row_is_read_by_each_worker_from_where_its_blocks_start(
        ending, last_line_ended, library, tmp_path, monkeypatch):
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 7)
    certificate = library.qualification(ISP_CERTIFICATE)[0]
    rows = plain_rows(4, 120, [unit.ref for unit in certificate.units])
    rows[5][3], rows[40][1] = "31/02/2024", "XYZ9"  # a bad date and a unit in no catalogue still fail one learner
    path = tmp_path / "cohort.csv"
    path.write_bytes((ending.join(",".join(row) for row in [HEADER] + rows) + ending * last_line_ended).encode())
    opened = cohort.open_cohort(path, library.vocabulary())
    tasks = list(opened.tasks)
    assert {task[0] for task in tasks} == {"lines"} and len(tasks) == -(-opened.learners // 7)
    expected = whole_file(path, library, (ISP_CERTIFICATE,))
    assert decided(tasks, library, qans=(ISP_CERTIFICATE,))[0] == expected
    assert decided(tasks, library, jobs=2, qans=(ISP_CERTIFICATE,))[0] == expected


def test_a_byte_order_mark_that_starts_a_block_s_first_id_stays_in_the_id(library, tmp_path, monkeypatch):
    # The columnar reader drops a byte-order mark at the start of what it reads: a block read from where it
    # starts in the file would lose the one that begins its first learner's id.
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 1)
    path = tmp_path / "cohort.csv"
    write_csv(path, [["A1", "L3B1", "pass", "2024-01-01", "2022-01-01", "1990-01-01"],
                     ["\ufeffB2", "L3B2", "pass", "2024-01-01", "2022-01-01", "1990-01-01"]])
    opened = cohort.open_cohort(path, library.vocabulary())
    tasks = list(opened.tasks)
    assert [task[0] for task in tasks] == ["lines", "lines"]
    streamed = decided(tasks, library, qans=(ISP_CERTIFICATE,))[0]
    assert streamed == whole_file(path, library, (ISP_CERTIFICATE,))
    assert [verdict["learner"] for verdict in json.loads(streamed)] == ["A1", "\ufeffB2"]


def test_a_quote_never_closed_hides_no_learner_from_the_count(library, tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_text("\n".join([",".join(HEADER), "A1,L3B1,pass,2024-01-01,2022-01-01,1990-01-01",
                               'A2,L3B2,pass,2024-01-01,2022-01-01,"1990-01-01',
                               "A3,L3B2,pass,2024-01-01,2022-01-01,1990-01-01"]) + "\n", encoding="utf-8")
    opened = cohort.open_cohort(path, library.vocabulary())
    records = read_records(path, library.vocabulary())
    assert opened.learners == len(records.order) == 3
    assert decided(opened.tasks, library, qans=(ISP_CERTIFICATE,))[0] == whole_file(path, library, (ISP_CERTIFICATE,))


def test_a_file_with_a_line_break_in_a_cell_is_cut_into_blocks_by_this_process(library, tmp_path):
    path = tmp_path / "cohort.csv"
    write_csv(path, [["A1", "L3B1", "pass\nwith a note", "2024-01-01", "2022-01-01", "1990-01-01"],
                     ["A2", "L3B2", "pass", "2024-01-01", "2022-01-01", "1990-01-01"]])
    assert [task[0] for task in cohort.open_cohort(path, library.vocabulary()).tasks] == ["columns"]


# ---- declared columns, approvals and pathways, in every format ---------------------------------------------

DECLARED_HEADER = HEADER + ["pathway", "EHCP", "EngGrade", "MathGrade", "Exemption approved", "Tutor"]
DECLARED_QANS = ("ST0005", "600/1000/9", "500/7112/9", ISP_CERTIFICATE)
ISP_UNITS = ("L3B1", "L3B2", "L3C1", "L3C2", "L3L1")
EXEMPTION_UNITS = ("8607-201", "8607-202", "8607-204")
ACCOUNTING_UNITS = ("1", "2", "3", "4", "5", "6", "7", "35")


def declared_rows() -> list[list]:
    """Learners whose verdicts need the ruleset's columns (an EHCP flag, GCSE grades, an exemption's approval,
    a pathway) as typed values, as an export gives them (None for a blank), with every error they can hold."""
    rows = []

    def learner(learner_id: str, units, pathway=None, ehcp=None, english=None, maths=None, approved=None):
        for k, unit in enumerate(units):
            value = lambda given: given[k] if isinstance(given, list) else given
            rows.append([learner_id, unit, "exemption" if unit == "ACCA-F4" else "pass", f"2024-06-{k + 1:02d}",
                         "2024-01-15", "1990-01-01", value(pathway), value(ehcp), value(english), value(maths),
                         approved if unit == "ACCA-F4" else None, 1.5])

    learner("MET", ("EPA1", "EPA2"), ehcp=False, english=5, maths=4)
    learner("EHCP", ("EPA1", "EPA2"), ehcp=True, english=2, maths=2)
    learner("UNKNOWN", ("EPA1", "EPA2"), english=3, maths=5)  # no EHCP flag, no functional skills: cannot tell
    learner("BAD", ("EPA1", "EPA2"), ehcp=False, english=[12, None], maths=4)  # QR550
    learner("CLASH", ("EPA1", "EPA2"), ehcp=[False, True], english=5, maths=4)  # QR551
    # Sound values a qualification does not read change nothing: the learner's units decide the certificate.
    learner("SALES", ISP_UNITS, ehcp=False, english=5)
    learner("MISTYPED", ISP_UNITS, english=[None, None, 0, None, None])  # QR550, whatever the qualification
    learner("APPROVED", EXEMPTION_UNITS + ("ACCA-F4",), approved="Yes")
    learner("REFUSED", EXEMPTION_UNITS + ("ACCA-F4",), approved="not approved")
    learner("UNSAID", EXEMPTION_UNITS + ("ACCA-F4",))
    learner("PENDING", EXEMPTION_UNITS + ("ACCA-F4",), approved="pending")  # QR546
    learner("ACCOUNTS", ACCOUNTING_UNITS, pathway=[None, "accounting"] + [None] * 6)
    learner("ASTROLOGY", ACCOUNTING_UNITS, pathway=["Astrology"] + [None] * 7)  # QR543
    learner("TWOPATHS", ACCOUNTING_UNITS, pathway=["Accounting", "Marketing"] + [None] * 6)  # QR544
    return rows


def declared_table(rows):
    """The rows as an Arrow table: the flag boolean, the grades integers, the approvals a dictionary (as pandas
    writes a categorical), and an unread column of floats."""
    import pyarrow as pa

    columns = dict(zip(DECLARED_HEADER, map(list, zip(*rows))))
    types = {"EHCP": pa.bool_(), "EngGrade": pa.int64(), "MathGrade": pa.int64(), "Tutor": pa.float64()}
    table = pa.table({name: pa.array(values, types.get(name, pa.string())) for name, values in columns.items()})
    approved = table.column_names.index("Exemption approved")
    return table.set_column(approved, "Exemption approved", table.column(approved).dictionary_encode())


def declared_csv_text(rows) -> str:
    """The rows as a CSV file writes them: true and false, digits, an empty cell for a blank."""
    def cell(value) -> str:
        return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DECLARED_HEADER)
    writer.writerows([[cell(value) for value in row] for row in rows])
    return buffer.getvalue()


@pytest.fixture(scope="module")
def declared_library(tmp_path_factory) -> Library:
    from test_attainment import ADULT_CARE
    from test_equivalences import EXEMPTIONS

    folder = tmp_path_factory.mktemp("declared")
    (folder / "adult-care.qual").write_text(ADULT_CARE, encoding="utf-8")
    (folder / "exemptions.qual").write_text(EXEMPTIONS, encoding="utf-8")
    return Library.load([folder / "adult-care.qual", folder / "exemptions.qual",
                         Path(__file__).parent / "data" / "business_pathways.qual"])


DECLARED_ERRORS = {
    "BAD": ("QR550", "`EngGrade` holds '12', which no ruleset's declaration of that column allows"),
    "CLASH": ("QR551", "learner CLASH has two different `EHCP` values: 'false' (line N) and 'true'"),
    "MISTYPED": ("QR550", "`EngGrade` holds '0', which no ruleset's declaration of that column allows"),
    "PENDING": ("QR546", "`Exemption approved` is 'pending', which does not say whether the exemption was approved"),
    "ASTROLOGY": ("QR543", "unknown pathway 'Astrology': no loaded qualification declares it"),
    "TWOPATHS": ("QR544", "learner TWOPATHS has two different pathways: 'Accounting' (line N) and 'Marketing'"),
}


def declared_verdicts(text: str) -> list[dict]:
    """Verdicts with each error as its code and message, the line a message cites as N: a CSV file cites its
    line, a Parquet file its row."""
    import re

    return [{key: value for key, value in row.items() if key != "errors"}
            | ({"errors": [(e["code"], re.sub(r"line \d+", "line N", e["message"])) for e in row["errors"]]}
               if "errors" in row else {}) for row in json.loads(text)]


def test_declared_columns_give_the_same_verdicts_from_csv_and_parquet(declared_library, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 4)
    rows = declared_rows()
    Path("export.csv").write_text(declared_csv_text(rows), encoding="utf-8")
    pq.write_table(declared_table(rows), "export.parquet", row_group_size=5)
    expected = whole_file(Path("export.csv"), declared_library, DECLARED_QANS)
    for path in (Path("export.csv"), Path("export.parquet")):
        opened = cohort.open_cohort(path, declared_library.vocabulary())
        assert opened.streamed
        blocks = cohort.check_blocks(opened, settings(qans=DECLARED_QANS), declared_library,
                                     declared_library.vocabulary(), 1)
        by_blocks = "".join(cohort.json_array(b.json for b in blocks))
        assert declared_verdicts(by_blocks) == declared_verdicts(whole_file(path, declared_library, DECLARED_QANS)) \
            == declared_verdicts(expected)
    verdicts = declared_verdicts(expected)
    assert {(row["learner"], row["qualification"]): row["status"] for row in verdicts if row["status"] != "error"
            and row["learner"] not in ("SALES", "ACCOUNTS") and row["qualification"] in ("ST0005", "600/1000/9")} \
        == {("MET", "ST0005"): "achieved", ("EHCP", "ST0005"): "achieved", ("UNKNOWN", "ST0005"): "undetermined",
            **{(learner, "ST0005"): "not achieved" for learner in ("APPROVED", "REFUSED", "UNSAID")},
            **{(learner, "600/1000/9"): "not achieved" for learner in ("MET", "EHCP", "UNKNOWN", "REFUSED")},
            ("APPROVED", "600/1000/9"): "achieved", ("UNSAID", "600/1000/9"): "undetermined"}
    by_learner = {(row["learner"], row["qualification"]): row for row in verdicts}
    assert by_learner["SALES", ISP_CERTIFICATE]["status"] == "achieved"
    assert (by_learner["ACCOUNTS", "500/7112/9"]["status"], by_learner["ACCOUNTS", "500/7112/9"]["pathway"]) \
        == ("achieved", "Accounting")
    assert by_learner["APPROVED", "600/1000/9"]["equivalents"] == [
        {"unit": "8607-205", "by": ["ACCA-F4"], "credit": "replacement"}]
    errors = {row["learner"]: row["errors"] for row in verdicts if "errors" in row}
    assert errors == {learner: [error] for learner, error in DECLARED_ERRORS.items()}
    # Each error where it stands: the file's line in CSV, the row of data (from 1) in Parquet.
    for path, at in (("export.csv", lambda row: {"line": row + 1}), ("export.parquet",
                                                                   lambda row: {"line": row, "element": f"row {row}"})):
        located = {row["learner"]: row["errors"][0] for row in json.loads(whole_file(Path(path), declared_library,
                                                                                     DECLARED_QANS))
                   if "errors" in row}
        assert {learner: {key: error[key] for key in at(0)} for learner, error in located.items()} == {
            "BAD": at(7), "CLASH": at(10), "MISTYPED": at(18), "PENDING": at(36), "ASTROLOGY": at(45),
            "TWOPATHS": at(54)}


def test_a_learner_with_sound_declared_values_stays_plain_for_a_qualification_that_reads_none(
        declared_library, tmp_path):
    from qualrules.interpreter.records.columnar import Columns

    path = tmp_path / "export.csv"
    path.write_text(declared_csv_text(declared_rows()), encoding="utf-8")
    header, _ = open_table(csv_file(path))
    (block,) = columnar_blocks(csv_file(path), header, 100)
    columns = Columns(block, declared_library.vocabulary(), {})
    plain = dict(zip(columns.ids, columns.plain.tolist()))
    # A named pathway is read row by row, as are the values the row reader would report.
    assert [learner for learner, is_plain in plain.items() if not is_plain] == [
        "BAD", "CLASH", "MISTYPED", "PENDING", "ACCOUNTS", "ASTROLOGY", "TWOPATHS"]
    isp = columns.holdings(declared_library.qualification(ISP_CERTIFICATE)[0], lambda word: word == "pass")
    assert dict(zip(columns.ids, isp.plain.tolist()))["SALES"]


def test_a_parquet_file_s_declared_column_of_lists_is_refused_and_an_undeclared_one_ignored(declared_library,
                                                                                           tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qualrules.interpreter.diagnostics import DiagnosticError

    table = declared_table(declared_rows())
    lists = pa.array([["Y"]] * table.num_rows)
    pq.write_table(table.append_column("Notes", lists), tmp_path / "ignored.parquet")
    assert read_records(tmp_path / "ignored.parquet", declared_library.vocabulary()).order[:2] == ("MET", "EHCP")
    pq.write_table(table.set_column(table.column_names.index("EHCP"), "EHCP", lists), tmp_path / "lists.parquet")
    with pytest.raises(DiagnosticError) as raised:
        read_records(tmp_path / "lists.parquet", declared_library.vocabulary())
    assert [(d.code, d.message, d.location.line) for d in raised.value.diagnostics] == [
        ("QR518", "the `EHCP` column holds values of type list<element: string>, not single values", 1)]


@exactness_settings(max_examples=60)
@given(st.data())
def test_verdicts_joined_from_pieces_are_the_evaluator_s_for_random_rulesets_of_sums(data):
    # Achieved or not, capped or short, too young or not: a plain learner's text from pieces is the
    # evaluator's, whatever rules of sums (caps, barring codes, `all of`, levels) a qualification has.
    text, _ = data.draw(sum_rulesets(), label="ruleset")
    if data.draw(st.booleans(), label="age rule"):
        text += "  age 18 or over\n"
    _, q = compiled(text)
    assume(PlainVerdicts.covers(q))
    explanations, pieces = Explanations(q), Pieces()
    verdicts = PlainVerdicts(q, explanations, pieces)
    width = len(q.units)
    rows = data.draw(st.lists(st.lists(st.booleans(), min_size=width, max_size=width), min_size=1, max_size=12),
                     label="units held")
    held = np.array(rows + [[True] * width], dtype=bool)
    refs = [unit.ref for unit in q.units]
    attempted = [tuple((refs[k], "referred") for k in range(width) if not row[k] and k % 3 == 0)
                 for row in held.tolist()]
    born = [dt.date(2010 if data.draw(st.booleans(), label=f"young {k}") else 1990, 5, 17) for k in range(len(held))]
    registered_on = dt.date(2024, 1, 8)
    learners = [Learner(f"P{k}", born[k], registered_on, ()) for k in range(len(held))]
    young = {k: (age_on(b, registered_on), registered_on.toordinal()) for k, b in enumerate(born)
             if b.year == 2010 and q.minimum_age is not None}
    extra: list[str] = []

    def block_text(text: str) -> int:
        extra.append(text)
        return -len(extra)

    numbers, told, achieved = verdicts.rows(held, attempted, young, block_text)
    expected = decide(q, learners, [plain_holdings(q, learner, frozenset(np.flatnonzero(row).tolist()), tried)
                                    for learner, row, tried in zip(learners, held, attempted)], explanations)
    for row in np.flatnonzero(told).tolist():
        assert pieces.join(numbers[row], extra) == verdict_rest(expected[row])
        assert achieved[row] == expected[row].achieved
    # Only a learner too young whose claim meets every rule with no unit is left to the evaluator.
    assert all(row in young and not expected[row].claim for row in np.flatnonzero(~told).tolist())


def quoting_of(*blocks: bytes, delimiter: str = ",") -> bool:
    quoting = stream._Quoting(delimiter)
    for block in blocks:
        (quoting.read if b'"' in block else quoting.passed)(block)
    return quoting.regular()


@pytest.mark.parametrize("text", [
    b'"L1","L3B1","pass"\r\n"L2","L3B2","pass"',  # every cell quoted, lines ended by \r\n
    b'L1,"pass, with a note",2024-01-01\nL2,"",2024-01-02\n',  # a delimiter in a cell; an empty quoted cell
    b'L1,"pass\nwith a note",2024-01-01\n',  # a line break in a quoted cell
    b'\xef\xbb\xbf"learner",unit\n',  # a quote at the file's start, after a byte-order mark
])
def test_quotes_that_open_and_close_cells_are_regular(text):
    assert quoting_of(text)
    # Whatever the blocks (a byte-order mark is whole in the first).
    mark = len(codecs.BOM_UTF8) if text.startswith(codecs.BOM_UTF8) else 0
    assert quoting_of(text[:mark], *(text[k:k + 1] for k in range(mark, len(text))))


@pytest.mark.parametrize("text", [
    b'Result,h",",Unit\n',  # a quote inside a cell that does not start with one
    b',,,,5","","\n,L',
    b'L1,"say ""pass""",2024-01-01\n',  # a doubled quote inside a quoted cell
    b'L1, "pass",2024-01-01\n',  # a space before the quote
    b'L1,"pass" ,2024-01-01\n',  # a space after it
    b'L1,"pass,2024-01-01\n',  # a quote never closed
])
def test_any_other_quote_is_irregular(text):
    assert not quoting_of(text)
    assert not quoting_of(*(text[k:k + 1] for k in range(len(text))))


@pytest.mark.parametrize("text", [
    'Result,h",",Unit,achieved_on,learner,\n,,,,,0,',
    'result,Learner,,Unit,,achieved_on,\n,,,,5","","\n,L',
    'learner,unit,result,achieved_on\nA1,L3B1,pa"ss,2024-01-01\nA2,L3B2,pass,2024-01-01\n',
])
def test_a_file_with_irregular_quotes_is_read_by_the_row_reader_with_the_whole_file_verdicts(text, library,
                                                                                             tmp_path):
    # Arrow and Python's csv split irregular quotes differently: reading such a file as columns lost learners.
    path = tmp_path / "cohort.csv"
    path.write_text(text, encoding="utf-8")
    opened = cohort.open_cohort(path, library.vocabulary())
    tasks = list(opened.tasks)
    assert {task[0] for task in tasks} == {"rows"}
    assert opened.learners == len(read_records(path, library.vocabulary()).order)
    assert decided(tasks, library)[0] == whole_file(path, library)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("qan", [ISP_CERTIFICATE, ILM])
def test_a_compact_report_gathered_in_blocks_is_the_page_of_every_learner_at_once(jobs, qan, library, tmp_path,
                                                                                 monkeypatch):
    # The figures, the learner table and the nearest learners in full, gathered a block at a time on
    # workers, make the page `html_report` makes of every learner read whole: records with every kind of
    # trouble among them, so errors, undetermined verdicts and unknown units are gathered too.
    from qualrules import cli
    from qualrules.interpreter.presentation.report import (Detail, cohort_reports, html_report, summary_text,
                                                          with_criteria_progress)

    monkeypatch.chdir(tmp_path)
    rows = cohort_rows(3, 60)
    at = next(k for k in range(len(rows) // 2, len(rows)) if rows[k][0] != rows[k - 1][0])
    write_csv(tmp_path / "cohort.csv", rows[:at] + [["", "L3B1", "pass", "2024-01-01", "", ""]] + rows[at:])
    detail = Detail(whole_cohort=10, nearest=4)
    monkeypatch.setattr(cli, "DETAIL", detail)
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 7)
    result = CliRunner().invoke(main, ["report", "cohort.csv", "-q", qan, "-o", "report.html", "--jobs", jobs])
    q, body = library.qualification(qan)
    ruleset = next(e.ruleset for e in library.rulesets if any(found is q for found in e.qualifications))
    records = read_records("cohort.csv", library.vocabulary())
    entries = with_criteria_progress(cohort_reports(q, records, body.counts_as_achieved, detail), q, ruleset, records)
    expected = html_report(q, entries, awarding_body=body.title, records="cohort.csv", problems=records.problems,
                           detail=detail)
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == expected
    assert result.exit_code == 2  # some rows have errors, reported on stderr
    assert result.stdout == f"wrote report.html: {summary_text(entries, detail)}\n"
    assert "QR520" in result.stderr and "QR506" in result.stderr and records.unreadable and records.problems


@pytest.mark.parametrize("command", [["check", "-q", ISP_CERTIFICATE], ["eligible"],
                                     ["report", "-q", ISP_CERTIFICATE, "-o", "report.html"]])
def test_a_file_read_whole_whose_only_entry_names_no_learner_is_an_error(command, tmp_path, monkeypatch):
    # No learner, but a problem: it is reported, and the exit status says the input could not all be read.
    monkeypatch.chdir(tmp_path)
    Path("records.json").write_text('{"learners": [{"units": []}]}', encoding="utf-8")
    result = CliRunner().invoke(main, [command[0], "records.json", *command[1:]])
    assert result.exit_code == 2
    assert 'error[QR506]: a learner needs an "id"' in result.stderr


def test_where_workers_cannot_be_forked_each_gathers_a_report_with_the_installed_rulesets(tmp_path, monkeypatch):
    import multiprocessing

    from qualrules import cli
    from qualrules.interpreter.presentation.report import Detail

    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "cohort.csv", cohort_rows(5, 12))
    monkeypatch.setattr(cli, "DETAIL", Detail(whole_cohort=3, nearest=2))
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 4)
    arguments = ["report", "cohort.csv", "-q", ISP_CERTIFICATE]
    alone = CliRunner().invoke(main, [*arguments, "-o", "alone.html", "--jobs", "1"])
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    spawned = CliRunner().invoke(main, [*arguments, "-o", "spawned.html", "--jobs", "2"])
    assert spawned.exit_code == alone.exit_code
    assert Path("spawned.html").read_text(encoding="utf-8") == Path("alone.html").read_text(encoding="utf-8")
