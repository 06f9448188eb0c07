"""Unit equivalences: `unit A counts as B`, `units A1 and A2 together count as B`, `unit A counts as B and C`.

The engines see each equivalent as one more pool unit, "B by A", standing where B stands in every rule, with
B's credit or its originals' own; caps of one unit keep a claim from counting one achievement twice (B itself
and B by A; A as itself and A as B; A as B and, by another statement, A as C). So whether A counts as A or as
B is part of the exact choice of claim that both engines make (docs/semantics.md "Unit equivalences"). This
module holds those compiled units and caps, the statements' static checks and lint, and what the record gives
towards the equivalents."""

from __future__ import annotations

import itertools
from typing import Callable, Iterator

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity, did_you_mean
from qualrules.interpreter.engine.requirements import Barred, Linear, PoolUnit, Requirement, unit_measure
from qualrules.interpreter.wording import word_list


@attrs.frozen
class Equivalent:
    """One compiled equivalent: the pool unit at `index`, which counts as `replacement` when the record holds
    every one of `originals` (catalogue references where the catalogue declares them, else as written)."""

    index: int
    replacement: str
    originals: tuple[str, ...]
    credit: m.EquivalentCredit
    statement: m.Equivalence
    # False when the unit it counts as is sized in GLH only: there is no credit to carry, so none is named.
    carries_credit: bool = True

    @property
    def credit_text(self) -> str:
        """Whose credit it carries, as explanations say it."""
        if self.credit is m.EquivalentCredit.OWN:
            return "with its own credit" if len(self.originals) == 1 else "with their own credit"
        return f"with {self.replacement}'s credit"

    @property
    def text(self) -> str:
        """`M1 by OLD1, with M1's credit`: which held units stand for which, with whose credit."""
        credit = f", {self.credit_text}" if self.carries_credit else ""
        return f"{self.replacement} by {word_list(list(self.originals), 'and')}{credit}"

    def to_json(self) -> dict:
        return {"unit": self.replacement, "by": list(self.originals), "credit": self.credit.value}


@attrs.frozen
class Equivalents:
    """A qualification's equivalents: the pool units from `first` on, and the originals that are not pool
    units, by case-folded reference, as the record names them."""

    units: tuple[Equivalent, ...]
    first: int
    outside: dict[str, str] = attrs.field(eq=False)
    # The pool index of each unit an equivalent counts as.
    _position: dict[str, int] = attrs.field(eq=False, alias="position")
    # The record column an approval is read from (`approval column "..."`), for what a record lacks.
    approval_column: str | None = None

    def of(self, index: int) -> Equivalent:
        return self.units[index - self.first]

    def hold(self, placed: dict[str, bool | None], approved: dict[str, bool | None], certain: set[int],
             uncertain: set[int]) -> tuple[list[tuple[str, str]], list[str], set[int]]:
        """Adds the equivalents the record gives to `certain` (every original achieved, within any window, and
        approved where the statement says `when approved`) or `uncertain` (some of that only in doubt).
        `placed` holds, by reference, each achieved unit the qualification could use: True when it counts, None
        when in doubt, False when set aside; `approved`, for each, whether its rows record the approval (None:
        they do not say). Returns why each original outside the pool, achieved, gives no equivalent, as
        (reference, reason), the approvals the record lacks, and the equivalents in doubt for want of them."""
        given: set[str] = set()
        unapproved: set[int] = set()
        refused: dict[str, list[str]] = {}
        lacking: list[str] = []
        for equivalent in self.units:
            states = [placed.get(o, False) for o in equivalent.originals]
            if False in states:
                continue
            if equivalent.statement.approval:
                approvals = [approved.get(o) for o in equivalent.originals]
                if False in approvals:
                    for original, state in zip(equivalent.originals, approvals):
                        if state is False:
                            refused.setdefault(original, []).append(equivalent.replacement)
                    continue
                for original, state in zip(equivalent.originals, approvals):
                    needed = (f"approval of {original} in `{self.approval_column}` (needed for "
                              f"`{equivalence_text(equivalent.statement)}`)")
                    if state is None and needed not in lacking:
                        lacking.append(needed)
                if None in approvals:
                    unapproved.add(equivalent.index)
                states += approvals
            (certain if all(states) else uncertain).add(equivalent.index)
            given.update(equivalent.originals)
        found = []
        for original in self.outside.values():
            if placed.get(original, False) is False or original in given:
                continue
            if original in refused:
                found.append((original, f"not one of this qualification's units; its exemption as "
                              f"{word_list(refused[original], 'and')} is not approved"))
                continue
            found.append((original, "not one of this qualification's units; it counts as " + word_list(
                [_wanting(e, placed, approved) for e in self.units if original in e.originals], "or")))
        return found, lacking, unapproved

    def not_counted(self, left_out: list[tuple[int, str, str]], chosen: set[int]) -> list[tuple[str, str]]:
        """The units held and not counted, (pool index, reference, reason) each, as a verdict says them with
        equivalents: an original the claim counts as another unit says so; an equivalent left out is said of
        its originals outside the pool, unless the claim counts them by another equivalence."""
        used: dict[str, list[str]] = {}
        replaced: dict[str, tuple[str, ...]] = {}
        for index in sorted(chosen):
            if index >= self.first:
                replaced[self.of(index).replacement] = self.of(index).originals
                for original in self.of(index).originals:
                    used.setdefault(original, []).append(self.of(index).replacement)
        found: list[list] = []
        said: dict[str, list] = {}
        for index, ref, reason in left_out:
            if index < self.first:
                if ref in used:
                    reason = f"counted as {word_list(used[ref], 'and')}, by an equivalence"
                elif ref in replaced:
                    reason = f"counted once, by {word_list(list(replaced[ref]), 'and')} instead"
                found.append([ref, reason])
                continue
            equivalent = self.of(index)
            for original in equivalent.originals:
                if original.casefold() not in self.outside or original in used:
                    continue
                if original in said:
                    said[original][1] = said[original][1].replace(
                        " but is not counted", f" or {equivalent.replacement} but is not counted", 1)
                    continue
                said[original] = [original, f"counts as {equivalent.replacement} but is not counted: {reason}"]
                found.append(said[original])
        return [(ref, reason) for ref, reason in found]

    def in_catalogue_order(self, claim: tuple[int, ...]) -> tuple[int, ...]:
        """A claim's pool units with each equivalent where the unit it counts as stands in the catalogue."""
        position = {e.index: self._position[e.replacement] for e in self.units}
        return tuple(sorted(claim, key=lambda i: (position.get(i, i), i)))

    def counted(self, claim: tuple[int, ...]) -> tuple[Equivalent, ...]:
        """The equivalents a claim counts, in the order of the units they count as."""
        return tuple(self.of(i) for i in claim if i >= self.first)


def _wanting(equivalent: Equivalent, placed: dict[str, bool | None], approved: dict[str, bool | None]) -> str:
    """`M2 only together with X/2`: what an equivalent that one original gives no more still wants."""
    absent = [o for o in equivalent.originals if placed.get(o, False) is False]
    refused = [o for o in equivalent.originals if o not in absent and equivalent.statement.approval
               and approved.get(o) is False]
    wants = ([f"together with {word_list(absent, 'and')}"] if absent else []) + \
        ([f"with the exemption of {word_list(refused, 'and')} approved"] if refused else [])
    return f"{equivalent.replacement} only {' and '.join(wants)}"


def undeclared_originals(ruleset: m.Ruleset) -> Iterator[str]:
    """The originals of equivalences that the catalogue does not declare (predecessor units, other bodies'
    units), as written: references a record may give."""
    declared = {key.casefold() for u in ruleset.units for key in filter(None, (u.ref, u.ofqual))}
    for statement in ruleset.equivalences:
        for name in statement.originals:
            if name.name.casefold() not in declared:
                yield name.name


def original_ref(name: m.NameRef, catalogue) -> str:
    """An original's reference: the catalogue's, when it declares the unit (by reference or Ofqual
    reference), else the name as written (a predecessor unit or another body's)."""
    found = catalogue.units.get(name.name) or catalogue.by_ofqual.get(name.name)
    return found.ref if found is not None else name.name


# ---- in English -----------------------------------------------------------------------------------

def equivalence_text(statement: m.Equivalence) -> str:
    """A statement in its canonical wording, names as written: `units A1 and A2 together count as B`."""
    originals = [n.name for n in statement.originals]
    replacements = " and ".join(n.name for n in statement.replacements)
    if len(originals) == 1:
        text = f"unit {originals[0]} counts as {replacements}"
    else:
        text = f"units {' and '.join(originals)} together count as {replacements}"
    if statement.credit is m.EquivalentCredit.OWN:
        text += f" with {'its' if len(originals) == 1 else 'their'} own credit"
    elif statement.credit_of is not None:
        text += f" with {statement.credit_of.name}'s credit"
    return text + (" when approved" if statement.approval else "")


def counting_statements(q) -> tuple[m.Equivalence, ...]:
    """The equivalence statements that count as some unit of a compiled qualification's pool, in order."""
    if q.equivalents is None:
        return ()
    return tuple({id(e.statement): e.statement for e in q.equivalents.units}.values())


def statement_sentence(statement: m.Equivalence, catalogue) -> str:
    """`Units X/1 and X/2 together count as M2, with M2's credit (4).`: a statement as `show` prints it."""
    originals = [original_ref(n, catalogue) for n in statement.originals]
    replacements = [original_ref(n, catalogue) for n in statement.replacements]
    if len(originals) == 1:
        text = f"Unit {originals[0]} counts as {word_list(replacements, 'and')}"
    else:
        text = f"Units {word_list(originals, 'and')} together count as {word_list(replacements, 'and')}"
    if statement.credit is m.EquivalentCredit.OWN:
        credits = sum(catalogue.units[o].credits or 0 for o in originals)
        text += f", with {'its' if len(originals) == 1 else 'their'} own credit ({credits})"
    elif len(replacements) == 1:
        unit = catalogue.units.get(replacements[0])
        if unit is None or unit.credits is not None:
            figure = f" ({unit.credits})" if unit is not None else ""
            text += f", with {replacements[0]}'s credit{figure}"
    else:
        text += ", each with the credit of the unit it counts as"
    if statement.approval:
        column = catalogue.ruleset.approval_columns[0].name
        text += f"{',' if ',' in text else ''} when the record's `{column}` column says it is approved"
    return text + "."


# ---- static checks ---------------------------------------------------------------------------------

def check_equivalences(ruleset: m.Ruleset, catalogue, error: Callable[..., None]) -> None:
    """The checker's errors about equivalence statements and the approval column (QR185 to QR189), through the
    checker's `error`."""
    units = [*catalogue.units, *catalogue.by_ofqual]
    for statement in ruleset.equivalences:
        for name in statement.replacements:
            unit = catalogue.units.get(name.name) or catalogue.by_ofqual.get(name.name)
            if unit is None and catalogue.group_named(name) is None:
                error("QR185", f"unit {name.name} is not declared in this file, so nothing can count as it",
                      name.span, did_you_mean(name.name, units) or "declare the unit in the catalogue, above")
        for name in (*statement.originals, *statement.replacements):
            if catalogue.group_named(name) is not None:
                error("QR186", f"`{name.name}` is a group: an equivalence names units", name.span,
                      "list the group's units, each as the specification's table gives it")
        originals = [original_ref(n, catalogue) for n in statement.originals]
        replacements = [original_ref(n, catalogue) for n in statement.replacements]
        for names, refs in ((statement.originals, originals), (statement.replacements, replacements)):
            for (name, ref), earlier in _repeats(list(zip(names, refs))):
                error("QR186", f"unit {name.name} is named twice in this equivalence", name.span,
                      "name each unit once")
        for name, ref in zip(statement.replacements, replacements):
            if ref.casefold() in {o.casefold() for o in originals}:
                error("QR186", f"unit {name.name} counts as itself", name.span,
                      "an equivalence names the units accepted in place of another: delete this one")
        if statement.credit_of is not None and (
                len(replacements) > 1
                or original_ref(statement.credit_of, catalogue).casefold() != replacements[0].casefold()):
            error("QR187", f"`with {statement.credit_of.name}'s credit` names no unit this equivalence counts as "
                  "alone", statement.credit_of.span,
                  f"an equivalent carries the credit of the unit it counts as, so `with ...'s credit` may name "
                  f"only {replacements[0]} of a one-unit replacement; delete it, or write `with its own credit`")
        if statement.credit is m.EquivalentCredit.OWN:
            undeclared = [n.name for n in statement.originals if n.name not in catalogue.units
                          and n.name not in catalogue.by_ofqual]
            if len(statement.replacements) > 1:
                error("QR187", "`with its own credit` on an equivalence that counts as several units: the "
                      "original's credit cannot be shared between them", statement.span,
                      "delete it: each replacement then carries its own credit")
            elif undeclared:
                error("QR187", f"`with {'its' if len(statement.originals) == 1 else 'their'} own credit`, but "
                      f"{word_list(undeclared, 'and')} {'is' if len(undeclared) == 1 else 'are'} not declared "
                      "in this file, so the credit is unknown", statement.span,
                      "declare the original units with their credits, or delete `with ... own credit`")
        if statement.approval and not ruleset.approval_columns:
            error("QR188", "`when approved`, but the file declares no approval column to read the approval from",
                  statement.span, 'declare the record column that holds it, e.g. `approval column "Approved"`')
    for column in ruleset.approval_columns[1:]:
        error("QR188", f"a second approval column (the first is on line {ruleset.approval_columns[0].span.line})",
              column.span, "a file reads its approvals from one column: keep one and delete the other")
    for q in ruleset.qualifications:
        if q.grading is not None and q.pool is not None:
            _check_graded(q, ruleset, catalogue, error)


def _check_graded(q: m.Qualification, ruleset: m.Ruleset, catalogue, error: Callable[..., None]) -> None:
    """QR189: the equivalents a graded qualification cannot grade, those of several units together (no rule
    gives them a grade) and those of a component of a table of components' grades (whose claim is chosen
    without weighing grades)."""
    pool = {u.ref for u in catalogue.resolve_set(q.pool)}

    def counted_as(statements) -> list[str]:
        return sorted({ref for s in statements for ref in (original_ref(n, catalogue) for n in s.replacements)
                       if ref in pool})

    combined = counted_as(s for s in ruleset.equivalences if len(s.originals) > 1)
    if combined:
        error("QR189", f"{q.qan} is graded, and {word_list(combined, 'and')} in its pool "
              f"{'is' if len(combined) == 1 else 'are'} counted by several units together: such an "
              "equivalent has no grade of its own", q.qan_span,
              "record the unit the learner holds as the one it counts as, with the grade the awarding body "
              "gave it, or keep the combined equivalence for pass-only qualifications")
    components = {unit for row in q.grading.rows for unit, _ in row.components}
    tabled = [ref for ref in counted_as(ruleset.equivalences) if ref in components and ref not in combined]
    if tabled:
        error("QR189", f"{q.qan} is graded by a table of components' grades, and its component "
              f"{word_list(tabled, 'and')} {'has' if len(tabled) == 1 else 'have'} an equivalence: the table "
              "cannot weigh an equivalent's grade against the component's own", q.qan_span,
              "record the unit the learner holds as the component itself, with its grade, or grade the "
              "qualification by points")


def _repeats(items: list[tuple[m.NameRef, str]]) -> Iterator[tuple[tuple[m.NameRef, str], tuple]]:
    seen: dict[str, tuple] = {}
    for item in items:
        key = item[1].casefold()
        if key in seen:
            yield item, seen[key]
        seen.setdefault(key, item)


# ---- compiling -------------------------------------------------------------------------------------

def compile_equivalents(ruleset: m.Ruleset, catalogue, pool: tuple[m.Unit, ...], units: tuple[PoolUnit, ...],
                        ) -> tuple[tuple[PoolUnit, ...], Equivalents | None]:
    """The pool units of a qualification's equivalents, after its own `units`, and their description; None
    when no equivalence counts as a pool unit."""
    index = {u.ref: i for i, u in enumerate(pool)}
    found: list[Equivalent] = []
    added: list[PoolUnit] = []
    for statement in ruleset.equivalences:
        originals = tuple(original_ref(n, catalogue) for n in statement.originals)
        for name in statement.replacements:
            replacement = original_ref(name, catalogue)
            if replacement not in index:
                continue
            target = units[index[replacement]]
            credits = target.credits
            if statement.credit is m.EquivalentCredit.OWN:
                credits = sum(catalogue.units[o].credits or 0 for o in originals)
            found.append(Equivalent(len(units) + len(added), replacement, originals, statement.credit, statement,
                                    carries_credit=credits is not None))
            added.append(attrs.evolve(target, credits=credits))
    if not found:
        return units, None
    outside = {o.casefold(): o for e in found for o in e.originals if o not in index}
    column = ruleset.approval_columns[0].name if ruleset.approval_columns else None
    return units + tuple(added), Equivalents(tuple(found), len(units), outside, index, column)


def with_equivalents(requirements: tuple[Requirement, ...], units: tuple[PoolUnit, ...],
                     equivalents: Equivalents, index: dict[str, int]) -> tuple[Requirement, ...]:
    """The requirements with each equivalent standing wherever the unit it counts as stands, followed by the
    caps that keep one achievement from counting twice."""
    standing = _standing(equivalents, index)
    return (tuple(_stand_in(r, units, standing) for r in requirements)
            + _caps(equivalents, index, standing))


def graded_pool(pool: tuple[m.Unit, ...], units: tuple[PoolUnit, ...], equivalents: Equivalents,
                index: dict[str, int], compensation: Linear | None) -> tuple[tuple[m.Unit, ...], Linear | None]:
    """For a graded qualification: the pool with each equivalent after it, as the unit it counts as with the
    equivalent's credit (so its points are that unit's, per credit at its own credit under `with its own
    credit`), and the allowance of units below a pass with the equivalents standing in it too."""
    graded = pool + tuple(attrs.evolve(pool[index[e.replacement]], credits=units[e.index].credits)
                          for e in equivalents.units)
    if compensation is not None:
        compensation = _stand_in(compensation, units, _standing(equivalents, index))
    return graded, compensation


def _standing(equivalents: Equivalents, index: dict[str, int]) -> dict[int, list[int]]:
    """The equivalents of each pool unit, by pool index."""
    standing: dict[int, list[int]] = {}
    for equivalent in equivalents.units:
        standing.setdefault(index[equivalent.replacement], []).append(equivalent.index)
    return standing


def _stand_in(requirement: Requirement, units: tuple[PoolUnit, ...], standing: dict[int, list[int]]) -> Requirement:
    """The requirement with each equivalent standing wherever the unit it counts as stands."""
    def widened(members: tuple[int, ...]) -> tuple[int, ...]:
        return members + tuple(e for i in members for e in standing.get(i, ()))

    if isinstance(requirement, Linear):
        members = widened(requirement.members)
        weights = requirement.weights + tuple(unit_measure(units[i], requirement.measure)
                                              for i in members[len(requirement.members):])
        return attrs.evolve(requirement, members=members, weights=weights)
    if isinstance(requirement, Barred):
        return attrs.evolve(requirement, first=widened(requirement.first), second=widened(requirement.second))
    return attrs.evolve(requirement, options=tuple(tuple(_stand_in(r, units, standing) for r in o)
                                                   for o in requirement.options))


def _cap(members: tuple[int, ...], span: m.Span, text: str, reason: str, units: tuple[str, ...]) -> Linear:
    names = tuple(m.NameRef(ref, False, span) for ref in units)
    rule = m.Quantity(m.Measure.UNITS, m.Bound(None, 1), m.UnitSet(names, span), None, span)
    return Linear(rule, text, text, m.Measure.UNITS, members, (1,) * len(members), None, 1, equivalence=reason)


def _caps(equivalents: Equivalents, index: dict[str, int], standing: dict[int, list[int]]) -> tuple[Linear, ...]:
    caps = []
    by_index = {e.index: e for e in equivalents.units}
    for target, stand_ins in standing.items():
        ref = by_index[stand_ins[0]].replacement
        caps.append(_cap((target, *stand_ins), by_index[stand_ins[0]].statement.span,
                         f"unit {ref} counts once: as itself or by one equivalence",
                         f"{ref} counts once, and the claim counts it already", (ref,)))
    # Each original's uses: itself (when in the pool), and each statement's equivalents of it.
    uses: dict[str, dict[int, list[int]]] = {}
    for equivalent in equivalents.units:
        for original in equivalent.originals:
            uses.setdefault(original, {}).setdefault(id(equivalent.statement), []).append(equivalent.index)
    for original, statements in uses.items():
        groups = ([[index[original]]] if original in index else []) + list(statements.values())
        if len(groups) < 2:
            continue
        span = by_index[groups[-1][0]].statement.span
        text = f"unit {original} counts once: as itself or as the units one equivalence gives"
        reason = f"{original} counts already, as itself or by another equivalence"
        if all(len(g) == 1 for g in groups):
            caps.append(_cap(tuple(g[0] for g in groups), span, text, reason, (original,)))
        else:
            # One statement may give several replacements at once: no two statements' uses together.
            for first, second in itertools.combinations(groups, 2):
                for pair in itertools.product(first, second):
                    caps.append(_cap(pair, span, text, reason, (original,)))
    return tuple(caps)


# ---- lint ------------------------------------------------------------------------------------------

def lint_equivalences(ruleset: m.Ruleset, catalogue) -> Iterator[Diagnostic]:
    """QR423 for equivalences that come back to where they started; QR424 for one that counts as no unit of
    any qualification's pool."""
    pooled = {u.ref for q in ruleset.qualifications if q.pool is not None for u in catalogue.resolve_set(q.pool)}
    declared = {*catalogue.units, *catalogue.by_ofqual}
    edges: dict[str, list[tuple[str, m.Equivalence]]] = {}
    for statement in ruleset.equivalences:
        for original in statement.originals:
            for replacement in statement.replacements:
                # A unit counting as itself is the checker's error (QR186), not a cycle to warn of as well.
                if original_ref(replacement, catalogue).casefold() != original_ref(original, catalogue).casefold():
                    edges.setdefault(original_ref(original, catalogue).casefold(), []).append(
                        (original_ref(replacement, catalogue), statement))
        unused = [n.name for n in statement.replacements if n.name in declared
                  and original_ref(n, catalogue) not in pooled]
        if unused and len(unused) == len(statement.replacements):
            yield _diagnostic("QR424", Severity.WARNING,
                              f"{word_list(unused, 'and')} {'is' if len(unused) == 1 else 'are'} in no "
                              "qualification's pool, so this equivalence can never count", ruleset.path,
                              statement.span, "check the unit it counts as against the specification's table, "
                              "or delete the equivalence")
    reported: set[frozenset[str]] = set()
    for statement in ruleset.equivalences:
        start = original_ref(statement.originals[0], catalogue)
        cycle = _cycle_from(start, edges)
        if cycle is None or frozenset(c.casefold() for c in cycle) in reported:
            continue
        reported.add(frozenset(c.casefold() for c in cycle))
        path = " counts as ".join([*cycle, cycle[0]])
        yield _diagnostic("QR423", Severity.WARNING, f"these equivalences come back to where they started: {path}",
                          ruleset.path, statement.span,
                          "equivalences are not chained, so a unit never counts as itself through them; a "
                          "specification's table accepts old units in place of new ones: keep the direction it "
                          "gives and delete the other")


def _cycle_from(start: str, edges: dict[str, list[tuple[str, m.Equivalence]]]) -> list[str] | None:
    """The shortest chain of equivalences from `start` back to it, as the units passed; None when none."""
    paths = [[start]]
    seen = {start.casefold()}
    while paths:
        grown = []
        for path in paths:
            for nxt, _ in edges.get(path[-1].casefold(), ()):
                if nxt.casefold() == start.casefold():
                    return path
                if nxt.casefold() not in seen:
                    seen.add(nxt.casefold())
                    grown.append(path + [nxt])
        paths = grown
    return None


def _diagnostic(code: str, severity: Severity, message: str, file: str, span: m.Span, hint: str) -> Diagnostic:
    return Diagnostic(code, severity, message, Location(file, span.line, span.column, span.end_line,
                                                        span.end_column), hint)
