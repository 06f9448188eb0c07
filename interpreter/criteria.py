"""Learning outcomes, assessment criteria and KSBs of a ruleset's units: lookups for the rest of the
interpreter, the checker's errors (QR130-QR135) and the linter's warnings (QR210-QR215).
The model is described in docs/criteria.md."""

from __future__ import annotations

from typing import Iterable, Iterator

from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity, did_you_mean

# How specifications word each kind of outcome: "Understand ..." and "Be able to ...".
_KIND_WORDING = ((("be able to",), m.OutcomeKind.SKILLS), (("understand", "know"), m.OutcomeKind.KNOWLEDGE))


def kind_from_wording(text: str) -> m.OutcomeKind | None:
    """The kind an outcome's wording suggests, or None when it suggests neither. Only a suggestion: the kind
    a ruleset states is the kind."""
    words = text.casefold().lstrip()
    return next((kind for openings, kind in _KIND_WORDING if words.startswith(openings)), None)


def standards_by_title(ruleset: m.Ruleset) -> dict[str, m.Standard]:
    """The ruleset's apprenticeship standards by title (the first, where a title is declared twice)."""
    standards: dict[str, m.Standard] = {}
    for standard in ruleset.standards:
        standards.setdefault(standard.title, standard)
    return standards


def unit_ksbs(unit: m.Unit, ruleset: m.Ruleset) -> tuple[tuple[m.Standard, m.Ksb], ...]:
    """Every KSB a unit maps to, with its standard, in the order the unit's `ksbs` lines give them (codes its
    standard does not declare are left out: the checker refuses them)."""
    standards = standards_by_title(ruleset)
    found = []
    for link in unit.ksb_links:
        standard = standards.get(link.standard)
        if standard is None:
            continue
        by_code = {ksb.code: ksb for ksb in standard.ksbs}
        found.extend((standard, by_code[ref.code]) for ref in link.ksbs if ref.code in by_code)
    return tuple(found)


def criterion(unit: m.Unit, number: str) -> tuple[m.Outcome, m.Criterion] | None:
    """The outcome and criterion a unit numbers `number` (as printed: `2.3`), or None."""
    return next(((o, c) for o in unit.outcomes for c in o.criteria if c.number == number), None)


def _diagnostic(code: str, severity: Severity, message: str, file: str, span: m.Span,
                hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, severity, message, Location(file, span.line, span.column, span.end_line, span.end_column),
                      hint)


# ---- the checker's errors ------------------------------------------------------------------------

def check_criteria(ruleset: m.Ruleset) -> Iterator[Diagnostic]:
    """Errors that make a unit's criteria or KSBs ambiguous: a criterion number used twice in a unit (records
    name criteria by number), a standard or KSB declared twice, a `ksbs` line naming what is not declared."""
    file = ruleset.path
    standards: dict[str, m.Standard] = {}
    for standard in ruleset.standards:
        if standard.title in standards:
            yield _diagnostic("QR135", Severity.ERROR, f'the standard "{standard.title}" is declared twice (first '
                              f"on line {standards[standard.title].span.line})", file, standard.title_span,
                              "list all of its KSBs under one `standard` line")
            continue
        standards[standard.title] = standard
        seen: dict[str, m.Ksb] = {}
        for ksb in standard.ksbs:
            if ksb.code in seen:
                yield _diagnostic("QR134", Severity.ERROR, f"KSB {ksb.code} is declared twice in this standard "
                                  f"(first on line {seen[ksb.code].span.line})", file, ksb.span,
                                  "keep one line; where the specification words it differently in two places, "
                                  "keep the unit specification's text and note the other in a comment")
            seen.setdefault(ksb.code, ksb)
    for unit in ruleset.units:
        numbered: dict[str, m.Criterion] = {}
        for criterion_ in unit.criteria:
            if criterion_.number in numbered:
                yield _diagnostic("QR130", Severity.ERROR, f"unit {unit.ref} numbers two criteria "
                                  f"{criterion_.number} (first on line {numbered[criterion_.number].span.line})",
                                  file, criterion_.span,
                                  "records name a criterion by its number: give each criterion of a unit its own")
            numbered.setdefault(criterion_.number, criterion_)
        for link in unit.ksb_links:
            standard = standards.get(link.standard)
            if standard is None:
                yield _diagnostic("QR132", Severity.ERROR, f'unit {unit.ref} maps to KSBs of "{link.standard}", '
                                  "which this file does not declare", file, link.standard_span,
                                  did_you_mean(link.standard, list(standards))
                                  or "declare it with a `standard` block before the units")
                continue
            codes = [ksb.code for ksb in standard.ksbs]
            for ref in link.ksbs:
                if ref.code not in codes:
                    yield _diagnostic("QR133", Severity.ERROR, f'"{standard.title}" declares no KSB {ref.code}',
                                      file, ref.span, did_you_mean(ref.code, codes)
                                      or f"add `ksb {ref.code} \"...\"` to the standard")


# ---- the linter's warnings -----------------------------------------------------------------------

def lint_criteria(ruleset: m.Ruleset) -> Iterator[Diagnostic]:
    """How each unit's outcomes and criteria are numbered and worded against the specification's conventions."""
    for unit in ruleset.units:
        yield from _outcome_numbering(unit, ruleset.path)
        for outcome in unit.outcomes:
            yield from _criteria_numbering(unit, outcome, ruleset.path)
            suggested = kind_from_wording(outcome.text)
            if suggested is not None and suggested is not outcome.kind:
                yield _diagnostic("QR214", Severity.WARNING, f"outcome {outcome.number} of {unit.ref} is stated as "
                                  f"{outcome.kind.value}, but its wording reads as {suggested.value}", ruleset.path,
                                  outcome.span, f"if the specification means {suggested.value}, write "
                                  f"`outcome {outcome.number} {suggested.value}`; the kind decides which evidence "
                                  "methods count")


def _outcome_numbering(unit: m.Unit, file: str) -> Iterator[Diagnostic]:
    seen: dict[int, m.Outcome] = {}
    expected = 1
    for outcome in unit.outcomes:
        if outcome.number in seen:
            problem = f"is numbered twice (first on line {seen[outcome.number].span.line})"
        elif outcome.number < expected:
            problem = f"comes after outcome {expected - 1}"
        elif outcome.number > expected:
            missing = f"outcome {expected} is" if outcome.number == expected + 1 else \
                f"outcomes {expected} to {outcome.number - 1} are"
            problem = f"follows {'no outcome' if expected == 1 else f'outcome {expected - 1}'}: {missing} missing"
        else:
            problem = None
        if problem:
            yield _diagnostic("QR213", Severity.WARNING, f"outcome {outcome.number} of {unit.ref} {problem}", file,
                              outcome.span, "number the outcomes 1, 2, 3, ... as the specification does; where "
                              "the specification itself numbers them so, keep its numbering and say so in a comment")
        seen.setdefault(outcome.number, outcome)
        expected = max(expected, outcome.number + 1)
    for outcome in unit.outcomes:
        if not outcome.criteria:
            yield _diagnostic("QR212", Severity.WARNING, f"outcome {outcome.number} of {unit.ref} has no assessment "
                              "criteria", file, outcome.span,
                              "list its criteria under it (`1.1 \"...\"`): an outcome is met by meeting its criteria")


def _criteria_numbering(unit: m.Unit, outcome: m.Outcome, file: str) -> Iterator[Diagnostic]:
    prefix = str(outcome.number)
    foreign = [c for c in outcome.criteria if c.outcome_number.lstrip("0") != prefix]
    if foreign:
        yield _diagnostic("QR211", Severity.WARNING, f"outcome {outcome.number} of {unit.ref} lists "
                          f"{_criteria_count(len(foreign))} numbered for another outcome: "
                          f"{', '.join(c.number for c in foreign)}", file, foreign[0].span,
                          f"a criterion of outcome {outcome.number} is numbered {outcome.number}.1, "
                          f"{outcome.number}.2, ...; where the specification numbers it so, keep its number and "
                          "say so in a comment")
    expected, numbers = 1, set()
    for criterion_ in outcome.criteria:
        if criterion_ in foreign or criterion_.number in numbers:
            continue  # reported above, or a repeat the checker refuses (QR130)
        numbers.add(criterion_.number)
        position = _position(criterion_.number)
        if position == expected:
            expected += 1
            continue
        if position > expected:
            missing = f"{prefix}.{expected}" + ("" if position == expected + 1 else f" to {prefix}.{position - 1}")
            problem = f"follows {f'{prefix}.{expected - 1}' if expected > 1 else 'no criterion'}: {missing} " \
                      f"{'is' if position == expected + 1 else 'are'} missing"
        else:
            problem = f"comes after {prefix}.{expected - 1}"
        yield _diagnostic("QR210", Severity.WARNING, f"criterion {criterion_.number} of {unit.ref} {problem}", file,
                          criterion_.span, "number an outcome's criteria in order without gaps, as the "
                          "specification does")
        expected = max(expected, position + 1)


def _position(number: str) -> int:
    """The part of a criterion number after the dot, as a count (compared as text first: Python refuses to
    convert numbers of more than 4,300 digits)."""
    digits = number.partition(".")[2].lstrip("0") or "0"
    return int(digits) if len(digits) <= 9 else 10 ** 9


def shared_unit_criteria(file: str, units: Iterable[m.Unit],
                         first_copies: dict[str, tuple[str, m.Unit]]) -> Iterator[Diagnostic]:
    """Units of `file` whose outcomes or criteria differ from those of the first copy of the same Ofqual unit
    in an earlier file: a learner's evidence would count against one copy and not the other. `first_copies`
    (Ofqual reference to file and unit) is shared across the files linted together, and grows with `file`."""
    for unit in units:
        if not unit.ofqual:
            continue
        if unit.ofqual not in first_copies:
            first_copies[unit.ofqual] = (file, unit)
            continue
        other_file, other = first_copies[unit.ofqual]
        if other_file == file or _criteria_text(unit) == _criteria_text(other):
            continue
        here, there = len(unit.criteria), len(other.criteria)
        where = f"its copy {other.ref} in {other_file} (line {other.span.line})"
        if not here or not there:
            problem = f"declares {_criteria_count(here)}, but {where} declares {_criteria_count(there)}"
        else:
            problem = f"declares outcomes or criteria that differ from {where}"
        yield _diagnostic("QR215", Severity.WARNING, f"unit {unit.ref} ({unit.ofqual}) {problem}", file,
                          unit.ref_span, "an Ofqual unit is assessed against one set of criteria: copy them from "
                          "the unit's specification into both catalogues")


def _criteria_count(count: int) -> str:
    return "no criteria" if count == 0 else f"{count} {'criterion' if count == 1 else 'criteria'}"


def _criteria_text(unit: m.Unit) -> tuple:
    return tuple((o.number, o.kind, o.text, tuple((c.number, c.text) for c in o.criteria)) for o in unit.outcomes)
