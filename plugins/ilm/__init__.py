"""The Institute of Leadership and Management (ILM)."""

import re

from qualrules.plugins import AwardingBody, RefFormat


class ILM(AwardingBody):
    name = "ILM"
    title = "The Institute of Leadership and Management"
    ruleset_package = "qualrules.rulesets.ilm"
    # ILM's two published schemes: VRQ unit numbers, a four-digit scheme, a dash and a three-digit unit
    # (8570-228, 8750-300); and the unit codes of its newer leadership and management qualifications, a
    # letter, the level, a full stop and a two-digit unit (D5.01).
    unit_ref_formats = (RefFormat("ILM unit number", re.compile(r"\d{4}-\d{3}"), "8750-300"),
                        RefFormat("ILM unit code", re.compile(r"[A-Z][1-8]\.\d{2}"), "D5.01"))
    # "Criterion assessment applies to all units within this qualification (i.e. the learner must adequately
    # evidence each assessment criterion)" (Assessments). The criteria are in ILM's unit mark sheets, not the
    # specification, so the bundled units declare none and their results are given directly.
    criterion_assessment = True
