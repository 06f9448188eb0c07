"""How to read a records file: what its columns and words mean and how its text is written.

Built from a mapping profile (or left at the defaults) and passed to every reader, whole-file and streamed.
"""

from __future__ import annotations

from typing import Mapping

import attrs


@attrs.frozen
class ReadOptions:
    # A column name as the file writes it (case-folded, spaces as underscores) -> qualrules' field name.
    columns: Mapping[str, str] = attrs.field(factory=dict)
    # A result word as the file writes it (normalised as readers.normalised_result does) -> qualrules' word.
    result_words: Mapping[str, str] = attrs.field(factory=dict)
    # None: UTF-8 with or without a byte-order mark, or UTF-16 with one.
    encoding: str | None = None
    # None: sniffed from the header among comma, semicolon and tab.
    delimiter: str | None = None
    # Date forms accepted besides the unambiguous ones every file may use.
    date_formats: tuple[str, ...] = ()
    # A unit in no loaded catalogue: "warn" (named once per file; it cannot count) or "error" (QR501).
    unknown_units: str = "warn"


DEFAULT_OPTIONS = ReadOptions()
