"""Unit prerequisites (`requires A` under a unit): the unit counts only when each unit it requires was achieved
on or before it. The checker's rules for them, and the standing of each unit a learner holds, worked out before
any claim is chosen, so both engines see only units that can count (docs/semantics.md "Prerequisites")."""

from __future__ import annotations

import datetime as dt
from typing import Callable, Iterator, Mapping, Sequence

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import did_you_mean
from qualrules.interpreter.equivalences import equivalence_text, original_ref
from qualrules.interpreter.wording import word_list


def check_prerequisites(ruleset: m.Ruleset, catalogue, known_units: Sequence[str],
                        error: Callable[..., None]) -> None:
    """Each unit named by `requires` is a unit of the file other than the unit itself, and no chain of
    prerequisites comes back to where it started, through the units required or the equivalences that stand
    for them."""
    for unit in ruleset.units:
        for ref in unit.prerequisite.units if unit.prerequisite else ():
            found = catalogue.unit_named(ref.name)
            if found is None:
                error("QR190", f"unit {unit.ref} requires `{ref.name}`, which is not a unit in this file", ref.span,
                      hint=did_you_mean(ref.name, known_units) or "a prerequisite names a unit of the same file")
            elif found.ref == unit.ref:
                error("QR191", f"unit {unit.ref} requires itself", ref.span, hint="delete it from the `requires` line")
    by_ref = {u.ref: u for u in reversed(ruleset.units)}
    graph = prerequisite_graph(ruleset, catalogue.unit_named)
    for cycle in _cycles(graph):
        error("QR192", f"the prerequisites of units {' -> '.join(cycle + (cycle[0],))} form a cycle, so none of "
              "them can ever count", by_ref[cycle[0]].prerequisite.span,
              hint="check the prerequisites against the specification: one of these units must come first")
    for statement, original, steps in _cycles_through_equivalences(ruleset, catalogue, graph):
        error("QR192", f"the prerequisites form a cycle through an equivalence: {word_list(steps, 'and')}, so "
              f"{original} would be its own prerequisite", statement.span,
              hint="a unit cannot stand for a unit it must come after: check the equivalence and these "
                   "prerequisites against the specification, and delete the one it does not give")


def _cycles_through_equivalences(ruleset: m.Ruleset, catalogue, graph: Mapping[str, tuple[str, ...]]
                                 ) -> list[tuple[m.Equivalence, str, list[str]]]:
    """Each equivalence by which a unit would stand for a unit it must come after (`unit 204 counts as 201`
    where 204 requires 203 and 203 requires 201), with that original and the steps of the first such cycle.
    `standings` decides a unit from the units it requires and the originals standing for them, so a cycle
    along those would never end."""
    statements = [(s, tuple(original_ref(n, catalogue) for n in s.originals),
                   {original_ref(n, catalogue) for n in s.replacements}) for s in ruleset.equivalences]
    # What decides a unit's standing, each with the steps that lead there.
    edges: dict[str, list[tuple[str, list[str]]]] = {}
    for ref, required in graph.items():
        for r in required:
            edges.setdefault(ref, []).append((r, [f"{ref} requires {r}"]))
            edges[ref].extend((o, [f"{ref} requires {r}", f"`{equivalence_text(s)}`"])
                              for s, originals, replaced in statements if r in replaced for o in originals)

    def closing(originals: tuple[str, ...], replaced: set[str]) -> Iterator[tuple[str, list[str]]]:
        """Each original that leads back to a unit requiring one of `replaced`, with the steps."""
        for ref, required in graph.items():
            for r in required:
                for original in originals if r in replaced else ():
                    path = _path(edges, original, ref)
                    if path is not None:
                        yield original, path + [f"{ref} requires {r}"]

    found = []
    for statement, originals, replaced in statements:
        cycle = next(closing(originals, replaced), None)
        if cycle is not None:
            found.append((statement, cycle[0], cycle[1] + [f"`{equivalence_text(statement)}`"]))
    return found


def _path(edges: Mapping[str, list[tuple[str, list[str]]]], start: str, goal: str) -> list[str] | None:
    """The steps of a shortest way from `start` to `goal` along `edges` (none when they are one unit), or None."""
    paths = {start: []}
    queue = [start]
    for node in queue:
        if node == goal:
            return paths[node]
        for target, steps in edges.get(node, ()):
            if target not in paths:
                paths[target] = paths[node] + steps
                queue.append(target)
    return None


def check_qualification_prerequisites(ruleset: m.Ruleset, error: Callable[..., None]) -> None:
    """Each `requires QAN achieved` names another qualification of the file, and none comes back to itself."""
    qans = [q.qan for q in ruleset.qualifications]
    graph = {}
    for qualification in ruleset.qualifications:
        for line in qualification.required_qualifications:
            if line.qan == qualification.qan:
                error("QR197", f"{qualification.qan} requires itself", line.qan_span, hint="delete the line")
            elif line.qan not in qans:
                error("QR197", f"{line.qan} is not a qualification of this file", line.qan_span,
                      hint=did_you_mean(line.qan, qans) or "a prerequisite qualification is declared in the same file")
        graph.setdefault(qualification.qan, tuple(line.qan for line in qualification.required_qualifications
                                                  if line.qan in qans and line.qan != qualification.qan))
    by_qan = {q.qan: q for q in reversed(ruleset.qualifications)}
    for cycle in _cycles(graph):
        first = next(line for line in by_qan[cycle[0]].required_qualifications if line.qan == cycle[1 % len(cycle)])
        error("QR198", f"the qualification prerequisites {' -> '.join(cycle + (cycle[0],))} form a cycle, so none "
              "of them can ever be achieved", first.span,
              hint="check them against the specifications: one of these qualifications must come first")


def prerequisite_graph(ruleset: m.Ruleset, unit_named: Callable[[str], m.Unit | None]) -> dict[str, tuple[str, ...]]:
    """Each unit with prerequisites, by unit reference, to the references of the units it requires (those that
    resolve to one other unit), in the order written."""
    graph = {}
    for unit in ruleset.units:
        if unit.prerequisite is None:
            continue
        required = []
        for ref in unit.prerequisite.units:
            found = unit_named(ref.name)
            if found is not None and found.ref != unit.ref and found.ref not in required:
                required.append(found.ref)
        graph.setdefault(unit.ref, tuple(required))
    return graph


def _cycles(graph: Mapping[str, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Each cycle of the graph once, as the units along it from the one met first (in the graph's order)."""
    state: dict[str, int] = {}  # 1: on the path being explored, 2: done
    found = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for target in graph.get(node, ()):
            if state.get(target) == 1:
                found.append(tuple(path[path.index(target):]))
            elif target not in state:
                visit(target, path)
        path.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])
    return found


def reachable(graph: Mapping[str, tuple[str, ...]], refs: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The part of the graph that the units `refs` lead into, in the graph's order: the prerequisites that can
    decide whether those units count."""
    kept: set[str] = set()
    stack = [ref for ref in refs if ref in graph]
    while stack:
        ref = stack.pop()
        if ref not in kept:
            kept.add(ref)
            stack.extend(r for r in graph[ref] if r in graph)
    return {ref: required for ref, required in graph.items() if ref in kept}


@attrs.frozen
class Standing:
    """Whether a unit held with prerequisites counts: True, False, or None where the record lacks a date needed
    to tell. `on` is the date it counts from (its first counting result on or after its prerequisites');
    `reason` says why it does not count, or what the record lacks."""

    counts: bool | None
    on: dt.date | None
    reason: str | None


@attrs.frozen
class StandIn:
    """An equivalence by which a record's units stand for a unit that another requires (`unit A counts as B`):
    the originals, by reference, and, where it counts only `when approved`, the record column that says so and
    the statement, for what a record lacks."""

    originals: tuple[str, ...]
    statement: str
    approval_column: str | None = None


def stand_ins(ruleset: m.Ruleset, catalogue, graph: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[StandIn, ...]]:
    """Each unit that `graph` names as a prerequisite, by reference, to the equivalences that count as it."""
    required = {ref for refs in graph.values() for ref in refs}
    column = ruleset.approval_columns[0].name if ruleset.approval_columns else None
    found: dict[str, list[StandIn]] = {}
    for statement in ruleset.equivalences:
        originals = tuple(original_ref(n, catalogue) for n in statement.originals)
        for name in statement.replacements:
            ref = original_ref(name, catalogue)
            if ref in required:
                found.setdefault(ref, []).append(StandIn(originals, equivalence_text(statement),
                                                         column if statement.approval else None))
    return {ref: tuple(ways) for ref, ways in found.items()}


def standings(dates: Mapping[str, Sequence[dt.date | None]], graph: Mapping[str, tuple[str, ...]],
              equivalents: Mapping[str, Sequence[StandIn]] | None = None,
              approved: Mapping[str, bool | None] | None = None) -> tuple[dict[str, Standing], dict[str, Standing]]:
    """The standing of each achieved unit (`dates`: reference to the dates of its counting results, None where
    undated) that has prerequisites, and of each unit required, as a prerequisite: the record holds it itself
    or by one of its `equivalents` (dated when the last of its originals is, and approved, by `approved`, where
    it needs approval). A prerequisite counts only when it counts itself, from its own date."""
    equivalents = equivalents or {}
    approved = approved or {}
    found: dict[str, Standing] = {}
    as_required: dict[str, Standing] = {}

    def standing(ref: str) -> Standing:
        if ref in found:
            return found[ref]
        own = dates[ref]
        known = sorted(d for d in own if d is not None)
        if ref not in graph:
            found[ref] = Standing(True, known[0] if known else None, None)
            return found[ref]
        needed = f"needed for `{requirement_text(ref, graph[ref])}`"
        refused, doubts, since = None, [], None
        for required in graph[ref]:
            before = held(required, needed)
            if before is None:
                refused = refused or f"requires {required}, which the record does not show achieved"
            elif before.counts is False:
                refused = refused or f"requires {required}, which does not count: {before.reason}"
            elif before.counts is None:
                doubts.append(before.reason)
            elif since is None or before.on > since:
                since = before.on
        if refused is not None:
            result = Standing(False, None, refused)
        elif doubts:
            result = Standing(None, None, doubts[0])
        else:
            after = [d for d in known if since is None or d >= since]
            if after:
                result = Standing(True, after[0], None)
            elif None in own:
                result = Standing(None, None, f"achievement date of {ref} ({needed})")
            else:
                latest = max((as_required[r].on, r) for r in graph[ref])
                result = Standing(False, None, f"achieved on {known[-1].isoformat()}, before its prerequisite "
                                               f"{latest[1]} was achieved on {latest[0].isoformat()}")
        found[ref] = result
        return result

    def held(required: str, needed: str) -> Standing | None:
        """How `required` stands as a prerequisite: counting from its earliest date, by itself or by an
        equivalent; None when the record holds it in neither way."""
        ways = [standing(required)] if required in dates else []
        for way in equivalents.get(required, ()):
            if all(o in dates for o in way.originals):
                ways.append(_by_equivalent(required, way, [standing(o) for o in way.originals], approved, needed))
        ways = [w if w.counts is not True or w.on is not None
                else Standing(None, None, f"achievement date of {required} ({needed})") for w in ways]
        dated = sorted((w for w in ways if w.counts), key=lambda w: w.on)
        result = next(iter(dated), None) or next((w for w in ways if w.counts is None), None) or \
            next(iter(ways), None)
        if result is not None:
            as_required[required] = result
        return result

    found_standings = {ref: standing(ref) for ref in dates if ref in graph}
    return found_standings, as_required


def _by_equivalent(required: str, way: StandIn, originals: list[Standing], approved: Mapping[str, bool | None],
                   needed: str) -> Standing:
    """How `required` stands by one equivalence whose originals the record holds, with their standings."""
    for original, before in zip(way.originals, originals):
        if before.counts is False:
            return Standing(False, None, f"{original}, which counts as {required}, does not count: {before.reason}")
        if way.approval_column is not None and approved.get(original) is False:
            return Standing(False, None, f"the exemption of {original} as {required} is not approved")
    for original, before in zip(way.originals, originals):
        if before.counts is None:
            return before
        if before.on is None:
            return Standing(None, None, f"achievement date of {original} ({needed})")
        if way.approval_column is not None and approved.get(original) is None:
            return Standing(None, None, f"approval of {original} in `{way.approval_column}` (needed for "
                                        f"`{way.statement}`)")
    return Standing(True, max(before.on for before in originals), None)


def requirement_text(ref: str, required: Sequence[str]) -> str:
    return f"{ref} requires {', '.join(required)}"


def prerequisite_sentences(graph: Mapping[str, tuple[str, ...]],
                           equivalents: Mapping[str, Sequence[StandIn]]) -> tuple[str, ...]:
    """Each prerequisite as `show` states it, in catalogue order, saying where an equivalent may stand for the
    unit required."""
    def named(ref: str) -> str:
        return f"{ref} (or a unit that counts as it)" if ref in equivalents else ref

    return tuple(f"{ref} counts only when {' and '.join(map(named, required))} "
                 f"{'was' if len(required) == 1 else 'were'} achieved on or before it."
                 for ref, required in graph.items())


def plan_limits(graph: Mapping[str, tuple[str, ...]], index: Mapping[str, int], refs: Sequence[str],
                held: frozenset[str], candidates: set[int]) -> tuple[set[int], list[tuple[int, int]]]:
    """Which pool units a plan may add, and the pairs (b, a) where adding b needs adding a too: a unit added
    counts only when each unit it requires counts already (`held`) or is added with it. A unit whose
    prerequisite is neither (outside the pool, excluded) cannot be added, nor can what requires it."""
    allowed = set(candidates)
    while True:
        implications = []
        refused = set()
        for b in allowed:
            for required in graph.get(refs[b], ()):
                if required in held:
                    continue
                a = index.get(required)
                if a is None or a not in allowed:
                    refused.add(b)
                else:
                    implications.append((b, a))
        if not refused:
            return allowed, sorted(implications)
        allowed -= refused
