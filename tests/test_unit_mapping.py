"""A profile's `[units]`: an export's own unit cells (`Unit 501`) read as the catalogue's references (`501`),
the same through every reader; the hint of a unit in no catalogue that is a known reference written another
way; `qualrules init`'s proposal of such lines; and the profile's checks of them."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from qualrules import api
from qualrules.cli import main
from qualrules.interpreter import cohort
from qualrules.interpreter.diagnostics import DiagnosticError, render_plain
from qualrules.interpreter.profile import load_profile
from qualrules.interpreter.records.readers import read_records
from qualrules.interpreter.records.synonyms import likely_units

# A City & Guilds-style catalogue: bare unit numbers, which its providers' exports write as `Unit 501`.
TEAM_LEADING = "999/0501/2"
CG_RULESET = """\
awarding body CG "City & Guilds"
group MANDATORY "Mandatory units"
unit 501 "Principles of Team Leading" level 3 credits 4
unit 502 "Leading and Managing a Team" level 3 credits 5
unit 503 "Health and Safety in the Workplace" level 3 credits 3
group OPTIONAL "Optional units"
unit 504 "Managing Conflict in the Workplace" level 3 credits 2
qualification 999/0501/2 "Level 3 Certificate in Team Leading"
  level 3
  units from MANDATORY, OPTIONAL
  all of MANDATORY
"""
HEADER = ["Candidate No", "Unit No", "Outcome", "Achieved", "Registered", "DOB", "Notes"]
PROFILE = """\
qualifications = ["999/0501/2"]
rulesets = ["cg.qual"]

[columns]
"Candidate No" = "learner"
"Unit No" = "unit"
"Outcome" = "result"
"Achieved" = "achieved_on"
"Registered" = "registered_on"
"DOB" = "date_of_birth"

[results]
"P" = "pass"
"R" = "referred"

[units]
"Unit 501" = "501"
"Unit 502" = "502"
"Unit 503" = "503"
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("cg.qual").write_text(CG_RULESET, encoding="utf-8")
    return tmp_path


def export_rows(learners: int = 30) -> list[list[str]]:
    """Learners as the export writes them, grouped by learner: most holding mapped cells (`Unit 501`, in any
    case and spacing), some the catalogue's own references, and each kind of trouble a mapped unit can be in."""
    rows = []
    for number in range(learners):
        learner, kind = f"C{number:03d}", number % 9
        units = {0: ["Unit 501", "Unit 502", "Unit 503"],
                 1: ["501", " unit 502 ", "UNIT 503"],  # the references themselves, and a mapped cell as typed
                 2: ["Unit 501", "Unit 502", "Unit 503", "Unit 504"],  # 504 is not mapped: warned, with its line
                 3: ["Unit 501", "Unit 502"],
                 4: ["Unit 501", "Unit 502", "Unit 503", "Unit 999"],  # in no catalogue, nor written another way
                 5: ["Unit 501", "Unit 228"],  # ILM's 8570-228, written without its prefix
                 6: ["Unit 501", "Unit 502", "Unit 503"],
                 7: ["Unit 501", "Unit 502", "Unit 503"],
                 8: ["Unit 501", "Unit 502", "Unit 503"]}[kind]
        for unit in units:
            rows.append([learner, unit, "P", "12/03/2024", "15/01/2024", "02/06/1999", "on time"])
        if kind == 3:
            rows.append([learner, "Unit 503", "R", "20/03/2024", "15/01/2024", "02/06/1999", "resit booked"])
        elif kind == 6:
            rows[-2][2] = "Passed"  # a mapped unit's row with a word no profile line reads: an error at its line
        elif kind == 7:
            rows[-1][3] = "12/03/1980"  # a mapped unit achieved before the learner was born
        elif kind == 8:
            rows[-1][3] = "31/02/2024"
    return rows


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([HEADER, *rows])
    return buffer.getvalue()


def check(name: str, jobs: str = "1"):
    result = run("check", name, "--format", "json", "--jobs", jobs)
    assert result.exit_code == 2, result.output  # some learners' rows cannot be read
    return result


def diagnostics(result) -> list[str]:
    """What standard error says, diagnostic by diagnostic (each with its help), in line order: a file read
    whole tells its warnings before the learners' errors, a streamed one with each block."""
    def line(text: str) -> int:
        number = re.match(r"[^:]*:(\d+):", text)
        return int(number[1]) if number else 0

    return sorted(re.split(r"\n(?=\S)", result.stderr.strip()), key=line)


def without_locations(result) -> tuple[list, list[str]]:
    """The verdicts, each error without where it stands, and the diagnostics without theirs: what a record
    in another format (rows of a sheet, elements of JSON, Parquet's rows from 1) says the same."""
    verdicts = json.loads(result.stdout)
    for verdict in verdicts:
        for error in verdict.get("errors", []):
            for key in ("file", "line", "column", "end_line", "end_column", "element"):
                error.pop(key)
    return verdicts, sorted(re.sub(r"^.*?: (?=(?:warning|error)\[)", "", text) for text in diagnostics(result))


def test_the_same_export_gives_the_same_output_through_every_reader(folder, monkeypatch):
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 4)  # blocks small enough to cut the file eight times
    Path("qualrules.toml").write_text(PROFILE, encoding="utf-8")
    rows = export_rows()
    vocabulary, options = api.load(["cg.qual"]).vocabulary(), load_profile().options
    Path("lines.csv").write_text(csv_text(rows), encoding="utf-8")
    # A line break in a cell: blocks cut by this process from the columnar reader's batches.
    broken = [row[:] for row in rows]
    broken[-1][6] = "see\nthe file"
    Path("columns.csv").write_text(csv_text(broken), encoding="utf-8")
    # A quote inside a cell that does not start with one: streamed, but row by row.
    irregular = [row[:] for row in rows]
    irregular[0][6] = '27" monitor'
    Path("rows.csv").write_text(csv_text(irregular), encoding="utf-8")
    # Two learners' rows crossed (neither reports anything), so the file is read whole.
    crossed = [row[:] for row in rows]
    crossed[2], crossed[3] = crossed[3], crossed[2]
    Path("whole.csv").write_text(csv_text(crossed), encoding="utf-8")
    paths = {name: {task[0] for task in cohort.open_cohort(name, vocabulary, options).tasks}
             for name in ("lines.csv", "columns.csv", "rows.csv", "whole.csv")}
    assert paths == {"lines.csv": {"lines"}, "columns.csv": {"columns"}, "rows.csv": {"rows"},
                     "whole.csv": {"records"}}
    expected = check("lines.csv")
    assert "lines.csv:11: warning[QR520]: unit 'Unit 504'" in expected.stderr
    assert 'help: add  "Unit 504" = "504"  under [units] in qualrules.toml' in expected.stderr
    assert 'help: add  "Unit 228" = "8570-228"  under [units] in qualrules.toml' in expected.stderr
    for name in ("columns.csv", "rows.csv", "whole.csv"):
        result = check(name)
        assert result.stdout == expected.stdout.replace("lines.csv", name), name
        assert diagnostics(result) == [text.replace("lines.csv", name) for text in diagnostics(expected)], name
    assert check("lines.csv", jobs="2").stdout == expected.stdout

    # The same rows as a spreadsheet, JSON and Parquet (streamed, and read whole when not grouped).
    workbook = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(row)
    workbook.save("export.xlsx")
    learners: dict[str, list] = {}
    for learner, unit, result, achieved, registered, born, _ in rows:
        learners.setdefault(learner, []).append((unit, result, achieved, registered, born))
    Path("export.json").write_text(json.dumps({"learners": [
        {"id": learner, "registered_on": attempts[0][3], "date_of_birth": attempts[0][4],
         "units": [{"unit": unit, "result": result, "achieved_on": on} for unit, result, on, *_ in attempts]}
        for learner, attempts in learners.items()]}), encoding="utf-8")
    write_parquet("streamed.parquet", rows)
    write_parquet("whole.parquet", crossed)
    assert {task[0] for task in cohort.open_cohort("streamed.parquet", vocabulary, options).tasks} == {"columns"}
    assert not cohort.open_cohort("whole.parquet", vocabulary, options).streamed
    for name in ("export.xlsx", "export.json", "streamed.parquet", "whole.parquet"):
        assert without_locations(check(name)) == without_locations(expected), name

    # A batch of the same rows, as a distributed engine hands them over.
    import pyarrow as pa

    batch = pa.table({heading: [row[k] for row in rows] for k, heading in enumerate(HEADER)})
    decided = api.check_batch(batch, TEAM_LEADING, api.load(["cg.qual"]), options).to_pylist()
    assert [(row["learner"], row["status"], row["units"], row["credits"]) for row in decided] == \
        [(row["learner"], row["status"], row.get("units"), row.get("credits")) for row in json.loads(expected.stdout)]


def write_parquet(path: str, rows: list[list[str]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({heading: [row[k] for row in rows] for k, heading in enumerate(HEADER)}), path,
                   row_group_size=7)


def test_a_mapped_unit_counts_as_the_catalogue_s_reference(folder):
    Path("qualrules.toml").write_text(PROFILE, encoding="utf-8")
    Path("export.csv").write_text(csv_text(export_rows(9)), encoding="utf-8")
    verdicts = {row["learner"]: row for row in json.loads(check("export.csv").stdout)}
    assert (verdicts["C000"]["status"], verdicts["C000"]["units"]) == ("achieved", ["501", "502", "503"])
    assert verdicts["C001"]["units"] == ["501", "502", "503"]
    assert verdicts["C003"]["set_aside"] == [{"unit": "503", "reason": "result 'referred' does not count as achieved"}]
    errors = [(e["code"], e["line"], e["message"]) for e in verdicts["C006"]["errors"]]
    assert errors == [("QR503", 22, "the result is 'Passed', which is not a result word")]
    assert [(e["code"], e["line"]) for e in verdicts["C007"]["errors"]] == [("QR513", 26)]
    assert [(e["code"], e["line"]) for e in verdicts["C008"]["errors"]] == [("QR502", 29)]


# ---- what a person reads -------------------------------------------------------------------------------

def test_a_unit_written_another_way_is_warned_about_with_the_line_that_reads_it(folder, snapshot):
    # Without a profile: every cell is in no loaded catalogue. Each hint gives the line that would read it;
    # a near miss keeps its did-you-mean, and a cell written for two references names both.
    Path("records.csv").write_text(
        "learner,unit,result,achieved_on\n"
        "A1,Unit 501,pass,2024-03-12\nA1,Unit No. 502,pass,2024-03-12\nA1,Unit: 503,pass,2024-03-12\n"
        "A1,unit-504,pass,2024-03-12\nA1,Unit 228,pass,2024-03-12\nA1,L3 B1,pass,2024-03-12\n"
        "A1,L6507899,pass,2024-03-12\nA1,L3B9,pass,2024-03-12\nA1,Unit 999,pass,2024-03-12\n"
        "A2,Unit 7,pass,2024-03-12\n", encoding="utf-8")
    Path("two.qual").write_text('awarding body TWO "Two Bodies"\nunit A-7 "A" level 1 credits 1\n'
                                'unit B-7 "B" level 1 credits 1\nqualification 999/0007/7 "Seven"\n  units from A-7\n'
                                '  all of A-7\n', encoding="utf-8")
    result = run("check", "records.csv", "-q", TEAM_LEADING, "--ruleset", "cg.qual", "--ruleset", "two.qual",
                 "--format", "json")
    assert result.exit_code == 1, result.output
    assert result.stderr == snapshot


def test_an_unknown_unit_refused_by_the_profile_gives_the_line_that_reads_it(folder, snapshot):
    Path("pyproject.toml").write_text('[tool.qualrules]\nunknown_units = "error"\nrulesets = ["cg.qual"]\n',
                                      encoding="utf-8")
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,Unit 501,pass,2024-03-12\n"
                                   "A1,Unit 501,pass,2024-03-13\nA1,502,pass,2024-03-12\n", encoding="utf-8")
    result = run("check", "records.csv", "-q", TEAM_LEADING)
    assert result.exit_code == 2
    assert result.stdout == snapshot


def test_a_mapped_unit_in_no_catalogue_is_named_as_the_file_writes_it(folder, library):
    # The API takes options no command has checked: a cell mapped to a reference no catalogue declares is in
    # no loaded catalogue, named as written.
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,Unit 501,pass,2024-03-12\n",
                                   encoding="utf-8")
    records = read_records("records.csv", library.vocabulary(), api.ReadOptions(units={"unit 501": "501"}))
    assert [render_plain(w) for w in records.warnings] == [
        "records.csv:2: warning[QR520]: unit 'Unit 501' is in no loaded catalogue, so it cannot count: its rows are "
        "left out of every verdict (give the ruleset that declares it with --ruleset if it should count)"]


# ---- the profile's [units] ---------------------------------------------------------------------------------

def load_profile_text(text: str):
    Path("qualrules.toml").write_text(text, encoding="utf-8")
    return load_profile()


def test_unit_cells_are_matched_as_unit_cells_are_trimmed_and_in_any_case(folder):
    profile = load_profile_text('[units]\n" Unit 501 " = " 501"\n"UNIT 501" = "501"\n"Unit 502" = "K/651/0342"\n')
    assert profile.options.units == {"unit 501": "501", "unit 502": "k/651/0342"}
    assert profile.options.unit_key("Unit 501") == "501" and profile.options.unit_key("L3B1") == "l3b1"


def test_mapping_onto_a_reference_the_file_also_writes_is_read_the_same(folder):
    Path("qualrules.toml").write_text('rulesets = ["cg.qual"]\n[units]\n"Unit 501" = "501"\n', encoding="utf-8")
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,Unit 501,referred,2024-03-12\n"
                                   "A1,501,pass,2024-04-12\nA1,502,pass,2024-03-12\nA1,503,pass,2024-03-12\n",
                                   encoding="utf-8")
    result = run("check", "records.csv", "-q", TEAM_LEADING, "--format", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout)[0]["units"] == ["501", "502", "503"]


@pytest.mark.parametrize("text,line,message,hint", [
    ('[units]\n"Unit 501" = "501"\n"unit 501 " = "502"\n', 3,
     "units 'Unit 501' and 'unit 501 ' are one unit cell to a reader (unit cells match ignoring case and spaces "
     "around them), mapped both to '501' and to '502'", "keep one of the two lines"),
    ('[units]\n" " = "501"\n', 2, "an empty unit cell cannot be mapped: a row without a unit is an error (QR501) "
     "whatever the profile says", "delete the line"),
    ('[units]\n"Unit 501" = 501\n', 2, "'Unit 501' under [units] must be mapped to a string, not a number",
     'write it as  "Unit 501" = "..."'),
    ('units = ["501"]\n', 1, "`units` must be a table of unit references, not a list",
     'write it as a table: [units]\n"Unit 501" = "501"'),
])
def test_a_unit_line_that_cannot_be_read_is_a_located_error(folder, text, line, message, hint):
    with pytest.raises(DiagnosticError) as raised:
        load_profile_text(text)
    (error,) = raised.value.diagnostics
    assert (error.code, error.location.line, error.message, error.hint) == ("QR632", line, message, hint)


def test_a_unit_mapped_to_no_loaded_reference_stops_the_command(folder, snapshot):
    Path("pyproject.toml").write_text('[tool.qualrules]\nrulesets = ["cg.qual"]\n\n[tool.qualrules.units]\n'
                                      '"Unit 501" = "501"\n"Unit 228" = "8750-228"\n"Unit 229" = "229"\n'
                                      '"Unit 900" = "FS-900"\n', encoding="utf-8")
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,Unit 501,pass,2024-03-12\n", encoding="utf-8")
    result = run("check", "records.csv", "-q", TEAM_LEADING)
    assert (result.exit_code, result.stdout) == (2, "")
    assert re.findall(r"error\[(QR\d+)\]", result.stderr) == ["QR639"] * 3
    assert result.stderr == snapshot


# ---- what a hint and `init` take for a reference written another way -----------------------------------------

@pytest.mark.parametrize("cell,refs", [
    ("Unit 501", ["501"]), ("unit no. 502", ["502"]), ("Unit: 503", ["503"]), ("UNIT-504", ["504"]),
    ("Unit 228", ["8570-228"]), ("228", ["8570-228"]), ("8570 228", ["8570-228"]), ("L3 B1", ["L3B1"]),
    ("Module L3B1", ["L3B1"]), ("L6507899", ["L/650/7899"]), ("Unit 7", ["A-7", "B-7"]),
    ("FSM2", []), ("L3B9", []), ("Unit", []), ("Units 501", []),
])
def test_a_cell_is_taken_for_the_references_it_writes_another_way(cell, refs):
    known = ["501", "502", "503", "504", "8570-228", "8750-213", "L3B1", "L/650/7899", "A-7", "B-7"]
    assert likely_units(cell, known) == refs


def test_init_proposes_the_units_it_recognises_and_says_what_it_cannot_decide(folder, snapshot):
    Path("two.qual").write_text('awarding body TWO "Two Bodies"\nunit A-7 "A" level 1 credits 1\n'
                                'unit B-7 "B" level 1 credits 1\nqualification 999/0007/7 "Seven"\n  units from A-7\n'
                                '  all of A-7\n', encoding="utf-8")
    Path("export.csv").write_text(csv_text(export_rows(9) + [["C100", "Unit 7", "P", "", "", "", ""]]),
                                  encoding="utf-8")
    result = run("init", "export.csv", "--ruleset", "cg.qual", "--ruleset", "two.qual")
    assert result.exit_code == 0, result.output
    proposed = Path("qualrules.toml").read_text(encoding="utf-8")
    assert proposed == snapshot
    # Reviewed (the qualification named, the two-way cell left as it is), every unit it proposed counts.
    reviewed = re.sub(r"^# qualifications = .*$", f'qualifications = ["{TEAM_LEADING}"]\nrulesets = ["cg.qual"]',
                      proposed, flags=re.M)
    Path("qualrules.toml").write_text(reviewed, encoding="utf-8")
    result = run("check", "export.csv", "--format", "json")
    assert re.findall(r"warning\[QR520\]: unit '([^']*)'", result.stderr) == ["Unit 999", "Unit 7"]
    verdicts = {row["learner"]: row for row in json.loads(result.stdout)}
    assert verdicts["C002"]["units"] == ["501", "502", "503", "504"]


def test_rows_a_stray_quote_swallowed_are_told_by_their_mapped_units(folder):
    # Lines inside a quoted cell are taken for rows a stray quote swallowed when they name a learner and a
    # known unit: a mapped cell is one.
    Path("records.csv").write_text('learner,unit,result,achieved_on,notes\n'
                                   'A1,Unit 501,pass,2024-05-01,"resubmitted, see file\n'
                                   'A2,Unit 501,pass,2024-05-01,\n'
                                   'A3,Unit 501,pass,2024-05-01,uses a 27" monitor\n'
                                   'A4,Unit 501,pass,2024-05-01,\n', encoding="utf-8")
    vocabulary = api.load(["cg.qual"]).vocabulary()
    records = read_records("records.csv", vocabulary, api.ReadOptions(units={"unit 501": "501"}))
    assert [(d.code, d.location.line) for d in records.diagnostics] == [("QR512", 2), ("QR512", 3), ("QR512", 4)]
    assert [learner.id for learner in records.learners] == ["A4"]


def test_the_hint_names_the_profile_in_use_whichever_reader_reads_the_file(folder):
    # `check` reads a grouped CSV file as columns, `explain` row by row: both name the profile's own table.
    Path("pyproject.toml").write_text('[tool.qualrules]\nrulesets = ["cg.qual"]\n', encoding="utf-8")
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,Unit 501,pass,2024-03-12\n", encoding="utf-8")
    hint = 'help: add  "Unit 501" = "501"  under [tool.qualrules.units] in pyproject.toml'
    for command in (["check", "records.csv", "-q", TEAM_LEADING],
                    ["explain", "records.csv", "--learner", "A1", "-q", TEAM_LEADING]):
        assert hint in run(*command).stderr, command
