"""Equivalents in graded qualifications: an equivalent of one original carries its grade, earns the points of
the unit it counts as (per credit at its own credit under `with its own credit`), and stands where that unit
stands in an allowance of units below a pass and in mark bands; hand-computed cases where counting the
original as itself, or counting one achievement twice, would give another grade; what explain and
`plan --target-grade` say; and the best-grade claim against brute force on both engines."""

from __future__ import annotations

import itertools
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from conftest import learner
from hypothesis import event, given
from hypothesis import strategies as st

from test_equivalences import EXTERNAL, EquivalenceBrute, Item, _on_cpsat
from test_exactness import COUNTS, catalogue_lines, catalogues, compiled, exactness_settings, simple_rules, term_text
from qualrules.cli import main
from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.engine.decision import Decision
from qualrules.interpreter.engine.evaluator import Status, evaluate
from qualrules.interpreter.engine.grade_plan import GradePlanStatus, plan_grade

# The example of docs/language.md "Equivalents in a graded qualification": B1 is mandatory; OLD1, a predecessor
# of B1 in no pool, and OLD2 (9 credits), of C2, are declared for their credit. A credit earns 1 point at P, 2
# at M, 3 at D.
_PAGE = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
_SECTION = _PAGE[_PAGE.index("### Equivalents in a graded qualification"):]
CERTIFICATE = _SECTION[_SECTION.index("```qual\n") + 8:_SECTION.index("```\n", _SECTION.index("```qual\n") + 8)]


def verdicts(text: str, *results):
    """The verdict of the compiled engine, which must be CP-SAT's too."""
    _, q = compiled(text)
    assert isinstance(q.decision, Decision)
    found = evaluate(q, learner(results), COUNTS)
    cp = _on_cpsat(q, learner(results))
    assert (cp.status, cp.claim, cp.grade, cp.points, cp.unit_points, cp.set_aside) == (
        found.status, found.claim, found.grade, found.points, found.unit_points, found.set_aside)
    return found


def points(verdict) -> list[tuple[str, str, int]]:
    return [(u.label, u.grade, u.points) for u in verdict.unit_points]


def test_the_equivalent_carries_its_originals_grade_and_is_counted_once():
    # B1 as itself (P) with C1 (D) earns 6 + 18 = 24, M; B1 by OLD1 (D) earns 18 + 18 = 36, D. Counting B1
    # both as itself and by OLD1 would earn 42, D*: one achievement of B1's content counts once.
    verdict = verdicts(CERTIFICATE, ("B1", "pass"), ("OLD1", "distinction"), ("C1", "distinction"))
    assert (verdict.status, verdict.grade, verdict.points) == (Status.ACHIEVED, "D", 36)
    assert points(verdict) == [("B1 by OLD1", "D", 18), ("C1", "D", 18)]
    assert [(s.unit, s.reason) for s in verdict.set_aside] == [("B1", "counted once, by OLD1 instead")]


def test_with_its_own_credit_earns_points_per_credit_at_the_originals_credit():
    # C2 by OLD2 at M earns 9 credits x 2 = 18, more than C2 itself at D (6 x 3 = 18 too, 6 credits fewer) and
    # than C1 at D: the claim B1 (P, 6) + C2 by OLD2 (18) = 24, M, counting 15 credits.
    verdict = verdicts(CERTIFICATE, ("B1", "pass"), ("OLD2", "merit"), ("C2", "pass"))
    assert (verdict.grade, verdict.points, verdict.credits) == ("M", 24, 15)
    assert points(verdict) == [("B1", "P", 6), ("C2 by OLD2", "M", 18)]


def test_the_most_points_not_the_most_credits():
    # Pass-only, C2 by OLD2 (9 credits) would be counted rather than C2 (6); graded, C2 at D earns 18 points
    # against OLD2's 9 at a pass, so C2 counts as itself: 12 + 18 = 30, M.
    verdict = verdicts(CERTIFICATE, ("B1", "merit"), ("OLD2", "pass"), ("C2", "distinction"))
    assert (verdict.grade, verdict.points, verdict.credits, verdict.equivalents) == ("M", 30, 12, ())
    assert points(verdict) == [("B1", "M", 12), ("C2", "D", 18)]
    assert [(s.unit, s.reason) for s in verdict.set_aside] == [
        ("OLD2", "counts as C2 but is not counted: C2 counts once, and the claim counts it already")]


def test_one_achievement_counted_as_two_units_carries_its_grade_to_both():
    # C1 counts as B1 and C2. Held: B1 at P, C1 at D. As itself, C1 earns 18 with B1's 6: 24, M. As B1 and C2,
    # its one achievement earns D twice: 36, D (B1 itself then counts no more).
    text = CERTIFICATE.replace("unit OLD1 counts as B1\n", "unit C1 counts as B1 and C2\n")
    verdict = verdicts(text, ("B1", "pass"), ("C1", "distinction"))
    assert (verdict.grade, verdict.points) == ("D", 36)
    assert points(verdict) == [("B1 by C1", "D", 18), ("C2 by C1", "D", 18)]


def test_points_by_size_are_those_of_the_unit_counted_as():
    # Points for 60 glh: OLD2 (90 GLH) counts as C2 at C2's 60 GLH, whatever its credit.
    text = CERTIFICATE.replace("points per credit P 1, M 2, D 3", "points for 60 glh P 6, M 12, D 18").replace(
        "with its own credit", "")
    verdict = verdicts(text, ("B1", "pass"), ("OLD2", "distinction"))
    assert (verdict.grade, verdict.points) == ("M", 24)
    assert points(verdict) == [("B1", "P", 6), ("C2 by OLD2", "D", 18)]


ALLOWING = CERTIFICATE.replace("  grade P at 12 points\n", "  grade P at 12 points\n"
                               "  allow unclassified up to 6 credits from Group 2\n")


def test_an_allowance_below_a_pass_treats_an_equivalent_as_the_unit_it_counts_as():
    # OLD1 unclassified counts as B1, outside Group 2: no allowance lets it count, so B1 is missing.
    verdict = verdicts(ALLOWING, ("OLD1", "unclassified"), ("C1", "distinction"), ("C2", "distinction"))
    assert verdict.status is Status.NOT_ACHIEVED
    # OLD2 unclassified counts as C2, in Group 2, within the 6 credits... but with its own credit it is 9.
    verdict = verdicts(ALLOWING, ("B1", "merit"), ("OLD2", "unclassified"))
    assert verdict.status is Status.NOT_ACHIEVED
    # With C2's credit (6) it is within the allowance: 12 credits, 12 points, P.
    verdict = verdicts(ALLOWING.replace(" with its own credit", ""), ("B1", "merit"), ("OLD2", "unclassified"))
    assert (verdict.status, verdict.grade, verdict.points) == (Status.ACHIEVED, "P", 12)
    assert points(verdict) == [("B1", "M", 12), ("C2 by OLD2", "U", 0)]


def test_a_mark_is_graded_by_the_bands_of_the_unit_it_counts_as():
    text = CERTIFICATE.replace("  points per credit", "  marks for C2 P 40, M 50, D 60\n  points per credit")
    verdict = verdicts(text, ("B1", "pass"), ("OLD2", "55"))
    assert points(verdict) == [("B1", "P", 6), ("C2 by OLD2", "M", 18)]
    assert verdicts(text, ("B1", "pass"), ("OLD2", "39")).status is Status.NOT_ACHIEVED


def test_a_component_of_a_grade_table_may_not_have_an_equivalence():
    text = CERTIFICATE.replace("  points per credit P 1, M 2, D 3\n", "").replace(
        "  grade P at 12 points\n  grade M at 24 points\n  grade D at 36 points\n  grade D* at 42 points\n",
        "  grade P when B1 at P\n  grade D when B1 at D\n")
    with pytest.raises(DiagnosticError) as raised:
        compiled(text)
    (error,) = raised.value.diagnostics
    assert (error.code, error.location.line) == ("QR189", text.splitlines().index(
        'qualification 999/0002/6 "Graded Certificate"') + 1)
    assert error.message == ("999/0002/6 is graded by a table of components' grades, and its component B1 has an "
                             "equivalence: the table cannot weigh an equivalent's grade against the component's own")
    compiled(text.replace("unit OLD1 counts as B1\n", ""))  # C2's equivalent is no component's: no error


def test_explain_names_the_equivalent_with_its_grade_and_points(tmp_path, snapshot):
    (tmp_path / "graded.qual").write_text(CERTIFICATE, encoding="utf-8")
    (tmp_path / "records.csv").write_text("learner,unit,result,achieved_on\nL1,B1,pass,2024-06-01\n"
                                          "L1,OLD1,distinction,2024-06-01\nL1,C1,distinction,2024-06-01\n",
                                          encoding="utf-8")
    result = CliRunner().invoke(main, ["explain", "--ruleset", str(tmp_path / "graded.qual"), "-q", "999/0002/6",
                                       "--learner", "L1", str(tmp_path / "records.csv")])
    assert result.exit_code == 0, result.output
    assert result.output == snapshot


def test_a_grade_plan_takes_the_units_own_never_an_equivalent():
    # OLD1 at P gives B1 by OLD1 (6 points). For D (36) with no D at all: B1, C1 and C2 each at M (12 + 12 + 12),
    # B1 itself taken in place of the equivalent; with the equivalent, C1 and C2 at M reach only 30.
    _, q = compiled(CERTIFICATE)
    found = plan_grade(q, learner([("OLD1", "pass")]), COUNTS, "D")
    assert [(u.label, u.grade) for u in found.take] == [("B1", "M"), ("C1", "M"), ("C2", "M")]
    assert (found.status, found.points) == (GradePlanStatus.PLANNED, 36)
    # The equivalent a learner holds stays in the claim, named by its original.
    found = plan_grade(q, learner([("B1", "distinction"), ("OLD2", "pass")]), COUNTS, "M")
    assert [(u.label, u.grade, u.points) for u in found.claim] == [("B1", "D", 18), ("C2 by OLD2", "P", 9)]
    assert found.status is GradePlanStatus.ALREADY_REACHED


# ---- exactness against brute force, on both engines ----------------------------------------------------
GRADES = {"pass": "P", "merit": "M", "distinction": "D", "distinction star": "D*", "near pass": "N",
          "unclassified": "U"}


@attrs.frozen
class Graded:
    item: Item
    grade: str
    points: int


class GradedBrute(EquivalenceBrute):
    """Every claim of items, as in the pass-only brute force, each held at its original's grade and earning
    the points per credit of that grade at the item's credit; units below a pass count only within the
    allowance, as the units they count as."""

    def __init__(self, ruleset: m.Ruleset, table: dict[str, int], allowance: tuple[str, int, set[str]] | None):
        super().__init__(ruleset)
        self.table, self.allowance = table, allowance

    def best_graded(self, results: dict[str, str]) -> tuple[Graded, ...] | None:
        below = {"U", "N"} if self.allowance and self.allowance[0] == "unclassified" else \
            {"N"} if self.allowance else set()
        grade_of = {ref: GRADES[r] for ref, r in results.items() if GRADES[r] not in {"U", "N"} - below}
        found = []
        for item in self.items(set(grade_of), set()):
            grade = grade_of[item.uses[0]]
            if grade in {"U", "N"} and item.unit not in self.allowance[2]:
                continue
            found.append(Graded(item, grade, self.table[grade] * item.credits))
        best, best_key = None, None
        for size in range(len(found) + 1):
            for chosen in itertools.combinations(found, size):
                items = tuple(g.item for g in chosen)
                if not self.valid(items) or not self.judge(items)[0]:
                    continue
                if self.allowance is not None and sum(
                        g.item.credits for g in chosen if g.grade in {"U", "N"}) > self.allowance[1]:
                    continue
                key = (sum(g.points for g in chosen), sum(i.credits for i in items), tuple(g in chosen for g in found))
                if best_key is None or key > best_key:
                    best, best_key = chosen, key
        return best


@st.composite
def graded_equivalence_scenarios(draw):
    catalogue = draw(catalogues())
    refs = [u.ref for u in catalogue.units]
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        original = draw(st.sampled_from(refs + list(EXTERNAL)))
        others = [r for r in refs if r != original]
        replacements = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
        own = len(replacements) == 1 and original in refs and draw(st.booleans())
        statements.append(f"unit {original} counts as {' and '.join(replacements)}"
                          + (" with its own credit" if own else ""))
    lines = catalogue_lines(catalogue)
    lines[-2:-2] = statements
    for _ in range(draw(st.integers(1, 2))):
        lines.append("  " + draw(simple_rules(catalogue, ("total", "credits from", "units from", "all of",
                                                           "choose", "level"))))
    steps = draw(st.lists(st.integers(0, 4), min_size=4, max_size=4))
    table = dict(zip(("P", "M", "D", "D*"), itertools.accumulate(steps)))
    table["N"], table["U"] = draw(st.integers(0, table["P"])), 0
    lines.append(f"  points per credit N {table['N']}, " + ", ".join(f"{g} {table[g]}" for g in ("P", "M", "D", "D*")))
    top = table["D*"] * 2 * sum(u.credits for u in catalogue.units)
    for k, value in enumerate(sorted(set(draw(st.lists(st.integers(0, max(1, top)), min_size=1, max_size=3))))):
        lines.append(f"  grade {'D' * (k + 1)} at {value} points")
    allowance = None
    if draw(st.booleans()):
        term = draw(st.sampled_from(catalogue.terms()))
        scope = {u.ref for u in catalogue.members([term])}
        allowance = (draw(st.sampled_from(["unclassified", "near pass"])), draw(st.integers(1, 8)), scope)
        lines.append(f"  allow {allowance[0]} up to {allowance[1]} credits from {term_text(draw, catalogue, term)}")
    # Most units held, most of them at a pass or better.
    results = {ref: draw(st.sampled_from([*GRADES, "pass", "merit", "distinction"]))
               for ref in refs + list(EXTERNAL) if draw(st.integers(0, 3))}
    return "\n".join(lines) + "\n", table, allowance, results


@exactness_settings(max_examples=500)
@given(graded_equivalence_scenarios())
def test_best_grade_with_equivalents_agrees_with_brute_force_on_both_engines(scenario):
    text, table, allowance, results = scenario
    ruleset, q = compiled(text)
    expected = GradedBrute(ruleset, table, allowance).best_graded(results)
    event("a claim" if expected is not None else "no claim")
    if expected is not None and any(g.item.statement is not None for g in expected):
        event("the claim counts an equivalent")
    who = learner(list(results.items()))
    found = [evaluate(q, who, COUNTS), _on_cpsat(q, who)]
    if not isinstance(q.decision, Decision):
        found = found[1:]
    pass_points = min(t.points for t in q.grading.thresholds)
    for verdict in found:
        if expected is None:
            assert verdict.status is Status.NOT_ACHIEVED
            continue
        total = sum(g.points for g in expected)
        assert verdict.points == total
        assert verdict.achieved == (total >= pass_points)
        counted = sorted((g.item.unit, g.item.uses if g.item.statement is not None else (), g.grade, g.points)
                         for g in expected)
        assert sorted((u.unit, u.by, u.grade, u.points) for u in verdict.unit_points) == counted
