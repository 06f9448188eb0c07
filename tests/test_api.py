"""qualrules.api: each function on hand-checked seed cases and against the command line's own output;
check_batch over a partitioned Parquet dataset on a local Dask cluster; the examples of docs/api.md."""

from __future__ import annotations

import concurrent.futures
import csv
import datetime as dt
import doctest
import importlib.util
import json
import multiprocessing
import re
from pathlib import Path
from types import SimpleNamespace

import attrs
import pandas as pd
import pyarrow as pa
import pyarrow.csv as arrow_csv
import pyarrow.dataset
import pytest
from click.testing import CliRunner

from conftest import DEMO_RULESET, ILM_CERTIFICATE, ISP_CERTIFICATE, ISP_DIPLOMA
from qualrules import api
from qualrules.cli import main
from qualrules.interpreter import cohort
from qualrules.plugins import AwardingBody
# Learners sorted by id with every kind of trouble a verdict must mention, shared with the cohort tests, and
# learners whose verdicts need a ruleset's declared columns.
from test_cohort import (DECLARED_QANS, cohort_rows, declared_csv_text, declared_library, declared_rows,
                         declared_table, whole_file)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cohort.csv"
ISP_AWARD = "610/3791/6"
QANS = [ISP_CERTIFICATE, ISP_AWARD, ILM_CERTIFICATE]
RECORD_COLUMNS = ["learner", "unit", "result", "achieved_on", "registered_on", "date_of_birth"]
GROUP_1 = ["8570-228", "8570-229", "8570-205"]


@pytest.fixture(scope="module")
def library() -> api.Library:
    return api.load()


def write_csv(path: Path, rows, header=RECORD_COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def text_table(rows) -> pa.Table:
    """Record rows as an Arrow table of strings, as a CSV file's cells."""
    return pa.table({name: [row[k] for row in rows] for k, name in enumerate(RECORD_COLUMNS)})


def command_json(path: Path, qans, *options: str) -> list[dict]:
    """What `qualrules check --format json` prints for a records file."""
    arguments = ["check", str(path), *(a for qan in qans for a in ("-q", qan)), "--format", "json", *options]
    return json.loads(CliRunner().invoke(main, arguments).stdout)


def error_of(error: dict) -> tuple:
    """An error as both sides give it. The command places it by the file's line, check_batch by the batch's
    row, and a message citing another row (QR507) cites it so."""
    return error["code"], re.sub(r"line \d+", "line N", error["message"]), error["hint"]


# check_batch's columns for a graded qualification's verdict, and for one with equivalences or pathways: null
# for a pass-only one, whose JSON lacks them.
GRADED_COLUMNS = ("grade", "points", "unit_points", "fallback_qualification", "fallback_status", "fallback_grade",
                  "equivalents", "pathway", "awarded_title", "pathway_decision", "pathways")


def as_printed(row: dict) -> dict:
    """A pass-only check_batch verdict as the command prints it: only the keys its JSON object has."""
    assert all(row[key] is None for key in GRADED_COLUMNS)
    verdict_keys = [name for name in api.verdict_schema().names if name not in ("errors", *GRADED_COLUMNS)]
    if row["status"] != "error":
        assert row["errors"] is None
        return {key: row[key] for key in verdict_keys}
    assert all(row[key] is None for key in verdict_keys[5:])
    return {**{key: row[key] for key in verdict_keys[:5]}, "errors": [error_of(e) for e in row["errors"]]}


def printed(row: dict) -> dict:
    return {**row, "errors": [error_of(e) for e in row["errors"]]} if "errors" in row else row


# ---- load, read_records, evaluate -----------------------------------------------------------------

def test_load_gives_the_installed_rulesets_and_given_files(tmp_path):
    bundled = api.load()
    assert len(bundled.qualifications) == 15
    assert set(bundled.bodies) >= {"ILM", "ISP"}
    demo = tmp_path / "demo.qual"
    demo.write_text(DEMO_RULESET, encoding="utf-8")
    assert set(api.load([demo]).qualifications) == set(bundled.qualifications) | {"900/0000/1"}
    assert set(api.load([demo], bundled=False).qualifications) == {"900/0000/1"}


def test_a_given_qualification_replaces_the_bundled_one(tmp_path):
    replacement = tmp_path / "award.qual"
    replacement.write_text(DEMO_RULESET.replace("900/0000/1", ISP_AWARD), encoding="utf-8")
    library = api.load([replacement])
    assert library.qualification(ISP_AWARD)[0].title == "Demonstration Award"
    assert library.notes == (f"{ISP_AWARD} from {replacement} replaces the one in ISP:professional-sales-l3.qual",)


def test_load_raises_the_problems_of_the_given_files(tmp_path):
    broken = tmp_path / "broken.qual"
    broken.write_text(DEMO_RULESET.replace("units from CORE", "units from NOWHERE"), encoding="utf-8")
    with pytest.raises(api.DiagnosticError) as raised:
        api.load([broken])
    assert raised.value.diagnostics and all(d.location.file == str(broken) for d in raised.value.diagnostics)
    with pytest.raises(api.DiagnosticError) as raised:
        api.load([tmp_path / "absent.qual"])
    assert [d.code for d in raised.value.diagnostics] == ["QR005"]


def test_read_records_reads_the_whole_file(library, tmp_path):
    records = api.read_records(EXAMPLE, library)
    assert records.order == ("A001", "A002", "A003")
    assert [len(learner.attempts) for learner in records.learners] == [6, 3, 5]
    bad = write_csv(tmp_path / "bad.csv", [["B1", "L3B1", "pass", "2024-01-01", "", ""],
                                           ["B2", "L3B9", "pass", "2024-01-01", "", ""]])
    records = api.read_records(bad, library)
    # A unit in no catalogue cannot count, and is warned about; the profile may make it an error instead.
    assert [learner.id for learner in records.learners] == ["B1", "B2"]
    assert [(d.code, d.location.line) for d in records.warnings] == [("QR520", 3)] and records.problems == ()
    records = api.read_records(bad, library, api.ReadOptions(unknown_units="error"))
    assert [learner.id for learner in records.learners] == ["B1"]
    assert [(d.code, d.location.line) for d in records.unreadable["B2"]] == [("QR501", 3)]
    with pytest.raises(api.DiagnosticError) as raised:
        api.read_records(tmp_path / "records.txt", library)
    assert [d.code for d in raised.value.diagnostics] == ["QR505"]


def learner(units, registered_on=dt.date(2024, 1, 15), **fields) -> api.Learner:
    """A learner holding `units`, each a reference (passed on 1 June 2024) or (reference, result)."""
    attempts = tuple(api.Attempt(*((unit, "pass") if isinstance(unit, str) else unit), dt.date(2024, 6, 1))
                     for unit in units)
    return api.Learner(fields.get("id", "L1"), dt.date(1990, 1, 1), registered_on, attempts)


def test_evaluate_on_the_ilm_cap(library):
    # As in test_seed_rules: Group 1 (6) + 8750-213 (1) + four Group 3 units (8) = 15 credits; Group 3 is
    # capped at 6, so 8750-326, the last in the catalogue, is set aside: 13 credits, GLH 7+7+6 + 6 + 9+9+4.
    verdict = api.evaluate(library, ILM_CERTIFICATE,
                           learner(GROUP_1 + ["8750-213", "8750-300", "8750-302", "8750-307", "8750-326"]))
    assert (verdict.status, verdict.credits, verdict.glh) == (api.Status.ACHIEVED, 13, 48)
    assert verdict.claim == (*GROUP_1, "8750-213", "8750-300", "8750-302", "8750-307")
    assert verdict.set_aside == (api.SetAside("8750-326", "Group 3 is capped at 6 credits"),)


def test_evaluate_many_gives_each_learner_the_verdict_evaluate_gives(library):
    learners = [learner(GROUP_1 + ["8750-300", "8750-302", "8750-307", "8750-326"], id="short"),
                learner(GROUP_1 + ["8750-213", "8750-300", "8750-302", "8750-307"], id="capped"),
                learner(GROUP_1, id="mandatory only")]
    verdicts = api.evaluate_many(library, ILM_CERTIFICATE, learners)
    assert verdicts == [api.evaluate(library, ILM_CERTIFICATE, one) for one in learners]
    # Group 1 (6) and Group 3 capped at 6: 12 < 13; then 6 + 1 + 6 = 13; then 6 alone.
    assert [(v.learner, v.status.value, v.credits) for v in verdicts] == [
        ("short", "not achieved", 12), ("capped", "achieved", 13), ("mandatory only", "not achieved", 6)]


def test_evaluate_follows_the_awarding_bodys_result_policy(library):
    class PassOnly(AwardingBody):
        name = "ISP"
        achieving_results = frozenset({"pass"})

    strict = attrs.evolve(library, rulesets=tuple(attrs.evolve(r, body=PassOnly()) for r in library.rulesets))
    # L3B1, L3B2, L3C1, L3C2 and L3L1: 16 credits, unless a merit does not count.
    units = ["L3B1", "L3B2", "L3C1", ("L3C2", "merit"), "L3L1"]
    assert api.evaluate(library, ISP_CERTIFICATE, learner(units)).credits == 16
    verdict = api.evaluate(strict, ISP_CERTIFICATE, learner(units))
    assert (verdict.status, verdict.credits) == (api.Status.NOT_ACHIEVED, 12)
    assert verdict.set_aside == (api.SetAside("L3C2", "result 'merit' does not count as achieved"),)


def test_an_unknown_qualification_is_a_diagnostic(library):
    calls = [lambda: api.evaluate(library, "610/3788/7", learner([])),
             lambda: api.check_file(EXAMPLE, ["610/3788/7"]),
             lambda: api.check_file_json(EXAMPLE, ["610/3788/7"]),
             lambda: api.check_batch(text_table([]), ["610/3788/7"])]
    for call in calls:
        with pytest.raises(api.DiagnosticError) as raised:
            call()  # the iterators too: at the call, before any row
        (diagnostic,) = raised.value.diagnostics
        assert (diagnostic.code, diagnostic.message) == ("QR601", "no qualification 610/3788/7 is loaded")
        assert "610/3788/6" in diagnostic.hint


# ---- check_file, check_file_json ------------------------------------------------------------------

def test_check_file_on_the_example_cohort():
    rows = list(api.check_file(EXAMPLE, [ISP_CERTIFICATE, ISP_AWARD]))
    # A001: L3B1, L3B2, L3C1, L3C2, L3L1 = 16 credits; A002: L3B1, L3B2 (by Ofqual references), L3C3 = 11,
    # one CORE unit; A003: 16 credits but aged 16 at registration. The Award is L3B1 and L3B2 (6 credits).
    assert [(r.learner, r.qan, r.verdict.status.value, r.verdict.credits) for r in rows] == [
        ("A001", ISP_CERTIFICATE, "achieved", 16), ("A001", ISP_AWARD, "achieved", 6),
        ("A002", ISP_CERTIFICATE, "not achieved", 11), ("A002", ISP_AWARD, "achieved", 6),
        ("A003", ISP_CERTIFICATE, "not achieved", 16), ("A003", ISP_AWARD, "not achieved", 3)]
    assert rows[4].verdict.unmet == ("age 18 or over: aged 16 at registration on 2024-02-01",)


def test_check_file_in_blocks_on_workers_gives_the_command_output(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "cohort.csv", cohort_rows(5, 60))
    expected = command_json(path, QANS)
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 7)
    for jobs in (1, 2):
        assert [row.to_json() for row in api.check_file(path, QANS, jobs=jobs)] == expected
        assert json.loads("".join(api.check_file_json(path, QANS, jobs=jobs))) == expected


def test_check_file_json_is_the_text_the_command_prints(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "cohort.csv", cohort_rows(2, 25))
    printed_text = CliRunner().invoke(main, ["check", "cohort.csv", "-q", ISP_CERTIFICATE, "--format", "json"]).stdout
    assert "".join(api.check_file_json("cohort.csv", ISP_CERTIFICATE)) + "\n" == printed_text


def test_rows_that_name_no_learner_come_as_error_rows(tmp_path):
    path = write_csv(tmp_path / "records.csv", [["B1", "L3B1", "pass", "2024-01-01", "", ""],
                                                ["", "L3B2", "pass", "2024-01-01", "", ""]])
    unattached = {"learner": "", "qualification": ISP_CERTIFICATE,
                  "title": "ISP Level 3 Certificate in Professional Sales", "achieved": False, "status": "error"}
    rows = [row.to_json() for row in api.check_file(path, ISP_CERTIFICATE)]
    assert [row["learner"] for row in rows] == ["B1", ""]
    assert {key: rows[1][key] for key in unattached} == unattached
    assert [(e["code"], e["line"]) for e in rows[1]["errors"]] == [("QR506", 3)]
    assert json.loads("".join(api.check_file_json(path, ISP_CERTIFICATE))) == rows
    assert command_json(path, [ISP_CERTIFICATE]) == rows[:1]  # the command reports the row on stderr


def test_a_file_that_cannot_be_read_raises_at_the_call(tmp_path):
    path = write_csv(tmp_path / "records.csv", [["B1", "L3B1", "pass"]], header=["learner", "unit", "result"])
    for check in (api.check_file, api.check_file_json):
        with pytest.raises(api.DiagnosticError) as raised:
            check(path, ISP_CERTIFICATE)
        assert [(d.code, d.message) for d in raised.value.diagnostics] == [("QR505", "missing column: achieved_on")]


def test_checks_advanced_in_turn_keep_their_own_qualifications(tmp_path, monkeypatch):
    # Two files checked in this process block by block, taking turns, and a batch decided in between.
    path = write_csv(tmp_path / "cohort.csv", cohort_rows(9, 12))
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 2)
    qans = (ISP_CERTIFICATE, ILM_CERTIFICATE)
    alone = [[row.to_json() for row in api.check_file(path, qan, jobs=1)] for qan in qans]
    in_turn: list[list[dict]] = [[], []]
    for certificate_row, ilm_row in zip(*(api.check_file(path, qan, jobs=1) for qan in qans)):
        in_turn[0].append(certificate_row.to_json())
        api.check_batch(text_table(cohort_rows(1, 3)), ISP_DIPLOMA)
        in_turn[1].append(ilm_row.to_json())
    assert in_turn == alone


def test_without_fork_a_library_of_other_rulesets_is_decided_in_this_process(tmp_path, monkeypatch):
    # Spawned workers would load only the installed rulesets, and know no 900/0000/1.
    (tmp_path / "demo.qual").write_text(DEMO_RULESET, encoding="utf-8")
    library = api.load([tmp_path / "demo.qual"])
    path = write_csv(tmp_path / "records.csv", [["D-1", "D1", "pass", "", "", ""], ["D-1", "D2", "pass", "", "", ""],
                                                ["D-2", "D1", "pass", "", "", ""]])
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 1)
    rows = api.check_file(path, "900/0000/1", library=library, jobs=2)
    # D1 + D2 = 5 >= 4; D1 alone 2 < 4.
    assert [(row.learner, row.verdict.status.value, row.verdict.credits) for row in rows] == [
        ("D-1", "achieved", 5), ("D-2", "not achieved", 2)]


# ---- check_batch ----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_check_batch_gives_the_command_values(seed, tmp_path):
    rows = cohort_rows(seed, 50)
    expected = [printed(row) for row in command_json(write_csv(tmp_path / "cohort.csv", rows), QANS)]
    verdicts = api.check_batch(text_table(rows), QANS)
    assert isinstance(verdicts, pa.Table) and verdicts.schema == api.verdict_schema()
    assert [as_printed(row) for row in verdicts.to_pylist()] == expected
    assert {row["status"] for row in expected} >= {"achieved", "not achieved", "error"}


def test_check_batch_gives_a_graded_verdict_s_grade_points_and_award_instead():
    ruleset = Path(__file__).resolve().parent / "data" / "btec_national.qual"
    library = api.load([ruleset], bundled=False)
    trap = [("1", "pass"), ("2", "merit"), ("3", "merit"), ("7", "pass"), ("9", "merit"), ("22", "merit"),
            ("4", "distinction"), ("5", "distinction"), ("8", "distinction"), ("14", "pass")]
    rows = [("G1", unit, result, "2025-06-01") for unit, result in trap]
    rows += [("G2", unit, result, "2025-06-01") for unit, result in trap if unit != "7"]
    table = pa.table(dict(zip(("learner", "unit", "result", "achieved_on"), map(list, zip(*rows)))))
    verdicts = api.check_batch(table, ["699/0002/4"], library).to_pylist()
    assert [(v["learner"], v["status"], v["credits"], v["grade"]) for v in verdicts] == [
        ("G1", "achieved", None, "DM"), ("G2", "not achieved", None, None)]
    assert (verdicts[0]["glh"], verdicts[0]["points"]) == (720, 124)
    assert verdicts[0]["unit_points"][:2] == [{"unit": "1", "grade": "P", "points": 9},
                                              {"unit": "2", "grade": "M", "points": 15}]
    assert [(v["fallback_qualification"], v["fallback_status"], v["fallback_grade"]) for v in verdicts] == [
        (None, None, None), ("699/0001/2", "achieved", "M")]


def test_a_learners_rows_need_not_be_together(library):
    rows = cohort_rows(4, 30)
    by_learner: dict[str, list] = {}
    for row in rows:
        by_learner.setdefault(row[0], []).append(row)
    # Round robin: each learner's rows in their order, the learners' rows interleaved.
    interleaved = [row for k in range(max(map(len, by_learner.values())))
                   for learner_rows in by_learner.values() if k < len(learner_rows) for row in learner_rows[k:k + 1]]
    together, apart = (api.check_batch(text_table(r), QANS, library) for r in (rows, interleaved))
    assert [as_printed(row) for row in apart.to_pylist()] == [as_printed(row) for row in together.to_pylist()]


def test_pandas_in_pandas_out_with_dates_and_numbers():
    frame = pd.DataFrame({
        "Learner": [7, 7, 7, 7, 7, 8],  # integer ids, read as their digits
        "Unit": pd.Categorical(["L3B1", "L3B2", "L3C1", "L3C2", "L3L1", "L3B1"]),
        "Result": ["pass"] * 6,
        "Achieved On": pd.to_datetime(["2024-03-12", "2024-04-02", "2024-05-20", "2024-07-30", "2024-09-03", None]),
        "registered_on": [dt.date(2024, 1, 15)] * 6,
        "date_of_birth": [dt.date(1999, 6, 2)] * 5 + [None],
        "notes": [1.5] * 6,  # not a record column: ignored
    })
    verdicts = api.check_batch(frame, ISP_CERTIFICATE)
    assert isinstance(verdicts, pd.DataFrame)
    assert verdicts.dtypes.to_dict() == {f.name: pd.ArrowDtype(f.type) for f in api.verdict_schema()}
    as_text = text_table([["7", "L3B1", "pass", "2024-03-12", "2024-01-15", "1999-06-02"],
                          ["7", "L3B2", "pass", "2024-04-02", "2024-01-15", "1999-06-02"],
                          ["7", "L3C1", "pass", "2024-05-20", "2024-01-15", "1999-06-02"],
                          ["7", "L3C2", "pass", "2024-07-30", "2024-01-15", "1999-06-02"],
                          ["7", "L3L1", "pass", "2024-09-03", "2024-01-15", "1999-06-02"],
                          ["8", "L3B1", "pass", "", "2024-01-15", ""]])
    assert pa.Table.from_pandas(verdicts, preserve_index=False).to_pylist() == \
        api.check_batch(as_text, ISP_CERTIFICATE).to_pylist()
    # 7 holds A001's units of examples/cohort.csv: 16 credits; 8 lacks a date of birth for the age rule.
    assert verdicts[["learner", "status", "credits"]].values.tolist() == [
        ["7", "achieved", 16], ["8", "not achieved", 3]]
    assert verdicts.loc[1, "missing"] == ["date of birth (needed for `age 18 or over`)"]


def test_record_batch_in_record_batch_out(library):
    batch = text_table(cohort_rows(3, 10)).to_batches()[0]
    verdicts = api.check_batch(batch, QANS, library)
    assert isinstance(verdicts, pa.RecordBatch)
    assert verdicts.to_pylist() == api.check_batch(pa.Table.from_batches([batch]), QANS, library).to_pylist()


def test_a_timestamp_stands_for_its_date_where_it_was_taken():
    # Registered 30 April 2021: the ILM's 3 years end on 30 April 2024. 23:30 UTC that day is already
    # 1 May in London, so the unit is late there, as the text 2024-05-01 is.
    def batch(achieved_on) -> pa.Table:
        return pa.table({"learner": ["T1"], "unit": ["8570-228"], "result": ["pass"], "achieved_on": achieved_on,
                         "registered_on": [dt.date(2021, 4, 30)]})

    moment = dt.datetime(2024, 4, 30, 23, 30, tzinfo=dt.timezone.utc)
    in_london = api.check_batch(batch(pa.array([moment], pa.timestamp("s", tz="Europe/London"))), ILM_CERTIFICATE)
    assert in_london.to_pylist() == api.check_batch(batch(["2024-05-01"]), ILM_CERTIFICATE).to_pylist()
    assert in_london["set_aside"].to_pylist() == [[{
        "unit": "8570-228", "reason": "achieved on 2024-05-01, after the completion deadline of 2024-04-30"}]]
    in_utc = api.check_batch(batch(pa.array([moment], pa.timestamp("s", tz="UTC"))), ILM_CERTIFICATE)
    assert in_utc["set_aside"].to_pylist() == [[]]


def test_errors_name_the_rows_of_the_batch():
    rows = [["B1", "L3B1", "pass", "2024-05-01", "2024-01-15", ""],
            ["B2", "L3B9", "pass", "2024-05-01", "", ""],
            ["", "L3B1", "pass", "2024-05-01", "", ""],
            ["B1", "L3B2", "pass", "2024-05-01", "2024-02-15", ""]]
    verdicts = api.check_batch(text_table(rows), ISP_CERTIFICATE, options=api.ReadOptions(unknown_units="error"))
    verdicts = verdicts.to_pylist()
    assert [(row["learner"], row["status"]) for row in verdicts] == [("B1", "error"), ("B2", "error"), ("", "error")]
    assert [row["errors"] for row in verdicts] == [
        [{"code": "QR507", "message": "learner B1 has two different `registered_on` values: 2024-01-15 (line 1) "
          "and 2024-02-15", "hint": "correct the row that is wrong; every row of a learner must agree", "row": 4}],
        [{"code": "QR501", "message": "unknown unit 'L3B9': it is in no loaded catalogue",
          "hint": "did you mean `L3B5`, `L3B4` or `L3B3`?", "row": 2}],
        [{"code": "QR506", "message": "the row has no learner id",
          "hint": "every row needs the learner it belongs to", "row": 3}]]


def same_values(batch_row: dict, printed_row: dict) -> bool:
    """Whether a check_batch verdict holds the values of the command's JSON object, key for key: null where the
    object lacks a column's key, and each error as both give it."""
    def values(row: dict) -> dict:
        return {key: [error_of(e) for e in row[key]] if key == "errors" else row[key]
                for key in api.verdict_schema().names if key in printed_row}

    return values(batch_row) == values(printed_row) and all(
        batch_row[key] is None for key in api.verdict_schema().names if key not in printed_row)


def test_check_batch_reads_the_declared_columns_as_a_csv_file_does(declared_library, tmp_path):
    rows = declared_rows()
    path = tmp_path / "export.csv"
    path.write_text(declared_csv_text(rows), encoding="utf-8")
    expected = json.loads(whole_file(path, declared_library, DECLARED_QANS))
    table = declared_table(rows)
    # In pandas the flag is of objects (True, False, None), the grades floats (5.0, NaN), the approvals
    # categorical.
    frame = table.to_pandas()
    assert [str(frame[name].dtype) for name in ("EHCP", "EngGrade", "Exemption approved")] == [
        "object", "float64", "category"]
    for records in (table, frame):
        verdicts = api.check_batch(records, DECLARED_QANS, declared_library)
        verdicts = pa.Table.from_pandas(verdicts, preserve_index=False) if isinstance(verdicts, pd.DataFrame) \
            else verdicts
        got = verdicts.to_pylist()
        assert len(got) == len(expected) and all(map(same_values, got, expected))
    by_learner = {(row["learner"], row["qualification"]): row for row in got}
    assert by_learner["ACCOUNTS", "500/7112/9"]["pathway"] == "Accounting"
    # Every key of the command's JSON objects is a column.
    assert {key for row in expected for key in row} <= set(api.verdict_schema().names)
    assert by_learner["APPROVED", "600/1000/9"]["equivalents"] == [
        {"unit": "8607-205", "by": ["ACCA-F4"], "credit": "replacement"}]
    assert (by_learner["MET", "ST0005"]["status"], by_learner["UNKNOWN", "ST0005"]["status"]) == (
        "achieved", "undetermined")
    # Each error at its row of the batch, from 1.
    assert {learner: by_learner[learner, "ST0005"]["errors"][0]["row"] for learner, _ in by_learner
            if by_learner[learner, "ST0005"]["errors"]} == {
        "BAD": 7, "CLASH": 10, "MISTYPED": 18, "PENDING": 36, "ASTROLOGY": 45, "TWOPATHS": 54}


def test_a_declared_column_of_dates_is_refused(declared_library):
    rows = declared_rows()
    table = declared_table(rows)
    dates = pa.array([dt.date(2024, 1, 1)] * table.num_rows)
    with pytest.raises(api.DiagnosticError) as raised:
        api.check_batch(table.set_column(table.column_names.index("EHCP"), "EHCP", dates), "ST0005",
                        declared_library)
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        ("QR505", "column `EHCP` holds values of type date32[day], not text, yes or no, or numbers")]
    # A column of dates that are all null holds no date: its cells are empty.
    no_dates = table.set_column(table.column_names.index("EHCP"), "EHCP", pa.nulls(table.num_rows, pa.date32()))
    blanks = table.set_column(table.column_names.index("EHCP"), "EHCP", pa.array([""] * table.num_rows))
    assert api.check_batch(no_dates, "ST0005", declared_library).to_pylist() == \
        api.check_batch(blanks, "ST0005", declared_library).to_pylist()
    # A column no ruleset declares is not read, whatever it holds.
    verdicts = api.check_batch(table.append_column("Started", dates), "ST0005", declared_library)
    assert verdicts["learner"].to_pylist() == list(dict.fromkeys(row[0] for row in rows))


def test_a_batch_that_cannot_be_read_is_a_diagnostic():
    rows = text_table([["B1", "L3B1", "pass", "2024-05-01", "", ""]])
    with pytest.raises(api.DiagnosticError) as raised:
        api.check_batch(rows.drop_columns(["unit"]), ISP_CERTIFICATE)
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [("QR505", "missing column: unit")]
    with pytest.raises(api.DiagnosticError) as raised:
        api.check_batch(rows.set_column(2, "result", pa.array([1.0])), ISP_CERTIFICATE)
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        ("QR505", "column `result` holds values of type double, not text or dates")]
    assert "criterion 1.10 reading as 1.1" in raised.value.diagnostics[0].hint
    assert "pandas.read_csv(..., dtype=str)" in raised.value.diagnostics[0].hint
    with pytest.raises(api.DiagnosticError) as raised:
        api.check_batch(rows.append_column("Learner", pa.array(["B2"])), ISP_CERTIFICATE)
    assert [d.code for d in raised.value.diagnostics] == ["QR510"]
    with pytest.raises(TypeError):
        api.check_batch(rows.to_pylist(), ISP_CERTIFICATE)


def test_a_column_with_no_value_is_read_as_empty_cells_whatever_its_type(library):
    # pandas.read_csv reads an optional column empty in every row of a partition as floats, all NaN; Arrow's
    # reader as nulls. Such a column holds no value, so it is read as an empty CSV column is.
    rows = [row[:4] + ["", ""] for row in cohort_rows(5, 20)]
    expected = api.check_batch(text_table(rows), QANS, library).to_pylist()
    frame = pd.DataFrame({name: [row[k] for row in rows] for k, name in enumerate(RECORD_COLUMNS[:4])}).assign(
        registered_on=float("nan"), date_of_birth=float("nan"))
    assert [str(frame[name].dtype) for name in ("registered_on", "date_of_birth")] == ["float64", "float64"]
    verdicts = api.check_batch(frame, QANS, library)
    assert pa.Table.from_pandas(verdicts, preserve_index=False).to_pylist() == expected
    table = text_table(rows)
    table = table.set_column(4, "registered_on", pa.nulls(len(rows)))
    table = table.set_column(5, "date_of_birth", pa.nulls(len(rows), pa.int64()))
    assert api.check_batch(table, QANS, library).to_pylist() == expected
    # A column holding one number among its nulls holds a value, and is refused as before.
    some_numbers = frame.assign(registered_on=[float("nan")] * (len(rows) - 1) + [45300.0])
    with pytest.raises(api.DiagnosticError) as raised:
        api.check_batch(some_numbers, QANS, library)
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        ("QR505", "column `registered_on` holds values of type double, not text or dates")]


def test_an_empty_batch_has_no_verdicts():
    verdicts = api.check_batch(text_table([]), QANS)
    assert verdicts.num_rows == 0 and verdicts.schema == api.verdict_schema()


def test_batches_in_threads_are_decided_as_alone(library):
    batches = [(text_table(cohort_rows(seed, 20)), QANS[seed % 3]) for seed in range(8)]
    alone = [api.check_batch(rows, qan, library) for rows, qan in batches]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda batch: api.check_batch(*batch, library), batches)) == alone


# ---- on a local Dask cluster ----------------------------------------------------------------------

def generated_cohort(library, path: Path, learners: int) -> None:
    """benchmarks/cohort.py's realistic cohort, with a few rows made unreadable and one naming no learner."""
    spec = importlib.util.spec_from_file_location("benchmark_cohort", ROOT / "benchmarks" / "cohort.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator.write_csv(library, path, learners, seed=11, mix="all")
    with open(path, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    rows[10][2], rows[200][3], rows[3000][2] = "referal", "31/02/2024", "passed"
    rows.append(["", "L3B1", "pass", "2024-05-01", "", ""])
    write_csv(path, rows, header)


def test_check_batch_on_a_local_dask_cluster(library, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("dask.distributed")
    path = tmp_path / "cohort.csv"
    generated_cohort(library, path, 1500)
    expected = [printed(row) for row in command_json(path, QANS)]

    # Eight files of whole learners, in the file's order: a key computed from the learner id.
    rows = arrow_csv.read_csv(path, convert_options=arrow_csv.ConvertOptions(
        column_types={name: pa.string() for name in RECORD_COLUMNS}))
    part = [f"{int(learner[1:]) * 8 // 1501:02d}" if learner else "07" for learner in rows["learner"].to_pylist()]
    pyarrow.dataset.write_dataset(rows.append_column("part", pa.array(part)), tmp_path / "records", format="parquet",
                                  partitioning=["part"], partitioning_flavor="hive", preserve_order=True)

    meta = api.verdict_schema().empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        records = dd.read_parquet(tmp_path / "records", split_row_groups=False)
        assert records.npartitions == 8
        by_file = records.map_partitions(api.check_batch, QANS, meta=meta).compute()
        shuffled = records.shuffle(on="learner").map_partitions(api.check_batch, QANS, meta=meta).compute()

    verdicts = pa.Table.from_pandas(by_file, preserve_index=False).to_pylist()
    assert [as_printed(row) for row in verdicts[:-3]] == expected  # row for row
    assert [(row["learner"], row["qualification"], [e["code"] for e in row["errors"]]) for row in verdicts[-3:]] \
        == [("", qan, ["QR506"]) for qan in QANS]
    assert sum(row["status"] == "error" for row in expected) == 9  # three learners made unreadable
    in_any_order = pa.Table.from_pandas(shuffled, preserve_index=False).to_pylist()
    key = lambda row: (row["learner"], QANS.index(row["qualification"]))
    assert sorted(map(as_printed, in_any_order), key=key) == sorted(map(as_printed, verdicts), key=key)


# ---- docs/api.md ----------------------------------------------------------------------------------

DOC = ROOT / "docs" / "api.md"
_BLOCK = re.compile(r"^```(?P<lang>\w+)\n(?P<body>.*?)^```$", re.M | re.S)


def doc_blocks(lang: str) -> list[tuple[int, str]]:
    text = DOC.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start("body")), m["body"]) for m in _BLOCK.finditer(text) if m["lang"] == lang]


def test_the_doc_examples_run_as_shown(tmp_path, monkeypatch):
    # One session from the top of the page, in a folder holding the example cohort; then another in the same
    # folder, as a reader trying the examples again would run it, over what the first wrote.
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "cohort.csv").write_bytes(EXAMPLE.read_bytes())
    monkeypatch.chdir(tmp_path)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    examples = 0
    for _ in range(2):
        session: dict = {}
        for line, body in doc_blocks("pycon"):
            block = doctest.DocTestParser().get_doctest(body, session, f"docs/api.md:{line + 1}", str(DOC), line)
            runner.run(block, clear_globs=False)
            session, examples = block.globs, examples + len(block.examples)
    assert runner.summarize(verbose=False) == (0, examples) and examples > 60


def spark_type(kind: pa.DataType) -> str:
    if pa.types.is_list(kind):
        return f"array<{spark_type(kind.value_type)}>"
    if pa.types.is_struct(kind):
        return "struct<" + ",".join(f"{field.name}:{spark_type(field.type)}" for field in kind) + ">"
    return {pa.string(): "string", pa.bool_(): "boolean", pa.int64(): "bigint"}[kind]


class SparkPartition:
    """Stands in for Spark in the recipe: one partition, handed to mapInArrow in batches of 7 rows."""

    def __init__(self, records: pa.Table):
        self.records = records
        self.read = SimpleNamespace(parquet=lambda path: self)
        self.write = SimpleNamespace(parquet=lambda path: None)

    def repartition(self, *columns):
        return self

    def mapInArrow(self, function, schema: str):
        self.schema = schema
        self.verdicts = pa.Table.from_batches(list(function(iter(self.records.to_batches(max_chunksize=7)))))
        return self


def test_the_spark_recipe_decides_a_partition_whole_with_the_verdict_schema():
    (_, recipe), = doc_blocks("python")
    records = text_table(cohort_rows(6, 20))
    spark = SparkPartition(records)
    namespace = {"spark": spark}
    exec(compile(recipe, str(DOC), "exec"), namespace)
    assert spark.schema == ", ".join(f"{field.name} {spark_type(field.type)}" for field in api.verdict_schema())
    assert spark.verdicts == api.check_batch(records, namespace["QUALIFICATIONS"])


def test_a_learner_built_by_hand_needs_only_its_id(library):
    # No dates: the Certificate's age rule cannot be told, so the learner holding its units is undetermined.
    units = ("L3B1", "L3B2", "L3C1", "L3C2", "L3L1")
    learner = api.Learner("L2", attempts=tuple(api.Attempt(unit, "pass", None) for unit in units))
    verdict = api.evaluate(library, ISP_CERTIFICATE, learner)
    assert (verdict.status.value, verdict.credits) == ("undetermined", 16)
    assert api.evaluate(library, ISP_CERTIFICATE, api.Learner("L3")).status.value == "not achieved"
