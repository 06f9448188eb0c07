"""Barring codes: of the units sharing one, a claim counts at most one. The engines see each shared code as a
cap of one unit (interpreter/engine/compiler.py); this module holds what lint says about the codes."""

from __future__ import annotations

from typing import Iterator

from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity


def units_by_code(units: tuple[m.Unit, ...]) -> dict[str, list[m.Unit]]:
    """The units carrying each barring code, in catalogue order; codes compare ignoring letter case."""
    sharing: dict[str, list[m.Unit]] = {}
    for unit in units:
        if unit.barring is not None:
            sharing.setdefault(unit.barring.casefold(), []).append(unit)
    return sharing


def lint_barring(ruleset: m.Ruleset) -> Iterator[Diagnostic]:
    for (unit,) in (units for units in units_by_code(ruleset.units).values() if len(units) == 1):
        span = unit.barring_span
        yield Diagnostic(
            "QR170", Severity.WARNING,
            f"barring code {unit.barring} is on unit {unit.ref} only, so it bars nothing",
            Location(ruleset.path, span.line, span.column, span.end_line, span.end_column),
            "a barring code bars the units that share it: check the code against the specification, or write "
            "`not barred` where the specification marks the unit as barring no other")
