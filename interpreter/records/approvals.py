"""An exemption's approval, as a record row gives it in the column a ruleset declares
(`approval column "Approved"`, docs/language.md "Unit equivalences")."""

from __future__ import annotations

from typing import Any

# What a provider's spreadsheet writes in an approval column, case and spaces aside.
APPROVED = frozenset({"yes", "y", "true", "approved", "1"})
NOT_APPROVED = frozenset({"no", "n", "false", "not approved", "refused", "0"})


def column_key(name: str) -> str:
    """A column's name as a header is matched: case-folded, each run of white space (a no-break space pasted
    from a document, a tab, two spaces) as one underscore."""
    return "_".join(name.split()).casefold()


def approval(value: Any) -> bool | None:
    """True or False for a cell that says, None for an empty one; raises ValueError for any other text."""
    text = " ".join(str(value).split()).casefold() if value is not None else ""
    if not text:
        return None
    if text in APPROVED:
        return True
    if text in NOT_APPROVED:
        return False
    raise ValueError(text)
