"""The qualification column (docs/records.md#registrations): a learner whose rows name a qualification is
decided only against the qualifications they name, on every reading path, and those registered only for
others are counted, never silently lost."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest
from click.testing import CliRunner
from test_cohort import ISP_AWARD, ISP_CERTIFICATE, ILM, decided, plain_rows

from qualrules.cli import main
from qualrules.interpreter import cohort
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.readers import qualification_key, read_records
from qualrules.interpreter.records.stream import columnar_blocks, csv_file, learner_blocks, open_table

QANS = (ISP_CERTIFICATE, ISP_AWARD)
HEADER = ["learner", "unit", "result", "achieved_on", "registered_on", "date_of_birth", "qualification"]
# How each registration may be written, and the QANs it names.
WRITTEN = {
    "": (),
    ISP_CERTIFICATE: (ISP_CERTIFICATE,),
    "61037886": (ISP_CERTIFICATE,),  # a learning aim reference: the QAN without its slashes
    " 610/3791/6 ": (ISP_AWARD,),
    "isp level 3 award in understanding organisations and sales communication": (ISP_AWARD,),
    ILM: (ILM,),
    "610/3788/7": ("610/3788/7",),  # no loaded ruleset gives it
    "61037916.0": (ISP_AWARD,),  # a learning aim reference some program wrote as a number
}


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load()


def registered_rows(seed: int, learners: int, library: Library) -> tuple[list[list[str]], dict[str, tuple]]:
    """Plain learners of the two ISP qualifications' pools, each naming a registration on some of their
    rows (none, one written any way, or two); and what each names, worked out here from what was written."""
    rng = random.Random(seed)
    pool = sorted({unit.ref for qan in QANS for unit in library.qualification(qan)[0].units})
    rows, named = [], {}
    for row in plain_rows(seed, learners, pool):
        learner = row[0]
        if learner not in named:
            choices = rng.sample(list(WRITTEN), rng.choice([1, 1, 1, 2]))
            named[learner] = choices
        choices = named[learner]
        # A learner's registration is on any of their rows; some rows leave the cell empty.
        rows.append(row + [rng.choice(choices + [""])])
    for learner, choices in named.items():
        given = {row[-1] for row in rows if row[0] == learner}
        named[learner] = tuple(dict.fromkeys(q for written in choices if written in given for q in WRITTEN[written]))
    return rows, named


def write_csv(path, rows) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([HEADER, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.mark.parametrize("seed", range(3))
def test_each_learner_is_decided_against_what_they_are_registered_for_on_every_path(seed, library, tmp_path):
    path = tmp_path / "cohort.csv"
    rows, named = registered_rows(seed, 200, library)
    write_csv(path, rows)
    expected = [(learner, qan) for learner in named for qan in QANS if not named[learner] or qan in named[learner]]
    unchecked = sum(1 for qans in named.values() if qans and not set(qans) & set(QANS))
    assert expected and unchecked

    records = read_records(path, library.vocabulary())
    whole = cohort.check_rows(records, [library.qualification(q) for q in QANS])
    assert [(row.learner, row.qan) for row in whole] == expected
    assert len(cohort.not_registered(records, QANS)) == unchecked

    header, table = open_table(csv_file(path))
    by_rows = [("rows", str(path), header, block) for block in learner_blocks(table, header, 7)]
    by_columns = [("columns", block) for block in columnar_blocks(csv_file(path), header, 7)]
    expected_text = json.dumps([row.to_json() for row in whole], indent=2)
    for tasks in (by_rows, by_columns):
        assert decided(tasks, library, qans=QANS)[0] == expected_text
        blocks = cohort.check_blocks(cohort.Cohort(0, True, iter(tasks)), cohort.CheckSettings(QANS, "json"),
                                     library, library.vocabulary(), 1)
        assert sum(len(block.not_registered) for block in blocks) == unchecked


def test_a_qan_is_matched_whatever_its_slashes_spaces_and_case_and_a_title_by_its_words():
    assert qualification_key("610/3788/6") == qualification_key(" 6103788 6") == qualification_key("61037886")
    assert qualification_key("ISP Level 3 Certificate, in Professional Sales") \
        == qualification_key("isp level 3 certificate in professional sales")


@pytest.fixture
def mixed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mixed.csv").write_text(
        "learner,unit,result,achieved_on,Qualification\n"
        "A001,L3B1,pass,2024-03-12,610/3788/6\n"
        "A002,L3B1,pass,2024-03-12,61037916\n"
        "A003,L3B1,pass,2024-03-12,\n"
        "A004,L3B1,pass,2024-03-12,610/3788/7\n"
        "A005,L3B1,passs,2024-03-12,600/5929/1\n"
        "A006,L3B1,pass,2024-03-12,610/3791/6\n", encoding="utf-8")
    return tmp_path


def test_check_tells_who_was_not_checked_and_warns_of_a_qan_no_ruleset_gives(mixed, snapshot):
    result = CliRunner().invoke(main, ["check", "mixed.csv", "-q", ISP_CERTIFICATE, "--format", "json"])
    verdicts = json.loads(result.stdout)
    assert [(v["learner"], v["qualification"]) for v in verdicts] == [("A001", ISP_CERTIFICATE),
                                                                        ("A003", ISP_CERTIFICATE)]
    # A005's record error concerns a qualification not checked: it neither shows nor fails the run.
    assert result.exit_code == 1
    assert result.stderr == snapshot


def test_a_learner_registered_for_a_qualification_checked_gets_only_its_verdicts_in_the_table(mixed, snapshot):
    result = CliRunner().invoke(main, ["check", "mixed.csv", "-q", ISP_CERTIFICATE, "-q", ISP_AWARD, "-q", ILM])
    assert result.exit_code == 2  # A005's record error, for the ILM qualification they are registered for
    assert result.stdout == snapshot


def test_a_json_learner_names_one_registration_or_a_list(library, tmp_path):
    path = tmp_path / "records.json"
    path.write_text(json.dumps({"learners": [
        {"id": "J1", "qualification": "610/3788/6", "units": [{"unit": "L3B1", "result": "pass"}]},
        {"id": "J2", "qualification": ["610/3791/6", "600/5929/1"], "units": []},
        {"id": "J3", "units": []},
        {"id": "J4", "qualification": {"qan": "610/3788/6"}, "units": []},
        {"id": "J5", "qualification": 61037886, "units": []},  # a number is its digits
    ]}), encoding="utf-8")
    records = read_records(path, library.vocabulary())
    assert records.registrations == {"J1": (ISP_CERTIFICATE,), "J2": (ISP_AWARD, ILM), "J5": (ISP_CERTIFICATE,)}
    assert [d.code for d in records.unreadable["J4"]] == ["QR506"]
    rows = cohort.check_rows(records, [library.qualification(q) for q in QANS])
    assert [(row.learner, row.qan) for row in rows] == [
        ("J1", ISP_CERTIFICATE), ("J2", ISP_AWARD), ("J3", ISP_CERTIFICATE), ("J3", ISP_AWARD),
        ("J4", ISP_CERTIFICATE), ("J4", ISP_AWARD), ("J5", ISP_CERTIFICATE)]


def test_a_mistyped_qan_is_told_the_one_a_digit_or_a_swap_away_and_a_mistyped_title_its_qan(library, tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("learner,unit,result,achieved_on,qualification\n"
                    "A1,L3B1,pass,2024-01-01,610/3788/7\nA2,L3B1,pass,2024-01-01,610/7388/6\n"
                    "A3,L3B1,pass,2024-01-01,600/1234/5\nA4,L3B1,pass,2024-01-01,ISP Level 3 Certificate in Profesional Sales\n",
                    encoding="utf-8")
    hints = [warning.hint for warning in read_records(path, library.vocabulary()).warnings]
    mean = "did you mean `610/3788/6`?"
    assert hints == [mean, mean, "give the QAN as the specification does, or the ruleset that declares it with "
                     "--ruleset", mean]


def test_explain_takes_the_learner_s_own_qualification_and_says_when_asked_for_another(mixed):
    own = CliRunner().invoke(main, ["explain", "mixed.csv", "--learner", "A002"])
    assert own.stdout.startswith(f"A002  {ISP_AWARD} ")
    assert "note:" not in own.stderr
    other = CliRunner().invoke(main, ["plan", "mixed.csv", "--learner", "A002", "-q", ISP_CERTIFICATE])
    assert other.stdout.startswith(f"A002  {ISP_CERTIFICATE} ")
    assert f"note: learner A002 is registered for {ISP_AWARD}, not for {ISP_CERTIFICATE}: shown against " \
           f"{ISP_CERTIFICATE} as asked" in other.stderr


def test_a_learner_registered_for_two_qualifications_is_asked_which_one(mixed):
    (mixed / "two.csv").write_text("learner,unit,result,achieved_on,qualification\n"
                                   f"A1,L3B1,pass,2024-03-12,{ISP_CERTIFICATE}\nA1,L3B2,pass,2024-03-12,{ISP_AWARD}\n",
                                   encoding="utf-8")
    result = CliRunner().invoke(main, ["log", "two.csv", "--learner", "A1", "-o", "log.html"])
    assert result.exit_code == 2
    assert "error[QR636]: no qualification given, and learner A1 is registered for 2: `log` takes one" \
        in result.stderr
    assert f"give -q with one of {ISP_CERTIFICATE}, {ISP_AWARD}" in result.stderr


def test_claim_and_report_take_only_the_learners_registered_for_the_qualification(mixed):
    result = CliRunner().invoke(main, ["claim", "mixed.csv", "-q", ISP_AWARD, "-o", "claim.csv"])
    assert "learner 'A002' is not ready" in result.stderr and "learner 'A006' is not ready" in result.stderr
    assert "learner 'A003' is not ready" in result.stderr  # who names no qualification is on any
    assert "'A001'" not in result.stderr and "A005" not in result.stderr
    assert "qualrules: 3 learners not checked, registered only for other qualifications: 610/3788/6 (1), " \
           "'610/3788/7' (1), 600/5929/1 (1)" in result.stderr
    assert result.exit_code == 1  # not 2: A005's record error concerns another qualification
    page = CliRunner().invoke(main, ["report", "mixed.csv", "-q", ISP_AWARD, "-o", "report.html"])
    assert page.exit_code == 1
    assert page.stdout.startswith("wrote report.html: 3 learners")
    html = (mixed / "report.html").read_text(encoding="utf-8")
    assert "A002" in html and "A003" in html and "A006" in html and "A001" not in html and "A005" not in html


def test_parquet_an_arrow_batch_and_a_spreadsheet_take_registrations_as_csv_does(library, tmp_path, monkeypatch):
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qualrules import api

    monkeypatch.chdir(tmp_path)
    rows, named = registered_rows(5, 60, library)
    write_csv(tmp_path / "cohort.csv", rows)
    table = pa.table({heading: [row[k] for row in rows] for k, heading in enumerate(HEADER)})
    pq.write_table(table, "cohort.parquet", row_group_size=11)
    book = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    book.save("cohort.xlsx")

    def checked(name: str) -> list[tuple[str, str, str]]:
        result = CliRunner().invoke(main, ["check", name, "-q", ISP_CERTIFICATE, "-q", ISP_AWARD, "--format", "json"])
        return [(v["learner"], v["qualification"], v["status"]) for v in json.loads(result.stdout)]

    expected = checked("cohort.csv")
    assert {(learner, qan) for learner, qan, _ in expected} == {
        (learner, qan) for learner in named for qan in QANS if not named[learner] or qan in named[learner]}
    assert checked("cohort.parquet") == checked("cohort.xlsx") == expected
    batch = api.check_batch(table, QANS, library)
    rows = list(zip(*(batch.column(name).to_pylist() for name in ("learner", "qualification", "status"))))
    assert [row for row in rows if row[2] != "not registered"] == expected
    assert [row[0] for row in rows if row[2] == "not registered"] == [
        learner for learner, qans in named.items() if qans and not set(qans) & set(QANS)]


def test_init_maps_a_qan_column_and_proposes_the_qualifications_it_names(tmp_path, monkeypatch, snapshot):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "export.csv").write_text("Candidate No,QAN,Unit Code,Outcome,Date Achieved\n"
                                         "A1,61037886,L3B1,P,12/03/2024\nA2,610/3791/6,L3B1,P,12/03/2024\n"
                                         "A3,610/3791/6,L3B2,P,12/03/2024\nA4,600/9999/9,L3B2,P,12/03/2024\n",
                                         encoding="utf-8")
    assert CliRunner().invoke(main, ["init", "export.csv"]).exit_code == 0
    profile = (tmp_path / "qualrules.toml").read_text(encoding="utf-8")
    assert profile == snapshot
    # The proposal, its qualifications line kept, reads the file as the column says.
    (tmp_path / "qualrules.toml").write_text(profile.replace("# qualifications =", "qualifications ="), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "export.csv", "--format", "json"])
    assert [(v["learner"], v["qualification"]) for v in json.loads(result.stdout)] == [
        ("A1", ISP_CERTIFICATE), ("A2", ISP_AWARD), ("A3", ISP_AWARD)]


def test_check_batch_gives_a_learner_registered_only_elsewhere_a_row_saying_so(library):
    import pandas as pd

    from qualrules import api

    frame = pd.DataFrame({"learner": ["A", "B", "C", "A"], "unit": ["L3B1", "L3B1", "L3B1", "L3B2"],
                          "result": ["pass"] * 4, "achieved_on": ["2024-01-01"] * 4,
                          # A column of QAN digits with a blank is one of floats in pandas.
                          "qualification": [61037916, 61037886, 61037887, None]})
    verdicts = api.check_batch(frame, [ISP_AWARD], library)
    given = verdicts.astype(object).where(verdicts.notna(), None)
    assert [(row.learner, row.qualification, row.status, list(row.unmet)) for row in given.itertuples()] == [
        ("A", ISP_AWARD, "undetermined", ["age 18 or over: no date of birth and registration date in the record"]),
        ("B", None, "not registered", [f"registered only for {ISP_CERTIFICATE}, none of the qualifications asked for"]),
        ("C", None, "not registered", ["registered only for 61037887, none of the qualifications asked for"])]


def test_one_qualification_written_two_ways_is_one_registration_and_warned_of_once_per_spelling(library, tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("learner,unit,result,achieved_on,qualification\n"
                    "B1,L3B1,pass,2024-01-01,610/3788/7\nB1,L3B2,pass,2024-01-01,61037887\n"
                    "B2,L3B1,pass,2024-01-01,610/3788/7\n", encoding="utf-8")
    records = read_records(path, library.vocabulary())
    assert records.registrations == {"B1": ("610/3788/7",), "B2": ("610/3788/7",)}
    assert [(w.code, w.location.line) for w in records.warnings] == [("QR548", 2), ("QR548", 3)]
    header, _ = open_table(csv_file(path))
    for per_block in (1, 5):
        tasks = [("columns", block) for block in columnar_blocks(csv_file(path), header, per_block)]
        blocks = list(cohort._warned_once(cohort.check_blocks(cohort.Cohort(0, True, iter(tasks)),
                                                              cohort.CheckSettings(QANS, "json"), library,
                                                              library.vocabulary(), 1)))
        assert [(w.code, w.location.line) for b in blocks for w in b.warnings] == [("QR548", 2), ("QR548", 3)]
        assert [entry for b in blocks for entry in b.not_registered] == [("B1", ("610/3788/7",)),
                                                                          ("B2", ("610/3788/7",))]


def test_a_shared_title_names_neither_qualification_and_is_told_so(tmp_path):
    ruleset = tmp_path / "same.qual"
    ruleset.write_text('awarding body XYZ "XYZ Awards"\n\nunit XYZ1 "One" level 2 credits 3\n\n'
                       'qualification 700/0002/5 "Same Title"\n  units from XYZ1\n  at least 3 credits\n\n'
                       'qualification 700/0003/7 "Same Title"\n  units from XYZ1\n  at least 3 credits\n',
                       encoding="utf-8")
    library = Library.load([ruleset])
    path = tmp_path / "records.csv"
    path.write_text("learner,unit,result,achieved_on,qualification\nT1,XYZ1,pass,2024-03-12,same title\n",
                    encoding="utf-8")
    [warning] = read_records(path, library.vocabulary()).warnings
    assert (warning.code, warning.message, warning.hint) == (
        "QR548", "'same title' in the `qualification` column is the title of 700/0002/5 and 700/0003/7, so it "
                 "names neither: a learner registered for it alone is not checked", "give the QAN: 700/0002/5 or "
                                                                                    "700/0003/7")


def test_a_qan_column_not_read_is_warned_of_with_the_profile_line_that_reads_it(mixed):
    (mixed / "qan.csv").write_text("learner,unit,result,achieved_on,QAN\nP1,L3B1,pass,2024-01-01,610/3788/6\n",
                                   encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "qan.csv", "-q", ISP_AWARD])
    assert "qan.csv:1: warning[QR549]: the 'QAN' column looks like the qualification each learner is registered " \
           "for, but is not read" in result.stderr
    assert 'add  "QAN" = "qualification"  under [columns] in qualrules.toml' in result.stderr


def test_the_not_checked_line_quotes_and_escapes_a_name_no_ruleset_gives(mixed):
    (mixed / "hostile.csv").write_text("learner,unit,result,achieved_on,qualification\n"
                                       "A,L3B1,pass,2024-03-12,610/3791/6\x1b]0;title\x07\n"
                                       "B,L3B1,pass,2024-03-12,610/3788/6\x1b[2J\n"
                                       "C,L3B1,pass,2024-03-12,\uff16\uff11\uff10/3791/6\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "hostile.csv", "-q", ISP_CERTIFICATE])
    assert result.stderr.splitlines()[-1] == (
        "qualrules: 3 learners not checked, registered only for other qualifications: "
        "'610/3791/6\\x1b]0;title\\x07' (1), '610/3788/6\\x1b[2J' (1), 610/3791/6 (1)")


def test_a_json_list_of_registrations_has_each_name_checked_for_length(library, tmp_path):
    path = tmp_path / "records.json"
    path.write_text(json.dumps({"learners": [{"id": "J1", "qualification": ["9" * 300, ISP_AWARD], "units": []},
                                             {"id": "J2", "qualification": 61037916.0, "units": []}]}),
                    encoding="utf-8")
    records = read_records(path, library.vocabulary())
    assert [d.code for d in records.unreadable["J1"]] == ["QR511"]
    assert records.registrations == {"J2": (ISP_AWARD,)}
