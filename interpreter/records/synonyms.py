"""What a records file's own names probably mean: the column headings, result words and unit references
providers' systems write, for `qualrules init` to propose and for hints to show. Never used to read a record:
a file is read only by what it says or what its profile maps."""

from __future__ import annotations

import difflib
import re
from typing import Iterable

from qualrules.interpreter.records.approvals import column_key
from qualrules.interpreter.records.log_checks import CRITERION_RESULTS
from qualrules.interpreter.records.readers import FIELDS, normalised_result

# Headings (case-folded, spaces and hyphens as underscores) that systems write for each field; e-portfolios
# write an achievement log's.
FIELD_SYNONYMS = {
    "learner": ("learner_id", "learner_ref", "learner_reference", "learner_number", "student", "student_id",
                "student_ref", "candidate", "candidate_id", "candidate_number", "uln", "id"),
    "unit": ("unit_ref", "unit_reference", "unit_code", "unit_id", "unit_number", "unit_no", "module",
             "module_code", "component", "component_code"),
    "result": ("outcome", "grade", "unit_result", "unit_outcome", "unit_grade", "result_code", "status",
               "ac_status", "ac_result", "ac_outcome", "criterion_status", "criterion_result", "criteria_status",
               "assessment_outcome", "assessment_result"),
    "achieved_on": ("achievement_date", "achieved", "achieved_date", "date_achieved", "outcome_date",
                    "result_date", "completion_date", "completed_on", "date", "date_assessed", "assessed_on",
                    "assessed", "assessed_date", "assessment_date", "date_of_assessment", "date_met", "met_on",
                    "ac_date"),
    "registered_on": ("registration_date", "registered", "date_registered", "start_date", "started_on",
                      "enrolment_date", "enrollment_date", "enrolled_on", "reg_date", "date_enrolled"),
    "date_of_birth": ("dob", "birth_date", "birthdate", "d.o.b", "d.o.b."),
    # A QAN, or the learning aim reference that is a regulated qualification's QAN without its slashes.
    "qualification": ("qan", "qualification_number", "qualification_no", "qualification_ref",
                      "qualification_reference", "qualification_code", "qualification_id",
                      "qualification_accreditation_number", "qual", "qual_no", "qual_number", "qual_ref", "qual_code",
                      "learning_aim", "learning_aim_ref", "learning_aim_reference", "learnaimref", "aim_ref",
                      "aim_reference"),
    "criterion": ("ac", "ac_ref", "ac_reference", "ac_no", "ac_number", "ac_code", "assessment_criterion",
                  "assessment_criteria", "assessment_criterion_ref", "criterion_ref", "criterion_no",
                  "criterion_number", "criteria", "criteria_ref"),
    "evidence": ("evidence_ref", "evidence_reference", "evidence_location", "evidence_link", "evidence_id",
                 "portfolio_ref", "portfolio_reference"),
    "method": ("assessment_method", "evidence_method", "method_of_assessment", "assessment_type", "evidence_type",
               "method_used"),
    "assessor": ("assessor_name", "assessed_by", "assessor_id"),
    "simulated": ("simulation", "simulated_evidence", "sim", "simulation_used"),
    "signed_off_on": ("assessor_signed", "assessor_signed_on", "assessor_signed_off", "assessor_sign_off",
                      "assessor_sign_off_date", "assessor_signature_date", "assessor_declaration",
                      "assessor_declaration_date", "signed_off", "sign_off_date", "date_signed_off",
                      "unit_signed_off", "unit_sign_off_date"),
    "learner_signed_on": ("learner_signed", "learner_signed_off", "learner_sign_off", "learner_sign_off_date",
                          "learner_signature_date", "learner_declaration", "learner_declaration_date",
                          "learner_signed_date"),
    "iqa_verified_on": ("iqa_date", "iqa_verified", "iqa_verified_date", "iqa_verification_date",
                        "iqa_sign_off", "iqa_sign_off_date", "iqa_signed", "iqa_signed_off", "verified_on",
                        "date_verified", "verification_date", "iv_date"),
    "iqa_verifier": ("iqa", "iqa_name", "iqa_verifier_name", "iqa_by", "verified_by", "verifier", "iv", "iv_name",
                     "internal_verifier", "internal_quality_assurer"),
}
# Fields whose headings e-portfolios share, one for a date and one for a name (`IQA`, `IQA Verified`): which
# a column holds is told by its values (`told_by_values`).
DATE_OR_NAME = {"iqa_verified_on": "iqa_verifier", "iqa_verifier": "iqa_verified_on",
                "signed_off_on": "assessor", "assessor": "signed_off_on"}
DATE_FIELDS = frozenset({"iqa_verified_on", "signed_off_on"})

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
# Criterion result words (normalised) that e-portfolios write, by the criterion's own result word they stand
# for; those a unit row may write too (`Achieved`, `Referral`) are under RESULT_SYNONYMS.
CRITERION_SYNONYMS = {
    "not yet": ("in progress", "not started", "not yet met", "not assessed", "pending", "outstanding", "started",
                "awaiting assessment", "awaiting", "to do", "open", "not yet assessed"),
}

# A word an export writes before a unit's reference: "Unit 501", "Unit No. 501", "Unit: 501", "Module 3".
_UNIT_WORD = re.compile(r"(?:unit|module|component)(?:\s*(?:no|number|ref|reference|code)\b)?", re.IGNORECASE)
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")

_FIELD_OF = {synonym: field for field, synonyms in FIELD_SYNONYMS.items() for synonym in synonyms}
_WORD_OF = {synonym: word for word, synonyms in RESULT_SYNONYMS.items() for synonym in synonyms}
_CRITERION_WORD_OF = {synonym: word for word, synonyms in CRITERION_SYNONYMS.items() for synonym in synonyms}


def field_match(heading: str) -> tuple[str, int] | None:
    """The field a column heading probably holds, and how sure that is (0: its name, 1: a heading systems
    write for it, 2: a heading close to one of those)."""
    key = column_key(heading)
    if key in FIELDS:
        return key, 0
    loose = key.replace("-", "_")  # `Assessor Sign-off Date`
    if loose in _FIELD_OF:
        return _FIELD_OF[loose], 1
    close = difflib.get_close_matches(loose, [*FIELDS, *_FIELD_OF], n=1, cutoff=0.75)
    return ((close[0] if close[0] in FIELDS else _FIELD_OF[close[0]]), 2) if close else None


def told_by_values(field: str, dates: int, cells: int) -> str:
    """The field a column whose heading matches `field` holds, given how many of its `cells` (not empty) are
    dates: of a date field and a name field that e-portfolios head alike (DATE_OR_NAME), the one its values
    are, mostly; any other field, or a column without values, as its heading says."""
    if field not in DATE_OR_NAME or not cells:
        return field
    holds_dates = dates * 2 > cells
    return field if (field in DATE_FIELDS) == holds_dates else DATE_OR_NAME[field]


def likely_field(heading: str) -> str | None:
    """The field a column heading probably holds, if any."""
    match = field_match(heading)
    return match[0] if match else None


def likely_word(word: str) -> str | None:
    """The qualrules result word a result cell probably stands for, when it is a common synonym."""
    return _WORD_OF.get(normalised_result(word))


def likely_criterion_word(word: str) -> str | None:
    """The word a criterion's result cell probably stands for: a unit result word that is a criterion's too
    (`pass`, `referred`), so that one profile line reads the word on unit rows and criterion rows alike, or
    else a criterion's own (`not yet`)."""
    likely = likely_word(word)
    return likely if likely in CRITERION_RESULTS else _CRITERION_WORD_OF.get(normalised_result(word))


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


# Characters typed for one another because they look alike: a letter I or l for a one, an O for a zero.
_LOOK_ALIKE = str.maketrans({"i": "1", "l": "1", "|": "1", "o": "0"})


def look_alike_units(cell: str, refs: Iterable[str]) -> list[str]:
    """The references of `refs` a unit cell is once letters and digits that look alike are taken as one
    (`L3BI` for `L3B1`, `8570-2O5` for `8570-205`), also without a reference's scheme prefix (`2O5` for
    `8570-205`, as `likely_units` takes `205`), and it is not already."""
    compact = _compact(cell)
    written = compact.translate(_LOOK_ALIKE)
    found = set()
    for ref in refs:
        prefix, _, number = ref.rpartition("-")
        for form in map(_compact, (ref, number) if prefix else (ref,)):
            if form.translate(_LOOK_ALIKE) == written and form != compact:
                found.add(ref)
    return sorted(found)


def _compact(text: str) -> str:
    """Letters and digits alone, case-folded."""
    return _NOT_ALPHANUMERIC.sub("", text.casefold())
