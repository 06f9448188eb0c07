"""Unit references: units identified by their Ofqual reference alone, each awarding body's stated reference
formats (QR204), and a unit two bodies share, recognised by its Ofqual reference whichever files are loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualrules import api
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.checker import check
from qualrules.interpreter.lint import lint
from qualrules.plugins import RulesetSource, discover

BODIES = discover()

# A body that publishes no unit numbers of its own: its units are known by their Ofqual references.
OFQUAL_ONLY = """\
awarding body TQUK "Training Qualifications UK"
group 1 "Mandatory units"
unit D/601/5313 "Principles of Customer Service" level 2 credits 3
unit H/601/5314 "Communication in Customer Service" ofqual H/601/5314 level 2 credits 3
qualification 600/5929/1 "TQUK Level 2 Award in Customer Service"
  units from Group 1
  all of Group 1
"""

# A second body's award nesting the same two units under its own unit numbers.
NESTED = """\
awarding body NCFE "NCFE"
group 1 "Mandatory units"
unit NC01 "Principles of Customer Service" ofqual D/601/5313 level 2 credits 3
unit NC02 "Communication in Customer Service" ofqual H/601/5314 level 2 credits 3
qualification 610/3791/6 "NCFE Level 2 Award in Customer Service"
  units from Group 1
  all of NC01, NC02
"""


def lint_text(text: str) -> list:
    return lint([RulesetSource("example.qual", text)], BODIES)


# ---- units known by their Ofqual reference -------------------------------------------------------

def test_a_unit_declared_by_its_ofqual_reference_alone_is_not_declared_twice():
    ruleset = build_ruleset(OFQUAL_ONLY, "tquk.qual")
    assert check(ruleset) == []
    assert [u.ofqual_ref for u in ruleset.units] == ["D/601/5313", "H/601/5314"]
    assert [(d.code, d.severity.value) for d in lint_text(OFQUAL_ONLY)] == [("QR400", "note")]


def test_the_same_ofqual_reference_on_two_units_is_still_declared_twice():
    text = OFQUAL_ONLY.replace('unit H/601/5314 "Communication in Customer Service" ofqual H/601/5314',
                               'unit H/601/5314 "Communication in Customer Service" ofqual D/601/5313')
    found = [(d.code, d.location.line, d.message) for d in check(build_ruleset(text, "tquk.qual"))]
    assert found == [("QR102", 4, "unit reference D/601/5313 is declared twice (first on line 3)")]


# ---- reference formats ---------------------------------------------------------------------------

def ilm_ruleset(*refs: str) -> str:
    units = "".join(f'unit {ref} "Unit {n}" level 5 credits 3\n' for n, ref in enumerate(refs, 1))
    return (f'awarding body ILM "The Institute of Leadership and Management"\ngroup 1 "Mandatory units"\n{units}'
            f'qualification 600/5929/1 "ILM Level 5 Certificate in Leadership and Management"\n'
            f'  units from Group 1\n  all of Group 1\n')


def test_every_published_ilm_scheme_is_an_ilm_reference():
    # VRQ unit numbers, the unit codes of the newer qualifications, and Ofqual references, in one file.
    found = lint_text(ilm_ruleset("8750-300", "D5.01", "M5.12", "D/601/5313"))
    assert [d.code for d in found if d.code == "QR204"] == []


@pytest.mark.parametrize("ref", ["D501", "5.01", "8750-30", "L3B1"])
def test_a_reference_in_no_ilm_scheme_is_reported(ref):
    (found,) = [d for d in lint_text(ilm_ruleset("8750-300", ref)) if d.code == "QR204"]
    assert found.message == f"unit reference {ref} does not follow the ILM format"
    assert found.hint == ("ILM unit references look like ILM unit number (8750-300), ILM unit code (D5.01), "
                          "or an Ofqual unit reference (L/650/7899)")


def test_an_ofqual_reference_fits_every_body_with_formats():
    text = OFQUAL_ONLY.replace('awarding body TQUK "Training Qualifications UK"',
                               'awarding body ISP "Institute of Sales Professionals"')
    assert [d.code for d in lint_text(text) if d.code == "QR204"] == []


# ---- a unit two bodies share ---------------------------------------------------------------------

@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"tquk": tmp_path / "tquk.qual", "ncfe": tmp_path / "ncfe.qual"}
    paths["tquk"].write_text(OFQUAL_ONLY, encoding="utf-8")
    paths["ncfe"].write_text(NESTED, encoding="utf-8")
    return paths


def verdicts(library, records: Path, qan: str) -> list[tuple[str, str]]:
    read = api.read_records(records, library)
    assert not read.unreadable
    return [(learner.id, api.evaluate(library, qan, learner).status.value) for learner in read.learners]


def records_file(tmp_path: Path, units: dict[str, tuple[str, str]]) -> Path:
    path = tmp_path / "records.csv"
    rows = "".join(f"{learner},{unit},pass,2024-05-01\n" for learner, pair in units.items() for unit in pair)
    path.write_text("learner,unit,result,achieved_on\n" + rows, encoding="utf-8")
    return path


@pytest.mark.parametrize("body,qan", [("tquk", "600/5929/1"), ("ncfe", "610/3791/6")])
def test_each_body_s_file_alone_recognises_the_shared_units_by_ofqual_reference(files, tmp_path, body, qan):
    library = api.load([files[body]], bundled=False)
    records = records_file(tmp_path, {"P1": ("D/601/5313", "h/601/5314")})
    assert verdicts(library, records, qan) == [("P1", "achieved")]


def test_with_both_files_a_record_may_give_either_body_s_reference(files, tmp_path):
    library = api.load([files["tquk"], files["ncfe"]], bundled=False)
    records = records_file(tmp_path, {"by NCFE numbers": ("NC01", "NC02"),
                                      "by Ofqual": ("D/601/5313", "H/601/5314"),
                                      "mixed": ("nc01", "H/601/5314")})
    everyone = [("by NCFE numbers", "achieved"), ("by Ofqual", "achieved"), ("mixed", "achieved")]
    assert verdicts(library, records, "600/5929/1") == everyone
    assert verdicts(library, records, "610/3791/6") == everyone


def test_a_body_s_own_numbers_are_unknown_without_its_file(files, tmp_path):
    library = api.load([files["tquk"]], bundled=False)
    records = records_file(tmp_path, {"P1": ("NC01", "NC02")})
    read = api.read_records(records, library)
    # In no loaded catalogue, they cannot count: each is warned about, and the learner decided on the rest.
    assert ([d.code for d in read.warnings], read.unreadable) == (["QR520", "QR520"], {})
    read = api.read_records(records, library, api.ReadOptions(unknown_units="error"))
    assert [d.code for d in read.unreadable["P1"]] == ["QR501", "QR501"]


def test_a_unit_known_by_its_ofqual_reference_has_it_as_its_ofqual_reference(files):
    library = api.load([files["tquk"]], bundled=False)
    qualification, _ = library.qualification("600/5929/1")
    assert [(u.ref, u.ofqual) for u in qualification.units] == [("D/601/5313", "D/601/5313"),
                                                                 ("H/601/5314", "H/601/5314")]
