"""Plain-text tables: cells padded to their column's width, two spaces between columns."""

from __future__ import annotations

from typing import Collection, Sequence


def align_columns(rows: Sequence[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """Each row as one line; columns in `right` are right-aligned, the rest left-aligned; no trailing spaces."""
    if not rows:
        return []
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    return ["  ".join(cell.rjust(widths[k]) if k in right else cell.ljust(widths[k]) for k, cell in enumerate(row))
            .rstrip() for row in rows]
