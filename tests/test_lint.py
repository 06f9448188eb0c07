"""`qualrules lint`: every lint code on a small ruleset (rendered and as JSON), the bundled rulesets'
own findings, QAN check digits, satisfiability proofs and refutations, and the command's exit status."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from qualrules.cli import main
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.diagnostics import Severity, render
from qualrules.interpreter.allowances import is_allowed
from qualrules.interpreter.lint import credits_for_tqt, lint, qan_check_character
from qualrules.interpreter.engine.requirements import holds
from qualrules.interpreter.engine.cpsat import ClaimModel, PartKind
from qualrules.plugins import RulesetSource, discover

BODIES = discover()

CATALOGUE = """\
awarding body ISP "Institute of Sales Professionals"
group BUSINESS "Business quadrant"
unit L3B1 "Understand Sales Communication" ofqual L/650/7899 level 3 glh 15 tqt 30 credits 3
unit L3B2 "Understand Organisations" ofqual K/651/0342 level 3 glh 15 tqt 30 credits 3
group CORE "Core quadrant"
unit L3C1 "Prospect for New Business" ofqual T/651/0346 level 3 glh 15 tqt 30 credits 3
unit L3C6 "Understand Customer Behaviours" ofqual K/651/0351 level 3 glh 10 tqt 20 credits 2
"""

AWARD = """\
qualification 610/3791/6 "Award in Understanding Organisations and Sales Communication"
  credit value 6 to 8
  units from BUSINESS, CORE
  all of BUSINESS
  at most 8 credits
"""

# One ruleset per lint code: the catalogue above (or a variant) with exactly that mistake.
CASES = {
    "QR104": None,  # two files: see test_qualification_in_two_files
    "QR120": CATALOGUE + AWARD.replace("units from BUSINESS, CORE", "units from BUSINESS, L3C1, L3C6"),
    "QR121": CATALOGUE + 'group SELF "Self quadrant"\n' + AWARD.replace("BUSINESS, CORE", "BUSINESS, CORE, SELF"),
    "QR122": CATALOGUE.replace('group BUSINESS', 'unit L3S1 "Personal Motivation" level 3 credits 2\ngroup BUSINESS')
    + AWARD,
    "QR123": CATALOGUE + AWARD.replace("units from BUSINESS, CORE", "units from BUSINESS, CORE, L3B2"),
    "QR201": CATALOGUE + AWARD.replace("610/3791/6", "610-3791-6"),
    "QR202": CATALOGUE + AWARD.replace("610/3791/6", "610/3791/8"),
    "QR203": CATALOGUE.replace("K/651/0342", "K/6510342") + AWARD,
    "QR204": CATALOGUE.replace("L3C6", "C6") + AWARD,
    "QR205": CATALOGUE.replace("L3B1", "8570-1").replace("L3B2", "8750-2").replace("L3C1", "8750-3")
    .replace("L3C6", "8750-4").replace('awarding body ISP "Institute of Sales Professionals"\n', "") + AWARD,
    "QR301": CATALOGUE.replace("L/650/7899 level 3 glh 15 tqt 30", "L/650/7899 level 3 glh 15 tqt 40") + AWARD,
    "QR302": CATALOGUE.replace("glh 10 tqt 20", "glh 25 tqt 20") + AWARD,
    "QR303": CATALOGUE + AWARD.replace("credit value 6 to 8", "credit value 6 to 12"),
    "QR400": CATALOGUE + AWARD,
    "QR401": CATALOGUE + AWARD.replace("all of BUSINESS", "at least 2 BUSINESS units\n  at most 5 credits from BUSINESS"),
    "QR402": CATALOGUE + AWARD + "  at most 1 unit from BUSINESS or CORE\n",
    "QR403": CATALOGUE + AWARD.replace("  credit value 6 to 8\n", "").replace("  all of BUSINESS\n", ""),
    "QR404": CATALOGUE + AWARD + "  at least 1 BUSINESS unit\n",
    "QR405": CATALOGUE + AWARD.replace("credit value 6 to 8", "credit value 8") + "  either\n    at least 3 CORE units\n  or\n    all of L3C6\n  end\n",
}


def lint_text(text: str, name: str = "demo.qual"):
    return lint([RulesetSource(name, text)], BODIES)


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


def test_the_award_is_clean():
    # The base of every case lints with a witness note only, so each case's findings are its own.
    (note,) = lint_text(CATALOGUE + AWARD)
    assert (note.code, note.severity) == ("QR400", Severity.NOTE)
    assert note.message == "610/3791/6 can be achieved; the smallest claim is L3B1, L3B2 (6 credits)"


@pytest.mark.parametrize("code", [c for c, text in CASES.items() if text is not None])
def test_each_lint_code_rendered_and_as_json(code, snapshot):
    text = CASES[code]
    found = lint_text(text)
    problems = {d.code for d in found if d.severity is not Severity.NOTE}
    assert problems == ({code} if code != "QR400" else set())
    assert "\n".join(render(d, text) for d in found) == snapshot
    assert [d.to_json() for d in found] == snapshot


def test_qualification_in_two_files(snapshot):
    first = RulesetSource("first.qual", CATALOGUE + AWARD)
    second = RulesetSource("second.qual", CATALOGUE + AWARD.replace("Award in", "Second award in"))
    found = [d for d in lint([first, second], BODIES) if d.severity is not Severity.NOTE]
    (duplicate,) = found
    assert (duplicate.code, duplicate.location.file, duplicate.location.line, duplicate.location.column) == (
        "QR104", "second.qual", 8, 15)
    assert duplicate.message == "qualification 610/3791/6 is also declared in first.qual (line 8)"
    assert render(duplicate, second.text) == snapshot


@pytest.mark.parametrize("second_unit,warned", [
    ('unit 301 "Creatively dress hair" level 3 credits 6', True),  # another unit: City & Guilds numbers repeat
    ('unit 301 "Environmental Technology Systems" level 3 credits 6', False),  # one unit, in both files
    ('unit 301 "Environmental technology systems" ofqual L/650/7899 level 3 credits 4', False),  # one Ofqual unit
])
def test_a_unit_reference_two_files_give_to_different_units(second_unit, warned):
    first = RulesetSource("elec.qual", 'unit 301 "Environmental Technology Systems" ofqual L/650/7899 level 3 '
                                       'credits 6\nqualification 600/0000/1 "E"\n  units from 301\n  all of 301\n')
    second = RulesetSource("hair.qual", second_unit + '\nqualification 600/0001/3 "H"\n  units from 301\n'
                                        "  all of 301\n")
    found = [d for d in lint([first, second], BODIES) if d.code == "QR216"]
    if not warned:
        assert found == []
        return
    (clash,) = found
    assert (clash.location.file, clash.location.line) == ("hair.qual", 1)
    assert clash.message == ("unit 301 is also declared in elec.qual (line 1) as another unit, 'Environmental "
                             "Technology Systems' (6 credits): a record's 301 would count towards the "
                             "qualifications of both")


# ---- specific findings ---------------------------------------------------------------------------

def only(code: str, text: str):
    (found,) = [d for d in lint_text(text) if d.code == code]
    return found


def test_spans_point_at_the_word_concerned():
    text = CASES["QR301"]
    unit_line = text.splitlines()[2]
    span = only("QR301", text).location
    assert unit_line[span.column - 1:span.end_column - 1] == "credits 3"
    qan = only("QR202", CASES["QR202"]).location
    assert CASES["QR202"].splitlines()[7][qan.column - 1:qan.end_column - 1] == "610/3791/8"
    ofqual = only("QR203", CASES["QR203"]).location
    assert CASES["QR203"].splitlines()[3][ofqual.column - 1:ofqual.end_column - 1] == "ofqual K/6510342"
    ref = only("QR204", CASES["QR204"]).location
    assert CASES["QR204"].splitlines()[6][ref.column - 1:ref.end_column - 1] == "C6"


def test_fields_are_found_after_the_title_never_inside_it():
    text = 'unit A1 "Earn credits 9 and glh 99" ofqual X1 level 2 glh 30 tqt 20 credits 5\n' \
           'qualification 600/5929/1 "Certificate"\n  units from A1\n  all of A1\n'
    line = text.splitlines()[0]
    spans = {d.code: line[d.location.column - 1:d.location.end_column - 1]
             for d in lint_text(text) if d.location.line == 1}
    assert spans == {"QR203": "ofqual X1", "QR301": "credits 5", "QR302": "glh 30"}


def test_wrong_check_digit_names_the_right_one():
    found = only("QR202", CASES["QR202"])
    assert found.severity is Severity.ERROR
    assert found.message == "610/3791/8 fails the QAN check: the check character of 610/3791 is 6"
    assert found.hint.startswith("did you mean `610/3791/6`?")


def test_unachievable_for_want_of_credits_names_the_rule_and_the_shortfall():
    text = CATALOGUE + """\
qualification 610/3788/6 "Certificate"
  units from BUSINESS, CORE
  at least 2 BUSINESS units
  at least 40 credits
"""
    found = only("QR401", text)
    assert found.hint == "relax the rule, or add units to the pool"
    assert found.severity is Severity.ERROR
    # The pool holds 3 + 3 + 3 + 2 = 11 credits; only the credit rule is in the conflict.
    assert found.message == ("610/3788/6 can never be achieved: `at least 40 credits` needs 40 credits, "
                             "but at most 11 can count even from every unit of the pool")
    assert (found.location.line, found.location.column) == (11, 3)
    assert not any(d.code == "QR400" for d in lint_text(text))


def test_unachievable_from_two_rules_names_both():
    found = only("QR401", CASES["QR401"])
    assert found.message == ("610/3791/6 can never be achieved: `at least 2 BUSINESS units` and "
                             "`at most 5 credits from BUSINESS` cannot both hold even from every unit of the pool")
    assert found.hint == "the conflicting rules are on lines 11 and 12: relax one of them"
    assert found.location.line == 11


def test_an_exact_total_no_set_of_units_gives_is_named_once():
    units = "".join(f'unit U{i} "Unit {i}" level 3 credits 5\n' for i in range(4))
    text = units + 'qualification 610/3788/6 "Certificate"\n  units from U0, U1, U2, U3\n  exactly 18 credits\n'
    found = only("QR401", text)
    # 20 credits are there, but in fives: no set of them makes 18.
    assert found.message == ("610/3788/6 can never be achieved: `exactly 18 credits` cannot hold: no set of the "
                             "units it counts gives exactly that total, even from every unit of the pool")
    assert found.hint == "relax the rule, or add units to the pool"


def test_forty_credits_from_a_pool_worth_thirty_six():
    units = "".join(f'unit U{i} "Unit {i}" level 3 credits 3\n' for i in range(12))
    text = units + 'qualification 610/3788/6 "Certificate"\n  units from ' + \
        ", ".join(f"U{i}" for i in range(12)) + "\n  at least 40 credits\n"
    found = only("QR401", text)
    assert "needs 40 credits, but at most 36 can count" in found.message


def test_cap_below_minimum_is_an_error_among_the_rules_and_a_warning_in_an_option():
    error = only("QR402", CASES["QR402"])
    assert error.severity is Severity.ERROR
    assert error.message == ("the cap of 1 unit in `at most 1 BUSINESS or CORE unit` (line 13) is below "
                             "the minimum of 2 that `all of BUSINESS` (line 11) needs from the same units, so "
                             "610/3791/6 can never be achieved")
    assert "QR401" not in codes(lint_text(CASES["QR402"]))
    in_option = CATALOGUE + AWARD + """\
  either
    at least 3 credits from CORE
    at most 2 credits from CORE
  or
    all of L3C6
  end
"""
    warning = only("QR402", in_option)
    assert warning.severity is Severity.WARNING
    assert warning.message.endswith("so this option of `either` can never be met")
    assert "QR405" not in codes(lint_text(in_option))


def test_dead_option_of_either():
    found = only("QR405", CASES["QR405"])
    assert (found.message, found.location.line) == (
        "option 1 of this `either` can never be met while the other rules hold", 14)


def test_a_rule_implied_by_others_names_them():
    found = only("QR404", CASES["QR404"])
    assert found.message == ("`at least 1 BUSINESS unit` never binds: any claim meeting `all of BUSINESS` "
                             "(line 11) has at least 2 units from BUSINESS")


def test_a_rule_implied_by_both_bounds_of_an_exact_total_names_it_once():
    # 3 + 3 + 3 + 2 = 11 credits: exactly 9 takes three 3-credit units, so at least 2 of BUSINESS's two.
    text = CATALOGUE + AWARD.replace("  at most 8 credits\n", "  exactly 9 credits\n").replace(
        "  all of BUSINESS\n", "  at least 1 BUSINESS unit\n").replace("credit value 6 to 8", "credit value 9")
    found = {d.location.line: d.message for d in lint_text(text) if d.code == "QR404"}
    assert found[11] == ("`at least 1 BUSINESS unit` never binds: any claim meeting `exactly 9 credits` (line 12) "
                         "has at least 2 units from BUSINESS")


def test_of_two_rules_implying_each_other_only_the_first_is_reported():
    text = CATALOGUE + AWARD.replace("all of BUSINESS", "at least 6 credits from BUSINESS\n  all of BUSINESS")
    (found,) = [d for d in lint_text(text) if d.code == "QR404"]
    assert found.location.line == 11


def test_a_restated_rule_s_advice_says_which_rule_restates_which():
    # One-way: the mandatory rule implies the count, so the count is the one that may go.
    implied = only("QR404", CASES["QR404"])
    assert implied.hint == ("it restates what `all of BUSINESS` (line 11) already requires: delete it if the "
                            "specification does not state it; if it does, keep it and add "
                            "`# lint: allow QR404 because ...`")
    # Both ways, with the mandatory rule first: the advice never says only "delete it".
    text = CATALOGUE + AWARD.replace("all of BUSINESS", "all of BUSINESS\n  at least 6 credits from BUSINESS")
    (mutual,) = [d for d in lint_text(text) if d.code == "QR404"]
    assert (mutual.location.line, mutual.hint) == (11, (
        "this rule and `at least 6 credits from BUSINESS` (line 12) restate each other: keep the one the "
        "specification states and delete the other, or keep both and add `# lint: allow QR404 because ...`"))
    # Implied by the pool alone: no rule restates it.
    (pooled,) = [d for d in lint_text(CATALOGUE + AWARD + "  at most 20 credits\n") if d.code == "QR404"]
    assert pooled.hint.startswith("the pool alone makes it hold: check the pool against the specification")


def test_never_binding_caps_bars_and_alternatives():
    text = CATALOGUE + AWARD + """\
  at most 20 credits
  not both L3B1 and L3B1
  either
    at least 1 BUSINESS unit
  or
    all of L3C1
  end
"""
    found = {d.location.line: d.message for d in lint_text(text) if d.code == "QR404"}
    assert found == {
        13: "`at most 20 credits` never binds: the whole pool gives only 11 credits",
        14: "`not both L3B1 and L3B1` never binds: no claim can hold both",
        15: "`either (at least 1 BUSINESS unit) or (all of L3C1)` never binds: every claim meeting "
            "`all of BUSINESS` (line 11) meets one of its options",
    }


def test_declared_sizes_against_the_rules():
    found = only("QR303", CASES["QR303"])
    assert found.message == ("610/3791/6 declares a credit value of 6 to 12, but the claims that achieve it "
                             "have 6 to 8 credits")
    assert found.hint == "if the rules are right, write `credit value 6 to 8`"


def test_achieved_with_no_units():
    assert only("QR400", CASES["QR403"]).message == "610/3791/6 can be achieved; with no units at all"


def test_checker_errors_stop_the_solver_checks():
    text = CATALOGUE + AWARD.replace("all of BUSINESS", "all of BUSNESS")
    assert codes(lint_text(text)) == ["QR101"]


def test_syntax_errors_are_reported_alone():
    found = lint_text(CATALOGUE.replace('"Understand Organisations"', "Understand Organisations") + AWARD)
    assert codes(found) == ["QR001"]


# ---- the bundled rulesets ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled():
    sources = [source for body in BODIES.values() for source in body.rulesets()]
    return lint(sources, BODIES)


def test_bundled_rulesets_have_no_errors_and_allow_exactly_the_seeds_warnings(bundled):
    assert not [d for d in bundled if d.is_error or d.severity is Severity.WARNING]
    # Each inconsistency of a specification is kept as printed, and allowed in the file with its reason.
    allowed = [(d.location.file, d.location.line, d.code) for d in bundled if is_allowed(d)]
    assert allowed == [
        ("ILM:sales-management-l2.qual", 5, "QR205"),   # 8570- beside 8750-
        ("ILM:sales-management-l2.qual", 25, "QR303"),  # credit value 13 to 36, achievable 13 to 17
        ("ILM:sales-management-l2.qual", 28, "QR404"),  # between 13 and 36 credits never binds
        ("ISP:professional-sales-l3.qual", 119, "QR211"),  # L4B6: criteria 1.2 to 1.4 under outcome 2
        ("ISP:professional-sales-l3.qual", 122, "QR213"),  # L4B6: a second outcome 2
        ("ISP:professional-sales-l3.qual", 146, "QR301"),  # L4C2: TQT 40, 5 credits
        ("ISP:professional-sales-l3.qual", 330, "QR211"),  # L4L4: criterion 3.3 under outcome 4
        ("ISP:professional-sales-l3.qual", 546, "QR303"),  # Certificate GLH 65 to 184, achievable 65 to 180
        ("ISP:professional-sales-l3.qual", 547, "QR303"),  # Certificate TQT 130 to 369, achievable 130 to 360
        ("ISP:professional-sales-l3.qual", 558, "QR303"),  # Diploma GLH 185 or more, achievable from 180
        ("ISP:professional-sales-l3.qual", 559, "QR303"),  # Diploma TQT 370 or more, achievable from 360
        ("ISP:professional-sales-l3.qual", 574, "QR404"),  # exactly 40 credits restates the 11 units' total
    ]


def test_bundled_findings_carry_the_computed_figures(bundled):
    messages = {(d.location.file.split(":")[0], d.location.line): d.message.split(": ", 1)[1]
                for d in bundled if is_allowed(d)}
    # ILM: 6 mandatory credits + 5 from Group 2 + at most 6 from Group 3 = 17.
    assert messages[("ILM", 25)].endswith("have 13 to 17 credits")
    assert messages[("ILM", 28)] == (
        "`between 13 and 36 credits` never binds: any claim meeting `all of Group 1` (line 27) and "
        "`at least 7 credits from Group 2 or Group 3` (line 29) has at least 13 credits, and the whole pool "
        "gives only 21 credits")
    assert messages[("ISP", 146)].startswith("unit L4C2 has 5 credits, but its TQT of 40 hours gives 4 credits")
    # 37 credits with L4C2 (5 credits for 20 GLH, 40 TQT) and 5 GLH, 10 TQT per credit elsewhere: 180 and 360.
    assert messages[("ISP", 558)].endswith("have 180 to 430 hours")
    assert messages[("ISP", 559)].endswith("have 360 to 860 hours")
    assert messages[("ISP", 119)] == "outcome 2 of L4B6 lists 3 criteria numbered for another outcome: 1.2, 1.3, 1.4"
    assert messages[("ISP", 330)] == "outcome 4 of L4L4 lists 1 criterion numbered for another outcome: 3.3"


def test_every_bundled_qualification_has_a_witness(bundled, library):
    notes = {d.message.split()[0]: d.message for d in bundled if d.code == "QR400"}
    assert set(notes) == set(library.qualifications)
    # ISP Certificate: 2 BUSINESS, 2 CORE, 1 LEADERSHIP or SELF and 13 credits at least: 3+3+3+2+2.
    assert notes["610/3788/6"].endswith("the smallest claim is L3B1, L3B2, L3C1, L3C6, L4L6 (13 credits)")
    assert notes["600/5929/1"].endswith(
        "the smallest claim is 8570-228, 8570-229, 8570-205, 8750-213, 8750-300, 8750-302, 8750-307 (13 credits)")


# ---- identifiers and figures ---------------------------------------------------------------------

@pytest.mark.parametrize("qan", ["610/3788/6", "610/3789/8", "610/3790/4", "610/3791/6", "610/3792/8",
                                 "610/3793/X", "610/3794/1", "600/5929/1"])
def test_real_qans_pass_the_check(qan):
    assert qan_check_character(qan[:3] + qan[4:8]) == qan[-1]


def test_check_character_by_hand():
    # 6*8 + 1*7 + 0*6 + 3*5 + 7*4 + 9*3 + 3*2 = 131 = 11*11 + 10, written X.
    assert qan_check_character("6103793") == "X"
    assert qan_check_character("0000000") == "0"


@given(st.text("0123456789", min_size=7, max_size=7), st.integers(0, 6), st.integers(1, 9))
def test_any_single_mistyped_digit_fails_the_check(digits, position, change):
    typo = digits[:position] + str((int(digits[position]) + change) % 10) + digits[position + 1:]
    assert qan_check_character(typo) != qan_check_character(digits)


@given(st.text("0123456789", min_size=7, max_size=7), st.integers(0, 5))
def test_any_swap_of_neighbouring_digits_fails_the_check(digits, position):
    swapped = digits[:position] + digits[position + 1] + digits[position] + digits[position + 2:]
    if swapped != digits:
        assert qan_check_character(swapped) != qan_check_character(digits)


@pytest.mark.parametrize("tqt,credits", [(0, 0), (4, 0), (5, 1), (40, 4), (44, 4), (45, 5), (369, 37)])
def test_credits_for_tqt_rounds_halves_up(tqt, credits):
    assert credits_for_tqt(tqt) == credits


# ---- the solver's what-if literal -----------------------------------------------------------------

WHAT_IF = CATALOGUE + """\
qualification 610/3788/6 "Certificate"
  units from BUSINESS, CORE
  between 5 and 9 credits, at least 1 CORE unit at level 3 or above
  not both L3B1 and CORE
  either
    all of BUSINESS
  or
    choose 2 of L3C1, L3C6, L3B2
    either
      at most 4 credits from CORE
    or
      at least 2 BUSINESS units
    end
  end
"""


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=4, max_size=4))
def test_holds_agrees_with_direct_evaluation(chosen):
    (q,) = compile_ruleset(build_ruleset(WHAT_IF, "what-if.qual"))
    claim = {i for i, take in enumerate(chosen) if take}
    for requirement in q.requirements:
        kinds = [None, PartKind.MINIMUM, PartKind.MAXIMUM] if hasattr(requirement, "minimum") else [None]
        for kind in kinds:
            expected = holds((requirement,), claim) if kind is None else _bound_holds(requirement, claim, kind)
            for value in (True, False):
                claim_model = ClaimModel(q, range(len(q.units)))
                for i, var in claim_model.chosen.items():
                    claim_model.model.add(var == int(i in claim))
                claim_model.model.add(claim_model.holds(requirement, kind) == int(value))
                assert (claim_model.maximise([]) is not None) == (value == expected)


def _bound_holds(requirement, claim, kind) -> bool:
    total = sum(w for i, w in zip(requirement.members, requirement.weights) if i in claim)
    bound = requirement.minimum if kind is PartKind.MINIMUM else requirement.maximum
    if bound is None:
        return True
    return total >= bound if kind is PartKind.MINIMUM else total <= bound


# ---- the command ---------------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(main, ["lint", *args])


def test_bundled_lint_is_clean_even_when_strict_and_says_what_the_files_allow():
    result = run("--bundled")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["0 errors, 0 warnings in 2 files (12 allowed, shown with -v)"]
    assert run("--bundled", "--strict").exit_code == 0
    verbose = run("--bundled", "-v")
    assert verbose.output.count("note[QR") == 15 + 12
    assert verbose.output.splitlines()[-1] == "0 errors, 0 warnings in 2 files (12 allowed)"


def test_verbose_shows_the_witnesses():
    result = run("--bundled", "-v")
    assert result.output.count("note[QR400]") == 15


def test_errors_exit_1(tmp_path):
    path = tmp_path / "bad.qual"
    path.write_text(CASES["QR202"], encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 1
    assert f"{path}:8:15: error[QR202]" in result.output
    assert result.output.splitlines()[-1] == "1 error, 0 warnings in 1 file"


def test_clean_file_exits_0_even_when_strict(tmp_path):
    path = tmp_path / "award.qual"
    path.write_text(CATALOGUE + AWARD, encoding="utf-8")
    result = run(str(path), "--strict")
    assert (result.exit_code, result.output) == (0, "0 errors, 0 warnings in 1 file\n")


def test_json_output(tmp_path):
    path = tmp_path / "award.qual"
    path.write_text(CASES["QR301"], encoding="utf-8")
    result = run(str(path), "--format", "json")
    assert result.exit_code == 0
    found = json.loads(result.output)
    assert [(d["code"], d["severity"]) for d in found] == [("QR301", "warning"), ("QR400", "note")]
    assert set(found[0]) == {"code", "severity", "message", "hint", "file", "line", "column", "end_line",
                             "end_column", "element"}
    assert (found[0]["line"], found[0]["column"], found[0]["end_column"]) == (3, 84, 93)


def test_usage_errors_exit_2(tmp_path):
    assert run().exit_code == 2
    missing = run(str(tmp_path / "missing.qual"))
    assert missing.exit_code == 2
    assert "QR005" in missing.output
    assert run("--format", "xml", "--bundled").exit_code == 2


def test_a_unit_only_required_by_another_is_not_told_to_be_deleted():
    # A prerequisite may lie outside every pool (docs/language.md): QR122 would have it deleted, then QR190.
    text = ('unit 100 "Induction" level 1 credits 1\nunit 207 "Design" level 3 credits 2\n  requires 100\n'
            'unit 300 "Spare" level 3 credits 2\nqualification 600/5929/1 "Certificate"\n  units from 207\n'
            '  all of 207\n')
    assert [(d.code, d.location.line) for d in lint_text(text) if d.code == "QR122"] == [("QR122", 4)]
