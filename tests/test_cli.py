"""The `qualrules` command line: `check` and `list`, their output and their exit statuses."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DEMO_RULESET

from qualrules import __version__
from qualrules.cli import main

REPOSITORY = Path(__file__).resolve().parent.parent
ILM_CERTIFICATE, ISP_CERTIFICATE, ISP_AWARD = "600/5929/1", "610/3788/6", "610/3791/6"
GROUP_1 = ["8570-228", "8570-229", "8570-205"]


@pytest.fixture
def run(tmp_path, monkeypatch):
    """run(*args) -> click Result, in a temporary working directory so file names in output are short."""
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args))
    return invoke


def write_learners(path: Path, learners: dict[str, list], *, registered_on="2024-01-15",
                   date_of_birth="1990-01-01") -> str:
    """A JSON records file: learner id -> unit refs, each passed on 2024-06-01."""
    document = {"learners": [
        {"id": learner, "date_of_birth": date_of_birth, "registered_on": registered_on,
         "units": [{"unit": unit, "result": "pass", "achieved_on": "2024-06-01"} for unit in units]}
        for learner, units in learners.items()
    ]}
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path.name


# ---- check: verdicts and exit statuses --------------------------------------------------------

def test_check_all_achieved(run, tmp_path, snapshot):
    # P1: Group 1 (6) + 8750-213 (1) + three Group 3 units (6) = 13 for the ILM Certificate, and
    # L3B1 + L3B2 (3 + 3) for the ISP Award. P2: the same ILM units plus 8750-212 (14 credits) and the Award.
    ilm = GROUP_1 + ["8750-213", "8750-300", "8750-302", "8750-307"]
    records = write_learners(tmp_path / "records.json", {"P1": ilm + ["L3B1", "L3B2"],
                                                         "P2": ilm + ["8750-212", "L3B1", "L3B2"]})
    result = run("check", records, "-q", ILM_CERTIFICATE, "-q", ISP_AWARD)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "4 checks: 4 achieved, 0 not achieved" in result.stdout
    assert result.stdout == snapshot


LEARNERS = {
    # Group 1 + 8750-213 + four Group 3 units: the cap leaves 8750-326 out, 13 credits -> achieved.
    "S1": GROUP_1 + ["8750-213", "8750-300", "8750-302", "8750-307", "8750-326"],
    # Group 1 + four Group 3 units: 6 + 6 = 12 < 13 and Groups 2+3 = 6 < 7 -> not achieved.
    "S2": GROUP_1 + ["8750-300", "8750-302", "8750-307", "8750-326"],
}


def test_check_some_not_achieved_table(run, tmp_path, snapshot):
    records = write_learners(tmp_path / "records.json", LEARNERS)
    result = run("check", records, "--qualification", ILM_CERTIFICATE)
    assert result.exit_code == 1
    assert "Group 2 or Group 3: 6 credits counted, at least 7 required (Group 3 capped at 6 credits)" in result.stdout
    assert "2 checks: 1 achieved, 1 not achieved" in result.stdout
    assert result.stdout == snapshot


def test_check_some_not_achieved_json(run, tmp_path, snapshot):
    records = write_learners(tmp_path / "records.json", LEARNERS)
    result = run("check", records, "--qualification", ILM_CERTIFICATE, "--format", "json")
    assert result.exit_code == 1
    verdicts = json.loads(result.stdout)
    assert [(v["learner"], v["qualification"], v["achieved"], v["credits"]) for v in verdicts] == [
        ("S1", ILM_CERTIFICATE, True, 13), ("S2", ILM_CERTIFICATE, False, 12)]
    assert verdicts[0]["units"] == GROUP_1 + ["8750-213", "8750-300", "8750-302", "8750-307"]
    assert verdicts[1]["title"] == "ILM Level 2 Certificate in Sales Management"
    assert "Group 2 or Group 3: 6 credits counted, at least 7 required (Group 3 capped at 6 credits)" \
        in verdicts[1]["unmet"]
    assert verdicts == snapshot


def test_check_undetermined_counts_as_not_achieved(run, tmp_path, snapshot):
    # S1's units would achieve, but without a registration date the completion window cannot be checked.
    records = write_learners(tmp_path / "records.json", {"S1": LEARNERS["S1"]}, registered_on=None)
    result = run("check", records, "-q", ILM_CERTIFICATE)
    assert result.exit_code == 1
    assert "the record lacks the registration date (needed for `complete within 3 years`)" in result.stdout
    assert result.stdout == snapshot


def test_check_colours_on_request(run, tmp_path):
    records = write_learners(tmp_path / "records.json", LEARNERS)
    plain = run("check", records, "-q", ILM_CERTIFICATE)
    coloured = run("--color", "check", records, "-q", ILM_CERTIFICATE)
    assert "\x1b[" not in plain.stdout
    assert "\x1b[31m" in coloured.stdout and "\x1b[32m" in coloured.stdout  # red and green verdicts
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured.stdout) == plain.stdout


def test_check_unknown_qualification(run, tmp_path):
    records = write_learners(tmp_path / "records.json", LEARNERS)
    result = run("check", records, "-q", "610/3788/7")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no qualification 610/3788/7 is loaded" in result.stderr
    assert "`610/3788/6`" in result.stderr


def test_check_bad_record_row_still_reports_other_learners(run, tmp_path, snapshot):
    (tmp_path / "records.csv").write_text(
        "learner,unit,result,achieved_on,registered_on,date_of_birth\n"
        "A1,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
        "A1,L3B2,pass,2024-03-14,2024-01-15,1999-06-02\n"
        "A2,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
        "A2,L3B2,pass,2024-13-12,2024-01-15,1999-06-02\n"
        "A3,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
        ",L3B2,pass,2024-03-12,2024-01-15,1999-06-02\n", encoding="utf-8")
    result = run("check", "records.csv", "-q", ISP_AWARD)
    assert result.exit_code == 2
    # A1 (L3B1 + L3B2 = 6) achieved, A3 (L3B1 only, 3) not, A2 unreadable: line 5 has no date.
    assert re.search(r"^A1 .* achieved +6$", result.stdout, re.M)
    assert re.search(r"^A2 .* record error +-$", result.stdout, re.M)
    assert re.search(r"^A3 .* not achieved +3$", result.stdout, re.M)
    assert "records.csv:5: error[QR502]: `achieved_on` is not a date: '2024-13-12'" in result.stdout
    assert result.stderr.startswith("records.csv:7: error[QR506]: the row has no learner id")
    assert result.stdout == snapshot


def test_check_bad_record_row_in_json_output(run, tmp_path):
    (tmp_path / "records.csv").write_text("learner,unit,result,achieved_on\nA1,L3B1,pass,2024-03-12\n"
                                          "A1,L3B2,pass,2024-03-12\nA2,L3B1,pas,2024-03-12\n", encoding="utf-8")
    result = run("check", "records.csv", "-q", ISP_AWARD, "--format", "json")
    assert result.exit_code == 2
    first, second = json.loads(result.stdout)
    # A1 has no date of birth, so the Award's entry age cannot be checked.
    assert (first["learner"], first["status"]) == ("A1", "undetermined")
    assert (second["learner"], second["status"], second["achieved"]) == ("A2", "error", False)
    assert [(e["code"], e["file"], e["line"]) for e in second["errors"]] == [("QR503", "records.csv", 4)]


def test_check_unreadable_records_write_nothing(run, tmp_path):
    (tmp_path / "records.csv").write_text("learner,unit,achieved_on\nA1,L3B1,2024-03-12\n", encoding="utf-8")
    result = run("check", "records.csv", "-q", ISP_AWARD)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("records.csv:1: error[QR505]: missing column: result")
    absent = run("check", "absent.json", "-q", ISP_AWARD)
    assert (absent.exit_code, absent.stdout) == (2, "")
    assert "cannot read the file" in absent.stderr


def test_check_unreadable_ruleset_file(run, tmp_path):
    records = write_learners(tmp_path / "records.json", LEARNERS)
    result = run("check", records, "-q", ILM_CERTIFICATE, "--ruleset", "missing.qual")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("missing.qual: error[QR005]: cannot read ruleset: ")


def test_check_ruleset_with_syntax_error(run, tmp_path, snapshot):
    records = write_learners(tmp_path / "records.json", LEARNERS)
    (tmp_path / "broken.qual").write_text(
        'awarding body DEMO\ngroup 1\nunit D1 "One" level 2 credits 2\n'
        'qualification 900/0000/1 "Broken"\n  units from Group 1\n  at least 2 credit from Group 1\n'
        '  at lest 1 unit\n', encoding="utf-8")
    result = run("check", records, "-q", ILM_CERTIFICATE, "--ruleset", "broken.qual")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "   7 |   at lest 1 unit\n" in result.stderr
    assert "     |      ^^^^\n" in result.stderr
    assert result.stderr == snapshot




def test_check_with_an_added_ruleset(run, tmp_path):
    (tmp_path / "demo.qual").write_text(DEMO_RULESET, encoding="utf-8")
    # D1 + D2 = 5 >= 4; D1 alone 2 < 4.
    records = write_learners(tmp_path / "records.json", {"D-1": ["D1", "D2"], "D-2": ["D1", "L3B1"]})
    result = run("check", records, "-q", "900/0000/1", "--ruleset", "demo.qual", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == ""
    verdicts = json.loads(result.stdout)
    assert [(v["learner"], v["achieved"], v["credits"], v["unmet"]) for v in verdicts] == [
        ("D-1", True, 5, []),
        ("D-2", False, 2, ["Total: 2 credits counted, at least 4 required"]),
    ]


def test_check_with_a_ruleset_replacing_a_bundled_qualification(run, tmp_path):
    # A local version of the ISP Award 610/3791/6 that asks only for L3B1.
    (tmp_path / "award.qual").write_text(
        'awarding body ISP\ngroup BUSINESS\nunit L3B1 "Understand Sales Communication" level 3 credits 3\n'
        'qualification 610/3791/6 "Local Award"\n  units from BUSINESS\n  all of L3B1\n', encoding="utf-8")
    records = write_learners(tmp_path / "records.json", {"R1": ["L3B1"]})
    result = run("check", records, "-q", ISP_AWARD, "--ruleset", "award.qual", "--format", "json")
    assert result.stderr == "note: 610/3791/6 from award.qual replaces the one in ISP:professional-sales-l3.qual\n"
    (verdict,) = json.loads(result.stdout)
    assert (verdict["title"], verdict["achieved"], verdict["credits"]) == ("Local Award", True, 3)
    assert result.exit_code == 0
    # Without the file, the bundled Award needs L3B2 as well.
    bundled = run("check", records, "-q", ISP_AWARD)
    assert bundled.exit_code == 1


# ---- the README's first command ---------------------------------------------------------------

README_COMMAND = ["check", "examples/cohort.csv", "--qualification", ISP_CERTIFICATE, "--qualification", ISP_AWARD]


def test_readme_first_command_is_the_one_tested():
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    first = re.search(r"qualrules (check [^\n&|;]+)", readme).group(1)
    assert shlex.split(first) == README_COMMAND


def test_readme_cohort(monkeypatch, snapshot):
    monkeypatch.chdir(REPOSITORY)
    result = CliRunner().invoke(main, README_COMMAND)
    # A001: L3B1 3 + L3B2 3 + L3C1 3 + L3C2 4 (referred, then passed) + L3L1 3 = 16 -> Certificate; L3B1 + L3B2 ->
    #       Award (6).
    # A002: L/650/7899 = L3B1, K/651/0342 = L3B2, L3C3: 3 + 3 + 5 = 11 < 13, one CORE unit, no LEADERSHIP or
    #       SELF -> no Certificate; Award (6).
    # A003: born 2007-03-15, registered 2024-02-01: aged 16 -> neither, although 3+3+3+5+2 = 16 credits.
    rows = re.findall(r"^(A00\d) +(\S+) .*?(achieved|not achieved) +(\d+)$", result.stdout, re.M)
    assert rows == [
        ("A001", ISP_CERTIFICATE, "achieved", "16"), ("A001", ISP_AWARD, "achieved", "6"),
        ("A002", ISP_CERTIFICATE, "not achieved", "11"), ("A002", ISP_AWARD, "achieved", "6"),
        ("A003", ISP_CERTIFICATE, "not achieved", "16"), ("A003", ISP_AWARD, "not achieved", "3"),
    ]
    assert result.exit_code == 1
    assert result.stdout == snapshot


# ---- list ---------------------------------------------------------------------------------------

def test_list_table(run, snapshot):
    result = run("list")
    assert result.exit_code == 0
    # ILM's one qualification and ISP's 14 (11 Awards, Certificate, Diploma, Apprenticeship Diploma).
    assert len(re.findall(r"^  \d{3}/\d{4}/[\dX] ", result.stdout, re.M)) == 15
    # The bundled plugins are qualrules' own release, which the snapshot does not pin.
    assert result.stdout.replace(f"(qualrules {__version__})", "(qualrules VERSION)") == snapshot


def test_list_json(run, snapshot):
    result = run("list", "--format", "json")
    assert result.exit_code == 0
    entries = json.loads(result.stdout)
    assert {e["awarding_body"] for e in entries} == {"ILM", "ISP"}
    assert next(e for e in entries if e["qan"] == ILM_CERTIFICATE)["units"] == 13
    assert next(e for e in entries if e["qan"] == ISP_CERTIFICATE)["units"] == 27
    assert next(e for e in entries if e["qan"] == "610/3790/4")["units"] == 11
    assert {e["plugin"] for e in entries} == {f"qualrules {__version__}"}
    assert [{**e, "plugin": "qualrules VERSION"} for e in entries] == snapshot


def test_list_says_no_level_for_a_qualification_without_one(run, tmp_path):
    (tmp_path / "demo.qual").write_text(DEMO_RULESET.replace("\n  level 2\n", "\n"), encoding="utf-8")
    result = run("list", "--ruleset", "demo.qual")
    assert "  900/0000/1  Demonstration Award  (2 units)\n" in result.stdout


def test_list_with_an_added_ruleset(run, tmp_path):
    (tmp_path / "demo.qual").write_text(DEMO_RULESET, encoding="utf-8")
    result = run("list", "--ruleset", "demo.qual", "--format", "json")
    assert result.exit_code == 0
    added = [e for e in json.loads(result.stdout) if e["source"] == "demo.qual"]
    # DEMO has no plugin: its ruleset runs under the generic awarding-body policy.
    assert added == [{"awarding_body": "generic", "qan": "900/0000/1", "title": "Demonstration Award", "level": 2,
                      "units": 2, "source": "demo.qual", "plugin": None}]


@pytest.mark.parametrize("command", [
    ["report", "-o", "report.html", "-q", ISP_AWARD, "-q", ILM_CERTIFICATE],
    ["explain", "--learner", "P1", "-q", ISP_AWARD, "-q", ILM_CERTIFICATE],
    ["plan", "--learner", "P1", "--learner", "P2", "-q", ISP_AWARD],
])
def test_an_option_a_command_takes_once_given_twice_is_a_usage_error(run, tmp_path, command):
    # The last value silently kept would mail a manager the wrong qualification's report.
    records = write_learners(tmp_path / "records.json", {"P1": ["L3B1"], "P2": ["L3B2"]})
    result = run(command[0], records, *command[1:])
    assert result.exit_code == 2
    assert "given 2 times" in result.stderr and "this command takes one" in result.stderr
    assert not (tmp_path / "report.html").exists()


def test_a_qualification_named_twice_is_checked_once(run, tmp_path):
    records = write_learners(tmp_path / "records.json", {"P1": ["L3B1", "L3B2"]})
    result = run("check", records, "-q", ISP_AWARD, "-q", ISP_AWARD, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2  # the header and one row


def test_the_table_tells_what_a_not_achieved_learner_s_record_lacks(run, tmp_path):
    # 9 credits, short of 13 whatever the age: the age rule cannot be told without a date of birth, which
    # the CSV and JSON name in `missing`, and so must the table.
    records = write_learners(tmp_path / "records.json", {"C15": ["L3B1", "L3B2", "L3C1"]}, date_of_birth=None)
    result = run("check", records, "-q", ISP_CERTIFICATE)
    assert result.exit_code == 1, result.output
    assert "not achieved" in result.stdout
    assert "? the record lacks the date of birth (needed for `age 18 or over`)" in result.stdout


def test_a_rule_naming_one_unit_counts_it_in_the_singular(run, tmp_path):
    # The ISP Award 610/3793/X is all of L3B4, one unit.
    records = write_learners(tmp_path / "records.json", {"C02": ["L3B1"]})
    result = run("check", records, "-q", "610/3793/X")
    assert "x all of L3B4: 0 of 1 unit counted, still needed: L3B4" in result.stdout


@pytest.mark.parametrize("command", [["report", "-q", ISP_AWARD], ["log", "--learner", "P1", "-q", ISP_AWARD]])
def test_a_page_is_not_written_into_a_file_named_for_another_format(run, tmp_path, command):
    records = write_learners(tmp_path / "records.json", {"P1": ["L3B1"]})
    result = run(command[0], records, *command[1:], "-o", "results.csv")
    assert result.exit_code == 2
    assert "error[QR651]: the command writes an HTML page, and the file name results.csv names csv" in result.stderr
    assert not (tmp_path / "results.csv").exists()


@pytest.mark.parametrize("command", [["check", "-q", ISP_AWARD], ["eligible"], ["report", "-q", ISP_AWARD,
                                                                             "-o", "report.html"]])
def test_records_naming_no_learner_are_warned_about(run, tmp_path, command):
    (tmp_path / "records.csv").write_text("learner,unit,result,achieved_on\n", encoding="utf-8")
    result = run(command[0], "records.csv", *command[1:])
    assert result.exit_code == 0, result.output
    assert "records.csv: warning[QR638]: records.csv names no learner, so nothing is decided" in result.stderr
