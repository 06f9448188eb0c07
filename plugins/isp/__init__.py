"""The Institute of Sales Professionals (ISP)."""

import re

from qualrules.plugins import AwardingBody, RefFormat


class ISP(AwardingBody):
    name = "ISP"
    title = "Institute of Sales Professionals"
    ruleset_package = "qualrules.rulesets.isp"
    # L<level><quadrant: Business, Core, Leadership, Self><number>: L3B1, L4C2.
    unit_ref_formats = (RefFormat("ISP unit reference", re.compile(r"L[2-7][BCLS]\d+"), "L3B1"),)
