"""The cohort report's criterion progress: for a learner with an achievement log, the units that do not count
yet with their criteria met out of the total; a cohort without logs gets the page it always did."""

from __future__ import annotations

from criteria_demo import CERTIFICATE, RULESET, every, logged, met, signed
from qualrules.interpreter.presentation.report import cohort_reports, html_report, with_criteria_progress
from qualrules.interpreter.records.readers import Records
from test_report import elements, find, outline, subtree

COUNTS = {"pass"}.__contains__


def page(*learners) -> str:
    records = Records(tuple(l.id for l in learners), tuple(learners), {}, ())
    entries = with_criteria_progress(cohort_reports(CERTIFICATE, records, COUNTS), CERTIFICATE, RULESET, records)
    return html_report(CERTIFICATE, entries)


def test_units_in_progress_show_their_criteria_met_out_of_the_total(snapshot):
    learner = logged("A1", every("L3B1", but=("2.2",)) + every("L3B2", 5) + [met("L3S2", "1.1", 8)]
                     + every("L3S1", 9), [signed("L3B2", 10)])
    html = page(learner)
    found = elements(html)
    [table] = find(found, "table", "criteria-progress")
    assert outline(html[html.index('<table class="criteria-progress">'):html.index("</table>", html.index(
        '<table class="criteria-progress">')) + 8]) == snapshot
    cells = [[e.text[0] for e in subtree(found, tr) if e.tag in ("th", "td")] for tr in find(subtree(found, table), "tr")]
    assert cells[1:] == [
        ["L3B1", "Understand Sales Communication", "3 / 4", "in progress"],
        ["L3S1", "Plan a Sales Call", "3 / 3",
         "every criterion met, not yet signed off by the assessor and the learner, so it does not count yet"],
        ["L3S2", "Close a Sale", "1 / 2", "in progress"],
    ]


def test_a_cohort_without_logs_gets_the_page_it_always_did():
    plain = logged("P1", results=("L3B1", "L3S1"))
    records = Records(("P1",), (plain,), {}, ())
    entries = cohort_reports(CERTIFICATE, records, COUNTS)
    assert page(plain) == html_report(CERTIFICATE, entries)
    assert "criteria-progress" not in page(plain)
