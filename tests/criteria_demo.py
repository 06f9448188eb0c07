"""A small catalogue with learning outcomes, assessment criteria and KSBs, and learners whose achievement logs
are built directly, for the tests of explain, plan, log, claim and report on criteria."""

from __future__ import annotations

import datetime as dt

from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.records.achievement import CriterionEvidence, CriterionResult, SignOff
from qualrules.interpreter.records.learner import Attempt, Learner

STANDARD = "Level 3 IT Technical Salesperson Apprenticeship"
CATALOGUE = f'''\
awarding body DEMO "Demonstration Awarding Body"

standard "{STANDARD}"
  ksb K7 "Understands how to communicate using the appropriate language"
  ksb S1 "Manages sales enquiries"
  ksb B8 "Ability to communicate effectively in a variety of situations"
  ksb K9 "Understands the sales cycle"

unit L3B1  "Understand Sales Communication"  level 3  glh 15  credits 3
  outcome 1 knowledge "Understand effective communication in sales"
    1.1 "Explain the importance of effective communication in the sales process"
    1.2 "Explain communication channels used within sales"
  outcome 2 knowledge "Understand a communication cycle and barriers"
    2.1 "Explain a communication cycle and its application in the workplace"
    2.2 "Explain barriers to effective communication"
  ksbs K7, B8 of "{STANDARD}"
unit L3B2  "Understand Organisations"  level 3  glh 15  credits 3
  outcome 1 knowledge "Understand organisational structures"
    1.1 "Describe types of organisational structure"
  ksbs S1 of "{STANDARD}"
unit L3S1  "Plan a Sales Call"  level 3  glh 20  credits 4
  outcome 1 skills "Be able to plan a sales call"
    1.1 "Set objectives for a sales call"
    1.2 "Research the customer"
    1.3 "Prepare questions for the call"
unit L3S2  "Close a Sale"  level 3  glh 20  credits 4
  outcome 1 skills "Be able to close a sale"
    1.1 "Recognise buying signals"
    1.2 "Agree the next steps with the customer"
unit L3X9  "Sales Law"  level 3  glh 10  credits 4

qualification 900/0000/6 "Demonstration Level 3 Award in Sales Communication"
  level 3
  units from L3B1, L3B2
  all of L3B1, L3B2

qualification 900/0001/8 "Demonstration Level 3 Certificate in Sales"
  level 3
  units from L3B1, L3B2, L3S1, L3S2, L3X9
  all of L3B1
  at least 10 credits
'''
RULESET = build_ruleset(CATALOGUE, "demo.qual")
AWARD, CERTIFICATE = compile_ruleset(RULESET)
UNITS = {unit.ref: unit for unit in RULESET.units}


def day(number: int) -> dt.date:
    return dt.date(2024, 5, 1) + dt.timedelta(days=number)


def met(unit: str, criterion: str, on: int, result: CriterionResult = CriterionResult.MET) -> CriterionEvidence:
    return CriterionEvidence(unit, criterion, result, day(on), f"portfolio p.{on}", "assignment", "A. Assessor")


def signed(unit: str, on: int, learner: bool = True, verified: bool = True) -> SignOff:
    return SignOff(unit, day(on), "A. Assessor", day(on + 1) if learner else None,
                   day(on + 5) if verified else None, "V. Verifier" if verified else None)


def logged(id: str, evidence=(), sign_offs=(), results=()) -> Learner:
    """A learner as the achievement-log reader makes one: a pass on the last criterion's date for each unit
    whose criteria are all met and that the assessor and the learner have signed off, and `results` (unit
    references passed directly) besides."""
    attempts = [Attempt(ref, "pass", day(30)) for ref in results]
    for sign_off in sign_offs:
        criteria = {c.number for c in UNITS[sign_off.unit].criteria}
        rows = [e for e in evidence if e.unit == sign_off.unit and e.result is CriterionResult.MET]
        if sign_off.signed and criteria <= {e.criterion for e in rows}:
            attempts.append(Attempt(sign_off.unit, "pass", max(e.achieved_on for e in rows)))
    return Learner(id, dt.date(1990, 1, 1), dt.date(2024, 1, 15), tuple(attempts), None,
                   tuple(evidence), tuple(sign_offs))


def every(unit: str, start: int = 0, but: tuple[str, ...] = ()) -> list[CriterionEvidence]:
    return [met(unit, c.number, start + k) for k, c in enumerate(UNITS[unit].criteria) if c.number not in but]
