"""Static checks that must pass before a ruleset can be compiled: names resolve, nothing is declared
twice, every qualification has a pool, its rules stay inside it, and credit, GLH and TQT rules measure
only units that give those values."""

from __future__ import annotations

from typing import Iterator

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.criteria import check_criteria
from qualrules.interpreter.equivalences import check_equivalences
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity, close_names, did_you_mean
from qualrules.interpreter.wording import word_list
from qualrules.interpreter.grades import check_grading, compensation_cap
from qualrules.interpreter.attainment import check_attainment
from qualrules.interpreter.prerequisites import check_prerequisites, check_qualification_prerequisites
from qualrules.interpreter.pathways import check_pathways, pathway_rules


@attrs.frozen
class Catalogue:
    """Name lookup over one ruleset's units and groups."""

    ruleset: m.Ruleset
    units: dict[str, m.Unit]
    by_ofqual: dict[str, m.Unit]
    groups: dict[str, m.Group]
    members: dict[str, tuple[m.Unit, ...]]

    @classmethod
    def of(cls, ruleset: m.Ruleset) -> "Catalogue":
        units: dict[str, m.Unit] = {}
        by_ofqual: dict[str, m.Unit] = {}
        for unit in ruleset.units:
            units.setdefault(unit.ref, unit)
            if unit.ofqual:
                by_ofqual.setdefault(unit.ofqual, unit)
        groups: dict[str, m.Group] = {}
        for group in ruleset.groups:
            groups.setdefault(group.name, group)
        members = {name: tuple(u for u in units.values() if u.group == name) for name in groups}
        return cls(ruleset, units, by_ofqual, groups, members)

    def resolve(self, ref: m.NameRef) -> tuple[m.Unit, ...] | None:
        """The units a name stands for, or None when it names nothing (or is ambiguous)."""
        if ref.group_keyword:
            return self.members.get(ref.name)
        # A bare number is a unit reference: numbered groups are written `Group 3`.
        is_group = ref.name in self.groups and not ref.name.isdigit()
        unit = self.units.get(ref.name) or self.by_ofqual.get(ref.name)
        if is_group and unit is not None:
            return None
        if is_group:
            return self.members[ref.name]
        return (unit,) if unit is not None else None

    def unit_named(self, name: str) -> m.Unit | None:
        """The unit of this unit or Ofqual reference, or None."""
        return self.units.get(name) or self.by_ofqual.get(name)

    def group_named(self, ref: m.NameRef) -> m.Group | None:
        """The group a name stands for; None for a unit, an unknown name, or a name both a unit and a group."""
        if not ref.group_keyword and (ref.name.isdigit() or ref.name in self.units or ref.name in self.by_ofqual):
            return None
        return self.groups.get(ref.name)

    def resolve_set(self, unit_set: m.UnitSet) -> tuple[m.Unit, ...]:
        seen: dict[str, m.Unit] = {}
        for term in unit_set.terms:
            for unit in self.resolve(term) or ():
                seen.setdefault(unit.ref, unit)
        return tuple(seen.values())

    def display(self, ref: m.NameRef) -> str:
        if ref.group_keyword or (ref.name in self.groups and not ref.name.isdigit()):
            group = self.groups.get(ref.name)
            return group.display if group else ref.text
        return ref.name


def walk_rules(rules: tuple[m.Rule, ...]) -> Iterator[m.Rule]:
    for rule in rules:
        yield rule
        if isinstance(rule, m.Either):
            for option in rule.options:
                yield from walk_rules(option)


def names_in(rule: m.Rule) -> tuple[m.NameRef, ...]:
    if isinstance(rule, m.Quantity):
        return rule.scope.terms if rule.scope else ()
    if isinstance(rule, (m.AllOf, m.Choose)):
        return rule.units.terms
    if isinstance(rule, m.NotBoth):
        return (rule.first, rule.second)
    return ()


def check(ruleset: m.Ruleset) -> list[Diagnostic]:
    """Errors that stop a ruleset from being compiled, in source order."""
    diagnostics: list[Diagnostic] = []
    file = ruleset.path

    def error(code: str, message: str, span: m.Span, hint: str | None = None) -> None:
        location = Location(file, span.line, span.column, span.end_line, span.end_column)
        diagnostics.append(Diagnostic(code, Severity.ERROR, message, location, hint))

    catalogue = Catalogue.of(ruleset)
    seen_units: dict[str, m.Unit] = {}
    for unit in ruleset.units:
        # `unit D/601/5313 ... ofqual D/601/5313` gives one reference twice, on one unit: no clash.
        same = unit.ofqual is None or unit.ofqual.casefold() == unit.ref.casefold()
        for key in (unit.ref,) if same else (unit.ref, unit.ofqual):
            # Records name units in any letter case, so references that differ only in case would clash.
            first = seen_units.get(key.casefold())
            if first is not None:
                error("QR102", f"unit reference {key} is declared twice (first on line {first.span.line})",
                      unit.ref_span if key == unit.ref else unit.field_spans.get("ofqual", unit.span),
                      hint="each unit reference and Ofqual reference must be unique in a file, whatever its case")
            else:
                seen_units[key.casefold()] = unit
    seen_groups: dict[str, m.Group] = {}
    for group in ruleset.groups:
        if group.name in seen_groups:
            error("QR103", f"{group.display} is declared twice (first on line {seen_groups[group.name].span.line})",
                  group.span, hint="list all of a group's units under one `group` header")
        seen_groups.setdefault(group.name, group)
        if not group.name.isdigit() and (group.name in catalogue.units or group.name in catalogue.by_ofqual):
            error("QR105", f"`{group.name}` names both a group and a unit", group.span,
                  hint="rename the group so rules can tell the two apart")

    known_names = [*catalogue.units, *catalogue.by_ofqual, *(g.display for g in ruleset.groups)]
    check_prerequisites(ruleset, catalogue, [*catalogue.units, *catalogue.by_ofqual], error)
    check_attainment(ruleset, error)
    check_qualification_prerequisites(ruleset, error)
    seen_qans: dict[str, m.Qualification] = {}
    by_qan = {q.qan: q for q in ruleset.qualifications}
    for qualification in ruleset.qualifications:
        if qualification.qan in seen_qans:
            error("QR104", f"qualification {qualification.qan} is declared twice "
                  f"(first on line {seen_qans[qualification.qan].span.line})", qualification.qan_span)
        seen_qans.setdefault(qualification.qan, qualification)

        def unresolved(ref: m.NameRef) -> bool:
            if catalogue.resolve(ref) is not None:
                return False
            if ref.group_keyword:
                names = [g.name for g in ruleset.groups]
                close = close_names(ref.name, names)
                if close and close[0].casefold() == ref.name.casefold():
                    hint = f"names are case-sensitive: did you mean `Group {close[0]}`?"
                elif close:
                    hint = f"did you mean {word_list([f'`Group {name}`' for name in close], 'or')}?"
                elif 0 < len(names) <= 8:
                    # Names of a letter or a digit are too short to be told apart by their spelling.
                    hint = (f"this file's groups are {word_list([f'`Group {name}`' for name in names], 'and')}; "
                            "declare another with `group`")
                else:
                    hint = "declare it with `group`"
                error("QR101", f"there is no {ref.text}", ref.span, hint=hint)
            elif ref.name.isdigit() and ref.name in catalogue.groups:
                error("QR101", f"there is no unit {ref.name}", ref.span,
                      hint=f"a numbered group is written with its word: `Group {ref.name}`")
            else:
                error("QR101", f"`{ref.name}` is not a unit or group in this file", ref.span,
                      hint=did_you_mean(ref.name, known_names))
            return True

        if qualification.pool is None:
            error("QR108", f"qualification {qualification.qan} has no `units from` statement", qualification.qan_span,
                  hint="say which units a claim may use, e.g. `units from Group 1, Group 2`")
            pool_refs: set[str] = set()
        else:
            for term in qualification.pool.terms:
                unresolved(term)
            pool_refs = {u.ref for u in catalogue.resolve_set(qualification.pool)}

        learner_rules: dict[type, m.Rule] = {}
        for rule in qualification.rules:
            if isinstance(rule, (m.CompletionWindow, m.MinimumAge)):
                kind = type(rule)
                if kind in learner_rules:
                    error("QR115", f"{qualification.qan} states this learner requirement twice "
                          f"(first on line {learner_rules[kind].span.line})", rule.span,
                          hint="keep one and delete the other")
                learner_rules.setdefault(kind, rule)
        if qualification.grading is not None or qualification.fallback is not None:
            mandatory = {u.ref for rule in qualification.rules if isinstance(rule, m.AllOf)
                         for u in catalogue.resolve_set(rule.units)}
            check_grading(qualification, [u for u in ruleset.units if u.ref in pool_refs], mandatory, by_qan, error)
        check_pathways(qualification, error)
        cap = compensation_cap(qualification)
        for rule in walk_rules(qualification.rules + pathway_rules(qualification) + ((cap,) if cap else ())):
            if isinstance(rule, m.Either):
                for option in rule.options:
                    for nested in option:
                        if isinstance(nested, (m.CompletionWindow, m.MinimumAge)):
                            error("QR116", "a completion window or entry age applies to the whole qualification, "
                                  "not to one option of `either`", nested.span,
                                  hint="move it out of the `either` block")
            for ref in names_in(rule):
                if unresolved(ref) or qualification.pool is None:
                    continue
                outside = [u.ref for u in catalogue.resolve(ref) or () if u.ref not in pool_refs]
                if outside:
                    error("QR110", f"{catalogue.display(ref)} names units outside the pool of "
                          f"{qualification.qan}: {', '.join(outside)}", ref.span,
                          hint="add them to `units from`, or name only units inside it")
            if isinstance(rule, m.Quantity) and rule.measure is not m.Measure.UNITS:
                # Credits too: a unit sized only in GLH cannot count towards a credit rule, nor be kept out of it.
                field = rule.measure.value
                measured = catalogue.resolve_set(rule.scope) if rule.scope else catalogue.ruleset.units
                lacking = [u.ref for u in measured if u.ref in pool_refs and getattr(u, field) is None
                           and rule.counts_level(u.level)]
                if lacking:
                    shown = "credits" if rule.measure is m.Measure.CREDITS else field.upper()
                    error("QR111", f"the rule measures {shown}, but {', '.join(lacking)} "
                          f"{'gives' if len(lacking) == 1 else 'give'} no `{field}` value", rule.span,
                          hint=f"add `{field} N` to the unit line{'s' if len(lacking) > 1 else ''}"
                          + (", or measure the rule in `glh`" if rule.measure is m.Measure.CREDITS else ""))
    check_equivalences(ruleset, catalogue, error)
    diagnostics.extend(check_criteria(ruleset))
    return sorted(diagnostics, key=lambda d: (d.location.line, d.location.column))
