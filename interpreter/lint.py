"""`qualrules lint`: static checks a designer runs before any learner is evaluated.

Beyond the checker's blocking errors, the linter reports structure declared but never used, identifiers
that break their format or check digit, figures that contradict each other, and, with the claim solver,
whether each qualification can be achieved at all (shown by a witness claim, or refuted by the smallest
set of conflicting rules), which rules can never bind, and which options of `either` can never be met.
Every code is explained in docs/diagnostics.md.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import defaultdict
from typing import Iterable, Iterator, Mapping

from qualrules.grammar.parser import reserved_keyword
from qualrules.interpreter import model as m
from qualrules.interpreter.model import OFQUAL_UNIT_FORMAT
from qualrules.interpreter.allowances import apply_allowances
from qualrules.interpreter.attainment import lint_attainment
from qualrules.interpreter.barring import lint_barring
from qualrules.interpreter.equivalences import lint_equivalences, original_ref
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.checker import Catalogue, check, walk_rules
from qualrules.interpreter.criteria import lint_criteria, shared_unit_criteria
from qualrules.interpreter.engine.compiler import CompiledQualification, compile_ruleset
from qualrules.interpreter.library import body_name_problem
from qualrules.interpreter.engine.requirements import Alternatives, Linear, Requirement, holds
from qualrules.interpreter.grade_lint import (best_points, grading_lint, pass_points_floor, pass_points_text,
                                              points_at_best, require_pass_points, solved_awards_lint)
from qualrules.interpreter.pathways import lint_pathways
from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity
from qualrules.interpreter.engine.planner import MEASURES, finish_measure, part_text, why_impossible
from qualrules.interpreter.engine.cpsat import ClaimModel, Part, PartKind, SolverTimeout, cp_model
from qualrules.interpreter.wording import level_text, measure_word, plural, rule_text, set_text, word_list
from qualrules.plugins import AwardingBody, GenericAwardingBody, RulesetSource

QAN_FORMAT = re.compile(r"\d{3}/\d{4}/[0-9X]")
QAN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2)

# Seconds of solver time each qualification's satisfiability analyses may take. The bundled qualifications
# need a fraction of a second; a ruleset that needs more (thousands of options or units) gets a warning
# (QR406) for what was not proven, rather than a lint that runs for minutes.
TIME_BUDGET = 10.0

# Entry ages in specifications follow where law and funding draw lines (14, 16, 18, 19, 21, and 24 for some
# licences and loans): an older one is a slip of the keyboard (150 for 15, 81 for 18), so it is warned of.
OLDEST_ENTRY_AGE = 25

# The key facts a qualification declares: their keywords, how a message names them, and what they measure.
DECLARED_FACTS = (
    ("credit value", "a credit value", "credit_value", m.Measure.CREDITS),
    ("guided learning hours", "guided learning hours", "glh", m.Measure.GLH),
    ("total qualification time", "a total qualification time", "tqt", m.Measure.TQT),
)


def lint(sources: Iterable[RulesetSource], bodies: Mapping[str, AwardingBody],
         time_budget: float = TIME_BUDGET) -> list[Diagnostic]:
    """Every diagnostic for the given ruleset texts, file by file, each file's in source order; a warning a
    file allows (`# lint: allow QRnnn because ...`) is a note. `bodies` are the installed awarding-body
    plugins, by name; `time_budget` is the solver's seconds for each qualification."""
    diagnostics: list[Diagnostic] = []
    declared_in: dict[str, tuple[str, m.Qualification]] = {}
    first_copies: dict[str, tuple[str, m.Unit]] = {}
    first_refs: dict[str, tuple[str, m.Unit]] = {}
    for source in sources:
        try:
            ruleset = build_ruleset(source.text, source.name)
        except DiagnosticError as error:
            diagnostics.extend(error.diagnostics)
            continue
        name = ruleset.awarding_body.name if ruleset.awarding_body else None
        found, solved = _linted(ruleset, bodies.get(name) or GenericAwardingBody(), time_budget)
        for q in ruleset.qualifications:
            first = declared_in.setdefault(q.qan, (source.name, q))
            if first[0] != source.name:
                found.append(_diagnostic(
                    "QR104", Severity.ERROR, f"qualification {q.qan} is also declared in {first[0]} "
                    f"(line {first[1].span.line})", source.name, q.qan_span,
                    "a QAN names one qualification: delete one of the two, or correct the QAN"))
        found.extend(filter(None, [body_name_problem(source.name, ruleset, bodies)]))
        found.extend(shared_unit_criteria(source.name, ruleset.units, first_copies))
        found.extend(_one_reference_two_units(source.name, ruleset.units, first_refs))
        unchecked = frozenset() if solved else SOLVER_CODES
        diagnostics.extend(_in_source_order(apply_allowances(found, ruleset, source.text, unchecked)))
    return diagnostics


def _one_reference_two_units(file: str, units: Iterable[m.Unit],
                             first_refs: dict[str, tuple[str, m.Unit]]) -> Iterator[Diagnostic]:
    """QR216: units of `file` whose reference an earlier file gives to another unit (another title or size, and
    not one Ofqual unit). Records name units by reference alone, so a record's unit would count towards the
    qualifications of both files. `first_refs` (case-folded reference to file and unit) grows with `file`."""
    for unit in units:
        other_file, other = first_refs.setdefault(unit.ref.casefold(), (file, unit))
        if other_file == file or _one_unit(unit, other):
            continue
        sizes = ", ".join(f"{getattr(other, name)} {word}" for name, word in (("credits", "credits"), ("glh", "GLH"))
                          if getattr(other, name) is not None)
        yield _diagnostic("QR216", Severity.WARNING, f"unit {unit.ref} is also declared in {other_file} (line "
                          f"{other.span.line}) as another unit, {other.title!r}" + (f" ({sizes})" if sizes else "")
                          + f": a record's {unit.ref} would count towards the qualifications of both", file,
                          unit.ref_span, "give one of them a reference of its own (its awarding body's full unit "
                          "number, or its Ofqual reference); if they are one unit, copy its title and sizes from "
                          "the specification into both files")


def _one_unit(unit: m.Unit, other: m.Unit) -> bool:
    """Whether two catalogues' units are one: the same Ofqual unit, or the same title, level and sizes."""
    if unit.ofqual and other.ofqual:
        return unit.ofqual.casefold() == other.ofqual.casefold()
    return (unit.title.casefold(), unit.level, unit.credits, unit.glh) == \
        (other.title.casefold(), other.level, other.credits, other.glh)


# The warnings only the solver's checks of a compiled qualification give, which do not run on a file with
# errors the checker finds.
SOLVER_CODES = frozenset({"QR303", "QR400", "QR401", "QR402", "QR403", "QR404", "QR405", "QR406", "QR410",
                          "QR411", "QR412", "QR413", "QR414", "QR420", "QR421", "QR422"})


def lint_ruleset(ruleset: m.Ruleset, body: AwardingBody, time_budget: float = TIME_BUDGET) -> list[Diagnostic]:
    """The diagnostics of one built ruleset, in source order.
    The solver's checks run only when the checker finds no blocking error, `time_budget` seconds for each
    qualification."""
    return _linted(ruleset, body, time_budget)[0]


def _linted(ruleset: m.Ruleset, body: AwardingBody, time_budget: float) -> tuple[list[Diagnostic], bool]:
    """`lint_ruleset`'s diagnostics, and whether the solver's checks ran."""
    blocking = check(ruleset)
    catalogue = Catalogue.of(ruleset)
    found = [
        *blocking,
        *_structure(ruleset, catalogue),
        *_implausible_values(ruleset, catalogue),
        *_identifiers(ruleset, body),
        *_unit_figures(ruleset),
        *lint_criteria(ruleset),
        *lint_barring(ruleset),
        *lint_equivalences(ruleset, catalogue),
        *lint_attainment(ruleset),
    ]
    if not blocking:
        for q in compile_ruleset(ruleset):
            found.extend(_satisfiability(q, time_budget))
            found.extend(grading_lint(q))
    return _in_source_order(found), not blocking


def _in_source_order(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.location.line or 0, d.location.column or 0))


def _diagnostic(code: str, severity: Severity, message: str, file: str, span: m.Span,
                hint: str | None = None) -> Diagnostic:
    location = Location(file, span.line, span.column, span.end_line, span.end_column)
    return Diagnostic(code, severity, message, location, hint)


# ---- structure -----------------------------------------------------------------------------------

def _unit_lists(q: m.Qualification) -> Iterator[m.UnitSet]:
    """The pool and every list of units the rules name."""
    if q.pool is not None:
        yield q.pool
    for rule in walk_rules(q.rules):
        if isinstance(rule, m.Quantity) and rule.scope is not None:
            yield rule.scope
        elif isinstance(rule, (m.AllOf, m.Choose)):
            yield rule.units
        elif isinstance(rule, m.NotBoth):
            yield m.UnitSet((rule.first,), rule.first.span)
            yield m.UnitSet((rule.second,), rule.second.span)


def _structure(ruleset: m.Ruleset, catalogue: Catalogue) -> Iterator[Diagnostic]:
    file = ruleset.path
    used_groups: set[str] = set()
    pooled: set[str] = set()
    for q in ruleset.qualifications:
        if q.pool is not None:
            pooled.update(u.ref for u in catalogue.resolve_set(q.pool))
        for unit_set in _unit_lists(q):
            used_groups.update(g.name for g in map(catalogue.group_named, unit_set.terms) if g is not None)
            yield from _repeated_terms(unit_set, catalogue, file)
    for group in catalogue.groups.values():
        if not catalogue.members[group.name]:
            yield _diagnostic("QR121", Severity.WARNING, f"{group.display} has no units", file, group.span,
                              "list its units under the `group` line, or delete the group")
        if group.name not in used_groups:
            yield _diagnostic("QR120", Severity.WARNING, f"{group.display} is not used by any qualification",
                              file, group.span, "name it in a `units from` line or a rule, or delete it")
    # A predecessor unit is declared for the equivalence that accepts it, and a unit required for the units
    # that require it (a prerequisite may lie outside every pool), not for a pool.
    originals = {original_ref(n, catalogue) for e in ruleset.equivalences for n in e.originals}
    required = {found.ref for u in ruleset.units for ref in (u.prerequisite.units if u.prerequisite else ())
                if (found := catalogue.unit_named(ref.name)) is not None}
    for unit in catalogue.units.values():
        if unit.ref not in pooled and unit.ref not in originals | required:
            yield _diagnostic("QR122", Severity.WARNING, f"unit {unit.ref} is in no qualification's pool", file,
                              unit.ref_span, "add it to a qualification's `units from` line, or delete it")
    named = [(unit.ref, unit.ref_span, "unit") for unit in catalogue.units.values()]
    named += [(group.name, group.span, "group") for group in catalogue.groups.values()]
    for name, span, kind in named:
        keyword = reserved_keyword(name)
        if keyword is not None:
            yield _diagnostic("QR124", Severity.WARNING, f"the {kind} name `{name}` is read as the keyword "
                              f"`{keyword}`, so rules cannot name it", file, span,
                              "rename it; docs/language.md lists the reserved words")


def _implausible_values(ruleset: m.Ruleset, catalogue: Catalogue) -> Iterator[Diagnostic]:
    """Figures a designer most likely mistyped: an entry age no specification sets (QR127), a completion window
    of no time (QR128), and a cap of 0 among a qualification's own rules, which bars the units it counts from
    every claim (QR129; inside an option of `either` or a pathway it says that route counts none of them)."""
    file = ruleset.path
    for q in ruleset.qualifications:
        pool = {u.ref for u in catalogue.resolve_set(q.pool)} if q.pool is not None else set()
        for rule in q.rules:
            if isinstance(rule, m.MinimumAge) and rule.years > OLDEST_ENTRY_AGE:
                yield _diagnostic("QR127", Severity.WARNING, f"an entry age of {rule.years} is older than any "
                                  f"specification sets: entry ages run up to {OLDEST_ENTRY_AGE}", file, rule.span,
                                  "check the specification's entry requirements and correct the age (`age 18 or "
                                  "over`); if it does set this age, keep it and add `# lint: allow QR127 because ...`")
            elif isinstance(rule, m.CompletionWindow) and rule.amount == 0:
                yield _diagnostic("QR128", Severity.WARNING, f"`{rule_text(rule)}` sets aside every unit achieved "
                                  "after the day the learner registers", file, rule.span,
                                  "give the period the specification states (`complete within 3 years`), or delete "
                                  "the line if it states none")
            elif isinstance(rule, m.Quantity) and rule.bound.maximum == 0:
                counted = catalogue.resolve_set(rule.scope) if rule.scope is not None else ruleset.units
                barred = [u.ref for u in counted if u.ref in pool and rule.counts_level(u.level)]
                # A cap of 0 on the whole pool is an empty claim, which QR401, QR402 or QR403 reports.
                if barred and len(barred) < len(pool):
                    yield _diagnostic("QR129", Severity.WARNING, f"`{rule_text(rule)}` bars {word_list(barred, 'and')} "
                                      "from every claim", file, rule.span,
                                      f"to leave {'it' if len(barred) == 1 else 'them'} out of {q.qan}, take "
                                      f"{'it' if len(barred) == 1 else 'them'} out of `units from`; otherwise give "
                                      "the cap the specification states")


def _repeated_terms(unit_set: m.UnitSet, catalogue: Catalogue, file: str) -> Iterator[Diagnostic]:
    listed_by: dict[str, m.NameRef] = {}
    for term in unit_set.terms:
        units = catalogue.resolve(term) or ()
        if units and all(u.ref in listed_by for u in units):
            earlier = sorted({listed_by[u.ref].text for u in units} - {term.text})
            subject = f"every unit of `{term.text}` is" if catalogue.group_named(term) else f"`{term.text}` is"
            through = f", as part of {word_list([f'`{text}`' for text in earlier], 'and')}" if earlier else ""
            yield _diagnostic("QR123", Severity.WARNING, f"{subject} already in this list{through}", file,
                              term.span, "delete it: a list counts each unit once")
        for unit in units:
            listed_by.setdefault(unit.ref, term)


# ---- identifiers ---------------------------------------------------------------------------------

def qan_check_character(digits: str) -> str:
    """The check character of a QAN's seven digits: their sum weighted 8, 7, ..., 2, modulo 11, with a
    remainder of 10 written X (610/3793/X)."""
    remainder = sum(w * int(d) for w, d in zip(QAN_WEIGHTS, digits)) % 11
    return "X" if remainder == 10 else str(remainder)


def _identifiers(ruleset: m.Ruleset, body: AwardingBody) -> Iterator[Diagnostic]:
    file = ruleset.path
    for q in ruleset.qualifications:
        if not QAN_FORMAT.fullmatch(q.qan):
            yield _diagnostic("QR201", Severity.WARNING, f"`{q.qan}` is not in the format of a QAN", file,
                              q.qan_span, "a QAN is three digits, four digits and a check character: 610/3788/6")
    yield from claimed_identifier_errors(ruleset, ruleset.qualifications, ruleset.units)
    for unit in ruleset.units:
        problem = body.ref_format_problem(unit.ref)
        if problem:
            yield _diagnostic("QR204", Severity.WARNING, f"unit reference {unit.ref} does not follow the "
                              f"{body.name} format", file, unit.ref_span, problem)
    yield from _similar_prefixes(ruleset)


def claimed_identifier_errors(ruleset: m.Ruleset, qualifications: Iterable[m.Qualification],
                              units: Iterable[m.Unit]) -> Iterator[Diagnostic]:
    """The identifiers a certification claim carries that the awarding body and Ofqual cannot know: a QAN in
    the format of one that fails its check character (QR202), an Ofqual unit reference out of its format
    (QR203)."""
    file = ruleset.path
    for q in qualifications:
        if QAN_FORMAT.fullmatch(q.qan) and q.qan[-1] != (expected := qan_check_character(q.qan[:3] + q.qan[4:8])):
            yield _diagnostic("QR202", Severity.ERROR, f"{q.qan} fails the QAN check: the check character "
                              f"of {q.qan[:8]} is {expected}", file, q.qan_span,
                              f"did you mean `{q.qan[:9]}{expected}`? If not, one of the other digits is wrong")
    for unit in units:
        if unit.ofqual and not OFQUAL_UNIT_FORMAT.fullmatch(unit.ofqual):
            yield _diagnostic("QR203", Severity.ERROR, f"`{unit.ofqual}` is not in the format of an Ofqual unit "
                              "reference", file, unit.field_spans["ofqual"],
                              "an Ofqual unit reference is a capital letter, three digits and four digits: "
                              "L/650/7899")


def _similar_prefixes(ruleset: m.Ruleset) -> Iterator[Diagnostic]:
    """Unit numbers whose scheme prefixes differ by one swapped or changed character (8570- and 8750-)."""
    by_prefix: dict[str, list[m.Unit]] = defaultdict(list)
    for unit in ruleset.units:
        prefix, dash, _ = unit.ref.rpartition("-")
        if dash:
            by_prefix[prefix].append(unit)
    for a, b in itertools.combinations(sorted(by_prefix), 2):
        transposed = sorted(a) == sorted(b)
        if len(a) != len(b) or not (transposed or sum(x != y for x, y in zip(a, b)) == 1):
            continue
        fewer, more = sorted((a, b), key=lambda p: (len(by_prefix[p]), p))
        first = by_prefix[fewer][0]
        yield _diagnostic(
            "QR205", Severity.WARNING,
            f"the unit prefix `{fewer}-` ({plural(len(by_prefix[fewer]), 'unit')}) differs from `{more}-` "
            f"({plural(len(by_prefix[more]), 'unit')}) by one "
            f"{'swapped pair of characters' if transposed else 'character'}",
            ruleset.path, first.ref_span,
            f"check the specification: one of the two prefixes may be mistyped "
            f"({', '.join(u.ref for u in by_prefix[fewer])})")


# ---- figures -------------------------------------------------------------------------------------

def credits_for_tqt(tqt: int) -> int:
    """Ofqual General Condition E8.2: a credit value is one tenth of the TQT, rounded to the nearest whole
    number (halves up)."""
    return (tqt + 5) // 10


def _unit_figures(ruleset: m.Ruleset) -> Iterator[Diagnostic]:
    for unit in ruleset.units:
        if unit.tqt is not None and unit.credits is not None and unit.credits != credits_for_tqt(unit.tqt):
            expected = credits_for_tqt(unit.tqt)
            yield _diagnostic(
                "QR301", Severity.WARNING, f"unit {unit.ref} has {plural(unit.credits, 'credit')}, but its TQT of "
                f"{unit.tqt} hours gives {plural(expected, 'credit')} (one tenth, rounded)", ruleset.path,
                unit.field_spans["credits"],
                f"check the specification: `credits {expected}`, or a TQT near {unit.credits * 10}")
        if unit.glh is not None and unit.tqt is not None and unit.glh > unit.tqt:
            yield _diagnostic(
                "QR302", Severity.WARNING, f"unit {unit.ref} has more guided learning hours ({unit.glh}) than "
                f"total qualification time ({unit.tqt})", ruleset.path, unit.field_spans["glh"],
                "TQT includes the GLH: check both figures, and whether they were swapped")


# ---- satisfiability ------------------------------------------------------------------------------

def _satisfiability(q: CompiledQualification, time_budget: float) -> list[Diagnostic]:
    """The solver's findings, added as each is proven; what it could not finish within the budget gives way
    to one QR406."""
    caps, dead_options = _caps_below_minimums(q)
    found = list(caps)
    if any(d.is_error for d in caps):
        return found
    deadline = time.monotonic() + time_budget
    unproven = "whether it can be achieved"
    try:
        if _achievable(q, deadline, found):
            unproven = ("its smallest claim, and which rules never bind, which options can never be met and "
                        "whether the declared sizes match")
            _witness_and_redundancy(q, dead_options, deadline, found)
            unproven = "whether each of its pathways can be completed, and whether its rules add anything"
            found.extend(lint_pathways(q, deadline))
            unproven = "whether each of its grades can be awarded, and whether its award given instead can be given"
            found.extend(solved_awards_lint(q, deadline))
    except SolverTimeout:
        found.append(_diagnostic("QR406", Severity.WARNING, f"satisfiability not proven within {time_budget:g} s: "
                                 f"{unproven} for {q.qan}", q.path, q.source.qan_span,
                                 "a qualification this large is unusual: check that the file is the one meant; "
                                 "verdicts stay exact"))
    return found


def _achievable(q: CompiledQualification, deadline: float, found: list[Diagnostic]) -> bool:
    """Whether some claim meets every rule; when none does, the error that says why is added to `found`."""
    everything = range(len(q.catalogue_units))
    conflict = ClaimModel(q, everything, deadline).conflict()
    if conflict is None:
        return True
    rules = sorted({part.requirement for part in conflict})
    first = q.requirements[rules[0]].rule
    lines = sorted({q.requirements[index].rule.span.line for index in rules})
    (reason,) = why_impossible(q, frozenset(), frozenset(everything), frozenset())
    where = f"line {lines[0]}" if len(lines) == 1 else f"lines {word_list([str(line) for line in lines], 'and')}"
    hint = "relax the rule, or add units to the pool" if len(rules) == 1 else \
        f"the conflicting rules are on {where}: relax one of them"
    found.append(_diagnostic("QR401", Severity.ERROR, f"{q.qan} can never be achieved: {reason}", q.path,
                             first.span, hint))
    return False


def _witness_and_redundancy(q: CompiledQualification, dead_options: set[int], deadline: float,
                            found: list[Diagnostic]) -> None:
    """For an achievable qualification: its smallest claim, then rules and options that never matter and
    declared sizes the claims contradict."""
    header = q.source.qan_span
    # Smallest by credits, or by GLH where units are sized in GLH only.
    measure = MEASURES[finish_measure(q)]
    witness = _smallest_claim(q, measure, deadline)
    # None: no claim reaches the pass grade's points, which QR411 reports.
    if witness is not None:
        smallest = _claim_text(q, witness, measure)
        if q.grading is not None and q.grading.pass_points > 0:
            most = sum(best_points(q)[i] for i in witness)
            smallest += (f", earning up to {most} points where {q.grading.thresholds[0].grade} needs "
                         f"{q.grading.pass_points}")
        found.append(_diagnostic("QR400", Severity.NOTE, f"{q.qan} can be achieved; {smallest}", q.path, header))
    if witness == ():
        found.append(_diagnostic("QR403", Severity.WARNING, f"{q.qan} is achieved by a learner with no units",
                                 q.path, header, "add the minimums the specification sets, e.g. "
                                 "`at least 13 credits` or `all of Group 1`"))
    # The checks below compare only the claims that may achieve: graded, those that reach the pass grade's points
    # from the pool's own units (the witness is of them exactly when some do). Where none do, QR411 (or the
    # witness's equivalent) says so, and every claim meeting the rules is compared as for a pass-only qualification.
    floored = (q.grading is not None and q.grading.pass_points > 0 and witness is not None
               and all(i < len(q.catalogue_units) for i in witness))
    found.extend(_never_binding(q, floored, deadline))
    found.extend(_dead_options(q, dead_options, floored, deadline))
    found.extend(_declared_facts(q, floored, deadline))


def _smallest_claim(q: CompiledQualification, measure: m.Measure, deadline: float) -> tuple[int, ...] | None:
    """The smallest claim by `measure` (then fewest units, most credits, earliest units) that meets every rule and,
    graded, reaches the pass grade's points with every unit at its best grade: of the qualification's own units,
    or with its equivalents where only they earn enough (an equivalent may carry more credit). None when no claim
    reaches the pass grade's points."""
    choices = [range(len(q.catalogue_units))] + ([range(len(q.units))] if q.equivalents is not None else [])
    for units in choices:
        claim_model = require_pass_points(q, ClaimModel(q, units, deadline).require())
        claim = claim_model.maximise([-claim_model.measure_expr(measure), -claim_model.measure_expr(m.Measure.UNITS),
                                      claim_model.measure_expr(m.Measure.CREDITS), *claim_model.tie_break_stages()])
        if claim is not None:
            return claim
    return None


def _claim_text(q: CompiledQualification, claim: tuple[int, ...], measure: m.Measure) -> str:
    if not claim:
        return "with no units at all"
    size = sum(q.measure(measure, i) for i in claim)
    return f"the smallest claim is {', '.join(q.units[i].ref for i in claim)} ({size} {measure_word(measure, size)})"


def _linear_rules(requirements: Iterable[Requirement]) -> list[Linear]:
    return [r for r in requirements if isinstance(r, Linear)]


def _caps_below_minimums(q: CompiledQualification) -> tuple[list[Diagnostic], set[int]]:
    """A cap on some units below a minimum on the same units (or some of them): an error among the
    qualification's own rules, a warning inside an option of `either` (the option can never be met).
    Also returns the options (by id) found dead this way."""
    found: list[Diagnostic] = []
    dead: set[int] = set()

    def visit(requirements: tuple[Requirement, ...], inherited: list[Linear], option: bool) -> None:
        caps = inherited + [r for r in _linear_rules(requirements) if r.maximum is not None]
        for low in _linear_rules(requirements):
            for cap in caps:
                if (low.minimum is None or cap is low or cap.measure is not low.measure
                        or cap.maximum >= low.minimum or not set(low.members) <= set(cap.members)):
                    continue
                word = measure_word(cap.measure, cap.maximum)
                message = (f"the cap of {cap.maximum} {word} in `{cap.text}` (line {cap.rule.span.line}) "
                           f"is below the minimum of {low.minimum} that `{low.text}` "
                           f"(line {low.rule.span.line}) needs from the same units")
                fix = ("check the barring codes against the specification, or require only one of the "
                       "units" if _is_barring(cap) else "raise the cap or lower the minimum")
                if option:
                    dead.add(id(requirements))
                    found.append(_diagnostic("QR402", Severity.WARNING, message + ", so this option of `either` "
                                             "can never be met", q.path, low.rule.span, fix))
                else:
                    found.append(_diagnostic("QR402", Severity.ERROR, message + f", so {q.qan} can never be "
                                             "achieved", q.path, cap.rule.span, fix))
        for requirement in requirements:
            if isinstance(requirement, Alternatives):
                for nested in requirement.options:
                    visit(nested, caps, True)

    visit(q.requirements, [], False)
    return found, dead


def _extreme(q: CompiledQualification, measure: m.Measure, deadline: float, *, lowest: bool, floored: bool,
             members: Iterable[int] | None = None, required: Iterable[Part] | None = None) -> int:
    """The least (or greatest) total of `measure` over `members` (default: the whole claim) among the
    claims that meet the `required` parts (default: every rule) and, `floored`, reach the pass grade's points."""
    members = range(len(q.catalogue_units)) if members is None else members
    claim_model = ClaimModel(q, range(len(q.catalogue_units)), deadline).require(required)
    if floored:
        require_pass_points(q, claim_model)
    total = claim_model.measure_expr(measure, members)
    claim = claim_model.maximise([-total if lowest else total])
    assert claim is not None, "only achievable qualifications are measured"
    return sum(q.measure(measure, i) for i in set(members) & set(claim))


def _never_binding(q: CompiledQualification, floored: bool, deadline: float) -> Iterator[Diagnostic]:
    """Rules (or one bound of a rule) that no claim meeting the other rules (and, `floored`, reaching the pass
    grade's points) can break. Checked in source order, and a rule found redundant is left out when checking
    the later ones: of two rules that imply each other, only the first is reported. One model answers every
    question: each asks, through assumptions, whether some parts can hold while one fails."""
    claim_model = ClaimModel(q, range(len(q.catalogue_units)), deadline)
    # A floor the rules already imply is set aside, as a rule found never to bind is: else each rule that
    # implies it (the one unit of a graded award) would be reported as implied by it.
    floor = pass_points_floor(q, claim_model) if floored and _floor_binds(q, deadline) else None
    all_parts = list(claim_model.parts)
    failing = {part: ~claim_model.holds(q.requirements[part.requirement], part.kind) for part in all_parts}

    def can_fail(part: Part, holding: list[Part], floor_holds: bool = True) -> bool:
        floors = [floor] if floor is not None and floor_holds else []
        return claim_model.feasible_with([claim_model.parts[p] for p in holding] + floors + [failing[part]])

    kept = list(all_parts)
    implied: dict[int, list[tuple[Part, str, list[Part], bool]]] = defaultdict(list)
    for part in all_parts:
        if _is_barring(q.requirements[part.requirement]):
            continue  # a barring code states a fact of the catalogue, not a rule that could be deleted
        others = [p for p in kept if p != part]
        if can_fail(part, others):
            continue
        kept = others
        implying = list(others)
        for candidate in others:
            trial = [p for p in implying if p != candidate]
            if not can_fail(part, trial):
                implying = trial
        # Whether the pass grade's points are needed, with those parts, to make it hold.
        by_points = floor is not None and can_fail(part, implying, floor_holds=False)
        implied[part.requirement].append((part, _why_implied(q, part, implying, by_points, deadline), implying,
                                          by_points))
    for index, entries in implied.items():
        rule = q.requirements[index].rule
        whole = len(entries) == sum(1 for p in all_parts if p.requirement == index)
        subject = f"`{rule_text(rule)}`" if whole else f"the {entries[0][0].kind.value} of `{rule_text(rule)}`"
        because = ", and ".join(reason for _, reason, _, _ in entries)
        implying = [p for _, _, parts, _ in entries for p in parts]
        by_points = any(needed for *_, needed in entries)
        # Restating each other: the rules that imply this one hold whenever this one does.
        mutual = bool(implying) and not any(can_fail(p, [part for part, *_ in entries]) for p in implying)
        yield _diagnostic("QR404", Severity.WARNING, f"{subject} never binds: {because}", q.path, rule.span,
                          _restated_hint(q, implying, mutual, by_points))


def _floor_binds(q: CompiledQualification, deadline: float) -> bool:
    """Whether some claim meets every rule but falls short of the pass grade's points with every unit at its best grade."""
    claim_model = ClaimModel(q, range(len(q.catalogue_units)), deadline).require()
    claim_model.model.add(points_at_best(q, claim_model) < q.grading.pass_points)
    return claim_model.feasible_with([])


def _is_barring(requirement: Requirement) -> bool:
    """Whether a requirement is a fact of the catalogue (a barring code's or an equivalence's cap)."""
    return isinstance(requirement, Linear) and (requirement.barring is not None or requirement.equivalence is not None)


ALLOW_QR404 = "`# lint: allow QR404 because ...`"


def _restated_hint(q: CompiledQualification, implying: list[Part], mutual: bool, by_points: bool) -> str:
    """What to do about a rule that never binds. Specifications often state a rule their other rules already
    imply, and that rule may be the one to keep: the hint says which rules restate which, never only
    "delete it"; `by_points`: the pass grade's points are among what implies it."""
    requirements = [q.requirements[index] for index in sorted({p.requirement for p in implying})]
    named = [f"`{r.text}` (line {r.rule.span.line})" for r in requirements]
    # A barring code is the catalogue's and a grade threshold the grading's, never the rule to delete.
    if mutual and not by_points and not any(map(_is_barring, requirements)):
        return (f"this rule and {word_list(named, 'and')} restate each other: keep the one the specification "
                f"states and delete the other, or keep both and add {ALLOW_QR404}")
    named += [pass_points_text(q)] if by_points else []
    if named:
        verb = "requires" if len(named) == 1 else "require"
        return (f"it restates what {word_list(named, 'and')} already {verb}: delete it if the specification does "
                f"not state it; if it does, keep it and add {ALLOW_QR404}")
    return (f"the pool alone makes it hold: check the pool against the specification; if the specification "
            f"states the rule, keep it and add {ALLOW_QR404}")


def _why_implied(q: CompiledQualification, part: Part, implying: list[Part], by_points: bool, deadline: float) -> str:
    requirement = q.requirements[part.requirement]
    # Both bounds of `exactly 240 glh` read as the rule itself: it is named once.
    listed = word_list(list(dict.fromkeys(f"{part_text(q, p)} (line {q.requirements[p.requirement].rule.span.line})"
                                          for p in implying)), "and")
    # The claims the implication is about: `claim meeting ... and reaching the 40 points P needs (line 9)`.
    conditions = ([f"meeting {listed}"] if listed else []) + ([f"reaching {pass_points_text(q)}"] if by_points else [])
    claims = f"claim {' and '.join(conditions)}" if conditions else None
    if isinstance(requirement, Linear):
        lowest = part.kind is PartKind.MINIMUM
        figure = _extreme(q, requirement.measure, deadline, lowest=lowest, floored=by_points,
                          members=requirement.members, required=implying)
        word = measure_word(requirement.measure, figure)
        amount = f"{'at least' if lowest else 'at most'} {figure} {word}{_counted_from(requirement.rule)}"
        if claims:
            return f"any {claims} has {amount}"
        if lowest:
            return f"every claim has {amount}"
        if len(requirement.members) == len(q.units):
            return f"the whole pool gives only {figure} {word}"
        return f"all the units it counts give only {figure} {word}"
    if part.kind is PartKind.BARRED:
        return f"no {claims} can hold both" if claims else "no claim can hold both"
    return f"every {claims} meets one of its options" if claims else "every claim meets one of its options"


def _counted_from(rule: m.Rule) -> str:
    if isinstance(rule, m.Quantity):
        level = level_text(rule)
        return (f" from {set_text(rule.scope)}" if rule.scope is not None else "") + level
    if isinstance(rule, (m.AllOf, m.Choose)):
        return f" of {set_text(rule.units, ', ')}"
    return ""


def _dead_options(q: CompiledQualification, known_dead: set[int], floored: bool,
                  deadline: float) -> Iterator[Diagnostic]:
    """Options of a top-level `either` that no claim meeting the other rules (and, `floored`, reaching the pass
    grade's points) can satisfy. Each search asks for the claim that meets the most undecided options, and every
    option it meets is live, so a block of a thousand compatible options takes a solve or two, not a thousand."""

    def others_model(index: int, with_floor: bool) -> ClaimModel:
        claim_model = ClaimModel(q, range(len(q.catalogue_units)), deadline)
        claim_model.require(p for p in claim_model.parts if p.requirement != index)
        return require_pass_points(q, claim_model) if with_floor else claim_model

    for index, requirement in enumerate(q.requirements):
        if not isinstance(requirement, Alternatives):
            continue
        undecided = {number: option for number, option in enumerate(requirement.options, 1)
                     if id(option) not in known_dead}
        while undecided:
            claim_model = others_model(index, floored)
            meets = [claim_model.holds_all(option) for option in undecided.values()]
            claim_model.model.add_bool_or(meets)
            claim = claim_model.maximise([cp_model.LinearExpr.sum(meets)])
            if claim is None:
                break
            undecided = {number: option for number, option in undecided.items() if not holds(option, claim)}
        for number, option in sorted(undecided.items()):
            rules = requirement.rule.options[number - 1]
            plain = others_model(index, False)
            if floored and plain.feasible_with([plain.holds_all(option)]):
                yield _diagnostic("QR405", Severity.WARNING, f"option {number} of this `either` can never be met "
                                  f"while the other rules hold and the claim reaches {pass_points_text(q)}, even with "
                                  "every unit at its best grade", q.path, rules[0].span,
                                  "its claims earn too few points: correct the option's rules or the threshold "
                                  "against the specification, or delete the option")
            else:
                yield _diagnostic("QR405", Severity.WARNING, f"option {number} of this `either` can never be met "
                                  "while the other rules hold", q.path, rules[0].span,
                                  "correct the option's rules, or delete the option")


def _declared_facts(q: CompiledQualification, floored: bool, deadline: float) -> Iterator[Diagnostic]:
    """A declared credit value, GLH or TQT against the range the claims that achieve the qualification have
    (`floored`: those that reach the pass grade's points)."""
    for keyword, label, attribute, measure in DECLARED_FACTS:
        declared: m.Declared | None = getattr(q.source, attribute)
        # Pool units name their GLH and TQT fields as the measures do.
        if declared is None or any(getattr(u, measure.value) is None for u in q.units):
            continue
        low = _extreme(q, measure, deadline, lowest=True, floored=floored)
        high = _extreme(q, measure, deadline, lowest=False, floored=floored)
        if low == declared.low and (declared.high is None or high == declared.high):
            continue
        implied = f"exactly {low}" if low == high else f"{low} to {high}"
        suggested = f"{low} or more" if declared.high is None else str(low) if low == high else f"{low} to {high}"
        word = "credits" if measure is m.Measure.CREDITS else "hours"
        yield _diagnostic("QR303", Severity.WARNING, f"{q.qan} declares {label} of {declared.text}, but the claims "
                          f"that achieve it have {implied} {word}", q.path, declared.span,
                          f"if the rules are right, write `{keyword} {suggested}`")
