"""Unit prerequisites: the `requires` line under a unit, the checker's errors, the standing of each unit held
(counted only when achieved on or after what it requires; a missing date cannot tell), both engines against
brute force, and what explain, show and fmt say."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from conftest import learner
from test_exactness import COUNTS, exactness_settings
from qualrules.cli import main
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.engine.decision import Decision, Unsupported
from qualrules.interpreter.engine.evaluator import Status, evaluate
from qualrules.interpreter.formatter import format_ruleset

# After a City & Guilds Level 2 electrical installation diploma: wiring may be assessed only after health and
# safety, inspection and testing only after electrical science and wiring.
ELECTRICAL = """\
awarding body CG "City & Guilds"
group A "Mandatory"
unit 201 "Health and safety in building services engineering" level 2 credits 6
unit 202 "Electrical science" level 2 credits 5
unit 203 "Installing wiring systems" level 2 credits 8
  requires 201
group B "Optional"
unit 204 "Inspection and testing" level 3 credits 6
  requires 202, 203
unit 205 "Fault finding" level 3 credits 4
unit 206 "Smart technology" level 3 credits 4
qualification 600/0000/1 "Level 2 Diploma in Electrical Installation"
  units from Group A, Group B
  all of Group A
  at least 29 credits
"""
D = dt.date


def electrical(text: str = ELECTRICAL):
    (q,) = compile_ruleset(build_ruleset(text, "electrical.qual"))
    return q


def errors(text: str) -> list[tuple[str, int, str]]:
    with pytest.raises(DiagnosticError) as raised:
        compile_ruleset(build_ruleset(text, "electrical.qual"))
    return [(d.code, d.location.line, d.message) for d in raised.value.diagnostics]


def test_the_line_gives_the_unit_its_prerequisites():
    units = {u.ref: u for u in build_ruleset(ELECTRICAL, "electrical.qual").units}
    assert [r.name for r in units["204"].prerequisite.units] == ["202", "203"]
    assert units["204"].prerequisite.span.line == 9
    assert units["205"].prerequisite is None
    assert electrical().prerequisites == {"203": ("201",), "204": ("202", "203")}


def test_a_prerequisite_must_name_another_unit_of_the_file():
    text = ELECTRICAL.replace("requires 201", "requires 210").replace("requires 202, 203", "requires 204")
    assert errors(text) == [
        ("QR190", 6, "unit 203 requires `210`, which is not a unit in this file"),
        ("QR191", 9, "unit 204 requires itself"),
    ]


def test_prerequisites_that_come_back_to_a_unit_are_an_error():
    text = ELECTRICAL.replace('unit 201 "Health and safety in building services engineering" level 2 credits 6',
                              'unit 201 "Health and safety in building services engineering" level 2 credits 6\n'
                              '  requires 204')
    assert errors(text) == [("QR192", 4, "the prerequisites of units 201 -> 204 -> 203 -> 201 form a cycle, "
                                         "so none of them can ever count")]


# 204 needs 203, which needs 201, and 204 stands for 201: 204 would be its own prerequisite.
THROUGH_AN_EQUIVALENCE = """\
unit 201 "Health" level 2 credits 6
unit 203 "Wiring" level 2 credits 8
  requires 201
unit 204 "Testing" level 2 credits 4
  requires 203
unit 204 counts as 201
qualification 600/0001/6 "Diploma"
  units from 201, 203, 204
  at least 8 credits
"""
# 203 needs 201 and stands for it.
STANDS_FOR_ITS_PREREQUISITE = """\
unit 201 "Health" level 2 credits 6
unit 203 "Wiring" level 2 credits 8
  requires 201
unit 203 counts as 201
qualification 600/0001/6 "Diploma"
  units from 201, 203
  at least 6 credits
"""
EQUIVALENCE_HINT = ("a unit cannot stand for a unit it must come after: check the equivalence and these "
                    "prerequisites against the specification, and delete the one it does not give")


@pytest.mark.parametrize("text,line,message", [
    (THROUGH_AN_EQUIVALENCE, 6, "the prerequisites form a cycle through an equivalence: 204 requires 203, "
                                "203 requires 201 and `unit 204 counts as 201`, so 204 would be its own prerequisite"),
    (STANDS_FOR_ITS_PREREQUISITE, 4, "the prerequisites form a cycle through an equivalence: 203 requires 201 and "
                                     "`unit 203 counts as 201`, so 203 would be its own prerequisite"),
    (STANDS_FOR_ITS_PREREQUISITE.replace("unit 203 counts as 201", "units 203 and OLD1 together count as 201"), 4,
     "the prerequisites form a cycle through an equivalence: 203 requires 201 and "
     "`units 203 and OLD1 together count as 201`, so 203 would be its own prerequisite"),
])
def test_prerequisites_that_come_back_through_an_equivalence_are_an_error(text, line, message):
    with pytest.raises(DiagnosticError) as raised:
        compile_ruleset(build_ruleset(text, "selfp.qual"))
    (error,) = raised.value.diagnostics
    assert (error.code, error.location.line, error.location.column, error.message, error.hint) == (
        "QR192", line, 1, message, EQUIVALENCE_HINT)


@pytest.mark.parametrize("command", ["check", "explain"])
@pytest.mark.parametrize("text,records", [
    (THROUGH_AN_EQUIVALENCE, "L1,203,pass,2024-01-10\nL1,204,pass,2024-02-10\n"),
    (STANDS_FOR_ITS_PREREQUISITE, "L1,201,pass,2024-01-10\nL1,203,pass,2024-02-10\n"),
])
def test_check_and_explain_report_the_cycle_instead_of_failing(tmp_path, command, text, records):
    (tmp_path / "selfp.qual").write_text(text, encoding="utf-8")
    (tmp_path / "records.csv").write_text("learner,unit,result,achieved_on\n" + records, encoding="utf-8")
    result = CliRunner().invoke(main, [command, str(tmp_path / "records.csv"), "-q", "600/0001/6", "--ruleset",
                                       str(tmp_path / "selfp.qual"), *(["--learner", "L1"] * (command == "explain"))])
    assert result.exit_code != 0
    assert "error[QR192]" in result.output and "QR900" not in result.output


# Prerequisites and equivalences together without a cycle: OLD201 stands for 201, which 203 requires, and 204
# (after 203) stands for 202, which 205 requires.
PREREQUISITES_BY_EQUIVALENTS = """\
unit 201 "Health" level 2 credits 6
unit 202 "Science" level 2 credits 5
unit 203 "Wiring" level 2 credits 8
  requires 201
unit 204 "Testing" level 3 credits 4
  requires 203
unit 205 "Fault finding" level 3 credits 4
  requires 202
unit OLD201 counts as 201
unit 204 counts as 202
qualification 600/0001/6 "Diploma"
  units from 203, 204, 205
  at least 16 credits
"""


def test_prerequisites_met_by_equivalents_without_a_cycle_count():
    (q,) = compile_ruleset(build_ruleset(PREREQUISITES_BY_EQUIVALENTS, "p.qual"))
    records = [("OLD201", "pass", D(2024, 1, 10)), ("203", "pass", D(2024, 2, 10)), ("204", "pass", D(2024, 3, 10)),
               ("205", "pass", D(2024, 4, 10))]
    verdict = evaluate(q, learner(records), COUNTS)
    # 203 after OLD201 (as 201), 204 after 203, 205 after 204 (as 202): 8 + 4 + 4 credits.
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.ACHIEVED, ("203", "204", "205"), 16)
    assert [(s.unit, s.reason) for s in verdict.set_aside] == [("OLD201", "not one of this qualification's units")]
    records[3] = ("205", "pass", D(2024, 3, 1))
    verdict = evaluate(q, learner(records), COUNTS)
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.NOT_ACHIEVED, ("203", "204"), 12)
    assert [(s.unit, s.reason) for s in verdict.set_aside] == [
        ("OLD201", "not one of this qualification's units"),
        ("205", "achieved on 2024-03-01, before its prerequisite 202 was achieved on 2024-03-10")]


def test_a_second_requires_line_is_an_error():
    with pytest.raises(DiagnosticError) as raised:
        build_ruleset(ELECTRICAL.replace("  requires 201\n", "  requires 201\n  requires 202\n"), "e.qual")
    (error,) = raised.value.diagnostics
    assert (error.code, error.message) == ("QR131", "unit 203 states its prerequisites twice (first on line 6)")


def all_units(**dates):
    """Every unit but 206 passed, on 1 March 2024 unless `dates` (by `u203=...`) says otherwise."""
    return [(ref, "pass", dates.get(f"u{ref}", D(2024, 3, 1))) for ref in ("201", "202", "203", "204", "205")]


def test_units_achieved_in_order_count():
    verdict = evaluate(electrical(), learner(all_units()), COUNTS)
    # Achieved on the same day as its prerequisite counts: the prerequisite came no later.
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.ACHIEVED, ("201", "202", "203", "204", "205"), 29)


def test_a_unit_achieved_before_its_prerequisite_is_set_aside_with_both_dates():
    verdict = evaluate(electrical(), learner(all_units(u201=D(2024, 4, 10), u203=D(2024, 3, 10),
                                                       u204=D(2024, 5, 1))), COUNTS)
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.claim == ("201", "202", "205")
    assert [(s.unit, s.reason) for s in verdict.set_aside] == [
        ("203", "achieved on 2024-03-10, before its prerequisite 201 was achieved on 2024-04-10"),
        # 204 came after 203, but 203 does not count, so neither does 204.
        ("204", "requires 203, which does not count: achieved on 2024-03-10, before its prerequisite 201 was "
                "achieved on 2024-04-10"),
    ]


def test_a_retake_after_the_prerequisite_counts_from_its_own_date():
    records = all_units(u201=D(2024, 4, 10), u203=D(2024, 3, 10)) + [("203", "pass", D(2024, 4, 20))]
    verdict = evaluate(electrical(), learner(records), COUNTS)
    # 203 counts from its second pass; 204 (1 March) came before that, so it does not, and 23 credits fall short.
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.NOT_ACHIEVED, ("201", "202", "203", "205"), 23)
    assert [(s.unit, s.reason) for s in verdict.set_aside] == [
        ("204", "achieved on 2024-03-01, before its prerequisite 203 was achieved on 2024-04-20")]
    records[3] = ("204", "pass", D(2024, 4, 20))
    assert evaluate(electrical(), learner(records), COUNTS).achieved


def test_a_unit_whose_prerequisite_is_not_held_does_not_count():
    records = [r for r in all_units() if r[0] != "201"]
    verdict = evaluate(electrical(), learner(records), COUNTS)
    assert verdict.status is Status.NOT_ACHIEVED
    assert ("203", "requires 201, which the record does not show achieved") in [
        (s.unit, s.reason) for s in verdict.set_aside]


def test_a_missing_date_cannot_tell():
    verdict = evaluate(electrical(), learner(all_units(u201=None)), COUNTS)
    # 201 itself counts (no window), but whether 203 came after it cannot be told, and 203 is mandatory.
    assert verdict.status is Status.UNDETERMINED
    # 204 is in doubt for the same missing date, named once.
    assert verdict.missing == ("achievement date of 201 (needed for `203 requires 201`)",)


def test_a_unit_in_doubt_that_is_not_needed_leaves_the_verdict_achieved():
    records = all_units(u204=None) + [("206", "pass", D(2024, 3, 1))]
    verdict = evaluate(electrical(ELECTRICAL.replace("29 credits", "27 credits")), learner(records), COUNTS)
    assert verdict.status is Status.ACHIEVED
    assert verdict.claim == ("201", "202", "203", "205", "206")
    assert [(s.unit, s.reason) for s in verdict.set_aside] == [
        ("204", "the record lacks the achievement date of 204 (needed for `204 requires 202, 203`)")]


def test_a_prerequisite_outside_the_pool_still_decides():
    text = ELECTRICAL.replace("units from Group A, Group B", "units from 202, 203, Group B").replace(
        "all of Group A", "all of 202, 203").replace("at least 29 credits", "at least 13 credits")
    q = electrical(text)
    assert q.prerequisites == {"203": ("201",), "204": ("202", "203")}
    early = learner([("201", "pass", D(2024, 5, 1)), ("202", "pass", D(2024, 3, 1)), ("203", "pass", D(2024, 3, 1))])
    verdict = evaluate(q, early, COUNTS)
    assert (verdict.status, verdict.claim) == (Status.NOT_ACHIEVED, ("202",))


def test_the_window_measures_the_date_the_unit_counts_from():
    text = ELECTRICAL.replace("  at least 29 credits\n", "  at least 29 credits\n  complete within 1 year\n")
    records = all_units(u201=D(2024, 4, 10), u203=D(2024, 3, 10)) + [("203", "pass", D(2025, 2, 1))]
    verdict = evaluate(electrical(text), learner(records, registered_on=D(2024, 1, 15)), COUNTS)
    assert [(s.unit, s.reason) for s in verdict.set_aside][0] == (
        "203", "achieved on 2025-02-01, after the completion deadline of 2025-01-15")


# ---- both engines against brute force -------------------------------------------------------------------
@st.composite
def scenarios(draw):
    """A catalogue of up to six units, each requiring some earlier units, a rule or two over them, and a
    learner's dated passes (sometimes two of one unit)."""
    size = draw(st.integers(2, 6))
    credits = [draw(st.integers(1, 6)) for _ in range(size)]
    lines = ['group G "Units"']
    prerequisites = {}
    for k in range(size):
        lines.append(f'unit U{k} "Unit {k}" level 2 credits {credits[k]}')
        required = draw(st.lists(st.integers(0, k - 1), max_size=2, unique=True)) if k else []
        if required:
            prerequisites[f"U{k}"] = tuple(f"U{r}" for r in required)
            lines.append("  requires " + ", ".join(f"U{r}" for r in required))
    lines += ['qualification 999/0001/1 "Prerequisites"', "  units from G",
              f"  at least {draw(st.integers(1, sum(credits)))} credits"]
    if draw(st.booleans()):
        lines.append(f"  at most {draw(st.integers(1, sum(credits)))} credits")
    if draw(st.booleans()):
        lines.append(f"  at least 1 unit from U{draw(st.integers(0, size - 1))}")
    attempts = []
    for k in range(size):
        for _ in range(draw(st.integers(0, 2))):
            attempts.append((f"U{k}", "pass", D(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 6)))))
    return "\n".join(lines) + "\n", prerequisites, credits, attempts


def brute_force_counting(prerequisites, attempts) -> set[str]:
    """Units that count, straight from the definition: a unit counts from its first pass on or after the day
    each unit it requires counts from."""
    counts_from: dict[str, dt.date] = {}
    for ref in sorted({a[0] for a in attempts}, key=lambda r: int(r[1:])):  # prerequisites come earlier
        required = prerequisites.get(ref, ())
        if all(r in counts_from for r in required):
            since = max((counts_from[r] for r in required), default=dt.date.min)
            passes = [d for u, _, d in attempts if u == ref and d >= since]
            if passes:
                counts_from[ref] = min(passes)
    return set(counts_from)


def rules_met(text, credits):
    """The test of whether a claim (unit references) meets the scenario's rules, read from the model."""
    qualification = build_ruleset(text, "p.qual").qualifications[0]

    def meets(claim):
        total = sum(credits[int(r[1:])] for r in claim)
        for rule in qualification.rules:
            measured = total if rule.measure.value == "credits" else sum(
                1 for r in claim if r == rule.scope.terms[0].name)
            if (rule.bound.minimum is not None and measured < rule.bound.minimum) or (
                    rule.bound.maximum is not None and measured > rule.bound.maximum):
                return False
        return True

    return meets


def brute_force_verdict(text, credits, counting):
    """The best claim over the counting units by enumeration: (achieved, claim)."""
    meets = rules_met(text, credits)
    units = sorted(counting, key=lambda r: int(r[1:]))
    claims = [c for n in range(len(units) + 1) for c in itertools.combinations(units, n) if meets(c)]
    if not claims:
        return False, None
    best = max(claims, key=lambda c: (sum(credits[int(r[1:])] for r in c), [u in c for u in units]))
    return True, best


def brute_force_cheapest(text, prerequisites, credits, counting):
    """The fewest credits a plan must add, by enumeration (None: no plan): a unit added counts once each unit
    it requires counts already or is added too, counted or not."""
    meets = rules_met(text, credits)
    pool = [f"U{k}" for k in range(len(credits))]
    held = [u for u in pool if u in counting]
    to_add = [u for u in pool if u not in counting]
    best = None
    for n in range(len(to_add) + 1):
        for added in itertools.combinations(to_add, n):
            cost = sum(credits[int(r[1:])] for r in added)
            if best is not None and cost >= best:
                continue
            if any(r not in counting and r not in added for b in added for r in prerequisites.get(b, ())):
                continue
            usable = held + list(added)
            if any(meets(claim) for m in range(len(usable) + 1) for claim in itertools.combinations(usable, m)):
                best = cost
    return best


@exactness_settings(300)
@given(scenarios())
def test_both_engines_agree_with_brute_force(scenario):
    text, prerequisites, credits, attempts = scenario
    (compiled,) = compile_ruleset(build_ruleset(text, "p.qual"))
    assert isinstance(compiled.decision, Decision)
    achieved, claim = brute_force_verdict(text, credits, brute_force_counting(prerequisites, attempts))
    record = learner(attempts)
    for q in (compiled, attrs.evolve(compiled, decision=Unsupported("tested on CP-SAT"))):
        verdict = evaluate(q, record, COUNTS)
        assert verdict.achieved == achieved
        if achieved:
            assert verdict.claim == claim


# ---- what people read -------------------------------------------------------------------------------------
@pytest.fixture
def electrical_files(tmp_path):
    (tmp_path / "electrical.qual").write_text(ELECTRICAL, encoding="utf-8")
    (tmp_path / "records.csv").write_text(
        "learner,unit,result,achieved_on\n"
        "EARLY,201,pass,2024-04-10\nEARLY,202,pass,2024-02-10\nEARLY,203,pass,2024-03-10\n"
        "EARLY,205,pass,2024-03-10\nEARLY,206,pass,2024-03-10\n"
        "UNDATED,201,pass,\nUNDATED,202,pass,2024-02-10\nUNDATED,203,pass,2024-03-10\n"
        "UNDATED,204,pass,2024-03-20\nUNDATED,205,pass,2024-03-10\nUNDATED,206,pass,2024-03-10\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("learner_id", ["EARLY", "UNDATED"])
def test_explain_text(snapshot, electrical_files, learner_id):
    result = CliRunner().invoke(main, ["explain", str(electrical_files / "records.csv"), "--learner", learner_id,
                                       "-q", "600/0000/1", "--ruleset", str(electrical_files / "electrical.qual"),
                                       "--no-color"])
    assert result.exit_code == 1
    assert result.stdout == snapshot


def test_check_json_reports_the_unit_set_aside(electrical_files):
    result = CliRunner().invoke(main, ["check", str(electrical_files / "records.csv"), "-q", "600/0000/1",
                                       "--ruleset", str(electrical_files / "electrical.qual"), "--format", "json"])
    early, undated = json.loads(result.stdout)
    assert early["status"] == "not achieved"
    assert early["set_aside"] == [{"unit": "203", "reason": "achieved on 2024-03-10, before its prerequisite 201 "
                                                            "was achieved on 2024-04-10"}]
    assert undated["status"] == "undetermined"
    assert undated["missing"] == ["achievement date of 201 (needed for `203 requires 201`)"]


def test_show_states_each_prerequisite(electrical_files):
    result = CliRunner().invoke(main, ["show", "600/0000/1", "--ruleset", str(electrical_files / "electrical.qual"),
                                       "--format", "json"])
    assert json.loads(result.stdout)["prerequisites"] == [
        "203 counts only when 201 was achieved on or before it.",
        "204 counts only when 202 and 203 were achieved on or before it."]


def test_fmt_keeps_the_line_in_canonical_form():
    scrambled = ELECTRICAL.replace("  requires 202, 203", "      REQUIRES 202 ,203")
    formatted = format_ruleset(scrambled, "e.qual")
    assert "\n  requires 202, 203\n" in formatted
    assert format_ruleset(formatted, "e.qual") == formatted


# ---- qualifications required first ------------------------------------------------------------------------
# After a City & Guilds inspection and testing award, open to holders of the Level 2 certificate.
CERTIFICATE_FIRST = """\
awarding body CG "City & Guilds"
unit 101 "Health and safety" level 2 credits 6
unit 102 "Electrical science" level 2 credits 6
unit 301 "Inspection and testing" level 3 credits 10
qualification 610/3788/6 "Level 2 Certificate"
  units from 101, 102
  all of 101, 102
qualification 610/3789/8 "Level 3 Award in Inspection and Testing"
  units from 301
  all of 301
  requires 610/3788/6 achieved before registration
qualification 610/3790/4 "Level 3 Award in Testing"
  units from 301
  all of 301
  requires 610/3788/6 achieved
"""


def awards():
    _, before, anytime = compile_ruleset(build_ruleset(CERTIFICATE_FIRST, "awards.qual"))
    return before, anytime


def record(dates, registered_on=D(2023, 9, 1)):
    """Passes of 101, 102 and 301 on the dates given (None: undated; a unit left out: not passed)."""
    return learner([(ref, "pass", on) for ref, on in dates.items()], registered_on=registered_on)


@pytest.mark.parametrize("dates,registered_on,before,anytime", [
    # The certificate completed before registering for the award: both met.
    ({"101": D(2023, 3, 1), "102": D(2023, 5, 1), "301": D(2024, 3, 1)}, D(2023, 9, 1),
     Status.ACHIEVED, Status.ACHIEVED),
    # Trap: the certificate completed, but only after registering: met only on a later date.
    ({"101": D(2023, 3, 1), "102": D(2023, 11, 1), "301": D(2024, 3, 1)}, D(2023, 9, 1),
     Status.NOT_ACHIEVED, Status.ACHIEVED),
    # A certificate unit with no date might be in time: cannot tell.
    ({"101": D(2023, 3, 1), "102": None, "301": D(2024, 3, 1)}, D(2023, 9, 1),
     Status.UNDETERMINED, Status.ACHIEVED),
    # No registration date: cannot tell when the certificate is achieved, not met when it is not.
    ({"101": D(2023, 3, 1), "102": D(2023, 5, 1), "301": D(2024, 3, 1)}, None, Status.UNDETERMINED, Status.ACHIEVED),
    ({"101": D(2023, 3, 1), "301": D(2024, 3, 1)}, None, Status.NOT_ACHIEVED, Status.NOT_ACHIEVED),
])
def test_a_qualification_required_first(dates, registered_on, before, anytime):
    first, second = awards()
    assert evaluate(first, record(dates, registered_on), COUNTS).status is before
    assert evaluate(second, record(dates, registered_on), COUNTS).status is anytime


def test_the_outcome_names_the_qualification_and_the_date():
    first, _ = awards()
    verdict = evaluate(first, record({"101": D(2023, 3, 1), "102": D(2023, 11, 1), "301": D(2024, 3, 1)}), COUNTS)
    assert verdict.unmet == ("requires 610/3788/6 achieved before registration: 610/3788/6 Level 2 Certificate is "
                             "not achieved with the results dated by the registration date, 2023-09-01",)
    undated = evaluate(first, record({"101": D(2023, 3, 1), "102": None, "301": D(2024, 3, 1)}), COUNTS)
    assert undated.missing == ("achievement date of 102 (needed for `requires 610/3788/6 achieved before "
                               "registration`)",)


@pytest.mark.parametrize("change,code,message", [
    (("requires 610/3788/6 achieved\n", "requires 610/3790/4 achieved\n"), "QR197", "610/3790/4 requires itself"),
    (("requires 610/3788/6 achieved\n", "requires 600/5929/1 achieved\n"), "QR197",
     "600/5929/1 is not a qualification of this file"),
    (("  all of 101, 102\n", "  all of 101, 102\n  requires 610/3790/4 achieved\n"), "QR198",
     "the qualification prerequisites 610/3788/6 -> 610/3790/4 -> 610/3788/6 form a cycle, so none of them can "
     "ever be achieved"),
])
def test_required_qualifications_are_checked(change, code, message):
    assert [(c, m) for c, _, m in errors(CERTIFICATE_FIRST.replace(*change))] == [(code, message)]


def test_plan_and_fmt_of_a_required_qualification(tmp_path):
    (tmp_path / "awards.qual").write_text(CERTIFICATE_FIRST, encoding="utf-8")
    (tmp_path / "records.csv").write_text("learner,unit,result,achieved_on,registered_on\n"
                                          "LATE,101,pass,2023-03-01,2023-09-01\nLATE,102,pass,2023-11-01,2023-09-01\n",
                                          encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "records.csv"), "--learner", "LATE", "-q", "610/3789/8",
                                       "--ruleset", str(tmp_path / "awards.qual"), "--format", "json"])
    plan = json.loads(result.stdout)
    assert (plan["status"], plan["reasons"]) == ("impossible", [
        "no unit can meet this requirement of the learner: requires 610/3788/6 achieved before registration: "
        "610/3788/6 Level 2 Certificate is not achieved with the results dated by the registration date, 2023-09-01"])
    scrambled = CERTIFICATE_FIRST.replace("achieved before registration", "ACHIEVED  Before registration.")
    formatted = format_ruleset(scrambled, "awards.qual")
    assert "\n  requires 610/3788/6 achieved before registration\n" in formatted
    assert format_ruleset(formatted, "awards.qual") == formatted


# ---- plans ------------------------------------------------------------------------------------------------
OPTIONS = """\
group A "Mandatory"
unit 201 "Health and safety" level 2 credits 6
unit 202 "Electrical science" level 2 credits 5
group B "Optional"
unit 203 "Installing wiring systems" level 2 credits 8
  requires 201
unit 204 "Inspection and testing" level 3 credits 6
  requires 203
unit 205 "Fault finding" level 3 credits 9
unit 206 "Isolation" level 3 credits 6
  requires 207
unit 207 "Safe isolation, short course" level 2 credits 2
qualification 999/0001/1 "Options with prerequisites"
  units from Group A, Group B
  all of Group A
  at least 17 credits
qualification 999/0001/2 "Without the short course"
  units from 201, 202, 203, 204, 205, 206
  all of 201, 202
  at least 17 credits
"""


@pytest.mark.parametrize("engine", ["compiled", "CP-SAT"])
@pytest.mark.parametrize("held,added", [
    # Trap: 204 (6 credits) is the cheapest option, but it needs 203 first; 203 alone (8) is cheaper than both.
    (["201", "202"], ("203",)),
    # With 203 held, the learner has 19 credits already.
    (["201", "202", "203"], ()),
])
def test_a_plan_adds_a_unit_only_with_what_it_requires(engine, held, added):
    from qualrules.interpreter.engine.planner import plan

    (q, _) = compile_ruleset(build_ruleset(OPTIONS, "options.qual"))
    if engine == "CP-SAT":
        q = attrs.evolve(q, decision=Unsupported("tested on CP-SAT"))
    found = plan(q, learner(held), COUNTS)
    assert found.add == added


def test_a_plan_never_adds_a_unit_whose_prerequisite_it_cannot_add():
    from qualrules.interpreter.engine.planner import plan

    _, q = compile_ruleset(build_ruleset(OPTIONS, "options.qual"))
    # 206 (6 credits) would do, but 207 is outside this pool: 206 can be added only once 207 is held.
    assert plan(q, learner(["201", "202"]), COUNTS).add == ("203",)
    assert plan(q, learner(["201", "202", "207"]), COUNTS).add == ("206",)
    # 203 taken before 201 is to be taken again; 204, after that early 203, does not count either.
    early = learner([("201", "pass", D(2024, 3, 1)), ("202", "pass", D(2024, 1, 1)), ("203", "pass", D(2024, 2, 1)),
                     ("204", "pass", D(2024, 4, 1))])
    found = plan(q, early, COUNTS)
    assert (found.add, found.claim) == (("203",), ("201", "202", "203"))


@exactness_settings(200)
@given(scenarios())
def test_plans_on_both_engines_agree_with_brute_force(scenario):
    from qualrules.interpreter.engine.planner import PlanStatus, plan

    text, prerequisites, credits, attempts = scenario
    (compiled,) = compile_ruleset(build_ruleset(text, "p.qual"))
    cheapest = brute_force_cheapest(text, prerequisites, credits, brute_force_counting(prerequisites, attempts))
    for q in (compiled, attrs.evolve(compiled, decision=Unsupported("tested on CP-SAT"))):
        found = plan(q, learner(attempts), COUNTS)
        assert (found.status is PlanStatus.IMPOSSIBLE) == (cheapest is None)
        if cheapest is not None:
            assert found.cost == cheapest
            # Each unit added counts: what it requires is held or added too; the claim meets the rules.
            counting = brute_force_counting(prerequisites, attempts)
            assert all(r in counting or r in found.add for b in found.add for r in prerequisites.get(b, ()))
            assert set(found.claim) <= counting | set(found.add) and rules_met(text, credits)(found.claim)


GRADED = """\
group A "All units"
unit U1 "Customer service" level 3 credits 6 glh 60
unit U2 "Complaints handling" level 3 credits 6 glh 60
  requires U3
unit U3 "Communication" level 3 credits 6 glh 60
qualification 999/0001/1 "Graded, with a prerequisite"
  units from Group A
  exactly 2 units
  points for 60 glh P 16, M 20, D 24
  grade P at 32 points
  grade M at 40 points
  grade D at 48 points
"""


def test_a_grade_plan_takes_only_units_whose_prerequisites_count():
    from qualrules.interpreter.engine.grade_plan import plan_grade

    (q,) = compile_ruleset(build_ruleset(GRADED, "graded.qual"))
    found = plan_grade(q, learner([("U1", "pass")]), COUNTS, "M")
    # A grade plan adds a unit only when what it requires counts already: U2 needs U3, which is not held, so
    # U2 is not planned (at M with U3 at M it would do, were U3 achieved first) and U3 at D is.
    assert [(u.unit, u.grade) for u in found.take] == [("U3", "D")]
    assert evaluate(q, learner([("U1", "pass"), ("U2", "distinction")]), COUNTS).achieved is False
