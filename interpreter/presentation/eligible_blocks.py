"""`eligible`'s results for one block of learners, in the output format, made in the process that planned the
block: a block's plans are far more objects than text, so they are written out where they are made, and
only the text (or a spreadsheet's cells) goes to the process that writes the file."""

from __future__ import annotations

from typing import Sequence

import attrs

from qualrules.interpreter.diagnostics import Diagnostic
from qualrules.interpreter.engine.journeys import Distance
from qualrules.interpreter.presentation.journeys_text import eligibility_json_elements, eligibility_text
from qualrules.interpreter.presentation.tabular import Cell, csv_text, eligible_cells, error_cells
from qualrules.interpreter.presentation.terminal import fit

EligibleRows = Sequence[tuple[str, Sequence[Distance] | Sequence[Diagnostic]]]


@attrs.frozen
class EligibleText:
    """A block's results: text for people (fitted to `columns`), JSON array elements or CSV lines; or, for a
    spreadsheet, the cells of its results sheet and of its errors sheet."""

    text: str = ""
    results: tuple[tuple[Cell, ...], ...] = ()
    errors: tuple[tuple[Cell, ...], ...] = ()


def eligible_text(rows: EligibleRows, output_format: str, columns: int | None,
                  problems: Sequence[Diagnostic] = ()) -> EligibleText:
    """Each learner's distances (or record errors) of a block, in `output_format`: text, json, csv or xlsx;
    a spreadsheet's errors sheet has the `problems` too, the errors of rows that name no learner."""
    if output_format == "json":
        return EligibleText(eligibility_json_elements(rows))
    if output_format == "csv":
        return EligibleText(csv_text(eligible_cells(rows)))
    if output_format == "xlsx":
        return EligibleText(results=tuple(eligible_cells(rows)), errors=tuple(
            cells for learner, entries in rows if entries and isinstance(entries[0], Diagnostic)
            for cells in error_cells(learner, entries)) + tuple(error_cells("", problems)))
    return EligibleText("\n".join(fit(eligibility_text(rows).split("\n"), columns)))
