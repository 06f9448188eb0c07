"""Mapping profiles: found, checked strictly, and read by every reader; `qualrules init`; docs/profiles.md.

Conventions in docs/profiles.md, whose blocks run in order in one folder: `<!-- file: NAME -->` before a
block writes it as NAME; `<!-- output: NAME -->` says NAME, as the commands so far left it, is exactly the
block; a ```sh block's commands are run, and a ```text block right after it is their output (standard
error, then standard output); any other ```toml block is a complete profile (a `pyproject.toml` when it has
a `[tool.qualrules]` table) that must load without problems.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from qualrules import api
from qualrules.cli import main
from qualrules.interpreter.diagnostics import DiagnosticError, Severity
from qualrules.interpreter.profile import load_profile
from qualrules.interpreter.records.options import ReadOptions
from qualrules.interpreter.records.readers import read_records

from conftest import DEMO_RULESET

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "profiles.md"
ISP_AWARD, ISP_CERTIFICATE = "610/3791/6", "610/3788/6"
_BLOCK = re.compile(r"(?:^<!-- (?P<marker>[^\n]+?) -->\n)?^```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.M | re.S)

MIS_HEADER = "Learner Ref,ULN,Unit Code,Outcome,Achievement Date,Start Date,DOB\n"
MIS_PROFILE = """\
qualifications = ["610/3791/6"]

[columns]
"Learner Ref" = "learner"
"Unit Code" = "unit"
"Outcome" = "result"
"Achievement Date" = "achieved_on"
"Start Date" = "registered_on"
"DOB" = "date_of_birth"

[results]
"Referral" = "referred"
"P" = "pass"
"Achieved" = "pass"
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def codes(result) -> list[str]:
    return re.findall(r"\b(?:error|warning)\[(QR\d{3})\]", result.stderr)


# ---- docs/profiles.md ------------------------------------------------------------------------------------

def test_the_page_runs_as_shown(folder, library):
    # The achievement-log export is read against the repository's example catalogue, as the page says.
    (folder / "examples").mkdir()
    catalogue = "examples/achievement-log.qual"
    (folder / catalogue).write_bytes((ROOT / catalogue).read_bytes())
    blocks = list(_BLOCK.finditer(PAGE.read_text(encoding="utf-8")))
    output, commands = None, 0
    for block in blocks:
        marker, lang, body = block["marker"], block["lang"], block["body"]
        if marker and marker.startswith("file: "):
            Path(marker.removeprefix("file: ")).write_text(body, encoding="utf-8")
        elif marker and marker.startswith("output: "):
            assert Path(marker.removeprefix("output: ")).read_text(encoding="utf-8") == body
        elif lang == "sh":
            results = [run(*shlex.split(line)[1:]) for line in body.splitlines()]
            output = "".join(result.stderr + result.stdout for result in results)
            commands += len(results)
            continue
        elif lang == "text":
            assert output is not None, f"a text block with no command before it: {body}"
            assert output == body
        elif lang == "toml":
            place = folder / f"profile-{block.start()}"
            place.mkdir()
            name = "pyproject.toml" if "[tool.qualrules" in body else "qualrules.toml"
            (place / name).write_text(body, encoding="utf-8")
            profile = load_profile(folder=place)
            assert profile.file is not None and not profile.unknown_targets(library.vocabulary())
        output = None
    assert commands >= 3


# ---- the MIS export, end to end ----------------------------------------------------------------------------

def test_an_mis_export_checks_after_init_and_one_reviewed_line(folder):
    Path("export.csv").write_text(
        MIS_HEADER
        + "A001,4839201746,L3B1,P,2024-03-12,2024-01-15,1999-06-02\n"
          "A001,4839201746,L3B2,Referral,02/04/2024,15/01/2024,02/06/1999\n"
          "A001,4839201746,L3B2,Achieved,30/04/2024,15/01/2024,02/06/1999\n"
          "A002,5520918374,L3B1,P,20/02/2024,08/01/2024,30/11/2001\n"
          "A002,5520918374,L3B2,Referral,18/03/2024,08/01/2024,30/11/2001\n", encoding="utf-8")
    refused = run("check", "export.csv", "-q", ISP_AWARD)
    assert (refused.exit_code, codes(refused)) == (2, ["QR505"])
    assert '"Learner Ref" = "learner"' in refused.stderr and '"Outcome" = "result"' in refused.stderr
    assert run("init", "export.csv").exit_code == 0
    proposed = Path("qualrules.toml").read_text(encoding="utf-8")
    # The review: name the qualification checked; everything else is taken as proposed.
    reviewed = re.sub(r"^# qualifications = .*$", f'qualifications = ["{ISP_AWARD}"]', proposed, flags=re.M)
    Path("qualrules.toml").write_text(reviewed, encoding="utf-8")
    checked = run("check", "export.csv", "--format", "json")
    assert checked.exit_code == 1, checked.stderr
    verdicts = {row["learner"]: row for row in json.loads(checked.stdout)}
    assert (verdicts["A001"]["status"], verdicts["A001"]["units"]) == ("achieved", ["L3B1", "L3B2"])
    assert verdicts["A002"]["status"] == "not achieved"
    assert verdicts["A002"]["set_aside"] == [{"unit": "L3B2", "reason": "result 'referred' does not count as achieved"}]


def test_an_excel_export_on_windows_with_day_first_dates_checks_after_init_and_one_reviewed_line(folder):
    # The export as Excel on Windows saves it: cp1252 (the ë of Zoë), semicolons, three day-first date forms.
    Path("export.csv").write_bytes((
        MIS_HEADER.replace(",", ";")
        + "Zoë;4839201746;L3B1;P;12-03-2024;10 Jan 2024;02/06/1999\n"
          "Zoë;4839201746;L3B2;Achieved;12 Mar 2024;10 Jan 2024;02/06/1999\n"
          "A002;5520918374;L3B1;Referral;12/03/2024;08/01/2024;30/11/2001\n"
          "A002;5520918374;L3B2;Passed;12/03/2024;08/01/2024;30/11/2001\n").encode("cp1252"))
    assert run("init", "export.csv").exit_code == 0
    proposed = Path("qualrules.toml").read_text(encoding="utf-8")
    assert 'encoding = "cp1252"' in proposed and 'delimiter = ";"' in proposed
    reviewed = re.sub(r"^# qualifications = .*$", f'qualifications = ["{ISP_AWARD}"]', proposed, flags=re.M)
    Path("qualrules.toml").write_text(reviewed, encoding="utf-8")
    checked = run("check", "export.csv", "--format", "json")
    assert (checked.exit_code, checked.stderr) == (1, "")
    verdicts = {row["learner"]: row for row in json.loads(checked.stdout)}
    assert (verdicts["Zoë"]["status"], verdicts["Zoë"]["units"]) == ("achieved", ["L3B1", "L3B2"])
    assert (verdicts["A002"]["status"], verdicts["A002"]["units"]) == ("not achieved", ["L3B2"])


# ---- where the profile is found -----------------------------------------------------------------------

def test_qualrules_toml_wins_over_pyproject(folder):
    Path("pyproject.toml").write_text('[tool.qualrules]\nqualifications = ["610/3788/6"]\n', encoding="utf-8")
    assert load_profile().qualifications == (ISP_CERTIFICATE,)
    assert load_profile().options.profile_tables == "tool.qualrules."
    Path("qualrules.toml").write_text('qualifications = ["610/3791/6"]\n', encoding="utf-8")
    assert load_profile().qualifications == (ISP_AWARD,)


def test_a_pyproject_without_the_table_is_no_profile_unless_given(folder):
    Path("pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_profile().file is None
    with pytest.raises(DiagnosticError) as raised:
        load_profile("pyproject.toml")
    assert [d.code for d in raised.value.diagnostics] == ["QR630"]


def test_profile_option_names_the_file_and_its_rulesets_are_relative_to_it(folder):
    Path("shared").mkdir()
    Path("shared/demo.qual").write_text(DEMO_RULESET, encoding="utf-8")
    Path("shared/mis.toml").write_text('rulesets = ["demo.qual"]\nqualifications = ["900/0000/1"]\n'
                                       '[columns]\n"Student" = "learner"\n', encoding="utf-8")
    Path("records.csv").write_text("Student,unit,result,achieved_on\nS1,D1,pass,2024-01-01\n", encoding="utf-8")
    result = run("--profile", "shared/mis.toml", "check", "records.csv")
    assert "S1" in result.stdout and not codes(result), result.output


def test_hints_name_the_profile_and_table_in_use(folder):
    Path("pyproject.toml").write_text('[tool.qualrules]\nqualifications = ["610/3791/6"]\n', encoding="utf-8")
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,L3B1,Refer,2024-01-01\n", encoding="utf-8")
    result = run("check", "records.csv")
    assert 'add  "Refer" = "referred"  under [tool.qualrules.results] in pyproject.toml' in result.stdout


# ---- what each mapping does --------------------------------------------------------------------------------

def learners(records) -> dict:
    return {learner.id: [(a.unit, a.result) for a in learner.attempts] for learner in records.learners}


def test_columns_and_words_map_in_csv_and_spreadsheets(folder, library):
    options = load_profile_text(MIS_PROFILE).options
    rows = [["A001", "1", "L3B1", "P", "2024-03-12", "2024-01-15", "1999-06-02"],
            ["A001", "1", "l3b2", " referral ", "2024-04-02", "2024-01-15", "1999-06-02"]]
    Path("export.csv").write_text(MIS_HEADER + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    workbook = openpyxl.Workbook()
    workbook.active.append(MIS_HEADER.strip().split(","))
    for row in rows:
        workbook.active.append(row)
    workbook.save("export.xlsx")
    for name in ("export.csv", "export.xlsx"):
        records = read_records(name, library.vocabulary(), options)
        assert learners(records) == {"A001": [("L3B1", "pass"), ("L3B2", "referred")]}, name
        assert records.learners[0].registered_on.isoformat() == "2024-01-15"


def test_words_map_in_json(folder, library):
    options = ReadOptions(result_words={"p": "pass"})
    Path("records.json").write_text('{"learners": [{"id": "A1", "units": [{"unit": "L3B1", "result": "P"}]}]}',
                                    encoding="utf-8")
    assert learners(read_records("records.json", library.vocabulary(), options)) == {"A1": [("L3B1", "pass")]}


def cohort_text(count: int, word: str = "P", extra_unit: str | None = None) -> str:
    lines = ["Learner Ref,Unit Code,Outcome,Achievement Date,Start Date,DOB\n"]
    for number in range(count):
        learner = f"L{number:05d}"
        for unit in ("L3B1", "L3B2", *(extra_unit and [extra_unit] or [])):
            lines.append(f"{learner},{unit},{word},2024-03-12,2024-01-15,1999-06-02\n")
    return "".join(lines)


@pytest.mark.parametrize("jobs,ragged", [("1", False), ("2", False), ("2", True)])
def test_a_streamed_file_is_mapped_and_an_unknown_unit_named_once(folder, jobs, ragged):
    # 2,500 learners are three blocks, each holding the unknown unit; grouped, so read in blocks: as
    # columns, or row by row when a row has a cell more than the header.
    Path("qualrules.toml").write_text(MIS_PROFILE, encoding="utf-8")
    text = cohort_text(2500, extra_unit="FS-MATHS")
    Path("cohort.csv").write_text(text.replace("1999-06-02\n", "1999-06-02,note\n", 1) if ragged else text,
                                  encoding="utf-8")
    for output in ("table", "json"):
        result = run("check", "cohort.csv", "--jobs", jobs, "--format", output)
        assert result.exit_code == 0, result.stderr
        assert codes(result) == ["QR520"]
        assert "cohort.csv:4: warning[QR520]: unit 'FS-MATHS'" in result.stderr
    verdicts = json.loads(result.stdout)
    assert len(verdicts) == 2500 and all(v["status"] == "achieved" for v in verdicts)


def test_a_file_read_whole_is_mapped_the_same(folder):
    # Learners' rows apart: read whole, by the row reader.
    Path("qualrules.toml").write_text(MIS_PROFILE, encoding="utf-8")
    text = cohort_text(3)
    header, *rows = text.splitlines(keepends=True)
    Path("scattered.csv").write_text(header + "".join(rows[0::2] + rows[1::2]), encoding="utf-8")
    result = run("check", "scattered.csv", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [v["status"] for v in json.loads(result.stdout)] == ["achieved"] * 3


def test_unknown_units_error_refuses_the_learner(folder):
    Path("qualrules.toml").write_text('unknown_units = "error"\n' + MIS_PROFILE, encoding="utf-8")
    Path("cohort.csv").write_text(cohort_text(2, extra_unit="FS-MATHS"), encoding="utf-8")
    result = run("check", "cohort.csv")
    assert result.exit_code == 2
    assert "cohort.csv:4: error[QR501]: unknown unit 'FS-MATHS'" in result.stdout
    assert not codes(result)  # nothing on stderr: the errors are the learners'


def test_a_mapped_word_shows_as_its_result_word_in_verdicts(folder):
    Path("qualrules.toml").write_text(MIS_PROFILE, encoding="utf-8")
    Path("cohort.csv").write_text(cohort_text(1, word="Referral"), encoding="utf-8")
    verdict, = json.loads(run("check", "cohort.csv", "--format", "json").stdout)
    assert verdict["set_aside"][0]["reason"] == "result 'referred' does not count as achieved"


def test_a_number_the_profile_maps_is_a_result_code_not_a_mark(folder):
    Path("qualrules.toml").write_text('[results]\n"1" = "pass"\n"0" = "fail"\n', encoding="utf-8")
    rows = [("A1", "L3B1", 1), ("A1", "L3B2", 1), ("A2", "L3B1", 1), ("A2", "L3B2", 0)]
    Path("codes.csv").write_text("learner,unit,result,achieved_on,registered_on,date_of_birth\n" + "".join(
        f"{learner},{unit},{code},2024-03-12,2024-01-15,1990-01-01\n" for learner, unit, code in rows),
        encoding="utf-8")
    verdicts = json.loads(run("check", "codes.csv", "-q", ISP_AWARD, "--format", "json").stdout)
    assert [v["status"] for v in verdicts] == ["achieved", "not achieved"]
    # The row reader, as `explain` reads a learner, agrees with the columns `check` reads.
    explained = json.loads(run("explain", "codes.csv", "-q", ISP_AWARD, "--learner", "A1", "--format", "json").stdout)
    assert explained["status"] == "achieved"
    records = read_records(Path("codes.csv"), api.load().vocabulary(), load_profile().options)
    assert {attempt.result for learner in records.learners for attempt in learner.attempts} == {"pass", "fail"}


def test_check_uses_the_given_qualifications_over_the_profiles(folder):
    Path("qualrules.toml").write_text(MIS_PROFILE, encoding="utf-8")
    Path("cohort.csv").write_text(cohort_text(1), encoding="utf-8")
    verdict, = json.loads(run("check", "cohort.csv", "-q", ISP_CERTIFICATE, "--format", "json").stdout)
    assert verdict["qualification"] == ISP_CERTIFICATE


def test_the_api_takes_a_profiles_options(folder, library):
    Path("qualrules.toml").write_text(MIS_PROFILE, encoding="utf-8")
    Path("cohort.csv").write_text(cohort_text(2), encoding="utf-8")
    profile = api.load_profile()
    assert len(api.read_records("cohort.csv", library, profile.options).learners) == 2
    rows = list(api.check_file("cohort.csv", profile.qualifications, library, jobs=1, options=profile.options))
    assert [row.verdict.achieved for row in rows] == [True, True]


# ---- refusals, each with its hint ----------------------------------------------------------------------

def load_profile_text(text: str):
    Path("qualrules.toml").write_text(text, encoding="utf-8")
    return load_profile()


REFUSALS = {
    "not TOML": ('[columns]\n"Learner Ref" = learner\n', "QR630", 2, "see docs/profiles.md for the form of each key"),
    "an unknown key": ('qualifications = []\nunknown_unit = "error"\n', "QR631", 2, "did you mean `unknown_units`?"),
    "an unknown table": ('[column]\n"A" = "learner"\n', "QR631", 1, "did you mean `columns`?"),
    "a string for a list": ('qualifications = "610/3788/6"\n', "QR632", 1, 'qualifications = ["610/3788/6"]'),
    "a list for a table": ('columns = ["learner"]\n', "QR632", 1,
                           'write it as a table: [columns]\n"Learner Ref" = "learner"'),
    "a number for a field": ('[columns]\n"Learner Ref" = 1\n', "QR632", 2, 'write it as  "Learner Ref" = "..."'),
    "an unknown encoding": ('encoding = "utf-9"\n', "QR632", 1,
                            "leave it out to have the encoding told from the file's bytes"),
    "a delimiter of two characters": ('delimiter = ",,"\n', "QR632", 1,
                                      "leave it out to have the delimiter told from the header"),
    "an unknown date form": ('date_formats = ["dd-mm-yyyy"]\n', "QR632", 1,
                             "see docs/profiles.md for the date forms and what each reads"),
    "day-first and month-first": ('date_formats = ["dd/mm/yy", "mm/dd/yyyy"]\n', "QR632", 1,
                                  "see docs/profiles.md for the date forms and what each reads"),
    "an unknown policy": ('unknown_units = "warning"\n', "QR632", 1, "did you mean `warn`?"),
    "one heading mapped two ways": ('[columns]\n"Outcome" = "result"\n"OUTCOME " = "unit"\n', "QR632", 3,
                                    "keep one of the two lines"),
    "one result word mapped two ways": ('[results]\n"P" = "pass"\n"p " = "fail"\n', "QR632", 3,
                                        "keep one of the two lines"),
    "a column mapped to no field": ('[columns]\n"Learner Ref" = "learner_id"\n', "QR633", 2,
                                    "did you mean `learner` or `learner_signed_on`?"),
    "a column mapped far from any field": ('[columns]\n"Notes" = "comments"\n', "QR633", 2,
                                           "the fields are learner, unit, result, achieved_on, registered_on, "
                                           "date_of_birth, pathway, qualification, criterion, evidence, method, "
                                           "assessor, simulated, signed_off_on, learner_signed_on, iqa_verified_on, "
                                           "iqa_verifier"),
}


@pytest.mark.parametrize("text,code,line,hint", REFUSALS.values(), ids=REFUSALS)
def test_a_bad_profile_is_a_located_coded_error_with_a_hint(folder, text, code, line, hint):
    with pytest.raises(DiagnosticError) as raised:
        load_profile_text(text)
    (error,) = raised.value.diagnostics
    assert (error.code, error.location.file, error.location.line, error.hint) == (code, "qualrules.toml", line, hint)


def test_a_heading_or_word_given_twice_the_same_way_is_no_error(folder):
    profile = load_profile_text('[columns]\n"Outcome" = "result"\n"OUTCOME" = "result"\n'
                                '[results]\n"P" = "pass"\n"p" = "pass"\n')
    assert (profile.options.columns, profile.options.result_words) == ({"outcome": "result"}, {"p": "pass"})


def test_a_bad_encoding_or_date_form_is_refused_with_the_readers_words(folder):
    with pytest.raises(DiagnosticError) as raised:
        load_profile_text('encoding = "utf-9"\ndate_formats = ["dd/mm/yy", "mm/dd/yy"]\n')
    assert [d.message for d in raised.value.diagnostics] == [
        "`encoding` cannot be \"utf-9\": unknown encoding 'utf-9': name one of utf-8, utf-16, cp1252, latin-1",
        "`date_formats` cannot be [\"dd/mm/yy\", \"mm/dd/yy\"]: dates cannot be both day-first (dd/mm/...) and "
        "month-first (mm/dd/...): name one"]


def test_every_mistake_of_a_profile_is_reported_at_once(folder):
    with pytest.raises(DiagnosticError) as raised:
        load_profile_text('encoding = 8\nunknown_units = "strict"\n[columns]\n"X" = "lerner"\n')
    assert [(d.code, d.location.line) for d in raised.value.diagnostics] == [("QR632", 1), ("QR632", 2), ("QR633", 4)]


def test_a_word_mapped_to_no_result_word_stops_the_command(folder):
    Path("qualrules.toml").write_text('[results]\n"Referral" = "refer"\n', encoding="utf-8")
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,L3B1,pass,2024-01-01\n", encoding="utf-8")
    result = run("check", "records.csv", "-q", ISP_AWARD)
    assert (result.exit_code, codes(result)) == (2, ["QR634"])
    assert "qualrules.toml:2:1: error[QR634]: 'referral' is mapped to 'refer', which is not a result word" \
        in result.stderr
    assert "help: did you mean `referred`?" in result.stderr


def test_a_missing_profile_is_refused(folder):
    result = run("--profile", "absent.toml", "list")
    assert (result.exit_code, codes(result)) == (2, ["QR630"])
    assert "`qualrules init RECORDS` writes a starter qualrules.toml" in result.stderr


def test_a_broken_profile_does_not_stop_lint_or_fmt(folder):
    Path("qualrules.toml").write_text("not toml [", encoding="utf-8")
    Path("demo.qual").write_text(DEMO_RULESET, encoding="utf-8")
    for args in (["lint", "demo.qual"], ["fmt", "--check", "demo.qual"]):
        result = run(*args)
        assert result.exit_code != 2 and "QR630" not in result.output, args


def test_check_without_qualifications_says_how_to_give_them(folder):
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,L3B1,pass,2024-01-01\n", encoding="utf-8")
    result = run("check", "records.csv")
    assert (result.exit_code, codes(result)) == (2, ["QR636"])
    assert 'add  qualifications = ["610/3788/6"]  to qualrules.toml' in result.stderr


@pytest.mark.parametrize("command", [["explain", "--learner", "A1"], ["plan", "--learner", "A1"],
                                     ["log", "--learner", "A1", "-o", "log.html"], ["claim", "-o", "claim.csv"],
                                     ["report", "-o", "report.html"]])
def test_a_command_of_one_qualification_takes_the_profiles_only_one(folder, command):
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,L3B1,pass,2024-01-01\n", encoding="utf-8")
    Path("qualrules.toml").write_text('qualifications = ["610/3791/6"]\n', encoding="utf-8")
    given = run(command[0], "records.csv", *command[1:], "-q", "610/3791/6")
    default = run(command[0], "records.csv", *command[1:])
    assert (default.exit_code, default.stdout, default.stderr) == (given.exit_code, given.stdout, given.stderr)
    written = Path(command[-1]).read_text(encoding="utf-8-sig") if "-o" in command else ""
    assert "610/3791/6" in written + default.stdout + default.stderr
    Path("qualrules.toml").write_text('qualifications = ["610/3791/6", "610/3791/6"]\n', encoding="utf-8")
    assert run(command[0], "records.csv", *command[1:]).exit_code == given.exit_code  # one, named twice
    Path("qualrules.toml").write_text('qualifications = ["610/3791/6", "610/3788/6"]\n', encoding="utf-8")
    several = run(command[0], "records.csv", *command[1:])
    assert (several.exit_code, codes(several)) == (2, ["QR636"])
    assert f"the profile names 2: `{command[0]}` takes one" in several.stderr
    assert "give -q with one of 610/3791/6, 610/3788/6" in several.stderr
    Path("qualrules.toml").write_text("", encoding="utf-8")
    none = run(command[0], "records.csv", *command[1:])
    assert (none.exit_code, codes(none)) == (2, ["QR636"])
    assert f"no qualification to {command[0]}" in none.stderr


# ---- qualrules init ------------------------------------------------------------------------------------

def test_init_writes_the_profile_to_standard_output_for_a_dash(folder):
    Path("export.csv").write_text(MIS_HEADER + "A1,1,L3B1,P,2024-01-01,2024-01-01,1990-01-01\n", encoding="utf-8")
    to_file = run("init", "export.csv", "-o", "proposed.toml")
    result = run("init", "export.csv", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout == Path("proposed.toml").read_text(encoding="utf-8")
    assert result.stderr == "wrote the profile: review each line, then run `qualrules check export.csv`\n"
    assert to_file.exit_code == 0 and not Path("-").exists()


def test_init_maps_a_registration_date_headed_reg_date(folder):
    Path("export.csv").write_text("Learner Ref,Unit Code,Outcome,Achieved,Reg Date\nA1,L3B1,pass,2024-03-01,"
                                  "2024-01-10\n", encoding="utf-8")
    assert run("init", "export.csv").exit_code == 0
    assert '"Reg Date" = "registered_on"' in Path("qualrules.toml").read_text(encoding="utf-8")


def test_init_never_replaces_a_profile_without_force(folder):
    Path("export.csv").write_text(MIS_HEADER + "A1,1,L3B1,P,2024-01-01,2024-01-01,1990-01-01\n", encoding="utf-8")
    Path("qualrules.toml").write_text("# reviewed\n", encoding="utf-8")
    refused = run("init", "export.csv")
    assert (refused.exit_code, codes(refused)) == (2, ["QR635"])
    assert Path("qualrules.toml").read_text(encoding="utf-8") == "# reviewed\n"
    assert run("init", "export.csv", "--force").exit_code == 0
    assert '"Outcome" = "result"' in Path("qualrules.toml").read_text(encoding="utf-8")


def test_init_marks_what_it_cannot_decide(folder):
    Path("export.csv").write_text("Candidate Number,Module,Grade,Notes\n"
                                  "C1,L3B1,Passed,x\nC2,L3B1,Resit booked,y\nC3,L3B2,pass,z\n", encoding="utf-8")
    assert run("init", "export.csv", "--output", "proposed.toml").exit_code == 0
    text = Path("proposed.toml").read_text(encoding="utf-8")
    assert '"Candidate Number" = "learner"\n"Module" = "unit"\n"Grade" = "result"\n' in text
    assert '# "Notes" is not read: map it to one of learner, unit, result, achieved_on' in text
    assert '# no column looks like achieved_on, which is required: "Your Heading" = "achieved_on"' in text
    assert '"Passed" = "pass"\n' in text
    assert '# "Resit booked" = "..."  # not recognised' in text
    assert '"pass" =' not in text  # already a result word
    load_profile("proposed.toml")  # what it writes is a valid profile


def test_init_reads_spreadsheets_and_refuses_json(folder):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Learner Ref", "Unit Code", "Outcome", "Achievement Date"])
    workbook.active.append(["A1", "L3B1", "Referral", "2024-01-01"])
    workbook.save("export.xlsx")
    assert run("init", "export.xlsx").exit_code == 0
    assert '"Referral" = "referred"' in Path("qualrules.toml").read_text(encoding="utf-8")
    refused = run("init", "records.json", "--output", "other.toml")
    assert (refused.exit_code, codes(refused)) == (2, ["QR637"])


def test_warnings_do_not_fail_the_learner_or_the_exit_status_of_report_and_eligible(folder):
    Path("qualrules.toml").write_text(MIS_PROFILE, encoding="utf-8")
    Path("cohort.csv").write_text(cohort_text(1, extra_unit="FS-MATHS"), encoding="utf-8")
    for args in (["report", "cohort.csv", "-q", ISP_AWARD, "-o", "report.html"], ["eligible", "cohort.csv"],
                 ["explain", "cohort.csv", "--learner", "L00000", "-q", ISP_AWARD]):
        result = run(*args)
        assert (result.exit_code, codes(result)) == (0, ["QR520"]), args
    # Left out of the verdict: named only among the units not read from the record.
    page = Path("report.html").read_text(encoding="utf-8")
    assert page.count("FS-MATHS") == 1
    assert '<tr><th scope="row">FS-MATHS</th><td>line 4</td><td>in no loaded catalogue, so not counted' in page


def test_warning_severity_is_a_warning_apart_from_the_problems(folder, library):
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,XX1,pass,\n", encoding="utf-8")
    records = read_records("records.csv", library.vocabulary())
    (warning,) = records.warnings
    assert (warning.code, warning.severity, records.problems) == ("QR520", Severity.WARNING, ())


def test_rows_left_out_read_the_same_as_columns_and_row_by_row(folder):
    # A unit in no catalogue on rows whose result and date are not read (a bad word, a bad date, a date
    # before birth): streamed as columns, and read whole row by row, the verdicts and warnings agree.
    rows = ["learner,unit,result,achieved_on,registered_on,date_of_birth"]
    for number in range(1500):
        learner = f"L{number:05d}"
        rows += [f"{learner},L3B1,pass,2024-03-12,2024-01-15,1999-06-02",
                 f"{learner},L3B2,{'referred' if number % 3 else 'pass'},2024-03-12,2024-01-15,1999-06-02"]
        rows += {0: [f"{learner},FS-MATHS,Level 1,2024-03-12,2024-01-15,1999-06-02"],
                 1: [f"{learner},fs-maths,pass,31/02/2024,2024-01-15,1999-06-02"],
                 2: [f"{learner},ESOL-E3,pass,1990-01-01,2024-01-15,1999-06-02"]}.get(number % 5, [])
    Path("grouped.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    header, *body = rows
    Path("scattered.csv").write_text("\n".join([header, *body[1::2], *body[0::2]]) + "\n", encoding="utf-8")
    grouped = run("check", "grouped.csv", "-q", ISP_AWARD, "--format", "json", "--jobs", "1")
    scattered = run("check", "scattered.csv", "-q", ISP_AWARD, "--format", "json", "--jobs", "1")
    assert grouped.exit_code == scattered.exit_code == 1, grouped.stderr + scattered.stderr
    by_learner = lambda result: sorted(json.loads(result.stdout), key=lambda row: row["learner"])
    assert by_learner(grouped) == by_learner(scattered)
    assert codes(grouped) == codes(scattered) == ["QR520", "QR520"]
    assert "grouped.csv:4: warning[QR520]: unit 'FS-MATHS'" in grouped.stderr
    assert "grouped.csv:10: warning[QR520]: unit 'ESOL-E3'" in grouped.stderr


def test_a_pyproject_given_with_profile_is_read_for_its_table(folder):
    Path("elsewhere").mkdir()
    Path("elsewhere/pyproject.toml").write_text('[tool.qualrules.results]\n"Passed" = "pass"\n', encoding="utf-8")
    profile = load_profile("elsewhere/pyproject.toml")
    assert profile.options.result_words == {"passed": "pass"}
    assert profile.options.fix("results", ("R", "referred")) == \
        'add  "R" = "referred"  under [tool.qualrules.results] in elsewhere/pyproject.toml'


def test_two_headings_mapped_to_one_field_may_not_both_be_given(folder):
    Path("qualrules.toml").write_text(MIS_PROFILE.replace('[results]', '"ULN" = "learner"\n\n[results]'),
                                      encoding="utf-8")
    Path("export.csv").write_text(MIS_HEADER + "A1,1,L3B1,P,2024-01-01,2024-01-01,1990-01-01\n", encoding="utf-8")
    result = run("check", "export.csv")
    assert (result.exit_code, codes(result)) == (2, ["QR510"])
    assert "the header gives the `learner` column 2 times: 'Learner Ref' (column 1) and 'ULN' (column 2)" \
        in result.stderr


def test_a_default_qualification_not_loaded_is_located_in_the_profile(folder):
    Path("qualrules.toml").write_text('\nqualifications = ["610/3788/7"]\n', encoding="utf-8")
    Path("records.csv").write_text("learner,unit,result,achieved_on\nA1,L3B1,pass,2024-01-01\n", encoding="utf-8")
    result = run("check", "records.csv")
    assert (result.exit_code, codes(result)) == (2, ["QR601"])
    assert result.stderr.startswith("qualrules.toml:2:1: error[QR601]: no qualification 610/3788/7 is loaded")


def test_init_gives_a_field_to_the_heading_surest_to_hold_it(folder):
    Path("export.csv").write_text("Learner No,Student ID,Unit,Outcome,Date\nA1,1,L3B1,P,2024-01-01\n", encoding="utf-8")
    assert run("init", "export.csv").exit_code == 0
    text = Path("qualrules.toml").read_text(encoding="utf-8")
    # `Student ID` is a heading systems write for the learner; `Learner No` is only close to one.
    assert '"Student ID" = "learner"\n' in text
    assert '# "Learner No" = "learner"  # also looks like learner, and so does "Student ID"' in text
    assert '"Unit" =' not in text  # a field's own name needs no line


def test_every_key_reaches_the_read_options(folder):
    profile = load_profile_text('qualifications = ["610/3791/6"]\nrulesets = ["ours.qual"]\nencoding = "cp1252"\n'
                                'delimiter = ";"\ndate_formats = ["dd/mm/yy", "serial"]\nunknown_units = "error"\n'
                                '[columns]\n"Learner  Ref" = "learner"\n[results]\n"Not  Yet" = "Referred"\n'
                                '[units]\n" Unit L3B1" = "L3B1"\n')
    assert (profile.qualifications, profile.rulesets) == (("610/3791/6",), ("ours.qual",))
    assert profile.options == ReadOptions(columns={"learner_ref": "learner"}, result_words={"not yet": "referred"},
                                          units={"unit l3b1": "l3b1"}, encoding="cp1252", delimiter=";",
                                          date_formats=("dd/mm/yy", "serial"), unknown_units="error",
                                          profile_file="qualrules.toml")


def test_the_profile_s_encoding_delimiter_and_date_forms_read_the_file(folder):
    # As Excel on Windows saves it: Windows-1252, semicolons, two-digit years. Named in the profile, the file
    # is read without the warning an encoding told from the bytes gives.
    Path("qualrules.toml").write_text('encoding = "cp1252"\ndelimiter = ";"\ndate_formats = ["dd/mm/yy"]\n',
                                      encoding="utf-8")
    Path("export.csv").write_text("learner;unit;result;achieved_on;registered_on;date_of_birth\n"
                                  "Renée;L3B1;pass;12/03/24;15/01/24;02/06/99\n"
                                  "Renée;L3B2;pass;02/04/24;15/01/24;02/06/99\n",
                                  encoding="cp1252")
    result = run("check", "export.csv", "-q", ISP_AWARD, "--format", "json")
    assert (result.exit_code, codes(result)) == (0, [])
    (verdict,) = json.loads(result.stdout)
    assert (verdict["learner"], verdict["status"]) == ("Renée", "achieved")
    Path("qualrules.toml").write_text('delimiter = "|"\n', encoding="utf-8")
    refused = run("check", "export.csv", "-q", ISP_AWARD)
    assert (refused.exit_code, codes(refused)) == (2, ["QR632"])
    assert "qualrules.toml:1:1: error[QR632]: `delimiter` cannot be \"|\"" in refused.stderr


def test_an_achievement_log_s_columns_are_mapped_too(folder, library):
    # An e-portfolio export names the log's columns its own way; the profile maps each to its field.
    Path("qualrules.toml").write_text(
        '[columns]\n"Candidate" = "learner"\n"Unit Code" = "unit"\n"AC" = "criterion"\n"Assessed" = "achieved_on"\n'
        '"Evidence Ref" = "evidence"\n"Assessment Method" = "method"\n"Assessor Name" = "assessor"\n'
        '"Sim" = "simulated"\n"Assessor Signed" = "signed_off_on"\n"Learner Signed" = "learner_signed_on"\n'
        '"IQA Date" = "iqa_verified_on"\n"IQA" = "iqa_verifier"\n"DOB" = "date_of_birth"\n',
        encoding="utf-8")
    criteria = ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]
    rows = ["Candidate,Unit Code,AC,Assessed,Evidence Ref,Assessment Method,Assessor Name,Sim,Assessor Signed,"
            "Learner Signed,IQA Date,IQA,result,DOB,registered_on"]
    rows += [f"A1,L3B1,{number},2024-03-{day:02d},p.{day},assignment,A. Khan,no,,,,,,1999-06-02,2024-01-10"
             for day, number in enumerate(criteria, start=1)]
    rows += ["A1,L3B1,,,,,A. Khan,,2024-03-20,2024-03-21,2024-03-28,R. Patel,,1999-06-02,2024-01-10",
             "A1,L3B2,,2024-03-12,,,,,,,,,pass,1999-06-02,2024-01-10"]
    Path("export.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    records = read_records("export.csv", library.vocabulary(), load_profile().options)
    assert (records.diagnostics, records.warnings) == ((), ())
    (learner,) = records.learners
    assert [(row.criterion, row.evidence, row.method, row.assessor, row.simulated) for row in learner.evidence][:1] \
        == [("1.1", "p.1", "assignment", "A. Khan", False)]
    (sign_off,) = learner.sign_offs
    assert (sign_off.signed_off_on, sign_off.learner_signed_on, sign_off.iqa_verified_on, sign_off.iqa_verifier) \
        == (dt.date(2024, 3, 20), dt.date(2024, 3, 21), dt.date(2024, 3, 28), "R. Patel")
    result = run("check", "export.csv", "-q", ISP_AWARD, "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)[0]["status"]) == (0, "achieved"), result.stderr
