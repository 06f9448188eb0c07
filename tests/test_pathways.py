"""Pathways (endorsed titles): hand-computed verdicts on a ruleset modelled on a BTEC Diploma with endorsed
titles, the pathway awarded against brute force on both engines, records naming a pathway, and what
explain, plan, show, fmt and lint make of them."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from conftest import learner
from hypothesis import event, given
from hypothesis import strategies as st
from test_exactness import BruteForce, achieved_units, exactness_settings, rule_lines, rulesets

from qualrules import api
from qualrules.cli import main
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.engine.decision import Unsupported
from qualrules.interpreter.engine.evaluator import Status, evaluate
from qualrules.interpreter.engine.grade_plan import GradePlanStatus, plan_grade
from qualrules.interpreter.engine.planner import plan
from qualrules.interpreter.formatter import format_ruleset, without_positions
from qualrules.interpreter.lint import lint
from qualrules.plugins import GenericAwardingBody, RulesetSource, discover

COUNTS = GenericAwardingBody().counts_as_achieved
RULESET = Path(__file__).parent / "data" / "business_pathways.qual"
DIPLOMA, MANAGEMENT, GRADED = "500/7112/9", "500/7113/0", "500/7114/2"
MANDATORY = ("1", "2", "3", "4")


@pytest.fixture(scope="module")
def qualifications():
    return {q.qan: q for q in compile_ruleset(build_ruleset(RULESET.read_text(encoding="utf-8"), str(RULESET)))}


def on_cp_sat(q):
    """The qualification, and each of its pathways, decided by CP-SAT instead of the compiled procedure."""
    forced = Unsupported("forced by the test")
    return attrs.evolve(q, decision=forced, pathways=tuple(
        attrs.evolve(p, qualification=attrs.evolve(p.qualification, decision=forced)) for p in q.pathways))


def both_engines(q, record):
    """The verdict on each engine; they must agree."""
    compiled, solved = evaluate(q, record, COUNTS), evaluate(on_cp_sat(q), record, COUNTS)
    assert (solved.status, solved.pathway, solved.claim, solved.grade) == \
        (compiled.status, compiled.pathway, compiled.claim, compiled.grade)
    return compiled


# ---- hand-computed verdicts ------------------------------------------------------------------------------
def test_a_claim_the_qualification_s_rules_alone_would_not_report_gives_the_pathway(qualifications):
    # Held: 13, 14, 35, 17, 18, 19 (70 credits) of Group B, capped at 50. The qualification's own claim, the
    # most credits then the earliest units, is 13, 14, 35 and 17: it holds only one of Marketing's three
    # units. Dropping 35 gives 13, 14, 17, 18, 19, which meets Marketing; Human Resources lacks 5 or 15.
    q = qualifications[DIPLOMA]
    record = learner([*MANDATORY, "13", "14", "35", "17", "18", "19"])
    alone = evaluate(attrs.evolve(q, pathways=()), record, COUNTS)
    assert alone.claim == (*MANDATORY, "13", "14", "35", "17")
    verdict = both_engines(q, record)
    assert (verdict.status, verdict.pathway) == (Status.ACHIEVED, "Marketing")
    assert verdict.claim == (*MANDATORY, "13", "14", "17", "18", "19")
    assert verdict.awarded_title == "Pearson BTEC Level 3 Diploma in Business (Marketing)"
    assert [(s.name, s.status, s.awarded) for s in verdict.pathways] == [
        ("Accounting", "not achieved", False), ("Human Resources", "not achieved", False),
        ("Marketing", "achieved", True)]
    assert verdict.pathways[1].unmet == ("Human Resources: choose 1 of 5, 15: 0 units counted, at least 1 required",)


def test_the_first_pathway_met_is_awarded_unless_the_record_names_another(qualifications):
    # 5, 13 and 14 meet Human Resources; 17, 18 and 19 Marketing; both cannot be in one claim within the cap.
    q = qualifications[DIPLOMA]
    units = [*MANDATORY, "5", "13", "14", "17", "18", "19"]
    first = both_engines(q, learner(units))
    assert (first.pathway, first.claim) == ("Human Resources", (*MANDATORY, "5", "13", "14", "17", "18"))
    assert first.pathway_decision == \
        'awarded with pathway "Human Resources": the first pathway met, in the order declared'
    chosen = both_engines(q, attrs.evolve(learner(units), pathway="marketing"))
    assert (chosen.pathway, chosen.claim) == ("Marketing", (*MANDATORY, "5", "13", "17", "18", "19"))
    assert chosen.pathway_decision == 'awarded with pathway "Marketing": the pathway recorded for the learner'


def test_a_recorded_pathway_not_met_gives_the_general_title_and_its_plan(qualifications):
    q = qualifications[DIPLOMA]
    record = attrs.evolve(learner([*MANDATORY, "13", "14", "35", "17", "18", "19"]), pathway="Accounting")
    verdict = both_engines(q, record)
    assert (verdict.status, verdict.pathway, verdict.awarded_title) == (
        Status.ACHIEVED, None, "Pearson BTEC Level 3 Diploma in Business")
    assert verdict.claim == (*MANDATORY, "13", "14", "35", "17")  # the qualification's own claim
    assert verdict.pathway_decision == 'the recorded pathway "Accounting" is not met: awarded the general title'
    # Accounting needs all of 5, 6 and 7: 30 more credits, within the cap of 50 from Group B.
    finish = plan(q, record, COUNTS)
    assert (finish.pathway, finish.add, finish.claim) == (
        "Accounting", ("5", "6", "7"), (*MANDATORY, "5", "6", "7", "13", "14"))
    assert plan(q, attrs.evolve(record, pathway=None), COUNTS).pathway is None  # the general title: achieved


def test_when_a_pathway_is_required_meeting_none_is_not_achieved(qualifications):
    q = qualifications[MANAGEMENT]
    # 90 credits meet the qualification's rules, but Human Resources lacks 5 or 15 and Marketing 17, 18, 19.
    record = learner([*MANDATORY, "7", "13", "14", "35"])
    verdict = both_engines(q, record)
    assert (verdict.status, verdict.pathway, verdict.awarded_title) == (Status.NOT_ACHIEVED, None, None)
    # Each fails one rule; the first is shown.
    assert verdict.within == "Human Resources"
    assert verdict.unmet[-1] == 'pathway required: the rules of "Human Resources" or "Marketing" are not met'
    # The cheapest finish is Human Resources': one 10-credit unit, 5 before 15 in the catalogue.
    finish = plan(q, record, COUNTS)
    assert (finish.pathway, finish.add) == ("Human Resources", ("5",))


def test_a_pathway_of_another_qualification_leaves_the_order_to_decide(qualifications):
    q = qualifications[MANAGEMENT]
    record = attrs.evolve(learner([*MANDATORY, "13", "14", "35", "17", "18", "19"]), pathway="Accounting")
    verdict = both_engines(q, record)
    assert verdict.pathway == "Marketing"
    assert verdict.pathway_decision == ('awarded with pathway "Marketing": the first pathway met, in the order '
                                        "declared (the record's pathway 'Accounting' is not one of 500/7113/0's)")


def test_the_grade_is_the_best_within_the_pathway_awarded(qualifications):
    # Merits in the mandatory units: 4 x 10 x 8 = 320 points. The qualification's best claim alone takes the
    # three distinctions (13, 14, 15: 270) and 20 credits at P (140): 730, M. Marketing's claim must hold
    # 17, 18 and 19 at P (210), leaving room for two distinctions (180): 710, P.
    q = qualifications[GRADED]
    record = learner([*((ref, "merit") for ref in MANDATORY), ("13", "distinction"), ("14", "distinction"),
                      ("15", "distinction"), "17", "18", "19"])
    alone = evaluate(attrs.evolve(q, pathways=()), record, COUNTS)
    assert (alone.grade, alone.points) == ("M", 730)
    verdict = both_engines(q, record)
    assert (verdict.pathway, verdict.grade, verdict.points) == ("Marketing", "P", 710)
    assert verdict.claim == (*MANDATORY, "13", "14", "17", "18", "19")


def test_a_grade_plan_is_made_within_the_pathway_awarded(qualifications):
    # As above: Marketing's claim holds 17, 18 and 19 at P, and the 20 credits left under the cap earn at most
    # 180 points at D (a D* earns a D's), so 710 is the most within Marketing, short of M's 720; the
    # qualification's own rules already reach M.
    q = qualifications[GRADED]
    record = learner([*((ref, "merit") for ref in MANDATORY), ("13", "distinction"), ("14", "distinction"),
                      ("15", "distinction"), "17", "18", "19"])
    assert plan_grade(q, record, COUNTS, "M").status is GradePlanStatus.IMPOSSIBLE
    assert plan_grade(attrs.evolve(q, pathways=()), record, COUNTS, "M").status is GradePlanStatus.ALREADY_REACHED


def test_a_pathway_in_doubt_before_any_met_leaves_the_verdict_undetermined():
    text = RULESET.read_text(encoding="utf-8").replace("  at least 90 credits\n", "  at least 90 credits\n"
                                                      "  complete within 2 years\n", 1)
    q = {q.qan: q for q in compile_ruleset(build_ruleset(text, "dated.qual"))}[DIPLOMA]
    # Human Resources (before Marketing) is met only with 5, whose date is not recorded.
    record = learner([*MANDATORY, "13", "14", ("5", "pass", None), "17", "18", "19"])
    verdict = both_engines(q, record)
    assert (verdict.status, verdict.pathway) == (Status.UNDETERMINED, None)
    assert verdict.pathway_decision.startswith('the title depends on pathway "Human Resources"')
    assert any("achievement date of 5" in needed for needed in verdict.missing)


# ---- exactness against brute force, on both engines --------------------------------------------------
@st.composite
def pathway_scenarios(draw):
    """A random qualification with one to three pathways (`pathway required` or not), the same qualification
    flattened for each pathway (its rules and the pathway's, which brute force reads), and a learner who may
    be registered for one of them."""
    text, catalogue = draw(rulesets())
    blocks = [rule_lines(draw, catalogue, "    ") for _ in range(draw(st.integers(1, 3)))]
    required = draw(st.booleans())
    lines = [line for k, block in enumerate(blocks) for line in (f'  pathway "P{k + 1}"', *block, "  end")]
    full = text + "\n".join(lines + (["  pathway required"] if required else [])) + "\n"
    flattened = [text + "\n".join(block) + "\n" for block in blocks]
    # Most units held, so that pathways are often met.
    attempts = tuple((unit.ref, draw(st.sampled_from(["pass", "pass", "pass", "referred"])))
                     for unit in catalogue.units if draw(st.integers(0, 3)))
    recorded = draw(st.sampled_from([None, *(f"p{k + 1}" for k in range(len(blocks)))]))
    return full, text, flattened, required, attempts, recorded


@given(pathway_scenarios())
@exactness_settings(400)
def test_the_pathway_awarded_and_its_claim_match_brute_force_on_both_engines(scenario):
    full, base, flattened, required, attempts, recorded = scenario
    (q,) = compile_ruleset(build_ruleset(full, "random.qual"))
    record = attrs.evolve(learner(attempts), pathway=recorded)
    verdict = both_engines(q, record)
    brutes = [BruteForce(build_ruleset(text, "flat.qual")) for text in flattened]
    own = BruteForce(build_ruleset(base, "base.qual"))
    available = achieved_units(_Attempts(attempts), own)
    order = range(len(brutes)) if recorded is None else [int(recorded[1:]) - 1]
    met = next(((k, best) for k in order if (best := brutes[k].best(available)) is not None), None)
    if met is not None:
        event("a pathway awarded")
        assert (verdict.status, verdict.pathway) == (Status.ACHIEVED, f"P{met[0] + 1}")
        assert verdict.claim == brutes[met[0]].ordered(met[1])
        return
    assert verdict.pathway is None
    general = own.best(available)
    if required or general is None:
        event("not achieved")
        assert verdict.status is Status.NOT_ACHIEVED
    else:
        event("the general title")
        assert (verdict.status, verdict.claim) == (Status.ACHIEVED, own.ordered(general))


@attrs.frozen
class _Attempts:
    """What `achieved_units` reads of a scenario."""

    attempts: tuple[tuple[str, str], ...]


# ---- records ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def library():
    return api.load([RULESET])


def test_a_record_names_its_pathway_in_any_case(tmp_path, library):
    path = tmp_path / "records.csv"
    path.write_text("learner,unit,result,achieved_on,pathway\nL1,1,pass,2024-05-01,\nL1,2,pass,2024-05-01,"
                    "human resources\n", encoding="utf-8")
    (record,) = api.read_records(path, library).learners
    assert record.pathway == "Human Resources"
    data = tmp_path / "records.json"
    data.write_text(json.dumps({"learners": [{"id": "L1", "pathway": "MARKETING", "units": []}]}), encoding="utf-8")
    assert api.read_records(data, library).learners[0].pathway == "Marketing"


@pytest.mark.parametrize("rows,code,message,hint", [
    ("L001,1,pass,2024-05-01,Marketting\n", "QR543",
     "unknown pathway 'Marketting': no loaded qualification declares it", "did you mean `Marketing`?"),
    ("L001,1,pass,2024-05-01,Marketing\nL001,2,pass,2024-05-09,Accounting\n", "QR544",
     "learner L001 has two different pathways: 'Marketing' (line 2) and 'Accounting'",
     "a learner is registered for one pathway: correct the row that is wrong"),
])
def test_a_pathway_a_record_cannot_mean_is_a_located_record_error(tmp_path, library, rows, code, message, hint):
    path = tmp_path / "records.csv"
    path.write_text("learner,unit,result,achieved_on,pathway\n" + rows + "L002,1,pass,2024-05-01,\n",
                    encoding="utf-8")
    records = api.read_records(path, library)
    (diagnostic,) = records.unreadable["L001"]
    assert (diagnostic.code, diagnostic.message, diagnostic.hint) == (code, message, hint)
    assert diagnostic.location.line == rows.count("\n") + 1
    assert [learner.id for learner in records.learners] == ["L002"]


def test_a_pathway_column_is_checked_on_the_fast_path_too(tmp_path):
    # A grouped CSV is read as columns; a learner naming a pathway is read row by row, where it is checked,
    # even when the qualification checked has no pathways.
    path = tmp_path / "records.csv"
    path.write_text("learner,unit,result,achieved_on,pathway\nA1,L3B1,pass,2024-01-01,Marketting\n"
                    "A2,L3B1,pass,2024-01-01,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--ruleset", str(RULESET), "-q", "610/3788/6", "-j", "1",
                                       "--format", "json", str(path)])
    rows = json.loads(result.stdout)
    assert [(r["learner"], r["status"]) for r in rows] == [("A1", "error"), ("A2", "not achieved")]
    assert rows[0]["errors"][0]["code"] == "QR543"


def test_without_a_pathway_loaded_the_column_is_not_read(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("learner,unit,result,achieved_on,pathway\nA001,L3B1,pass,2024-03-12,anything\n",
                    encoding="utf-8")
    records = api.read_records(path, api.load())
    assert (records.diagnostics, records.learners[0].pathway) == ((), None)


# ---- the commands ---------------------------------------------------------------------------------------
RECORDS = """learner,unit,result,achieved_on,pathway
T1,1,pass,2024-05-01,
T1,2,pass,2024-05-01,
T1,3,pass,2024-05-01,
T1,4,pass,2024-05-01,
T1,13,pass,2024-05-01,
T1,14,pass,2024-05-01,
T1,35,pass,2024-05-01,
T1,17,pass,2024-05-01,
T1,18,pass,2024-05-01,
T1,19,pass,2024-05-01,
T2,1,pass,2024-05-01,
T2,2,pass,2024-05-01,
T2,3,pass,2024-05-01,
T2,4,pass,2024-05-01,
T2,7,pass,2024-05-01,
T2,13,pass,2024-05-01,
T2,14,pass,2024-05-01,
T2,35,pass,2024-05-01,
T3,1,pass,2024-05-01,Marketing
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "records.csv").write_text(RECORDS, encoding="utf-8")
    return ["--ruleset", str(RULESET)], str(tmp_path / "records.csv")


def test_explain_says_which_pathway_is_awarded_and_why(files, snapshot):
    ruleset, records = files
    awarded = CliRunner().invoke(main, ["explain", *ruleset, "-q", DIPLOMA, "--learner", "T1", records])
    assert awarded.exit_code == 0, awarded.output
    assert awarded.output == snapshot(name="awarded")
    required = CliRunner().invoke(main, ["explain", *ruleset, "-q", MANAGEMENT, "--learner", "T2", records])
    assert required.exit_code == 1, required.output
    assert required.output == snapshot(name="required")
    shown = json.loads(CliRunner().invoke(main, ["explain", *ruleset, "-q", DIPLOMA, "--learner", "T1", records,
                                                 "--format", "json"]).output)
    assert (shown["pathway"], shown["awarded_title"]) == (
        "Marketing", "Pearson BTEC Level 3 Diploma in Business (Marketing)")


def test_the_table_says_when_a_learner_achieves_without_the_pathway_on_their_record(tmp_path):
    # T2's units meet the Diploma but none of its pathways: registered for Marketing, T4 gets the general title.
    t2 = [line for line in RECORDS.splitlines() if line.startswith("T2,")]
    t4 = [line.replace("T2,", "T4,").rstrip(",") + ",Marketing" for line in t2]
    records = tmp_path / "records.csv"
    records.write_text("\n".join([RECORDS.splitlines()[0], *t2, *t4]) + "\n", encoding="utf-8")
    table = CliRunner().invoke(main, ["check", "--ruleset", str(RULESET), "-q", DIPLOMA, "-j", "1", str(records)])
    lines = table.output.splitlines()
    assert [line.split()[0] for line in lines[1:3]] == ["T2", "T4"] and "achieved" in lines[1] + lines[2]
    assert lines[3].strip() == '> the recorded pathway "Marketing" is not met: awarded the general title'
    assert lines[4] == ""  # T2, registered for none, is told nothing more


def test_check_gives_the_pathway_in_the_table_json_and_csv(files, snapshot):
    ruleset, records = files
    table = CliRunner().invoke(main, ["check", *ruleset, "-q", DIPLOMA, "-q", MANAGEMENT, "-j", "1", records])
    assert table.output == snapshot(name="table")
    rows = json.loads(CliRunner().invoke(main, ["check", *ruleset, "-q", DIPLOMA, "-j", "1", "--format", "json",
                                                records]).output)
    assert [(r["learner"], r["pathway"], r["awarded_title"]) for r in rows] == [
        ("T1", "Marketing", "Pearson BTEC Level 3 Diploma in Business (Marketing)"),
        ("T2", None, "Pearson BTEC Level 3 Diploma in Business"),
        ("T3", None, None)]
    assert rows[0]["pathways"][2] == {"name": "Marketing", "status": "achieved", "awarded": True, "unmet": []}
    plain = json.loads(CliRunner().invoke(main, ["check", "-q", "610/3788/6", "--format", "json",
                                                 "examples/cohort.csv"]).output)
    assert "pathway" not in plain[0]  # keys only for qualifications with pathways
    written = CliRunner().invoke(main, ["check", *ruleset, "-q", DIPLOMA, "-j", "1", "--format", "csv", records])
    rows = list(csv.DictReader(written.output.splitlines()))
    assert (rows[0]["learner"], rows[0]["pathway"]) == ("T1", "Marketing")


def test_the_compact_report_counts_each_pathway_s_rules_over_the_verdicts_that_measure_them(files, library):
    from qualrules.interpreter.presentation.report import Detail, cohort_reports, html_report

    q, _ = library.qualification(MANAGEMENT)
    detail = Detail(whole_cohort=0, nearest=1)
    page = html_report(q, cohort_reports(q, api.read_records(files[1], library), COUNTS, detail), detail=detail)
    figures = page[page.index("rule-figures-heading"):]
    figures = figures[:figures.index("</table>")]
    rows = {row.split("<div")[0]: re.findall(r'<td class="number">([\d,]+)</td>', row)
            for row in re.findall(r'<tr><th scope="row">(.*?)</tr>', figures, re.S)}
    # Met, not met, cannot tell: T1 is awarded Marketing; T2 and T3 are shown within Human Resources and
    # Marketing, their closest pathways.
    assert rows["Marketing: all of 17, 18, 19"] == ["1", "1", "0"]
    assert rows["Human Resources: choose 1 of 5, 15"] == ["0", "1", "0"]
    assert rows["pathway required"] == ["0", "2", "0"]
    assert rows["at least 90 credits"] == ["2", "1", "0"]


def test_show_lists_the_pathways_in_english(snapshot):
    result = CliRunner().invoke(main, ["show", "--ruleset", str(RULESET), MANAGEMENT])
    assert result.exit_code == 0
    assert result.output[result.output.index("Rules of combination"):] == snapshot
    shown = json.loads(CliRunner().invoke(main, ["show", "--ruleset", str(RULESET), MANAGEMENT,
                                                 "--format", "json"]).output)
    assert [p["name"] for p in shown["pathways"]] == ["Human Resources", "Marketing"]
    assert shown["pathway_required"] is True


def test_fmt_writes_the_pathways_back_with_the_same_meaning():
    text = RULESET.read_text(encoding="utf-8")
    assert format_ruleset(text, "business.qual") == text  # the file is in the canonical layout
    loose = text.replace('  pathway "Marketing"\n    all of 17, 18, 19\n  end\n  pathway required',
                         'PATHWAY "Marketing"   # the endorsement\nLearners must achieve all of 17, 18 and 19.\n'
                         'end\nPathway Required')
    formatted = format_ruleset(loose, "business.qual")
    assert without_positions(build_ruleset(formatted, "b.qual")) == without_positions(build_ruleset(loose, "b.qual"))
    assert '  pathway "Marketing"  # the endorsement\n    all of 17, 18, 19\n  end\n  pathway required\n' in formatted


# ---- the checker and lint ------------------------------------------------------------------------------------
CATALOGUE = """unit A1 "Alpha" level 3 credits 6
unit B1 "Beta" level 3 credits 6
unit B2 "Gamma" level 3 credits 6
qualification 600/5929/1 "Certificate"
  units from A1, B1, B2
  all of A1
"""


def codes(text: str) -> list[tuple[str, int]]:
    found = lint([RulesetSource("example.qual", CATALOGUE + text)], discover())
    return [(d.code, d.location.line) for d in found if d.severity.value != "note"]


def test_a_pathway_no_learner_can_complete_and_one_every_achiever_completes():
    assert codes('  at most 12 credits\n  pathway "Retail"\n    all of B1, B2\n  end\n') == [("QR420", 8)]
    assert codes('  at least 12 credits\n  pathway "Retail"\n    at least 6 credits\n  end\n') == [("QR421", 8)]
    assert codes('  at least 12 credits\n  pathway "Retail"\n  end\n') == [("QR421", 8)]
    retail = '  pathway "Retail"\n    all of B1\n  end\n'
    management = '  pathway "Retail Management"\n    all of B1, B2\n  end\n'
    assert codes(retail + management) == [("QR422", 10)]
    assert codes(management + retail) == []


FLOORED = CATALOGUE.replace("credits 6\n", "credits 6 glh 60\n") + """\
  at least 12 credits
  points for 60 glh P 6, M 10, D 16
  grade P at 33 points
  grade D at 48 points
"""


def test_a_pathway_that_can_never_reach_the_pass_grade_is_one_no_learner_can_complete():
    retail = '  pathway "Retail"\n    at most 12 credits\n  end\n'
    wholesale = '  pathway "Wholesale"\n    all of B1, B2\n  end\n  pathway required\n'
    found = lint([RulesetSource("example.qual", FLOORED + retail + wholesale)], discover())
    messages = [(d.code, d.location.line, d.message) for d in found if d.severity.value != "note"]
    # Retail's two units earn at most 16 + 16 = 32 points, short of P's 33; only A1, B1 and B2 (48) reach P, and
    # they complete Wholesale, so every learner who achieves completes it.
    assert messages == [
        ("QR404", 6, "`all of A1` never binds: any claim reaching the 33 points P needs (line 9) has at least 1 unit "
                     "of A1"),
        ("QR404", 7, "`at least 12 credits` never binds: any claim reaching the 33 points P needs (line 9) has at "
                     "least 18 credits"),
        ("QR420", 11, 'pathway "Retail" of 600/5929/1 can never be completed: no claim within its rules reaches P '
                      "(33 points): at most 32 points can be counted, with every unit at its best grade"),
        ("QR421", 14, 'every learner who achieves 600/5929/1 meets the rules of pathway "Wholesale"')]
    # Where P needs 32, Retail's A1 and B1 (or B2) reach it: a learner can complete either pathway.
    found = lint([RulesetSource("example.qual", FLOORED.replace("P at 33", "P at 32") + retail + wholesale)], discover())
    assert [d.code for d in found if d.severity.value != "note"] == []
    # Where no claim reaches P at all, QR411 alone says so (for P and for D): no pathway is reported for it.
    unreachable = FLOORED.replace("P at 33", "P at 49").replace("D at 48", "D at 64")
    found = lint([RulesetSource("example.qual", unreachable + retail + wholesale)], discover())
    assert [(d.code, d.severity.value) for d in found if d.severity.value != "note"] == [
        ("QR411", "error"), ("QR411", "warning")]


def test_pathway_errors_stop_the_ruleset_from_compiling():
    text = CATALOGUE + '  pathway "Retail"\n    all of B1\n    age 18 or over\n  end\n  pathway "RETAIL"\n  end\n'
    with pytest.raises(DiagnosticError) as raised:
        compile_ruleset(build_ruleset(text, "example.qual"))
    assert [(d.code, d.location.line) for d in raised.value.diagnostics] == [("QR182", 9), ("QR180", 11)]


@pytest.mark.parametrize("after,code,hint", [
    ("", "QR003", "a `pathway` block needs a closing `end`"),
    ('qualification 600/5929/2 "Award"\n  units from A1\n', "QR001", "the `pathway` on line {} is never closed: "
     "add `end` before line {}"),
])
def test_an_unclosed_pathway_is_a_syntax_error_that_says_so(after, code, hint):
    opened = CATALOGUE.count("\n") + 1
    with pytest.raises(DiagnosticError) as raised:
        build_ruleset(CATALOGUE + '  pathway "Retail"\n    all of B1\n' + after, "example.qual")
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.hint) == (code, hint.format(opened, opened + 2))


def test_a_pathway_s_name_is_quoted():
    with pytest.raises(DiagnosticError) as raised:
        build_ruleset(CATALOGUE + "  pathway Retail\n    all of B1\n  end\n", "example.qual")
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.hint == 'a pathway\'s name goes in double quotes: `pathway "Marketing"`; or write `pathway required`'


REQUIRES_FIRST = """awarding body DEMO "Demo"
unit A1 "Alpha" level 2 credits 5
unit B1 "Beta" level 3 credits 5
unit B2 "Gamma" level 3 credits 5

qualification 600/0001/1 "Level 2 Award"
  units from A1
  all of A1

qualification 600/0002/3 "Level 3 Certificate"
  units from B1, B2
  at least 5 credits
  requires 600/0001/1 achieved
  pathway "Gamma"
    all of B2
  end
"""


def test_a_pathway_is_not_awarded_to_a_learner_who_lacks_the_qualification_required_first():
    _, certificate = compile_ruleset(build_ruleset(REQUIRES_FIRST, "x.qual"))
    without = evaluate(certificate, learner(["B2"]), COUNTS)
    assert (without.status, without.pathway) == (Status.NOT_ACHIEVED, None)
    assert without.unmet == ("requires 600/0001/1 achieved: 600/0001/1 Level 2 Award is not achieved",)
    with_award = evaluate(certificate, learner(["B2", "A1"]), COUNTS)
    assert (with_award.status, with_award.pathway) == (Status.ACHIEVED, "Gamma")
