"""Pathways, unit equivalences, prerequisites, requirements of the learner and units sized in GLH only (with
Near Pass), together in one ruleset shaped on a BTEC National with endorsed titles: hand-computed verdicts
at the seams between them on both engines, and what every command makes of that file and its cohort.

The cohort (tests/data/interplay_cohort.csv; registered 2024-09-01, English and maths at level 2 unless said):

- L01: 1, 2, 3, 19, 22 and H/502/1414, the 2010 unit that counts as 14: the equivalent completes Marketing.
- L02: 1, 2, 3, 11 and H/502/1010, which counts as 10; 11 requires 10, so the prerequisite is met only by
  the equivalent (achieved 2019, before 11), and 10 by H/502/1010 with 11 completes Finance.
- L03: registered for Finance; 10 and 11, but 11 has no date, and 14 and 19: Finance is met only with 11,
  which is in doubt, so the title cannot be told, although the general title is certain without it.
- L04: Marketing's units; EngGrade 3 (level 1), EHCP blank: level 1 or 2 is required, so English cannot be
  told, and the Management Diploma, where a pathway is required, is undetermined with Marketing met.
- L05: EHCP yes, English 2 and maths 3 (level 1): the exception meets both requirements; Finance.
- L06: AAT-BK1 approved counts as 10, before 11: Finance. L07: the same with the approval blank: in doubt.
- L08: 1 at M, 2 at Near Pass, 3 at M, 22 at D: in the graded Extended Certificate unit 2 at N counts (its
  allowance) and so meets 22's prerequisite: 15 + 6 + 20 + 16 = 57 points, M, Marketing; in the pass-only
  Diplomas unit 2 is not achieved and 22, whose prerequisite it is, is set aside.
- L09: 11 on 2025-04-10, H/502/1010 only on 2025-05-01: 11 came before its prerequisite; 19 makes 420 GLH.
- L10: registered for Finance; AAT-BK1's exemption refused, so 11's prerequisite is not met; Marketing's
  rules are met, but the registration names the title: the general title (a required pathway: not achieved).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import html
import io
import json
import re
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
# `browser` is test_report's Chromium fixture, used here by name.
from test_report import browser, elements, find, outline, rendered_table, subtree, table_data, text_of

from qualrules import api
from qualrules.cli import main
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.engine.decision import Unsupported
from qualrules.interpreter.engine.evaluator import Status, evaluate
from qualrules.interpreter.engine.planner import PlanStatus, plan
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.presentation.report import Detail, cohort_reports, html_report
from qualrules.plugins import GenericAwardingBody

DATA = Path(__file__).parent / "data"
RULESET = DATA / "interplay_diploma.qual"
COHORT = DATA / "interplay_cohort.csv"
DIPLOMA, MANAGEMENT, EXTENDED = "699/0100/4", "699/0101/6", "699/0102/8"
COUNTS = GenericAwardingBody().counts_as_achieved
R = ["--ruleset", str(RULESET)]


@pytest.fixture(scope="module")
def library():
    return api.load([RULESET], bundled=False)


@pytest.fixture(scope="module")
def cohort(library):
    records = api.read_records(COHORT, library)
    assert not records.unreadable and not records.problems
    return {learner.id: learner for learner in records.learners}


def on_cp_sat(q):
    forced = Unsupported("forced by the test")
    return attrs.evolve(q, decision=forced, pathways=tuple(
        attrs.evolve(p, qualification=attrs.evolve(p.qualification, decision=forced)) for p in q.pathways))


def decided(library, qan, record):
    """The verdict, the same on both engines."""
    q, body = library.qualification(qan)
    compiled = evaluate(q, record, body.counts_as_achieved)
    solved = evaluate(on_cp_sat(q), record, body.counts_as_achieved)
    assert (solved.status, solved.pathway, solved.claim, solved.grade, solved.missing) == \
        (compiled.status, compiled.pathway, compiled.claim, compiled.grade, compiled.missing)
    return compiled


ACHIEVED, NOT, UNDETERMINED = Status.ACHIEVED, Status.NOT_ACHIEVED, Status.UNDETERMINED
# (learner, qualification): status, pathway awarded, claim reported.
VERDICTS = {
    ("L01", DIPLOMA): (ACHIEVED, "Marketing", ("1", "2", "3", "14", "19", "22")),
    ("L01", MANAGEMENT): (ACHIEVED, "Marketing", ("1", "2", "3", "14", "19", "22")),
    ("L01", EXTENDED): (ACHIEVED, "Marketing", ("1", "2", "3", "22")),
    ("L02", DIPLOMA): (ACHIEVED, "Finance", ("1", "2", "3", "10", "11")),
    ("L02", MANAGEMENT): (ACHIEVED, "Finance", ("1", "2", "3", "10", "11")),
    ("L03", DIPLOMA): (UNDETERMINED, None, ("1", "2", "3", "14", "19", "10", "11")),
    ("L03", EXTENDED): (ACHIEVED, None, ("1", "2", "3", "19")),  # Finance is none of its pathways
    ("L04", DIPLOMA): (UNDETERMINED, None, ("1", "2", "3", "14", "19", "22")),
    ("L04", MANAGEMENT): (UNDETERMINED, None, ("1", "2", "3", "14", "19", "22")),
    ("L04", EXTENDED): (ACHIEVED, "Marketing", ("1", "2", "3", "22")),  # maths only, at level 2
    ("L05", DIPLOMA): (ACHIEVED, "Finance", ("1", "2", "3", "10", "11")),
    ("L06", DIPLOMA): (ACHIEVED, "Finance", ("1", "2", "3", "10", "11")),
    ("L07", DIPLOMA): (UNDETERMINED, None, ("1", "2", "3", "10", "11")),
    ("L08", DIPLOMA): (NOT, None, ("1", "3")),
    ("L08", EXTENDED): (ACHIEVED, "Marketing", ("1", "2", "3", "22")),
    ("L09", DIPLOMA): (ACHIEVED, None, ("1", "2", "3", "19", "10")),
    ("L10", DIPLOMA): (ACHIEVED, None, ("1", "2", "3", "14", "22")),
    ("L10", MANAGEMENT): (NOT, None, ("1", "2", "3", "14", "22")),
}


@pytest.mark.parametrize("key", list(VERDICTS), ids=lambda key: f"{key[0]}-{key[1]}")
def test_hand_computed_verdicts(library, cohort, key):
    verdict = decided(library, key[1], cohort[key[0]])
    assert (verdict.status, verdict.pathway, verdict.claim) == VERDICTS[key]


def test_an_equivalent_is_what_completes_the_pathway(library, cohort):
    verdict = decided(library, DIPLOMA, cohort["L01"])
    assert verdict.awarded_title == "BTEC Level 3 National Diploma in Business (Marketing)"
    assert [e.text for e in verdict.equivalents] == ["14 by H/502/1414"]
    assert (verdict.credits, verdict.glh) == (None, 480)  # sized in GLH only: no credit total, never 0


def test_a_prerequisite_is_met_by_an_equivalent_of_the_unit_required(library, cohort):
    verdict = decided(library, DIPLOMA, cohort["L02"])
    assert (verdict.status, verdict.pathway, verdict.set_aside) == (ACHIEVED, "Finance", ())
    assert [e.text for e in verdict.equivalents] == ["10 by H/502/1010"]
    # An exemption approved stands for 10 too; one whose approval is blank leaves 11 in doubt, the approval
    # listed once as what the record lacks.
    assert decided(library, DIPLOMA, cohort["L06"]).pathway == "Finance"
    doubt = decided(library, DIPLOMA, cohort["L07"])
    assert doubt.missing == ("approval of AAT-BK1 in `Exemption approved` (needed for `unit AAT-BK1 counts as 10 "
                             "when approved`)",)


def test_the_equivalent_dates_the_prerequisite_and_a_refused_exemption_meets_none(library, cohort):
    late = decided(library, DIPLOMA, cohort["L09"])
    assert [(s.unit, s.reason) for s in late.set_aside] == [
        ("11", "achieved on 2025-04-10, before its prerequisite 10 was achieved on 2025-05-01")]
    refused = decided(library, DIPLOMA, cohort["L10"])
    assert [(s.unit, s.reason) for s in refused.set_aside] == [
        ("11", "requires 10, which does not count: the exemption of AAT-BK1 as 10 is not approved"),
        ("AAT-BK1", "not one of this qualification's units; its exemption as 10 is not approved")]
    assert refused.pathway_decision == 'the recorded pathway "Finance" is not met: awarded the general title'


def test_a_prerequisite_by_an_equivalent_counts_in_every_qualification_alike(library):
    # Whether 11 counts is a fact of the record, not of a pool: a qualification whose pool holds 11 but not
    # 10 (so it compiles no equivalent of 10) still reads H/502/1010 for the prerequisite.
    text = RULESET.read_text(encoding="utf-8") + '\nqualification 699/0103/X "Award in Financial Planning"\n' \
        "  units from 11\n  all of 11\n"
    q = next(c for c in compile_ruleset(build_ruleset(text, "award.qual")) if c.qan == "699/0103/X")
    assert q.equivalents is None
    record = api.Learner("A1", None, None, (api.Attempt("H/502/1010", "pass", dt.date(2024, 3, 1)),
                                           api.Attempt("11", "pass", dt.date(2024, 6, 1))))
    assert evaluate(q, record, COUNTS).status is ACHIEVED
    assert evaluate(q, attrs.evolve(record, attempts=record.attempts[1:]), COUNTS).status is NOT


def test_a_recorded_pathway_met_only_with_a_unit_in_doubt_leaves_the_title_undetermined(library, cohort):
    verdict = decided(library, DIPLOMA, cohort["L03"])
    assert verdict.within == "Finance"
    assert verdict.missing == ("achievement date of 11 (needed for `11 requires 10`)",)
    assert verdict.pathway_decision == \
        'the title depends on pathway "Finance", whose rules the record cannot yet decide'
    # Without the registration, Marketing is not met and Finance is in doubt first: the same.
    assert decided(library, DIPLOMA, attrs.evolve(cohort["L03"], pathway=None)).status is UNDETERMINED


def test_a_missing_attribute_leaves_a_required_pathway_undetermined(library, cohort):
    verdict = decided(library, MANAGEMENT, cohort["L04"])
    assert verdict.missing == ('`ehcp` (column "EHCP", needed for `requires level 2 in GCSE-ENGLISH, '
                               "level 1 when ehcp`)",)
    # Marketing's own rules are met: the decision says the doubt is the qualification's.
    assert verdict.pathway_decision == ('the title depends on pathway "Marketing": its own rules are met, but the '
                                        "record lacks what the qualification's rules need")
    assert [(s.name, s.status, s.unmet) for s in verdict.pathways] == [
        ("Marketing", "undetermined", ()),
        ("Finance", "not achieved", ("Finance: all of 10, 11: 0 of 2 units counted, still needed: 10, 11",))]
    # EHCP yes lowers English to level 1: achieved; no keeps it at 2: not achieved.
    said = dict(cohort["L04"].attributes, ehcp="Y")
    assert decided(library, MANAGEMENT, attrs.evolve(cohort["L04"], attributes=said)).pathway == "Marketing"
    said["ehcp"] = "N"
    assert decided(library, MANAGEMENT, attrs.evolve(cohort["L04"], attributes=said)).status is NOT


def test_a_near_pass_meets_a_prerequisite_only_where_it_counts(library, cohort):
    graded = decided(library, EXTENDED, cohort["L08"])
    assert (graded.grade, graded.points, graded.pathway) == ("M", 57, "Marketing")
    assert [(u.unit, u.grade, u.points) for u in graded.unit_points] == [
        ("1", "M", 15), ("2", "N", 6), ("3", "M", 20), ("22", "D", 16)]
    passing = decided(library, DIPLOMA, cohort["L08"])
    assert [(s.unit, s.reason) for s in passing.set_aside] == [
        ("22", "requires 2, which the record does not show achieved"),
        ("2", "result 'near pass' does not count as achieved")]


# ---- plans ------------------------------------------------------------------------------------------------

def test_plan_of_a_qualification_sized_in_glh_minimises_glh_by_default(cohort):
    result = CliRunner().invoke(main, ["plan", str(COHORT), "--learner", "L08", "-q", MANAGEMENT, *R, "--no-color"])
    assert result.exit_code == 0, result.output
    assert "Cheapest finish (fewest guided learning hours)" in result.output
    # Finance: retake 2, add 10 and 11 (210 GLH). Marketing would need 2, 14, 19 and 22 again, since 22 was
    # passed before 2: 270 GLH.
    assert "add 3 units: 210 GLH" in result.output
    refused = CliRunner().invoke(main, ["plan", str(COHORT), "--learner", "L08", "-q", MANAGEMENT, *R,
                                        "--minimise", "credits"])
    assert refused.exit_code == 2 and "error[QR608]" in refused.output


def test_a_required_pathway_that_only_an_approval_stands_between_is_the_one_planned(library, cohort):
    # L07 on the Management Diploma: Finance is undetermined (the approval), nothing to add if it is given;
    # Marketing is certain but needs 14, 19 and 22. The verdict's title depends on Finance; so does the plan.
    q, body = library.qualification(MANAGEMENT)
    finish = plan(q, cohort["L07"], body.counts_as_achieved, minimise="glh")
    assert (finish.status, finish.pathway, finish.add) == (PlanStatus.UNDETERMINED, "Finance", ())


def test_plan_keeps_the_recorded_pathway_and_the_equivalent(library, cohort):
    q, body = library.qualification(DIPLOMA)
    finish = plan(q, cohort["L03"], body.counts_as_achieved, minimise="glh")
    assert (finish.status, finish.pathway) == (PlanStatus.UNDETERMINED, "Finance")
    q, body = library.qualification(MANAGEMENT)
    done = plan(q, cohort["L02"], body.counts_as_achieved, minimise="units")
    assert (done.status, done.pathway, [e.text for e in done.equivalents]) == (
        PlanStatus.ALREADY_ACHIEVED, "Finance", ["10 by H/502/1010"])


# ---- what people read --------------------------------------------------------------------------------------

def run(*arguments: str):
    return CliRunner().invoke(main, [*arguments, "--no-color"])


@pytest.mark.parametrize("who,qan,code", [("L02", DIPLOMA, 0), ("L03", DIPLOMA, 1), ("L04", MANAGEMENT, 1),
                                          ("L07", MANAGEMENT, 1), ("L08", EXTENDED, 0), ("L10", DIPLOMA, 0)])
def test_explain(who, qan, code, snapshot):
    result = run("explain", str(COHORT), "--learner", who, "-q", qan, *R)
    assert result.exit_code == code, result.output
    assert result.output == snapshot


def test_eligible_over_every_qualification_of_the_file(snapshot):
    # Equivalents are pool units after the catalogue's: eligible once failed on them with an internal error.
    result = run("eligible", str(COHORT), *R, "--awarding-body", "PEARSON")
    assert result.exit_code == 0, result.output
    assert result.output == snapshot
    # L10 is registered for Finance, not met, and holds the Diploma's general title: achieved, though `plan`
    # plans Finance.
    rows = json.loads(run("eligible", str(COHORT), *R, "--awarding-body", "PEARSON", "--format", "json").output)
    l10 = next(r for r in rows if r["learner"] == "L10")
    assert [(d["qualification"], d["status"]) for d in l10["qualifications"]][:2] == [
        (DIPLOMA, "already achieved"), (EXTENDED, "already achieved")]
    # The ruleset's own awarding body, though no plugin of that name is installed.
    assert {d["awarding_body"] for d in l10["qualifications"]} == {"PEARSON"}
    finish = run("plan", str(COHORT), "--learner", "L10", "-q", DIPLOMA, *R, "--format", "json")
    assert json.loads(finish.output)["pathway"] == "Finance"


@pytest.mark.parametrize("qan", [DIPLOMA, EXTENDED])
def test_show(qan, snapshot):
    result = run("show", qan, *R)
    assert result.exit_code == 0, result.output
    assert result.output == snapshot


def test_fmt_leaves_the_file_as_it_is_and_lint_finds_nothing_to_fix():
    text = RULESET.read_text(encoding="utf-8")
    assert format_ruleset(text, str(RULESET)) == text
    assert run("fmt", "--check", str(RULESET)).exit_code == 0
    linted = run("lint", str(RULESET), "--format", "json")
    assert linted.exit_code == 0, linted.output
    found = json.loads(linted.output)
    # Each qualification can be achieved; the one warning the file keeps is allowed with its reason.
    assert [(d["code"], d["severity"]) for d in found] == [("QR400", "note")] * 3 + [("QR404", "note")]
    assert found[-1]["message"].startswith("allowed because the specification names its mandatory units")


def test_check_table_json_and_csv(snapshot):
    table = run("check", str(COHORT), "-q", DIPLOMA, "-q", MANAGEMENT, "-q", EXTENDED, *R, "-j", "1")
    assert table.exit_code == 1
    assert table.output == snapshot(name="table")
    rows = json.loads(run("check", str(COHORT), "-q", DIPLOMA, "-q", EXTENDED, *R, "-j", "1",
                          "--format", "json").output)
    assert json.dumps(rows, indent=1) == snapshot(name="json")
    by = {(r["learner"], r["qualification"]): r for r in rows}
    assert by["L02", DIPLOMA]["equivalents"] == [{"unit": "10", "by": ["H/502/1010"], "credit": "replacement"}]
    assert (by["L08", EXTENDED]["grade"], by["L08", EXTENDED]["awarded_title"]) == (
        "M", "BTEC Level 3 National Extended Certificate in Business (Marketing)")
    text = run("check", str(COHORT), "-q", MANAGEMENT, *R, "-j", "1", "--format", "csv").output
    assert text == snapshot(name="csv")
    found = list(csv.DictReader(io.StringIO(text)))
    assert [(r["learner"], r["status"], r["pathway"], r["credits"], r["glh"]) for r in found][:4] == [
        ("L01", "achieved", "Marketing", "", "480"), ("L02", "achieved", "Finance", "", "420"),
        ("L03", "undetermined", "", "", "540"), ("L04", "undetermined", "", "", "480")]


# ---- the HTML report ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    directory = tmp_path_factory.mktemp("interplay-report")
    (directory / "cohort.csv").write_bytes(COHORT.read_bytes())
    with contextlib.chdir(directory):
        result = CliRunner().invoke(main, ["report", "cohort.csv", "-q", MANAGEMENT, *R, "-o", "report.html"])
    assert result.exit_code == 1, result.output
    return (directory / "report.html").read_text(encoding="utf-8")


def test_the_report_gives_each_learner_s_pathway(page, snapshot):
    found = elements(page)
    overview = find(found, "table", "learners")[0]
    assert [text_of(found, th) for th in find(subtree(found, overview), "th", scope="col")] == [
        "Learner", "Standing", "Credits counted", "Pathway", "To finish"]
    rows = [[text_of(found, td) for td in find(subtree(found, tr), "td")]
            for tr in find(subtree(found, overview), "tr")[1:]]
    assert [row[2] for row in rows] == [
        "Marketing", "Finance", "—", "—", "Finance", "Finance", "—", "—", "—", "—"]
    lines = [html.unescape(re.sub(r"<[^>]+>", "", line))
             for line in re.findall(r'<p class="pathway-line">(.*?)</p>', page)]
    assert lines[0] == ('Awarded with pathway "Marketing": the first pathway met, in the order declared. The title '
                        "awarded: BTEC Level 3 National Diploma in Business Management (Marketing).")
    assert lines[3] == ('The title depends on pathway "Marketing": its own rules are met, but the record lacks what '
                        "the qualification's rules need.")
    assert lines[9] == 'A pathway is required and the recorded pathway "Finance" is not met; the claim shown is ' \
        'the closest for "Finance".'
    definition = re.search(r'<p class="definition">(.*?)</p>', page).group(1)
    assert definition.endswith("Plans are the proven cheapest set of extra units by guided learning hours, so none "
                               "is called close.")
    assert outline(page) == snapshot


def test_the_general_title_is_named_as_such(tmp_path):
    (tmp_path / "cohort.csv").write_bytes(COHORT.read_bytes())
    with contextlib.chdir(tmp_path):
        CliRunner().invoke(main, ["report", "cohort.csv", "-q", DIPLOMA, *R, "-o", "report.html"])
    found = elements((tmp_path / "report.html").read_text(encoding="utf-8"))
    rows = {text_of(found, find(subtree(found, tr), "th")[0]):
            [text_of(found, td) for td in find(subtree(found, tr), "td")]
            for tr in find(subtree(found, find(found, "table", "learners")[0]), "tr")[1:]}
    assert rows["L09"][2] == rows["L10"][2] == "general title"


@pytest.fixture(scope="module")
def compact(library, tmp_path_factory) -> Path:
    q, body = library.qualification(EXTENDED)
    records = api.read_records(COHORT, library)
    detail = Detail(whole_cohort=2, nearest=1)
    text = html_report(q, cohort_reports(q, records, body.counts_as_achieved, detail), records="cohort.csv",
                       detail=detail)
    path = tmp_path_factory.mktemp("interplay-compact") / "compact.html"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_compact_page_gives_grade_then_pathway_in_the_table_data(compact):
    data = table_data(compact.read_text(encoding="utf-8"))
    assert (data["graded"], data["pathways"]) == (True, True)
    assert [row[4:] for row in data["rows"][:3]] == [["P, 36 points", "Marketing"], ["30 points", "—"],
                                                     ["P, 36 points", "general title"]]


def test_the_browser_draws_the_pathway_column_of_a_compact_page(browser, compact):
    found, rows, count = rendered_table(browser, compact)
    assert count == "Learners 1–10 of 10 (page 1 of 1)"
    table = find(found, "table", "learners")[0]
    assert [text_of(found, th) for th in find(subtree(found, table), "th", scope="col")] == [
        "Learner", "Standing", "Credits counted", "Grade", "Pathway", "What is missing"]
    assert [row[:5] for row in rows[:2]] == [["L01", "Achieved", "—", "P, 36 points", "Marketing"],
                                             ["L02", "Not achieved", "—", "30 points", "—"]]
    assert rows[7][3:5] == ["M, 57 points", "Marketing"]


# ---- refused by design -----------------------------------------------------------------------------------

def with_lines(old: str, new: str) -> str:
    text = RULESET.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def refusal(text: str):
    with pytest.raises(DiagnosticError) as raised:
        compile_ruleset(build_ruleset(text, "x.qual"))
    return raised.value.diagnostics[0]


def test_a_combined_equivalent_in_a_graded_qualification_is_refused_with_its_code():
    text = with_lines("units from Group A, 22, 19", "units from Group A, 22, 19, 14").replace(
        "unit H/502/1414 counts as 14", "units H/502/1414 and H/502/1415 together count as 14")
    found = refusal(text)
    assert found.code == "QR189"
    assert found.message == ("699/0102/8 is graded, and 14 in its pool is counted by several units together: such "
                             "an equivalent has no grade of its own")


@pytest.mark.parametrize("line", ["requires level 2 in GCSE-MATHS", "requires 699/0100/4 achieved"])
def test_a_requirement_inside_a_pathway_is_refused_with_a_hint(line):
    found = refusal(with_lines("    all of 10, 11\n  end\n  pathway required",
                               f"    all of 10, 11\n    {line}\n  end\n  pathway required"))
    assert (found.code, found.message) == ("QR001", "unexpected `requires`; expected one of a rule, `end`")
    assert found.hint == ("a requirement of the learner (`requires ...`) applies to the whole qualification, not "
                          "to one pathway: move it out of the block")
