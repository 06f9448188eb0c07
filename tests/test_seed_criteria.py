"""The bundled ISP catalogue against the seed specification itself: every learning outcome and assessment
criterion of all 27 unit specifications, with its number and text, and each unit's sector, KSBs and simulation.

The seed is read here on its own terms, not through the ruleset: each unit specification starts with a
`Unit Title<TAB>REF Title` row, its table follows `Learning Outcomes<TAB>Assessment Criteria`, and each row is
`N. outcome text<TAB>N.M<TAB>criterion text`, the outcome cell left empty on the rows after its first.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter import model as m
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.criteria import unit_ksbs

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "001_f64aace06391872e.txt"
RULESET = ROOT / "rulesets" / "isp" / "professional-sales-l3.qual"
STANDARD = "Level 3 IT Technical Salesperson Apprenticeship"


def seed_units() -> dict[str, dict]:
    """Each unit specification's outcomes [(number, text, [(criterion, text)])], sector and KSB cell."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    start = lines.index("Qualification Unit Specifications – Business")
    units: dict[str, dict] = {}
    unit, in_table = None, False
    for line in lines[start:]:
        if line.startswith("Appendix 2"):
            break
        if line.startswith("Unit Title\t"):
            unit = units.setdefault(line.split("\t")[1].split(" ", 1)[0], {"outcomes": []})
        elif line.startswith("Learning Outcomes\tAssessment Criteria"):
            in_table = True
        elif line.startswith("Additional Information"):
            in_table = False
        elif in_table and line.strip():
            outcome, number, text = line.split("\t")
            if outcome:
                outcome_number, outcome_text = re.fullmatch(r"(\d+)\. (.*)", outcome.strip()).groups()
                unit["outcomes"].append((int(outcome_number), outcome_text, []))
            unit["outcomes"][-1][2].append((number, text.strip()))
        elif line.startswith("Details of the relationship between the unit and apprenticeship standards\t"):
            unit["ksbs"] = " ".join(re.sub(r"<[^>]+>", " ", line.split("\t", 1)[1]).split())
        elif line.startswith("Location of the unit within the"):
            unit["sector"] = line.split("\t", 1)[1]
    return units


@pytest.fixture(scope="module")
def seed():
    if not SEED.exists():
        pytest.fail(f"the seed specification is not at {SEED}")
    return seed_units()


@pytest.fixture(scope="module")
def catalogue() -> m.Ruleset:
    return build_ruleset(RULESET.read_text(encoding="utf-8"), str(RULESET))


def test_the_seed_gives_27_units_69_outcomes_and_212_criteria(seed):
    assert len(seed) == 27
    assert sum(len(u["outcomes"]) for u in seed.values()) == 69
    assert sum(len(o[2]) for u in seed.values() for o in u["outcomes"]) == 212


def test_the_bundled_catalogue_holds_every_unit_of_the_seed_and_the_same_totals(seed, catalogue):
    assert sorted(u.ref for u in catalogue.units) == sorted(seed)
    assert sum(len(u.outcomes) for u in catalogue.units) == 69
    assert sum(len(u.criteria) for u in catalogue.units) == 212


@pytest.mark.parametrize("ref", sorted(seed_units()) if SEED.exists() else ["seed missing"])
def test_each_unit_has_the_seeds_outcomes_and_criteria_numbered_and_worded_as_printed(ref, seed, catalogue):
    (unit,) = [u for u in catalogue.units if u.ref == ref]
    ours = [(o.number, o.text, [(c.number, c.text) for c in o.criteria]) for o in unit.outcomes]
    assert ours == seed[ref]["outcomes"]


def test_each_outcome_kind_is_the_one_its_wording_gives(catalogue):
    for unit in catalogue.units:
        for outcome in unit.outcomes:
            expected = m.OutcomeKind.SKILLS if outcome.text.startswith("Be able to") else m.OutcomeKind.KNOWLEDGE
            assert outcome.kind is expected, (unit.ref, outcome.number)


def test_each_unit_has_the_seeds_sector(seed, catalogue):
    for unit in catalogue.units:
        code, title = re.fullmatch(r"(\d+\.\d+) [–-] (.*)", seed[unit.ref]["sector"]).groups()
        assert (unit.sector.code, unit.sector.title) == (code, title), unit.ref


def test_thirteen_units_map_to_the_seeds_ksbs_with_their_texts_and_the_rest_are_not_linked(seed, catalogue):
    linked = {ref for ref, u in seed.items() if not u["ksbs"].startswith("Not linked")}
    assert len(linked) == 13
    for unit in catalogue.units:
        cell = seed[unit.ref]["ksbs"]
        mapped = unit_ksbs(unit, catalogue)
        if unit.ref not in linked:
            assert mapped == (), unit.ref
            continue
        assert {standard.title for standard, _ in mapped} == {STANDARD}
        # The cell names the standard, then each KSB as its code and text: "K7 Understands ... S1 Communication: ..."
        expected = " ".join(f"{ksb.code} {ksb.text}" for _, ksb in mapped)
        assert cell.replace(STANDARD, "", 1).strip() == expected, unit.ref


def test_simulation_is_permitted_where_the_assessor_guidance_says_so_and_nowhere_else(catalogue):
    text = SEED.read_text(encoding="utf-8")
    specifications = re.split(r"^Unit Title\t", text.split("Qualification Unit Specifications – Business\n")[-1],
                              flags=re.M)[1:]
    stating = {spec.split(" ", 1)[0] for spec in specifications if "realistic simulated activity" in spec}
    assert stating == {"L4C2", "L4L4"}
    for unit in catalogue.units:
        expected = m.Simulation.PERMITTED if unit.ref in stating else m.Simulation.NOT_PERMITTED
        assert unit.simulation is expected, unit.ref


def test_the_isp_award_is_achieved_from_achievement_log_rows_alone_and_a_missing_criterion_is_named(tmp_path):
    # examples/achievement-log.csv: A101 meets every criterion of L3B1 and L3B2, both signed off and verified;
    # A102 has every one but L3B1 2.2, and L3B1 is not signed off.
    log = str(Path(__file__).resolve().parents[1] / "examples" / "achievement-log.csv")
    runner = CliRunner()
    checked = runner.invoke(main, ["check", log, "-q", "610/3791/6", "--format", "json"])
    verdicts = {v["learner"]: v for v in json.loads(checked.output)}
    assert (verdicts["A101"]["status"], verdicts["A101"]["units"]) == ("achieved", ["L3B1", "L3B2"])
    assert (verdicts["A102"]["status"], verdicts["A102"]["units"]) == ("not achieved", ["L3B2"])
    explained = runner.invoke(main, ["explain", log, "--learner", "A102", "-q", "610/3791/6", "--no-color"])
    assert "✗ L3B1 2.2 Explain barriers to effective communication" in explained.output
    claimed = runner.invoke(main, ["claim", log, "-q", "610/3791/6", "-o", str(tmp_path / "claim.csv")])
    assert claimed.exit_code == 1
    assert [row[0] for row in csv.reader((tmp_path / "claim.csv").read_text(encoding="utf-8").splitlines())][1:] \
        == ["A101"]
