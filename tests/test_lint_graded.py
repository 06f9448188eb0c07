"""`qualrules lint` on graded qualifications: the solver's checks compare only the claims that can reach the pass
grade's points (QR303, QR405), grades never awarded (QR413, against brute force over every learner), rows that
ask for a grade no mark gives (QR414), and awards given instead that every claim achieving them achieves the
qualification they replace too (QR412, against brute force)."""

from __future__ import annotations

import itertools

import pytest
from conftest import learner
from hypothesis import assume, given
from hypothesis import strategies as st
from test_exactness import catalogue_lines, catalogues, exactness_settings, simple_rules

from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import Severity, render
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.engine.evaluator import Status, evaluate_many
from qualrules.interpreter.lint import lint
from qualrules.plugins import GenericAwardingBody, RulesetSource, discover

BODIES = discover()
COUNTS = GenericAwardingBody().counts_as_achieved

# Each unit earns at most 16 points: P at 40 needs all three, at 30 any two.
THREE_UNITS = """\
unit A1 "Alpha" level 3 credits 6 glh 60
unit B1 "Beta" level 3 credits 6 glh 60
unit B2 "Gamma" level 3 credits 6 glh 60
qualification 600/5929/1 "Certificate"
{head}  units from A1, B1, B2
  all of A1
{rules}  points for 60 glh P 6, M 10, D 16
  grade P at {points} points
"""


def graded(rules: str = "", points: int = 40, head: str = "") -> str:
    return THREE_UNITS.format(head=head, rules=rules, points=points)


def findings(text: str) -> list:
    return [d for d in lint([RulesetSource("demo.qual", text)], BODIES) if d.severity is not Severity.NOTE]


def messages(text: str, code: str) -> list[tuple[int, str]]:
    return [(d.location.line, d.message) for d in findings(text) if d.code == code]


# ---- the pass grade's points floor in QR303 and QR405 ------------------------------------------------------

def test_a_declared_size_is_compared_with_the_claims_that_reach_the_pass_grade():
    # The rules alone allow A1 by itself (6 credits); P's 30 points need two units, 12 credits.
    assert not findings(graded(head="  credit value 12 to 18\n", points=30))
    assert messages(graded(head="  credit value 6 to 18\n", points=30), "QR303") == [
        (5, "600/5929/1 declares a credit value of 6 to 18, but the claims that achieve it have 12 to 18 credits")]


EITHER = """\
  either
    at most 6 credits
  or
    all of B2
  end
"""


def test_an_option_whose_claims_cannot_reach_the_pass_grade_can_never_be_met(snapshot):
    # Option 1 leaves A1 alone, 16 points at best.
    text = graded(EITHER, points=30)
    (found,) = findings(text)
    assert (found.code, found.location.line, found.message) == (
        "QR405", 8, "option 1 of this `either` can never be met while the other rules hold and the claim reaches the "
                    "30 points P needs (line 13), even with every unit at its best grade")
    assert found.hint == ("its claims earn too few points: correct the option's rules or the threshold against the "
                          "specification, or delete the option")
    assert render(found, text) == snapshot
    # At 16 points A1 alone reaches P.
    assert not findings(graded(EITHER, points=16))


def test_an_option_the_rules_alone_rule_out_keeps_its_plain_message():
    text = graded(EITHER.replace("at most 6 credits", "at most 5 credits"), points=30)
    assert messages(text, "QR405") == [(8, "option 1 of this `either` can never be met while the other rules hold")]


def test_where_no_claim_reaches_the_pass_grade_the_claims_are_compared_by_the_rules_alone():
    # QR411 says the qualification can never be achieved; the size is compared as for a pass-only one.
    text = graded(head="  credit value 6 to 18\n", points=49)
    assert [d.code for d in findings(text)] == ["QR411"]


def test_a_rule_the_pass_grade_s_points_imply_never_binds():
    # P's 40 points need three of the four units: 18 credits.
    text = graded("  at least 12 credits\n").replace('unit B2 "Gamma" level 3 credits 6 glh 60\n',
                                                      'unit B2 "Gamma" level 3 credits 6 glh 60\n'
                                                      'unit B3 "Delta" level 3 credits 6 glh 60\n')
    assert messages(text.replace("units from A1, B1, B2", "units from A1, B1, B2, B3"), "QR404") == [
        (8, "`at least 12 credits` never binds: any claim reaching the 40 points P needs (line 10) has at least 18 "
            "credits")]
    # Where the rules imply the floor (any two units reach 30), the floor is set aside: the rules restate nothing.
    assert not findings(graded("  at least 12 credits\n", points=30))


# ---- QR413: a grade never awarded ------------------------------------------------------------------------

TWO_MANDATORY = """\
unit A1 "Alpha" level 3 credits 6 glh 60
unit A2 "Beta" level 3 credits 6 glh 60
qualification 600/5929/1 "Certificate"
  units from A1, A2
  all of A1, A2
  points for 60 glh P 6, M 10, D 16
{grades}"""


def with_grades(*thresholds: tuple[str, int], extra: str = "") -> str:
    return TWO_MANDATORY.format(grades="".join(f"  grade {g} at {p} points\n" for g, p in thresholds) + extra)


def test_a_pass_below_what_the_mandatory_units_earn_at_a_pass_is_never_awarded(snapshot):
    # A1 and A2 at P earn 12: every claim reaching P's 6 reaches M's 12.
    text = with_grades(("P", 6), ("M", 12))
    (found,) = findings(text)
    assert (found.code, found.severity, found.location.line, found.message) == (
        "QR413", Severity.WARNING, 7,
        "P is never awarded: every claim within the rules that reaches its 6 points earns at least 12, enough for M (12)")
    assert render(found, text) == snapshot
    assert not findings(with_grades(("P", 12), ("M", 20)))


def test_a_grade_between_two_totals_no_claim_earns_is_never_awarded():
    # The totals are 12, 16, 20, 22, 26 and 32: none from 23 to 25.
    assert messages(with_grades(("P", 12), ("M", 23), ("D", 26)), "QR413") == [
        (8, "M is never awarded: every claim within the rules that reaches its 23 points earns at least 26, enough "
            "for D (26)")]
    assert not findings(with_grades(("P", 12), ("M", 22), ("D", 26)))


def test_units_counted_below_a_pass_under_the_allowance_can_earn_the_lower_grade():
    # A2 counted unclassified (0 points) with A1 at P gives 6: P is awarded.
    allowance = "  allow unclassified up to 6 credits from A2\n"
    assert not findings(with_grades(("P", 6), ("M", 12), extra=allowance))


@st.composite
def graded_rulesets(draw):
    """A random qualification over at most four units, graded by points per credit, with random thresholds and
    sometimes an allowance of units below a pass."""
    catalogue = draw(catalogues())
    assume(len(catalogue.units) <= 4)
    lines = catalogue_lines(catalogue) + [f"  {draw(simple_rules(catalogue))}" for _ in range(draw(st.integers(1, 2)))]
    steps = draw(st.lists(st.integers(0, 3), min_size=3, max_size=3))
    lines.append("  points per credit N {}, P {}, M {}, D {}".format(0, *itertools.accumulate([1, *steps[1:]])))
    top = 4 * sum(u.credits for u in catalogue.units)
    names = ("P", "M", "D", "D*")
    values = sorted(set(draw(st.lists(st.integers(1, max(1, top)), min_size=2, max_size=4))))
    lines += [f"  grade {name} at {value} points" for name, value in zip(names, values)]
    if draw(st.booleans()):
        unit = draw(st.sampled_from(catalogue.units))
        lines.append(f"  allow {draw(st.sampled_from(['unclassified', 'near pass']))} up to {unit.credits} credits "
                     f"from {unit.ref}")
    return "\n".join(lines) + "\n", [u.ref for u in catalogue.units]


RESULTS = ("pass", "merit", "distinction", "near pass", "unclassified", None)


@given(graded_rulesets())
@exactness_settings(60)
def test_a_grade_is_warned_never_awarded_exactly_when_no_learner_is_awarded_it(scenario):
    text, refs = scenario
    (q,) = compile_ruleset(build_ruleset(text, "random.qual"))
    learners = [learner([(ref, result) for ref, result in zip(refs, results) if result], id=f"L{k}")
                for k, results in enumerate(itertools.product(RESULTS, repeat=len(refs)))]
    verdicts = evaluate_many(q, learners, COUNTS)
    awarded = {v.grade for v in verdicts if v.status is Status.ACHIEVED}
    points = {t.grade: t.points for t in q.grading.thresholds}
    reached = {t.grade for t in q.grading.thresholds if any(points[g] >= t.points for g in awarded)}
    expected = sorted(reached - awarded - {q.grading.thresholds[-1].grade})
    warned = sorted(d.message.split()[0] for d in lint([RulesetSource("random.qual", text)], BODIES) if d.code == "QR413")
    assert warned == expected


# ---- QR414: a row that asks for a grade no mark gives ------------------------------------------------------

COMPONENTS = """\
unit EXAM "Examination" level 2 credits 4
unit PROJ "Project" level 2 credits 6
qualification 600/5929/1 "Award"
  units from EXAM, PROJ
  all of EXAM, PROJ
  marks for EXAM out of 60 {bands}
  grade D* when EXAM at D*, PROJ at D
  grade D when EXAM at D, PROJ at D
  grade M when EXAM at M, PROJ at M
  grade P when EXAM at P, PROJ at P
"""


def test_a_row_asking_for_a_grade_above_the_best_band_is_never_given(snapshot):
    text = COMPONENTS.format(bands="P 41, M 50")
    found = findings(text)
    assert [(d.code, d.location.line, d.message) for d in found] == [
        ("QR414", 7, "D* is never given: its row asks for EXAM at D*, but no mark gives EXAM more than M (line 6)"),
        ("QR414", 8, "D is never given: its row asks for EXAM at D, but no mark gives EXAM more than M (line 6)")]
    assert render(found[1], text) == snapshot
    # PROJ has no bands: its grade is its result word, and any row may ask for any grade of it.
    assert messages(COMPONENTS.format(bands="P 41, M 50, D 55"), "QR414") == [
        (7, "D* is never given: its row asks for EXAM at D*, but no mark gives EXAM more than D (line 6)")]
    assert not findings(COMPONENTS.format(bands="P 41, M 50, D 55, D* 59"))


# ---- QR412: an award given instead that every claim achieving it achieves the larger one too ---------------

FALLBACK = """\
unit A1 "Alpha" level 3 credits 6 glh 60
unit A2 "Beta" level 3 credits 6 glh 60
unit A3 "Gamma" level 3 credits 6 glh 60
qualification 600/5929/1 "Certificate"
  units from A1, A2, A3
  all of A1
  at least 12 credits
{larger}  otherwise award 610/3788/6
qualification 610/3788/6 "Award"
  units from A1, A2, A3
{award}"""


def fallback(award: str, larger: str = "") -> str:
    return FALLBACK.format(award=award, larger=larger)


def test_an_award_whose_every_claim_achieves_the_larger_qualification_is_never_given(snapshot):
    text = fallback("  all of A1, A2\n")
    (found,) = findings(text)
    assert (found.code, found.location.line, found.message, found.hint) == (
        "QR412", 8, "610/3788/6 can never be awarded instead of 600/5929/1: every claim that achieves it also achieves "
                    "600/5929/1, and it is checked only for a learner who has not achieved 600/5929/1",
        "award instead a qualification a learner can achieve without achieving 600/5929/1, or check the rules of "
        "610/3788/6 against the specification")
    assert render(found, text) == snapshot
    # A1 alone achieves the award and not the certificate: it is given to that learner.
    assert not findings(fallback("  all of A1\n"))


def test_a_claim_that_holds_one_achieving_the_larger_qualification_is_enough():
    # Every claim of the award holds A1 and one more unit (12 credits), though the award caps it at 18 credits.
    assert messages(fallback("  all of A1\n  at least 2 units\n  at most 18 credits\n"), "QR412")


def test_a_graded_larger_qualification_is_judged_with_every_unit_at_a_pass():
    # At P, A1 and A2 earn 12 points: enough for P at 12, not at 13, where the award is given.
    larger = "  points for 60 glh P 6, M 10, D 16\n  grade P at {points} points\n"
    assert messages(fallback("  all of A1, A2\n", larger.format(points=12)), "QR412")
    assert not messages(fallback("  all of A1, A2\n", larger.format(points=13)), "QR412")


def test_a_graded_award_is_judged_by_the_claims_that_reach_its_pass_grade():
    # A1 alone earns at most 16 points: the award's P at 20 needs two units, and two units achieve the certificate.
    graded_award = "  all of A1\n  points for 60 glh P 6, M 10, D 16\n  grade P at {points} points\n"
    assert messages(fallback(graded_award.format(points=20)), "QR412")
    assert not messages(fallback(graded_award.format(points=16)), "QR412")


def test_down_the_chain_the_award_is_compared_with_the_qualification_the_chain_starts_from():
    text = fallback("  all of A1, A2, A3\n  otherwise award 610/3789/8\n") + \
        'qualification 610/3789/8 "Smaller award"\n  units from A1, A2\n  all of A1, A2\n'
    assert messages(text, "QR412") == [
        (8, "610/3788/6 can never be awarded instead of 600/5929/1: every claim that achieves it also achieves "
            "600/5929/1, and it is checked only for a learner who has not achieved 600/5929/1"),
        (8, "610/3789/8 can never be awarded instead of 600/5929/1, down the chain through 610/3788/6: every claim "
            "that achieves it also achieves 600/5929/1, and it is checked only for a learner who has not achieved "
            "600/5929/1")]


@pytest.mark.parametrize("larger", [
    "  complete within 3 years\n",  # a learner whose units come late achieves the award only
    "  age 18 or over\n",  # as does a younger learner
])
def test_a_larger_qualification_decided_by_more_than_its_units_is_not_compared(larger):
    assert not messages(fallback("  all of A1, A2\n", larger), "QR412")


def test_an_award_no_claim_achieves_is_left_to_its_own_findings():
    assert [d.code for d in findings(fallback("  at least 24 credits\n"))] == ["QR401"]


@st.composite
def fallback_rulesets(draw):
    """A random qualification over at most four units, pass-only or graded by points, and an award given instead
    made of some of its rules and others, pass-only."""
    catalogue = draw(catalogues())
    assume(len(catalogue.units) <= 4)
    lines = catalogue_lines(catalogue)
    rules = [draw(simple_rules(catalogue)) for _ in range(draw(st.integers(1, 2)))]
    lines += [f"  {rule}" for rule in rules]
    graded = draw(st.booleans())
    if graded:
        top = 3 * sum(u.credits for u in catalogue.units)
        lines += ["  points per credit P 1, M 2, D 3", f"  grade P at {draw(st.integers(1, max(1, top)))} points"]
    pool = catalogue_lines(catalogue)[-1]
    lines += ["  otherwise award 610/3788/6", 'qualification 610/3788/6 "Award"', pool]
    kept = draw(st.lists(st.sampled_from(rules), max_size=len(rules), unique=True))
    others = [draw(simple_rules(catalogue)) for _ in range(draw(st.integers(0 if kept else 1, 2)))]
    lines += [f"  {rule}" for rule in kept + others]
    return "\n".join(lines) + "\n", [u.ref for u in catalogue.units], graded


@given(fallback_rulesets())
@exactness_settings(80)
def test_an_award_is_warned_never_given_exactly_when_no_learner_is_given_it(scenario):
    text, refs, graded = scenario
    larger, award = compile_ruleset(build_ruleset(text, "random.qual"))
    results = ("pass", "merit", "distinction", None) if graded else ("pass", None)
    learners = [learner([(ref, result) for ref, result in zip(refs, held) if result], id=f"L{k}")
                for k, held in enumerate(itertools.product(results, repeat=len(refs)))]
    verdicts = evaluate_many(larger, learners, COUNTS)
    given_instead = any(v.status is Status.NOT_ACHIEVED and v.fallback.status is Status.ACHIEVED for v in verdicts)
    achieves_award = any(v.status is Status.ACHIEVED for v in evaluate_many(award, learners, COUNTS))
    achieves_larger = any(v.status is Status.ACHIEVED for v in verdicts)
    warned = [d for d in lint([RulesetSource("random.qual", text)], BODIES) if d.code == "QR412"]
    # Checked only where the larger qualification and the award can each be achieved.
    assert bool(warned) == (achieves_larger and achieves_award and not given_instead)
