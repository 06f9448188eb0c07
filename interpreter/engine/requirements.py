"""The compiled forms of rules: index-based requirements over a qualification's pool, and the direct
check of a claim against them."""

from __future__ import annotations

from typing import Collection, Iterable, Union

import attrs

from qualrules.interpreter import model as m


@attrs.frozen
class PoolUnit:
    ref: str
    title: str
    level: int
    credits: int | None  # None: sized in GLH only
    glh: int | None
    tqt: int | None
    ofqual: str | None
    group: str | None


@attrs.frozen
class Linear:
    """Sum of a measure over `members` of the claim, within [minimum, maximum]."""

    rule: m.Rule
    text: str  # the rule in canonical wording
    label: str
    measure: m.Measure
    members: tuple[int, ...]
    weights: tuple[int, ...]
    minimum: int | None
    maximum: int | None
    # Set on the cap of one unit that a barring code places on the units sharing it: the code.
    barring: str | None = None
    # Set on the caps of one unit that equivalences place (interpreter/equivalences.py): why a unit they
    # keep out is not counted.
    equivalence: str | None = None
    # A sum over named units and groups (`from Group 2 or Group 3`): each name as written, with the pool
    # units it stands for, so an explanation can tell which of them can still give more.
    parts: tuple[tuple[str, tuple[int, ...]], ...] = ()


@attrs.frozen
class Barred:
    """The claim may not hold units from both sides."""

    rule: m.NotBoth
    text: str
    first: tuple[int, ...]
    second: tuple[int, ...]


@attrs.frozen
class Alternatives:
    """At least one option's requirements must all hold."""

    rule: m.Either
    text: str
    options: tuple[tuple["Requirement", ...], ...]


Requirement = Union[Linear, Barred, Alternatives]


def reported(requirements: Iterable[Requirement]) -> list[Requirement]:
    """The requirements a verdict gives an outcome for, in order: all but an equivalence's caps, which every
    claim meets (the verdict names the equivalents counted instead)."""
    return [r for r in requirements if not (isinstance(r, Linear) and r.equivalence is not None)]


def unit_measure(unit: PoolUnit, measure: m.Measure) -> int:
    """What one unit adds to a total of `measure`."""
    if measure is m.Measure.CREDITS:
        # The checker refuses credit rules over units without credits, so only the tie-break "the most
        # credits" (docs/semantics.md) meets one here, and to it such a unit adds none.
        return unit.credits or 0
    if measure is m.Measure.UNITS:
        return 1
    value = unit.glh if measure is m.Measure.GLH else unit.tqt
    assert value is not None, "the checker rejects GLH/TQT rules over units without those values"
    return value


def declared_total(values: Iterable[int | None]) -> int | None:
    """The sum of optional figures (GLH, TQT), or None when any is not declared: never a silent 0."""
    values = list(values)
    return None if None in values else sum(values)


def holds(requirements: Iterable[Requirement], claim: Collection[int]) -> bool:
    """Whether a claim meets every one of `requirements` (a direct check, no search)."""
    chosen = claim if isinstance(claim, (set, frozenset)) else set(claim)
    return all(_holds_one(r, chosen) for r in requirements)


def _holds_one(requirement: Requirement, chosen: Collection[int]) -> bool:
    if isinstance(requirement, Linear):
        total = sum(w for i, w in zip(requirement.members, requirement.weights) if i in chosen)
        return ((requirement.minimum is None or total >= requirement.minimum)
                and (requirement.maximum is None or total <= requirement.maximum))
    if isinstance(requirement, Barred):
        return not any(a != b for a in requirement.first if a in chosen for b in requirement.second if b in chosen)
    return any(holds(option, chosen) for option in requirement.options)
