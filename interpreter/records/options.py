"""How to read a records file: what its columns and words mean and how its text is written.

Built from a mapping profile (or left at the defaults) and passed to every reader, whole-file and streamed.
"""

from __future__ import annotations

import json
from typing import Mapping

import attrs


@attrs.frozen
class ReadOptions:
    # A column name as the file writes it (case-folded, spaces as underscores) -> qualrules' field name.
    columns: Mapping[str, str] = attrs.field(factory=dict)
    # A result word as the file writes it (normalised as readers.normalised_result does) -> qualrules' word.
    result_words: Mapping[str, str] = attrs.field(factory=dict)
    # A unit cell as the file writes it (trimmed, case-folded) -> the catalogue's reference it stands for
    # (case-folded): an export's `Unit 501` for the catalogue's `501`.
    units: Mapping[str, str] = attrs.field(factory=dict)
    # A name `text.encoding_named` takes; None: told from the file's bytes (records/text.py).
    encoding: str | None = None
    # Comma, semicolon or tab (`text.delimiter_named`); None: sniffed from the header.
    delimiter: str | None = None
    # Date forms accepted besides the unambiguous ones every file may use, as `dates.DateForms.named` takes them.
    date_formats: tuple[str, ...] = ()
    # A unit in no loaded catalogue: "warn" (named once per file; it cannot count) or "error" (QR501).
    unknown_units: str = "warn"
    # Where a fix to the mapping belongs, for hints: the profile file in use and the prefix of its tables
    # ("tool.qualrules." in a pyproject.toml).
    profile_file: str = "qualrules.toml"
    profile_tables: str = ""

    def unit_key(self, cell: str) -> str:
        """The key a unit cell (trimmed) is looked up by among the catalogues' case-folded references: the
        reference `units` maps it to, or the cell itself."""
        folded = cell.casefold()
        return self.units.get(folded, folded)

    def fix(self, table: str, *mappings: tuple[str, str]) -> str:
        """A hint giving the profile lines that map each key to its value under `table`."""
        lines = "  and  ".join(f"{toml_string(key)} = {toml_string(value)}" for key, value in mappings)
        return f"add  {lines}  under [{self.profile_tables}{table}] in {self.profile_file}"


DEFAULT_OPTIONS = ReadOptions()


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (JSON's escapes are TOML's, but for a lone surrogate)."""
    return json.dumps(text, ensure_ascii=False)
