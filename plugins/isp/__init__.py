"""The Institute of Sales Professionals (ISP)."""

import re

from qualrules.plugins import AwardingBody, OutcomeKind, RefFormat


class ISP(AwardingBody):
    name = "ISP"
    title = "Institute of Sales Professionals"
    ruleset_package = "qualrules.rulesets.isp"
    # L<level><quadrant: Business, Core, Leadership, Self><number>: L3B1, L4C2.
    unit_ref_formats = (RefFormat("ISP unit reference", re.compile(r"L[2-7][BCLS]\d+"), "L3B1"),)
    # "Learners must achieve all the pass criteria across all units" (Qualification Assessment).
    criterion_assessment = True
    # The methods the specification names, from "Qualification Assessment" (its lists of examples for knowledge
    # criteria and for skills and behaviour criteria) and "Achievement Logs" (its "Assessment criteria" list
    # for learning outcomes, and "Knowledge Assessment Criteria"); "other" because "Assessors can use other
    # methods of assessment providing they are valid and reliable".
    evidence_methods = {
        OutcomeKind.KNOWLEDGE: frozenset({
            "assignment",               # "Assignment", "assignments/projects/reports"
            "portfolio",                # "Portfolio"
            "questioning",              # "Question and answer verbal", "record of oral and written questioning"
            "worksheet",                # "worksheets"
            "project",                  # "assignments/projects/reports"
            "report",                   # "assignments/projects/reports"
            "candidate and peer report",  # "candidate and peer reports"
            "professional discussion",  # "record of professional discussion"
            "other",
        }),
        OutcomeKind.SKILLS: frozenset({
            "observation",              # "Record of observation of performance in the workplace", "assessor observation"
            "witness testimony",        # "witness testimony", "Testimony from senior colleagues/clients"
            "professional discussion",  # "Professional discussion", "record of professional discussion"
            "reflective account",       # "Reflective account product evidence": two methods run together in the text
            "product evidence",
            "work based project",       # "Work based projects"
            "personal report",          # "Personal report of actions and circumstances"
            "special project",          # "Special project"
            "assignment",               # "Assignments"
            "questioning",              # "Records of questioning"
            "candidate and peer report",  # "candidate and peer reports"
            "other",
        }),
    }
