"""JSON laid out exactly as `json.dumps(..., indent=2)` lays it out, made without the standard library's
indenting encoder, which is written in Python and slow; verdicts for whole cohorts are written with it."""

from __future__ import annotations

import json


def array_element(value) -> str:
    """`value` laid out as `json.dumps(a_list, indent=2)` lays out an element of the list."""
    return "  " + indented(value, "  ")


def indented(value, indent: str) -> str:
    """`value` as `json.dumps(value, indent=2)` lays it out when it starts `indent` deep."""
    leaf = _LEAVES.get(type(value))
    if leaf is not None:
        return leaf(value)
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = []
        for key, item in value.items():
            leaf = _LEAVES.get(type(item))
            items.append(json_string(key) + ": " + (leaf(item) if leaf is not None else indented(item, inner)))
        return "{\n" + inner + (",\n" + inner).join(items) + "\n" + indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(isinstance(item, str) for item in value):  # the usual list: unit references, reasons
            items = map(json_string, value)
        else:
            items = (indented(item, inner) for item in value)
        return "[\n" + inner + (",\n" + inner).join(items) + "\n" + indent + "]"
    if isinstance(value, str):
        return json_string(value)
    if value is None or isinstance(value, bool):
        return _JSON_CONSTANTS[value]
    if isinstance(value, int):
        return int.__repr__(value)  # as json.dumps writes an int (never an int subclass's own repr)
    return json.dumps(value)


_JSON_CONSTANTS = {None: "null", True: "true", False: "false"}
# What `json.dumps` does with a string (ASCII, as by default), without its per-call set-up.
json_string = json.encoder.encode_basestring_ascii
# Values written without looking further, by their exact type: most of what a verdict holds.
_LEAVES = {str: json_string, int: int.__repr__, bool: _JSON_CONSTANTS.__getitem__,
           type(None): _JSON_CONSTANTS.__getitem__}
