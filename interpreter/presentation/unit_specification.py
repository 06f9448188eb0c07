"""A unit's own specification as `show` presents it: its learning outcomes and assessment criteria, numbered and
worded as the specification prints them, its sector subject area, whether simulation is permitted, and the
KSBs it maps to, and its barring code. Pure: model in, lines of text or JSON-ready dicts out."""

from __future__ import annotations

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.criteria import unit_ksbs


@attrs.frozen
class UnitSpecification:
    ref: str
    title: str
    outcomes: tuple[m.Outcome, ...]
    sector: m.Sector | None
    simulation: m.Simulation
    # Each KSB the unit maps to, with the title of its standard.
    ksbs: tuple[tuple[str, m.Ksb], ...]
    # The unit's barring code; None with `barring_stated` is the specification's "not barred".
    barring: str | None = None
    barring_stated: bool = False

    @classmethod
    def of(cls, unit: m.Unit, ruleset: m.Ruleset) -> "UnitSpecification":
        ksbs = tuple((standard.title, ksb) for standard, ksb in unit_ksbs(unit, ruleset))
        return cls(unit.ref, unit.title, unit.outcomes, unit.sector, unit.simulation, ksbs, unit.barring,
                   unit.barring_span is not None)

    @property
    def declares_anything(self) -> bool:
        return bool(self.outcomes or self.sector or self.ksbs or self.simulation is not m.Simulation.NOT_STATED
                    or self.barring_stated)

    def lines(self) -> list[str]:
        """The unit's heading, then its details indented two spaces (outcomes first, as the specification's table
        comes first, each criterion under its outcome)."""
        out = [f"{self.ref} {self.title}"]
        if self.outcomes:
            out.append("  Learning outcomes and assessment criteria")
        for outcome in self.outcomes:
            out.append(f"    {outcome_heading(outcome)}")
            out.extend(f"       {c.number}  {c.text}" for c in outcome.criteria)
        if self.sector is not None:
            out.append(f"  Sector: {' '.join(filter(None, (self.sector.code, self.sector.title)))}")
        out.append(f"  Simulation: {self.simulation.value}")
        if self.barring_stated:
            out.append(f"  Barring code: {self.barring if self.barring is not None else 'not barred'}")
        standards = list(dict.fromkeys(title for title, _ in self.ksbs))
        if not standards:
            out.append("  KSBs: not linked to an apprenticeship standard")
        for title in standards:
            out.append(f"  KSBs of {title}:")
            out.extend(f"    {ksb.code}  {ksb.text}" for standard, ksb in self.ksbs if standard == title)
        return out

    def to_json(self) -> dict:
        return {
            "sector": None if self.sector is None else {"code": self.sector.code, "title": self.sector.title},
            "simulation": self.simulation.value,
            "outcomes": [
                {"number": o.number, "kind": o.kind.value, "text": o.text,
                 "criteria": [{"number": c.number, "text": c.text} for c in o.criteria]}
                for o in self.outcomes
            ],
            "ksbs": [{"standard": title, "code": ksb.code, "text": ksb.text} for title, ksb in self.ksbs],
            # {"code": null} is the specification's "not barred"; null, no barring stated.
            "barring": {"code": self.barring} if self.barring_stated else None,
        }


def outcome_heading(outcome: m.Outcome) -> str:
    """`1. Understand effective communication in sales (knowledge)`: the outcome as the specification's table
    prints it, with its stated kind."""
    return f"{outcome.number}. {outcome.text} ({outcome.kind.value})"
