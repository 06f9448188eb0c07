"""Plain-text tables: cells padded to their column's width, two spaces between columns."""

from __future__ import annotations

from typing import Collection, Sequence

from qualrules.interpreter.diagnostics import cut_to_width, display_width, padded

NARROWEST = 10


def align_columns(rows: Sequence[Sequence[str]], right: Collection[int] = (), width: int | None = None,
                  shrink: int | None = None) -> list[str]:
    """Each row as one line; columns in `right` are right-aligned, the rest left-aligned; no trailing spaces.
    Given a `width` the lines must fit, column `shrink` is narrowed (to NARROWEST characters at least), its
    longer cells cut short with `…`."""
    if not rows:
        return []
    widths = [max(display_width(row[k]) for row in rows) for k in range(len(rows[0]))]
    if width is not None and shrink is not None:
        excess = sum(widths) + 2 * (len(widths) - 1) - width
        widths[shrink] = min(widths[shrink], max(NARROWEST, widths[shrink] - excess))
        rows = [[cut_to_width(cell, widths[k]) if k == shrink else cell for k, cell in enumerate(row)]
                for row in rows]
    return ["  ".join(padded(cell, widths[k], k in right) for k, cell in enumerate(row)).rstrip() for row in rows]
