"""The Institute of Leadership and Management (ILM)."""

import re

from qualrules.plugins import AwardingBody, RefFormat


class ILM(AwardingBody):
    name = "ILM"
    title = "The Institute of Leadership and Management"
    ruleset_package = "qualrules.rulesets.ilm"
    # ILM VRQ unit numbers: a four-digit scheme, a dash, a three-digit unit (8570-228, 8750-300).
    unit_ref_formats = (RefFormat("ILM unit number", re.compile(r"\d{4}-\d{3}"), "8750-300"),)
