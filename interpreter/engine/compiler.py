"""Model to compiled rules: each qualification becomes index-based requirements over its pool, built
once and evaluated against many learners."""

from __future__ import annotations

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.barring import units_by_code
from qualrules.interpreter.checker import Catalogue, check
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.equivalences import Equivalents, compile_equivalents, graded_pool, with_equivalents
from qualrules.interpreter.grades import CompiledGrading, compensation_cap, compile_grading
from qualrules.interpreter.attainment import CompiledAttainment, compile_attainment
from qualrules.interpreter.prerequisites import StandIn, prerequisite_graph, reachable, stand_ins
from qualrules.interpreter.engine.decision import Decision, Unsupported, compile_decision
from qualrules.interpreter.engine.requirements import Alternatives, Barred, Linear, PoolUnit, Requirement, unit_measure
from qualrules.interpreter.wording import level_text, rule_text, set_text


@attrs.frozen
class CompiledPathway:
    """A pathway with the qualification it makes: the qualification's requirements and the pathway's, over the
    same pool, decided by whichever engine suits them, as any qualification is."""

    source: m.Pathway
    qualification: "CompiledQualification"

    @property
    def name(self) -> str:
        return self.source.name


@attrs.frozen
class CompiledQualification:
    qan: str
    title: str
    level: int | None
    awarding_body: str | None
    source: m.Qualification
    path: str
    units: tuple[PoolUnit, ...]
    requirements: tuple[Requirement, ...]
    window: m.CompletionWindow | None
    minimum_age: m.MinimumAge | None
    # Every catalogue unit of the ruleset, by case-folded unit or Ofqual reference, to its unit reference.
    catalogue_refs: dict[str, str] = attrs.field(eq=False, repr=False)
    index: dict[str, int] = attrs.field(eq=False, repr=False)
    # How claims are chosen: the compiled decision procedure, or why CP-SAT is needed instead.
    decision: Decision | Unsupported = attrs.field(eq=False, repr=False)
    # A graded qualification's points and grades (None: pass-only), and the award given when it is not achieved.
    grading: CompiledGrading | None = attrs.field(default=None, eq=False, repr=False)
    fallback: "CompiledQualification | None" = attrs.field(default=None, eq=False, repr=False)
    # The pool units from `equivalents.first` on are equivalents (`unit A counts as B`); None: there are none.
    equivalents: Equivalents | None = attrs.field(default=None, eq=False, repr=False)
    # The unit prerequisites that decide whether pool units count, by unit reference (prerequisites.py); the
    # units they name may lie outside the pool.
    prerequisites: dict[str, tuple[str, ...]] = attrs.field(factory=dict, eq=False, repr=False)
    # The equivalences by which a record's units stand for a unit those prerequisites require, by its reference.
    stand_ins: dict[str, tuple[StandIn, ...]] = attrs.field(factory=dict, eq=False, repr=False)
    # What the learner must hold besides units (English and maths), read from the record's columns.
    attainment: tuple[CompiledAttainment, ...] = attrs.field(default=(), eq=False, repr=False)
    # The other qualifications of the file the learner must have achieved, each with its `requires` line.
    required_qualifications: tuple[tuple[m.QualificationPrerequisite, "CompiledQualification"], ...] = attrs.field(
        default=(), eq=False, repr=False)
    # Its pathways, in the order declared, and whether one is required for the award.
    pathways: tuple[CompiledPathway, ...] = attrs.field(default=(), eq=False, repr=False)
    pathway_required: bool = False

    @property
    def engine(self) -> str:
        """Which engine decides this qualification's claims, and why, for `-v` output."""
        if isinstance(self.decision, Decision):
            return self.decision.description
        return f"CP-SAT: {self.decision.reason}"

    @property
    def catalogue_units(self) -> tuple[PoolUnit, ...]:
        """The pool's catalogue units, without the equivalents the compiler adds after them."""
        return self.units if self.equivalents is None else self.units[:self.equivalents.first]

    def measure(self, measure: m.Measure, index: int) -> int:
        return unit_measure(self.units[index], measure)


def compile_ruleset(ruleset: m.Ruleset) -> tuple[CompiledQualification, ...]:
    """Check and compile every qualification of a ruleset; raises DiagnosticError on any error."""
    errors = check(ruleset)
    if errors:
        raise DiagnosticError(errors)
    catalogue = Catalogue.of(ruleset)
    catalogue_refs: dict[str, str] = {}
    for unit in ruleset.units:
        catalogue_refs[unit.ref.casefold()] = unit.ref
        if unit.ofqual:
            catalogue_refs[unit.ofqual.casefold()] = unit.ref
    body = ruleset.awarding_body.name if ruleset.awarding_body else None
    graph = prerequisite_graph(ruleset, catalogue.unit_named)
    ways = stand_ins(ruleset, catalogue, graph)
    compiled = {q.qan: _compile(q, catalogue, catalogue_refs, body, ruleset.path) for q in ruleset.qualifications}
    compiled = {qan: _with_learner_facts(c, reachable(graph, [u.ref for u in c.units]), ways,
                                         compile_attainment(ruleset, c.source))
                for qan, c in compiled.items()}

    def with_required(qan: str) -> CompiledQualification:
        # The checker refuses qualification prerequisites that come back to where they started.
        lines = compiled[qan].source.required_qualifications
        if lines and not compiled[qan].required_qualifications:
            required = tuple((line, with_required(line.qan)) for line in lines)
            compiled[qan] = attrs.evolve(compiled[qan], required_qualifications=required, pathways=tuple(
                attrs.evolve(p, qualification=attrs.evolve(p.qualification, required_qualifications=required))
                for p in compiled[qan].pathways))
        return compiled[qan]

    for q in ruleset.qualifications:
        with_required(q.qan)

    # After the prerequisites, so that the award given instead has its own (the qualifications a
    # prerequisite names are judged whole, without the awards given instead of them).
    def with_fallback(qan: str) -> CompiledQualification:
        # The checker refuses a chain of fallbacks that comes back to where it started.
        fallback = compiled[qan].source.fallback
        if fallback is not None and compiled[qan].fallback is None:
            compiled[qan] = attrs.evolve(compiled[qan], fallback=with_fallback(fallback.qan))
        return compiled[qan]

    return tuple(with_fallback(q.qan) for q in ruleset.qualifications)


def _with_learner_facts(c: CompiledQualification, prerequisites: dict[str, tuple[str, ...]],
                        ways: dict[str, tuple[StandIn, ...]],
                        attainment: tuple[CompiledAttainment, ...]) -> CompiledQualification:
    """`c`, and the qualification of each of its pathways, with the unit prerequisites (and the equivalences
    that stand for the units they require) and requirements of the learner that decide it too."""
    required = {ref for refs in prerequisites.values() for ref in refs}
    facts = dict(prerequisites=prerequisites, attainment=attainment,
                 stand_ins={ref: found for ref, found in ways.items() if ref in required})
    return attrs.evolve(c, **facts, pathways=tuple(
        attrs.evolve(p, qualification=attrs.evolve(p.qualification, **facts)) for p in c.pathways))


def _compile(q: m.Qualification, catalogue: Catalogue, catalogue_refs: dict[str, str], body: str | None,
             path: str, pathway: m.Pathway | None = None) -> CompiledQualification:
    """`pathway`: compile the qualification within this pathway, its rules added to the qualification's."""
    pool_refs = {u.ref for u in catalogue.resolve_set(q.pool)}
    pool = tuple(u for u in catalogue.ruleset.units if u.ref in pool_refs)
    index = {u.ref: i for i, u in enumerate(pool)}
    units = tuple(
        PoolUnit(u.ref, u.title, u.level, u.credits, u.glh, u.tqt, u.ofqual_ref,
                 catalogue.groups[u.group].display if u.group else None)
        for u in pool
    )

    def members(unit_set: m.UnitSet | None, rule: m.Quantity | None = None) -> tuple[int, ...]:
        chosen = pool if unit_set is None else catalogue.resolve_set(unit_set)
        found = {index[u.ref] for u in chosen if rule is None or rule.counts_level(u.level)}
        return tuple(sorted(found))

    def linear(rule, label, measure, member_indices, minimum, maximum) -> Linear:
        weights = tuple(unit_measure(units[i], measure) for i in member_indices)
        return Linear(rule, rule_text(rule), label, measure, member_indices, weights, minimum, maximum)

    def requirement(rule: m.Rule) -> Requirement | None:
        if isinstance(rule, m.Quantity):
            label = set_text(rule.scope) if rule.scope else "Total"
            label += level_text(rule)
            parts = tuple((term.text, members(m.UnitSet((term,), term.span), rule))
                          for term in rule.scope.terms) if rule.scope else ()
            return attrs.evolve(linear(rule, label, rule.measure, members(rule.scope, rule),
                                       rule.bound.minimum, rule.bound.maximum), parts=parts)
        if isinstance(rule, m.AllOf):
            found = members(rule.units)
            return linear(rule, rule_text(rule), m.Measure.UNITS, found, len(found), None)
        if isinstance(rule, m.Choose):
            return linear(rule, rule_text(rule), m.Measure.UNITS, members(rule.units), rule.count, None)
        if isinstance(rule, m.NotBoth):
            first = members(m.UnitSet((rule.first,), rule.first.span))
            second = members(m.UnitSet((rule.second,), rule.second.span))
            return Barred(rule, rule_text(rule), first, second)
        if isinstance(rule, m.Either):
            return Alternatives(rule, rule_text(rule),
                                tuple(tuple(filter(None, map(requirement, o))) for o in rule.options))
        return None

    window = next((r for r in q.rules if isinstance(r, m.CompletionWindow)), None)
    age = next((r for r in q.rules if isinstance(r, m.MinimumAge)), None)
    requirements = tuple(filter(None, map(requirement, q.rules)))
    if pathway is not None:
        # Each of the pathway's rules reads with its name, so an explanation tells them from the qualification's.
        requirements += tuple(_named(r, pathway.name) for r in filter(None, map(requirement, pathway.rules)))
    requirements += _barring_caps(pool, index)
    units, equivalents = compile_equivalents(catalogue.ruleset, catalogue, pool, units)
    if equivalents is not None:
        requirements = with_equivalents(requirements, units, equivalents, index)
    grading = None
    if q.grading is not None:
        cap = compensation_cap(q)
        graded, compensation = pool, requirement(cap) if cap else None
        if equivalents is not None:
            graded, compensation = graded_pool(pool, units, equivalents, index, compensation)
        grading = compile_grading(q.grading, graded, compensation)
    return CompiledQualification(
        qan=q.qan, title=q.title, level=q.level, awarding_body=body, source=q, path=path, units=units,
        requirements=requirements, window=window, minimum_age=age, catalogue_refs=catalogue_refs, index=index,
        decision=compile_decision(tuple(unit_measure(u, m.Measure.CREDITS) for u in units), requirements),
        grading=grading, equivalents=equivalents,
        pathways=tuple(CompiledPathway(p, _compile(q, catalogue, catalogue_refs, body, path, p))
                       for p in (q.pathways if pathway is None else ())),
        pathway_required=pathway is None and q.pathway_required is not None,
    )




def _named(requirement: Requirement, name: str) -> Requirement:
    """A pathway's requirement, its text (and a linear one's label) opening with the pathway's name."""
    named = attrs.evolve(requirement, text=f"{name}: {requirement.text}")
    return attrs.evolve(named, label=f"{name}: {named.label}") if isinstance(named, Linear) else named


def _barring_caps(pool: tuple[m.Unit, ...], index: dict[str, int]) -> tuple[Linear, ...]:
    """Each barring code that two or more pool units share caps them at one unit between them: a linear
    requirement like any other, so both engines, explanations and plans treat it unchanged."""
    caps = []
    for units in units_by_code(pool).values():
        if len(units) < 2:
            continue
        first = units[0]
        names = tuple(m.NameRef(u.ref, False, u.barring_span) for u in units)
        rule = m.Quantity(m.Measure.UNITS, m.Bound(None, 1), m.UnitSet(names, first.barring_span), None,
                          first.barring_span)
        members = tuple(index[u.ref] for u in units)
        text = f"barring code {first.barring}: at most one of {', '.join(u.ref for u in units)} counts"
        caps.append(Linear(rule, text, f"barring code {first.barring}", m.Measure.UNITS, members,
                           (1,) * len(members), None, 1, barring=first.barring))
    return tuple(caps)
