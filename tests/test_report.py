"""`qualrules report`: the page's structure (snapshot), hand-checked standings and plans, escaping of hostile
records and rulesets, exit codes, the atomic write, the compact page of a big cohort, and both pages as a
real headless browser renders them."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import os
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from click.testing import CliRunner

from conftest import ISP_CERTIFICATE
from qualrules.cli import main
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.library import Library
from qualrules.interpreter.presentation.report import (
    DETAIL,
    SCRIPT,
    STYLE,
    Detail,
    cohort_reports,
    html_report,
)
from qualrules.interpreter.records.readers import Records, read_records
from qualrules.plugins import AwardingBody

# A seed cohort on the ISP Certificate (13-36 credits; 2 BUSINESS, 2 CORE, 1 LEADERSHIP or SELF unit; age 18+).
COHORT = """\
learner,unit,result,achieved_on,registered_on,date_of_birth
A001,L3B1,pass,2024-03-12,2024-01-15,1999-06-02
A001,L3B2,merit,2024-04-02,2024-01-15,1999-06-02
A001,L3C1,pass,2024-05-20,2024-01-15,1999-06-02
A001,L3C2,referred,2024-06-11,2024-01-15,1999-06-02
A001,L3C2,pass,2024-07-30,2024-01-15,1999-06-02
A001,L3L1,pass,2024-09-03,2024-01-15,1999-06-02
A002,L3B1,pass,2024-02-20,2024-01-08,2001-11-30
A002,L3B2,pass,2024-03-18,2024-01-08,2001-11-30
A002,L3C3,pass,2024-04-22,2024-01-08,2001-11-30
A003,L3B1,pass,2024-05-01,2024-02-01,2007-03-15
A003,L3B4,pass,2024-05-20,2024-02-01,2007-03-15
A003,L3C1,pass,2024-06-10,2024-02-01,2007-03-15
A003,L4C2,pass,2024-07-01,2024-02-01,2007-03-15
A003,L3S1,pass,2024-07-15,2024-02-01,2007-03-15
<script>alert(1)</script>,L3S2,pass,2024-05-01,2024-02-01,2000-03-15
<script>alert(1)</script>,L3C6,fail,2024-05-01,2024-02-01,2000-03-15
A005,L3B1,pass,2024-05-01,2024-02-01,2000-03-15
A005,L3B2,pass,31/04/2024,2024-02-01,2000-03-15
"""
HOSTILE_ID = "<script>alert(1)</script>"

# A ruleset whose titles carry markup, as a careless or hostile file might.
HOSTILE_RULESET = """\
awarding body XSS "<b>Evil</b> body"

group G "<i>group</i>"
unit X1 "<img src=x onerror=alert(2)>Markup & title" level 3 credits 3 glh 10
unit X2 "</td><script>alert(3)</script>" level 3 credits 3 glh 10
unit X3 "Plain" level 3 credits 2 glh 10

qualification 999/9999/9 "<script>alert(4)</script> Award"
  level 3
  units from G
  at least 5 credits
  at most 3 credits from X1, X2
"""
HOSTILE_RECORDS = """\
learner,unit,result,achieved_on
"<img src=y onerror=alert(5)>",X1,pass,2024-01-01
"<img src=y onerror=alert(5)>",X2,pass,2024-01-01
"""

CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1200,1600"]


# ---- a small DOM for assertions ----------------------------------------------------------------------

@attrs.define(eq=False)  # compared by identity: two equal-looking tables are still two tables
class Element:
    tag: str
    attributes: dict[str, str]
    depth: int
    text: list[str] = attrs.field(factory=list)  # the element's own text pieces, in order

    @property
    def classes(self) -> list[str]:
        return self.attributes.get("class", "").split()


class _Collector(HTMLParser):
    VOID = {"meta", "br", "img", "hr", "input", "link", "source", "col", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.lines: list[str] = []  # the outline: tags and text in document order, head left out

    def handle_starttag(self, tag, attrs_):
        element = Element(tag, {k: v or "" for k, v in attrs_}, len(self.open))
        self.elements.append(element)
        if not self._in_head(element):
            attributes = "".join(f' {k}="{v}"' for k, v in sorted(element.attributes.items()))
            self.lines.append("  " * element.depth + f"<{tag}{attributes}>")
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop().tag == tag:
                break

    def handle_data(self, data):
        if self.open and data.strip():
            text = " ".join(data.split())
            self.open[-1].text.append(text)
            if not self._in_head(self.open[-1]):
                self.lines.append("  " * len(self.open) + text)

    def _in_head(self, element: Element) -> bool:
        return element.tag in ("head", "meta", "title", "style") or any(e.tag == "head" for e in self.open)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def elements(html: str) -> list[Element]:
    return parse(html).elements


def outline(html: str) -> str:
    """The page body as an indented tree of tags, attributes and text, without the style sheet: what the
    snapshot keeps, so structure and content changes show up in review."""
    return "\n".join(parse(html).lines) + "\n"


def find(found: list[Element], tag: str | None = None, cls: str | None = None, **attributes) -> list[Element]:
    return [e for e in found if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
            and all(e.attributes.get(k.replace("_", "-")) == v for k, v in attributes.items())]


def subtree(found: list[Element], root: Element) -> list[Element]:
    start = found.index(root)
    end = next((k for k in range(start + 1, len(found)) if found[k].depth <= root.depth), len(found))
    return found[start:end]


# ---- the seed cohort, written by the command -----------------------------------------------------------

@attrs.frozen
class Written:
    directory: Path
    page: str
    exit_code: int
    stdout: str
    stderr: str


def run_report(directory: Path, records_text: str, qan: str, *extra: str, records: str = "cohort.csv") -> Written:
    """Run `qualrules report` inside `directory` (so record locations in the page are relative and stable)."""
    (directory / records).write_text(records_text, encoding="utf-8")
    with contextlib.chdir(directory):
        result = CliRunner().invoke(main, ["report", records, "--qualification", qan, *extra,
                                           "--output", "report.html"])
    output = directory / "report.html"
    page = output.read_text(encoding="utf-8") if output.exists() else ""
    return Written(directory, page, result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Written:
    return run_report(tmp_path_factory.mktemp("cohort"), COHORT, ISP_CERTIFICATE)


def test_the_page_structure_is_stable(cohort, snapshot):
    assert outline(cohort.page) == snapshot


def test_the_page_is_self_contained(cohort):
    page = cohort.page
    assert STYLE in page
    # Nothing to fetch: no scripts, links, images, fonts or frames, and a policy that forbids fetching anyway.
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        assert not find(elements(page), tag), tag
    assert "url(" not in page and "@import" not in page and "http://" not in page and "https://" not in page
    assert "default-src 'none'" in page


def test_every_learner_appears_with_a_hand_checked_standing(cohort):
    found = elements(cohort.page)
    sections = find(found, "section", "learner")
    headings = [find(subtree(found, s), "h2")[0].text[-1] for s in sections]
    assert headings == ["A001", "A002", "A003", HOSTILE_ID, "A005"]
    badges = [find(subtree(found, s), "span", "badge")[0].text[-1] for s in sections]
    assert badges == ["Achieved", "Close", "Cannot achieve", "Further to go", "Record errors"]
    tiles = {t.classes[1]: int(find(subtree(found, t), "span", "count")[0].text[0])
             for t in find(found, "li", "tile")}
    assert tiles == {"achieved": 1, "close": 1, "further": 1, "cannot": 1, "undetermined": 0, "unreadable": 1}
    assert cohort.stdout == ("wrote report.html: 5 learners: 1 achieved, 1 close, 1 further to go, "
                             "1 cannot achieve, 1 with record errors\n")


def plan_rows(found: list[Element], section: Element) -> list[str]:
    tables = find(subtree(found, section), "table", "add")
    return [e.text[0] for e in find(subtree(found, tables[0]), "th", scope="row")] if tables else []


def test_plans_are_the_cheapest_finishes(cohort):
    found = elements(cohort.page)
    a001, a002, a003, hostile, a005 = find(found, "section", "learner")
    # A002 holds 11 credits (L3B1 3, L3B2 3, L3C3 5) with one CORE unit and no LEADERSHIP/SELF unit: the
    # cheapest CORE unit is L3C6 (2) and the cheapest LEADERSHIP or SELF units are 2 credits, earliest L4L6.
    assert plan_rows(found, a002) == ["L3C6", "L4L6"]
    plan_line = find(subtree(found, a002), "p", "plan-line")[0]
    assert [e.text[0] for e in find(subtree(found, plan_line), "strong")] == ["2 units", "4 credits"]
    # L3S2 (3) alone: two BUSINESS and two CORE units are needed, at least 2 credits each, and 3 + 4 x 2 = 11
    # falls short of 13, so the cheapest is 10 credits: L3B3 2 + L3B1 3 and L3C6 2 + L3C1 3 (earliest ties).
    assert plan_rows(found, hostile) == ["L3B1", "L3B3", "L3C1", "L3C6"]
    overview = {e.text[0]: e for e in find(found, "a")}
    assert set(overview) == {"A001", "A002", "A003", HOSTILE_ID, "A005"}
    rows = [subtree(found, e) for e in find(found, "tr") if find(subtree(found, e), "a")]
    to_finish = [row[-1].text[0] for row in rows]
    assert to_finish == ["—", "add 4 credits in 2 units", "cannot be completed", "add 10 credits in 4 units",
                         "correct 1 record error"]
    # Achieved and under-age learners get no units to add; the under-18's plan says why.
    assert plan_rows(found, a001) == [] and plan_rows(found, a003) == []
    reasons = find(subtree(found, a003), "ul", "reasons")[0]
    assert [e.text[0] for e in find(subtree(found, reasons), "li")] == [
        "the learner was aged 16 at registration on 2024-02-01, and the qualification requires `age 18 or over`"]


def test_rule_bars_carry_the_measured_figures(cohort):
    found = elements(cohort.page)
    a002 = find(found, "section", "learner")[1]
    bars = find(subtree(found, a002), "div", role="progressbar")
    # Total 11 of 13..36 (scale 36), BUSINESS 2 of 2, CORE 1 of 2, LEADERSHIP or SELF 0 of 1.
    figures = [(b.attributes["aria-valuenow"], b.attributes["aria-valuemax"], b.attributes["data-minimum"],
                b.attributes["data-maximum"]) for b in bars]
    assert figures == [("11", "36", "13", "36"), ("2", "2", "2", ""), ("1", "2", "2", ""), ("0", "1", "1", "")]
    assert bars[0].attributes["aria-valuetext"] == ("11 credits counted, at least 13 and at most 36; "
                                                   "15 after the plan")
    states = [find(subtree(found, li), "span", "state")[0].text[-1] for li in find(subtree(found, a002), "li", "rule")]
    assert states == ["Not met", "Met", "Not met", "Not met", "Met"]
    # The plan's hatched segment: Total goes from 11 to 15 (of 36).
    planned = find(subtree(found, bars[0]), "span", "planned")[0]
    assert planned.attributes["style"] == "left: 30.56%; width: 11.11%"


def test_counted_and_surplus_units_with_reasons(cohort):
    found = elements(cohort.page)
    a001, hostile = find(found, "section", "learner")[0], find(found, "section", "learner")[3]
    counted = find(subtree(found, find(subtree(found, a001), "table", "counted")[0]), "th", scope="row")
    assert [e.text[0] for e in counted] == ["L3B1", "L3B2", "L3C1", "L3C2", "L3L1"]
    surplus = find(subtree(found, hostile), "table", "surplus")[0]
    cells = [e.text[0] for e in subtree(found, surplus) if e.tag in ("th", "td") and e.text][3:]
    assert cells == ["L3C6", "Understand Customer Behaviours", "result 'fail' does not count as achieved"]


def test_unreadable_learners_are_shown_with_their_errors_and_exit_2(cohort):
    assert cohort.exit_code == 2
    assert "cohort.csv:19: error[QR502]: `achieved_on` is not a date" in cohort.stderr
    found = elements(cohort.page)
    a005 = find(found, "section", "learner")[4]
    errors = [e.text[0] for e in find(subtree(found, a005), "code")]
    assert errors == ["cohort.csv:19: error[QR502]: `achieved_on` is not a date: '31/04/2024' "
         "(April 2024 has no day 31; write dates as 2024-03-12, 12/03/2024, 12-03-2024 or 12 Mar 2024)"]


def test_rows_of_no_learner_are_listed_and_exit_2(tmp_path):
    written = run_report(tmp_path, ACHIEVED_ONLY + ",L3B1,pass,2024-05-01,,\n", ISP_CERTIFICATE)
    assert written.exit_code == 2
    found = elements(written.page)
    problems = find(found, "section", "problems")[0]
    assert find(subtree(found, problems), "h2")[0].text == ["Rows that belong to no learner"]
    assert [e.text[0] for e in find(subtree(found, problems), "code")] == [
        "cohort.csv:8: error[QR506]: the row has no learner id (every row needs the learner it belongs to)"]
    assert len(find(found, "section", "learner")) == 1


# ---- escaping ---------------------------------------------------------------------------------------

def test_a_hostile_learner_id_is_escaped(cohort):
    assert "<script" not in cohort.page.lower()
    assert cohort.page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2  # overview row and heading


def test_unprintable_learner_ids_are_shown_escaped_and_the_page_is_written(tmp_path):
    # A lone surrogate cannot be written as UTF-8 at all; a terminal escape code should not reach a viewer.
    records = json.dumps({"learners": [
        {"id": "\ud800x", "units": [{"unit": "L3B1", "result": "pass", "achieved_on": "2024-05-01"}]},
        {"id": "B\x1b[31m", "units": [{"unit": "L3B1", "result": "pass", "achieved_on": "2024-05-01"}]}]})
    written = run_report(tmp_path, records, ISP_CERTIFICATE, records="cohort.json")
    assert written.exit_code == 1
    headings = [e.text[0] for e in find(elements(written.page), "h2") if e.text and e.text[0].startswith(("\\", "B"))]
    assert headings == ["\\ud800x", "B\\x1b[31m"]


def test_hostile_ruleset_titles_are_escaped(tmp_path):
    (tmp_path / "hostile.qual").write_text(HOSTILE_RULESET, encoding="utf-8")
    written = run_report(tmp_path, HOSTILE_RECORDS, "999/9999/9", "--ruleset", "hostile.qual")
    page = written.page
    assert written.exit_code == 1
    found = elements(page)
    assert not find(found, "script") and not find(found, "img") and not find(found, "b") and not find(found, "i")
    assert "<h1>&lt;script&gt;alert(4)&lt;/script&gt; Award</h1>" in page
    assert "<td>&lt;img src=x onerror=alert(2)&gt;Markup &amp; title</td>" in page
    assert "<td>&lt;/td&gt;&lt;script&gt;alert(3)&lt;/script&gt;</td>" in page
    assert "&lt;img src=y onerror=alert(5)&gt;" in page
    # The cap keeps X2 out of the claim, and the reason names the cap.
    assert "<td>X1 or X2 is capped at 3 credits</td>" in page


# ---- the command ------------------------------------------------------------------------------------

ACHIEVED_ONLY = "\n".join(COHORT.splitlines()[:7]) + "\n"


def test_exit_0_when_every_learner_achieved(tmp_path):
    written = run_report(tmp_path, ACHIEVED_ONLY, ISP_CERTIFICATE)
    assert (written.exit_code, written.stdout) == (0, "wrote report.html: 1 learner: 1 achieved\n")
    assert len(find(elements(written.page), "section", "learner")) == 1


def test_exit_1_when_some_learner_did_not_achieve(tmp_path):
    records = "\n".join(COHORT.splitlines()[:10]) + "\n"
    written = run_report(tmp_path, records, ISP_CERTIFICATE)
    assert (written.exit_code, written.stdout) == (1, "wrote report.html: 2 learners: 1 achieved, 1 close\n")


def test_unknown_qualification_is_a_usage_error_and_writes_nothing(tmp_path):
    written = run_report(tmp_path, ACHIEVED_ONLY, "610/3788/7")
    assert written.exit_code == 2
    assert "error[QR601]: no qualification 610/3788/7 is loaded" in written.stderr
    assert "help: did you mean `610/3788/6`," in written.stderr
    assert not (tmp_path / "report.html").exists()


def test_unreadable_records_file_writes_nothing(tmp_path):
    written = run_report(tmp_path, "learner,unit\nA1,L3B1\n", ISP_CERTIFICATE)
    assert written.exit_code == 2
    assert "missing columns: result, achieved_on" in written.stderr
    assert not (tmp_path / "report.html").exists()


def test_the_output_is_replaced_whole_and_no_temporary_file_is_left(tmp_path):
    (tmp_path / "report.html").write_text("old report", encoding="utf-8")
    written = run_report(tmp_path, ACHIEVED_ONLY, ISP_CERTIFICATE)
    assert written.page.startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv", "report.html"]


def test_an_unwritable_output_is_reported(tmp_path):
    (tmp_path / "cohort.csv").write_text(ACHIEVED_ONLY, encoding="utf-8")
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(main, ["report", "cohort.csv", "-q", ISP_CERTIFICATE,
                                           "-o", "missing/report.html"])
    assert result.exit_code == 2
    assert "error[QR606]: cannot write missing/report.html: No such file or directory" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv"]


def test_the_help_names_the_compact_page_thresholds():
    result = CliRunner().invoke(main, ["report", "--help"])
    text = " ".join(result.stdout.split())
    assert f"A cohort of more than {DETAIL.whole_cohort} learners gets a compact page" in text
    assert f"only the {DETAIL.nearest} learners nearest to achieving" in text


def test_the_command_writes_a_compact_page_for_a_big_cohort(tmp_path):
    # One learner more than a whole page shows: copies of the achieved A001 under new ids, and A002.
    a001 = COHORT.splitlines()[1:7]
    copies = [row.replace("A001", f"B{n:04d}", 1) for n in range(DETAIL.whole_cohort) for row in a001]
    a002 = [row for row in COHORT.splitlines() if row.startswith("A002,")]
    written = run_report(tmp_path, "\n".join([COHORT.splitlines()[0], *copies, *a002]) + "\n", ISP_CERTIFICATE)
    assert (written.exit_code, written.stdout) == (
        1, "wrote report.html: 501 learners: 500 achieved, 1 not achieved; "
           "in full, the 1 nearest to achieving: 1 close\n")
    found = elements(written.page)
    assert [find(subtree(found, s), "h2")[0].text[-1] for s in find(found, "section", "learner")] == ["A002"]
    assert len(table_data(written.page)["rows"]) == 501


# ---- a big cohort: the compact page -------------------------------------------------------------------

# Thresholds low enough for the seed cohort's five learners to make a compact page.
SMALL_DETAIL = Detail(whole_cohort=3, nearest=2)
# What the learner table says is missing, measured on the closest claims.
A002_LINE = ("between 13 and 36 credits (2 credits short); at least 2 CORE units (1 unit short); "
             "at least 1 LEADERSHIP or SELF unit (1 unit short)")
HOSTILE_LINE = ("between 13 and 36 credits (10 credits short); at least 2 BUSINESS units (2 units short); "
                "at least 2 CORE units (2 units short)")


@attrs.frozen
class Seed:
    """The seed cohort, read, with the qualification it is reported on."""

    qualification: CompiledQualification
    body: AwardingBody
    records: Records


@pytest.fixture(scope="module")
def seed(tmp_path_factory, library) -> Seed:
    directory = tmp_path_factory.mktemp("seed")
    (directory / "cohort.csv").write_text(COHORT, encoding="utf-8")
    with contextlib.chdir(directory):
        records = read_records("cohort.csv", library.vocabulary())
    qualification, body = library.qualification(ISP_CERTIFICATE)
    return Seed(qualification, body, records)


def compact_page(seed: Seed, detail: Detail = SMALL_DETAIL) -> str:
    entries = cohort_reports(seed.qualification, seed.records, seed.body.counts_as_achieved, detail)
    return html_report(seed.qualification, entries, awarding_body=seed.body.title, records="cohort.csv",
                       problems=seed.records.problems, detail=detail)


@pytest.fixture(scope="module")
def compact(seed) -> str:
    return compact_page(seed)


def table_data(page: str) -> dict:
    block = re.search(r'<script type="application/json" id="learner-data">(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


def test_the_compact_page_structure_is_stable(compact, snapshot):
    assert outline(compact) == snapshot


def test_a_cohort_no_bigger_than_the_threshold_keeps_the_whole_page(seed, cohort):
    page = compact_page(seed, Detail(whole_cohort=5, nearest=1))
    assert outline(page) == outline(cohort.page)
    assert not find(elements(page), "script")


def test_plans_are_made_only_for_the_learners_shown_in_full(seed):
    entries = cohort_reports(seed.qualification, seed.records, seed.body.counts_as_achieved, SMALL_DETAIL)
    assert [e.learner for e in entries] == ["A001", "A002", "A003", HOSTILE_ID, "A005"]
    assert [e.learner for e in entries if e.plan is not None] == ["A002", HOSTILE_ID]
    assert [e.learner for e in entries if e.verdict is not None] == ["A001", "A002", "A003", HOSTILE_ID]


def test_the_compact_summary_counts_verdicts(compact):
    found = elements(compact)
    tiles = {t.classes[1]: int(find(subtree(found, t), "span", "count")[0].text[0])
             for t in find(found, "li", "tile")}
    assert tiles == {"achieved": 1, "not_achieved": 3, "undetermined": 0, "unreadable": 1}


def test_the_nearest_are_shown_in_full_nearest_first(compact):
    # A002 and the hostile learner each fail three rules, A002 by 2 credits and the other by 10; A003 meets
    # every rule but the age, which no unit changes, so comes last and is left out.
    found = elements(compact)
    sections = find(found, "section", "learner")
    assert [find(subtree(found, s), "h2")[0].text[-1] for s in sections] == ["A002", HOSTILE_ID]
    assert [s.attributes["id"] for s in sections] == ["learner-2", "learner-4"]
    assert [find(subtree(found, s), "span", "badge")[0].text[-1] for s in sections] == ["Close", "Further to go"]
    assert plan_rows(found, sections[0]) == ["L3C6", "L4L6"]
    nearest = find(found, "section", "nearest")[0]
    assert find(subtree(found, nearest), "p", "lead")[0].text[0].endswith(
        "each in full with the cheapest plan to finish: 1 close, 1 further to go.")


def test_rule_figures_count_the_cohort(compact):
    found = elements(compact)
    table = find(found, "table", "cohort-rules")[0]
    rows = [[e.text[0] for e in subtree(found, tr) if e.tag in ("th", "td")] for tr in find(subtree(found, table), "tr")]
    # Totals 16, 11, 16 and 3 credits of at least 13: A002 is 2 short and the hostile learner 10 (median 2).
    assert rows == [
        ["Rule", "Met", "Not met", "Cannot tell", "Typical shortfall", "Largest"],
        ["between 13 and 36 credits", "2", "2", "0", "2 credits", "10 credits"],
        ["at least 2 BUSINESS units", "3", "1", "0", "2 units", "2 units"],
        ["at least 2 CORE units", "2", "2", "0", "1 unit", "2 units"],
        ["at least 1 LEADERSHIP or SELF unit", "3", "1", "0", "1 unit", "1 unit"],
        ["age 18 or over", "3", "1", "0", "—", "—"],
    ]


def test_the_learner_table_data_has_every_learner_in_one_line(compact):
    data = table_data(compact)
    assert data["standings"] == [["achieved", "✓", "Achieved"], ["not_achieved", "✗", "Not achieved"],
                                 ["undetermined", "?", "Undetermined"], ["unreadable", "!", "Record errors"]]
    assert data["inFull"] == [1, 3]
    rows = [[learner, data["standings"][standing][2], credits, data["lines"][line]]
            for learner, standing, credits, line in data["rows"]]
    assert rows == [
        ["A001", "Achieved", 16, ""],
        ["A002", "Not achieved", 11, A002_LINE],
        ["A003", "Not achieved", 16, "age 18 or over"],
        [HOSTILE_ID, "Not achieved", 3, HOSTILE_LINE],
        ["A005", "Record errors", None,
         "cohort.csv:19: error[QR502]: `achieved_on` is not a date: '31/04/2024' "
         "(April 2024 has no day 31; write dates as 2024-03-12, 12/03/2024, 12-03-2024 or 12 Mar 2024)"],
    ]


def test_the_compact_page_runs_only_its_own_script(compact):
    found = elements(compact)
    scripts = find(found, "script")
    assert [s.attributes for s in scripts] == [{}, {"type": "application/json", "id": "learner-data"}]
    assert f"<script>{SCRIPT}</script>" in compact
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    assert (f'content="default-src \'none\'; style-src \'unsafe-inline\'; script-src \'sha256-{digest}\'"'
            in compact)
    for tag in ("link", "img", "iframe", "object", "embed"):
        assert not find(found, tag), tag
    assert "url(" not in compact and "http://" not in compact and "https://" not in compact
    assert "innerHTML" not in SCRIPT and "insertAdjacentHTML" not in SCRIPT


def test_a_hostile_learner_id_is_escaped_in_the_compact_page(compact):
    # Markup from a record never reaches the page as markup: escaped in the HTML, `<` escaped in the JSON.
    assert compact.lower().count("<script") == 2
    assert "\\u003cscript>alert(1)\\u003c/script>" in compact
    assert compact.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 1  # its section's heading
    assert table_data(compact)["rows"][3][0] == HOSTILE_ID


def test_hostile_ruleset_titles_are_escaped_in_the_compact_page(tmp_path, library):
    ruleset = tmp_path / "hostile.qual"
    ruleset.write_text(HOSTILE_RULESET, encoding="utf-8")
    (tmp_path / "records.csv").write_text(HOSTILE_RECORDS, encoding="utf-8")
    loaded = Library.load([str(ruleset)])
    qualification, body = loaded.qualification("999/9999/9")
    records = read_records(tmp_path / "records.csv", loaded.vocabulary())
    detail = Detail(whole_cohort=0, nearest=1)
    entries = cohort_reports(qualification, records, body.counts_as_achieved, detail)
    page = html_report(qualification, entries, awarding_body="<b>Evil</b> body", detail=detail)
    found = elements(page)
    assert len(find(found, "script")) == 2
    assert not find(found, "img") and not find(found, "b") and not find(found, "i")
    assert "<h1>&lt;script&gt;alert(4)&lt;/script&gt; Award</h1>" in page
    assert "&lt;b&gt;Evil&lt;/b&gt; body" in page
    assert "<td>&lt;/td&gt;&lt;script&gt;alert(3)&lt;/script&gt;</td>" in page  # the plan's or counted units
    assert table_data(page)["rows"][0][0] == "<img src=y onerror=alert(5)>"


# ---- a real browser ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Chromium, headless. Skipped where it is not installed, except under CI, where its absence fails."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: the report's browser test cannot run under CI")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")

    def run(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments],
                              capture_output=True, timeout=180, check=True)

    return run


@pytest.fixture(scope="module")
def rendered(cohort, browser):
    url = (cohort.directory / "report.html").as_uri()
    screenshot = cohort.directory / "screenshot.png"
    browser(f"--screenshot={screenshot}", url)
    dom = browser("--dump-dom", url).stdout.decode("utf-8")
    return screenshot, dom


def test_the_browser_takes_a_screenshot(rendered):
    screenshot, _ = rendered
    png = screenshot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (1200, 1600)
    # A blank 1200x1600 page compresses to about 9 KB; the report's first screen is many times that.
    assert len(png) > 60_000


def test_the_browser_dom_holds_every_learner_and_bar(rendered):
    _, dom = rendered
    found = elements(dom)
    sections = find(found, "section", "learner")
    assert len(sections) == 5
    bars = find(found, "div", role="progressbar")
    # Four measured rules for each of the four readable learners.
    assert len(bars) == 16
    values = [(b.attributes["aria-valuenow"], b.attributes["aria-valuemax"]) for b in bars[:4]]
    assert values == [("16", "36"), ("2", "2"), ("2", "2"), ("1", "1")]  # A001: 16 credits; 2, 2, 1 units
    hostile = sections[3]
    assert find(subtree(found, hostile), "h2")[0].text == [HOSTILE_ID]


def test_the_browser_runs_no_script_from_records(rendered):
    _, dom = rendered
    assert not find(elements(dom), "script")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "<script" not in dom.lower()


# ---- a big cohort in a real browser ----------------------------------------------------------------------

BIG_COHORT = 100_000


@pytest.fixture(scope="module")
def big_report(tmp_path_factory, seed) -> Path:
    """The page for 100,000 learners: the seed cohort's five, then their verdicts and plans again under new
    ids (ids S000005 on), so deciding them costs nothing and the page is as big as a real cohort's."""
    five = cohort_reports(seed.qualification, seed.records, seed.body.counts_as_achieved)
    entries = five + [attrs.evolve(five[n % 5], learner=f"S{n:06d}") for n in range(5, BIG_COHORT)]
    page = html_report(seed.qualification, entries, records="cohort.csv")
    # A few MB (a learner in full takes about 6 KB, so 100,000 would make 600 MB): quick to load.
    assert len(page.encode("utf-8")) < 4_000_000
    path = tmp_path_factory.mktemp("big") / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def rendered_table(browser, page: Path, query: str = "") -> tuple[list[Element], list[list[str]], str]:
    """The DOM Chromium builds for `page` (with `query` in its address), the learner table's rows (each cell's
    text as a screen reader has it, with the link's target when the id has one) and the pager's line."""
    found = elements(browser("--dump-dom", page.as_uri() + query).stdout.decode("utf-8"))
    rows = []
    for tr in find(subtree(found, find(found, "tbody", id="learner-rows")[0]), "tr"):
        cells = [e for e in subtree(found, tr) if e.tag in ("th", "td")]
        row = [" ".join(text for e in subtree(found, cell) if e.attributes.get("aria-hidden") != "true"
                        for text in e.text) for cell in cells]
        links = find(subtree(found, cells[0]), "a")
        rows.append(row + [links[0].attributes["href"]] if links else row)
    return found, rows, find(found, "span", id="learner-count")[0].text[0]


def test_the_browser_opens_the_big_page_with_a_page_of_the_table(browser, big_report):
    found, rows, count = rendered_table(browser, big_report)
    assert count == "Learners 1–100 of 100,000 (page 1 of 1,000)"
    assert len(rows) == 100
    assert rows[:6] == [
        ["A001", "Achieved", "16", "—"],
        ["A002", "Not achieved", "11", A002_LINE, "#learner-2"],
        ["A003", "Not achieved", "16", "age 18 or over"],
        [HOSTILE_ID, "Not achieved", "3", HOSTILE_LINE],
        ["A005", "Record errors", "—", "cohort.csv:19: error[QR502]: `achieved_on` is not a date: '31/04/2024' "
         "(April 2024 has no day 31; write dates as 2024-03-12, 12/03/2024, 12-03-2024 or 12 Mar 2024)"],
        ["S000005", "Achieved", "16", "—"],
    ]
    tiles = {t.classes[1]: find(subtree(found, t), "span", "count")[0].text[0] for t in find(found, "li", "tile")}
    assert tiles == {"achieved": "20,000", "not_achieved": "60,000", "undetermined": "0", "unreadable": "20,000"}
    assert not find(found, "form", hidden="")  # the script ran and showed its controls
    # In full: the 100 learners like A002 (2 credits short) come before those like the hostile one (10 short).
    sections = find(found, "section", "learner")
    assert [s.attributes["id"] for s in sections[:3]] == ["learner-2", "learner-7", "learner-12"]
    assert len(sections) == DETAIL.nearest
    # The record's markup stays text: the only scripts are the page's own two.
    assert len(find(found, "script")) == 2


def test_the_browser_filters_the_table_by_standing_and_pages_it(browser, big_report):
    _, rows, count = rendered_table(browser, big_report, "?standing=unreadable&page=3")
    assert count == "Learners 201–300 of 20,000 (page 3 of 200)"
    assert [row[0] for row in rows[:2]] == ["S001004", "S001009"]
    assert {row[1] for row in rows} == {"Record errors"}


def test_the_browser_finds_learners_by_part_of_their_id(browser, big_report):
    _, rows, count = rendered_table(browser, big_report, "?find=a00")
    assert count == "Learners 1–4 of 4 (page 1 of 1)"
    assert [row[0] for row in rows] == ["A001", "A002", "A003", "A005"]
    _, rows, count = rendered_table(browser, big_report, "?find=%3Cscript")
    assert (count, rows) == ("Learners 1–1 of 1 (page 1 of 1)", [[HOSTILE_ID, "Not achieved", "3", HOSTILE_LINE]])


# ---- a graded qualification ---------------------------------------------------------------------------

BTEC = Path(__file__).resolve().parent / "data" / "btec_national.qual"
BTEC_DIPLOMA = "699/0002/4"
# G1 holds the trap of tests/test_glh_only.py (DM, 124 points); G2 the same without unit 7, so the Diploma is
# not achieved and the Extended Certificate is awarded instead (M, 60 points); G3 has 1 at U, so neither is.
TRAP = (("1", "pass"), ("2", "merit"), ("3", "merit"), ("7", "pass"), ("9", "merit"), ("22", "merit"),
        ("4", "distinction"), ("5", "distinction"), ("8", "distinction"), ("14", "pass"))
GRADED_COHORT = "learner,unit,result,achieved_on\n" + "".join(
    f"{learner},{unit},{result},2025-06-01\n" for learner, pairs in (
        ("G1", TRAP), ("G2", [p for p in TRAP if p[0] != "7"]),
        ("G3", [("1", "unclassified"), *TRAP[1:]])) for unit, result in pairs)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Written:
    return run_report(tmp_path_factory.mktemp("graded"), GRADED_COHORT, BTEC_DIPLOMA, "--ruleset", str(BTEC))


def text_of(found: list[Element], root: Element) -> str:
    return " ".join(text for e in subtree(found, root) for text in e.text)


def test_a_graded_page_gives_each_learner_s_grade_and_points(graded, snapshot):
    assert graded.exit_code == 1, graded.stdout
    found = elements(graded.page)
    overview = find(found, "table", "learners")[0]
    assert [text_of(found, th) for th in find(subtree(found, overview), "th", scope="col")] == [
        "Learner", "Standing", "Credits counted", "Grade", "To finish"]
    rows = [[text_of(found, td) for td in find(subtree(found, tr), "td")]
            for tr in find(subtree(found, overview), "tr")[1:]]
    # The closest claims' points are the verdicts' own, as `check` gives them.
    checked = CliRunner().invoke(main, ["check", str(graded.directory / "cohort.csv"), "-q", BTEC_DIPLOMA,
                                        "--ruleset", str(BTEC), "--format", "json"])
    points = {v["learner"]: v["points"] for v in json.loads(checked.stdout)}
    assert [row[1:3] for row in rows] == [["—", "DM, 124 points"],
                                          ["—", f"{points['G2']} points; instead 699/0001/2 at M"],
                                          ["—", f"{points['G3']} points"]]
    # The lines' text in document order (an element's own pieces come before its children's in `text_of`).
    lines = [html.unescape(re.sub(r"<[^>]+>", "", line))
             for line in re.findall(r'<p class="grade-line">(.*?)</p>', graded.page)]
    assert lines[0] == "Grade DM with 124 points; 20 points more for DD (144)."
    assert lines[1].endswith("Awarded instead: 699/0001/2 BTEC Level 3 National Extended Certificate in Business "
                             "at grade M with 60 points.")
    assert lines[2].endswith("Nor is the award given instead, 699/0001/2 BTEC Level 3 National Extended "
                             "Certificate in Business, achieved.")
    counted = find(found, "table", "counted")[0]
    assert [text_of(found, td) for td in find(subtree(found, find(subtree(found, counted), "tr")[1]), "td")] == [
        "Exploring Business", "A", "—", "P", "9"]
    assert outline(graded.page) == snapshot


@pytest.fixture(scope="module")
def graded_compact(graded) -> Path:
    """The graded cohort as a compact page (the learner table drawn by the page's script), with G1 in full."""
    from qualrules import api

    library = api.load([BTEC], bundled=False)
    q, body = library.qualification(BTEC_DIPLOMA)
    with contextlib.chdir(graded.directory):
        records = read_records("cohort.csv", library.vocabulary())
    detail = Detail(whole_cohort=2, nearest=1)
    page = html_report(q, cohort_reports(q, records, body.counts_as_achieved, detail), records="cohort.csv",
                       detail=detail)
    path = graded.directory / "compact.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_a_graded_compact_page_gives_the_grade_in_the_table_data(graded_compact):
    data = table_data(graded_compact.read_text(encoding="utf-8"))
    assert data["graded"] is True
    assert [(row[0], row[4]) for row in data["rows"]][0] == ("G1", "DM, 124 points")
    assert all(len(row) == 5 for row in data["rows"])


def test_the_browser_draws_the_grade_column_of_a_graded_compact_page(browser, graded_compact):
    found, rows, count = rendered_table(browser, graded_compact)
    assert count == "Learners 1–3 of 3 (page 1 of 1)"
    table = find(found, "table", "learners")[0]
    assert [text_of(found, th) for th in find(subtree(found, table), "th", scope="col")] == [
        "Learner", "Standing", "Credits counted", "Grade", "What is missing"]
    assert rows[0][:4] == ["G1", "Achieved", "—", "DM, 124 points"]
    assert rows[1][3].endswith("points; instead 699/0001/2 at M")


@given(st.lists(st.integers(min_value=1, max_value=40), max_size=60))
def test_a_rule_tally_s_typical_shortfall_is_the_lower_median_of_every_shortfall(shortfalls):
    import statistics
    from collections import Counter

    from qualrules.interpreter.presentation.report import RuleTally

    tally = RuleTally("at least 13 credits", None, shortfalls=Counter(shortfalls))
    expected = (statistics.median_low(shortfalls), max(shortfalls)) if shortfalls else None
    assert tally.typical_and_largest() == expected
