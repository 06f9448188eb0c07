"""What a records file's own names probably mean: the column headings, result words and unit references
providers' systems write, for `qualrules init` to propose and for hints to show. Never used to read a record:
a file is read only by what it says or what its profile maps."""

from __future__ import annotations

import difflib
import re
from typing import Iterable

from qualrules.interpreter.records.approvals import column_key
from qualrules.interpreter.records.readers import FIELDS, normalised_result

# Headings (case-folded, spaces as underscores) that systems write for each field.
FIELD_SYNONYMS = {
    "learner": ("learner_id", "learner_ref", "learner_reference", "learner_number", "student", "student_id",
                "student_ref", "candidate", "candidate_id", "candidate_number", "uln", "id"),
    "unit": ("unit_ref", "unit_reference", "unit_code", "unit_id", "unit_number", "unit_no", "module",
             "module_code", "component", "component_code"),
    "result": ("outcome", "grade", "unit_result", "unit_outcome", "unit_grade", "result_code"),
    "achieved_on": ("achievement_date", "achieved", "achieved_date", "date_achieved", "outcome_date",
                    "result_date", "completion_date", "completed_on", "date"),
    "registered_on": ("registration_date", "registered", "date_registered", "start_date", "started_on",
                      "enrolment_date", "enrollment_date", "enrolled_on"),
    "date_of_birth": ("dob", "birth_date", "birthdate", "d.o.b", "d.o.b."),
}

# Result words (normalised) that systems write, by the qualrules word they stand for.
RESULT_SYNONYMS = {
    "pass": ("p", "passed", "achieved", "ach", "complete", "completed", "competent"),
    "merit": ("m",),
    "distinction": ("d", "dist"),
    "exemption": ("exempt", "rpl", "apl", "recognition of prior learning", "exempted"),
    "credit transfer": ("ct", "transfer", "transferred", "credit transferred"),
    "referred": ("referral", "refer", "r", "ref", "not yet achieved", "nya", "not yet competent", "nyc",
                 "resubmit", "resubmission"),
    "fail": ("f", "failed", "u", "unclassified", "not achieved"),
    "withdrawn": ("w", "wd", "withdraw", "withdrew", "left", "dropped out"),
}

# A word an export writes before a unit's reference: "Unit 501", "Unit No. 501", "Unit: 501", "Module 3".
_UNIT_WORD = re.compile(r"(?:unit|module|component)(?:\s*(?:no|number|ref|reference|code)\b)?", re.IGNORECASE)
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")

_FIELD_OF = {synonym: field for field, synonyms in FIELD_SYNONYMS.items() for synonym in synonyms}
_WORD_OF = {synonym: word for word, synonyms in RESULT_SYNONYMS.items() for synonym in synonyms}


def field_match(heading: str) -> tuple[str, int] | None:
    """The field a column heading probably holds, and how sure that is (0: its name, 1: a heading systems
    write for it, 2: a heading close to one of those)."""
    key = column_key(heading)
    if key in FIELDS:
        return key, 0
    if key in _FIELD_OF:
        return _FIELD_OF[key], 1
    close = difflib.get_close_matches(key, [*FIELDS, *_FIELD_OF], n=1, cutoff=0.75)
    return ((close[0] if close[0] in FIELDS else _FIELD_OF[close[0]]), 2) if close else None


def likely_field(heading: str) -> str | None:
    """The field a column heading probably holds, if any."""
    match = field_match(heading)
    return match[0] if match else None


def likely_word(word: str) -> str | None:
    """The qualrules result word a result cell probably stands for, when it is a common synonym."""
    return _WORD_OF.get(normalised_result(word))


def likely_units(cell: str, refs: Iterable[str]) -> list[str]:
    """The references of `refs` (as the catalogues write them) a unit cell probably stands for: those it is
    with a leading word (`Unit`, `Unit No.`, `Unit:`), spaces and punctuation left out, in any letter case,
    a reference also without its scheme prefix (`8570-` of `8570-228`, as an export may write `Unit 228`)."""
    written = cell.strip()
    word = _UNIT_WORD.match(written)
    forms = {_compact(written), _compact(written[word.end():]) if word else ""} - {""}
    found = set()
    for ref in refs:
        prefix, _, number = ref.rpartition("-")
        if _compact(ref) in forms or prefix and _compact(number) in forms:
            found.add(ref)
    return sorted(found)


def _compact(text: str) -> str:
    """Letters and digits alone, case-folded."""
    return _NOT_ALPHANUMERIC.sub("", text.casefold())
