"""The examples each command's `--help` ends with: real command lines, which run from a checkout of the
repository as they are written (tests/test_help.py runs them)."""

from __future__ import annotations

EXAMPLES = {
    "qualrules": [
        ("check examples/cohort.csv -q 610/3788/6", "verdicts for a cohort, as a table"),
        ("list", "the installed awarding bodies and qualifications"),
        ("check --help", "a command's options, with examples"),
    ],
    "check": [
        ("check examples/cohort.csv -q 610/3788/6 -q 610/3791/6", "a table of verdicts"),
        ("check examples/cohort.csv -q 610/3788/6 -o results.xlsx", "a workbook: results and errors"),
        ("check examples/cohort.csv -q 610/3788/6 --format csv", "CSV on standard output"),
    ],
    "report": [
        ("report examples/cohort.csv -q 610/3788/6 -o cohort.html", "one page for a manager"),
        ("report examples/cohort.csv -q 610/3788/6 -o -", "the page on standard output"),
    ],
    "lint": [
        ("lint rulesets/isp/professional-sales-l3.qual", "static checks of a ruleset"),
        ("lint --bundled --strict", "the installed rulesets; warnings fail too"),
    ],
    "list": [
        ("list", "awarding bodies and qualifications"),
        ("list --format json", "the same, for programs"),
    ],
    "fmt": [
        ("fmt --check rulesets/isp/professional-sales-l3.qual", "is it in the canonical layout?"),
        ("fmt --diff rulesets/ilm/sales-management-l2.qual", "what rewriting it would change"),
    ],
    "show": [
        ("show 610/3788/6", "a qualification as its specification reads"),
        ("show 600/5929/1 --format json", "the same, for programs"),
    ],
    "explain": [
        ("explain examples/cohort.csv --learner A002 -q 610/3788/6", "why A002 has not achieved"),
        ("explain examples/cohort.csv --learner A001 -q 610/3788/6 --format json", "the same, for programs"),
    ],
    "plan": [
        ("plan examples/cohort.csv --learner A002 -q 610/3788/6", "the cheapest units to finish"),
        ("plan examples/cohort.csv --learner A002 -q 610/3788/6 --exclude L3S1", "without a unit not offered"),
        ("plan examples/cohort.csv --learner A002 -q 610/3788/6 --with L3L1", "what if A002 passes L3L1?"),
    ],
    "eligible": [
        ("eligible examples/cohort.csv --awarding-body ISP", "every ISP qualification, nearest first"),
        ("eligible examples/cohort.csv -o eligible.csv", "the same for every body, as CSV"),
    ],
    "log": [
        ("log examples/achievement-log.csv --learner A102 -q 610/3791/6 -o log.html", "A102's achievement log"),
        ("log examples/achievement-log.csv --learner A101 -q 610/3791/6 -o -", "the page on standard output"),
    ],
    "claim": [
        ("claim examples/achievement-log.csv -q 610/3791/6 -o claim.csv", "who may be claimed, as CSV"),
        ("claim examples/achievement-log.csv -q 610/3791/6 -o claim.xlsx", "the same as a workbook"),
    ],
    "init": [
        ("init examples/cohort.csv", "a qualrules.toml proposed from a records file, to review"),
        ("init examples/cohort.csv -o mis.toml", "the same, written to another file"),
    ],
}


def epilog(command: str) -> str:
    """The `Examples:` section of a command's help, laid out as written (`\\b` stops click re-wrapping it)."""
    lines = [f"  # {what}\n  qualrules {line}" for line, what in EXAMPLES[command]]
    return "\b\nExamples:\n" + "\n".join(lines)
