"""`qualrules log`: a learner's achievement log as one printable page. The Award form (every outcome and
criterion of every unit, with the evidence and the declarations) and the qualification form (every unit of the
pool, optional units not taken, the assessor's declaration once achieved), hostile text kept as text, nothing
fetched, and the page as headless Chromium renders and prints it (A4)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from criteria_demo import AWARD, CATALOGUE, CERTIFICATE, RULESET, every, logged, met, signed
from qualrules.cli import main
from qualrules.interpreter.engine.evaluator import evaluate
from qualrules.interpreter.presentation.achievement_log import achievement_log_html, is_award
from qualrules.interpreter.records.achievement import CriterionEvidence, CriterionResult
from test_report import browser, elements, find, outline, parse, subtree  # noqa: F401 (browser: a fixture)

COUNTS = {"pass"}.__contains__
# L3B1 lacks 2.2 (referred); L3B2 is signed off and verified; L3S2 is complete and signed by the assessor only.
LEARNER = logged("A1", every("L3B1", but=("2.2",)) + every("L3B2", 5) + every("L3S2", 7)
                 + [met("L3B1", "2.2", 9, CriterionResult.REFERRED)],
                 [signed("L3B2", 10), signed("L3S2", 12, learner=False, verified=False)])
ACHIEVER = logged("A2", every("L3B1") + every("L3B2", 5) + every("L3S2", 7),
                  [signed("L3B1", 12), signed("L3B2", 10), signed("L3S2", 12)], results=("L3X9",))


def page(q, learner) -> str:
    return achievement_log_html(q, RULESET, learner, evaluate(q, learner, COUNTS), COUNTS,
                                awarding_body="Demonstration Awarding Body")


def test_the_form_follows_the_qualification_title():
    assert is_award(AWARD) and not is_award(CERTIFICATE)


def test_the_award_log_lists_every_outcome_and_criterion_of_every_unit(snapshot):
    html = page(AWARD, LEARNER)
    assert outline(html) == snapshot
    found = elements(html)
    units = find(found, "section", "unit-log")
    assert [find(subtree(found, s), "h2")[0].text for s in units] == [
        ["L3B1 Understand Sales Communication"], ["L3B2 Understand Organisations"]]
    rows = [[" ".join(e.text[0] for e in subtree(found, tr)[1:] if e.text) for _ in [0]][0]
            for tr in find(subtree(found, units[0]), "tr", "unmet")]
    assert rows == ["2.2 Explain barriers to effective communication referred portfolio p.9 assignment "
                    "2024-05-10 A. Assessor"]


def test_the_qualification_log_marks_optional_units_not_taken_and_waits_for_the_declaration():
    html = page(CERTIFICATE, LEARNER)
    found = elements(html)
    table = find(found, "section", "qualification-log")[0]
    rows = {find(subtree(found, tr), "th")[0].text[0]: [e.text[0] for e in subtree(found, tr)[1:] if e.text]
            for tr in find(subtree(found, table), "tr")[1:]}
    assert rows["L3S1"] == ["L3S1", "Plan a Sales Call", "4", "optional", "optional: not taken", "—", "—"]
    assert rows["L3S2"][4] == ("every criterion met, not yet signed off by the learner, so it does not count yet")
    assert rows["L3B1"][3:5] == ["mandatory", "in progress: 3 of 4 criteria met"]
    assert "Not yet: the assessor signs this declaration" in html
    # The logs of the units started follow: not of those never started.
    assert [find(subtree(found, s), "h2")[0].text[0][:4] for s in find(found, "section", "unit-log")] == [
        "L3B1", "L3B2", "L3S2"]


def test_the_qualification_log_of_an_achiever_carries_the_assessors_declaration():
    html = page(CERTIFICATE, ACHIEVER)
    assert ("I confirm that the learner has achieved all necessary units to complete the qualification: "
            "L3B1, L3B2, L3S2, L3X9.") in html
    assert "This unit declares no assessment criteria" not in html  # L3X9 has a result, but no log of its own
    assert "result: pass on 2024-05-31" in html


def test_a_unit_with_criteria_given_only_a_result_shows_the_result_not_empty_criteria():
    learner = logged("A3", every("L3B2", 5), [signed("L3B1", 12), signed("L3B2", 10)], results=("L3B1",))
    found = elements(page(CERTIFICATE, learner))
    table = find(found, "section", "qualification-log")[0]
    rows = {find(subtree(found, tr), "th")[0].text[0]: [e.text[0] for e in subtree(found, tr)[1:] if e.text]
            for tr in find(subtree(found, table), "tr")[1:]}
    assert rows["L3B1"][4] == "result: pass on 2024-05-31; counted"
    l3b1 = find(found, "section", "unit-log")[0]
    assert find(subtree(found, l3b1), "p", "standing")[0].text == [
        "Its result as recorded: pass on 2024-05-31; the log has no criterion rows for this unit, so the result "
        "stands as recorded."]
    assert not find(subtree(found, l3b1), "table")


def test_hostile_text_stays_text_and_nothing_is_fetched():
    hostile = "<script>alert(1)</script>"
    learner = logged(hostile, [CriterionEvidence("L3B1", "1.1", CriterionResult.MET, None, '<img src=x onerror=1>',
                                                 "assignment", "</td><b>x</b>")])
    html = page(AWARD, learner)
    found = elements(html)
    assert not find(found, "script") and not find(found, "img") and not find(found, "b")
    for tag in ("link", "iframe", "object", "embed"):
        assert not find(found, tag)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert find(found, "meta", http_equiv="Content-Security-Policy")[0].attributes["content"] == (
        "default-src 'none'; style-src 'unsafe-inline'")
    assert not any({"src", "href"} & set(e.attributes) for e in found)


# ---- the command line ---------------------------------------------------------------------------------

@pytest.fixture
def files(tmp_path):
    (tmp_path / "demo.qual").write_text(CATALOGUE, encoding="utf-8")
    (tmp_path / "records.csv").write_text("learner,unit,result,achieved_on\nD1,L3B1,pass,2024-05-01\n"
                                          "D1,L3S1,pass,2024-05-02\nD1,L3X9,pass,2024-05-03\n", encoding="utf-8")
    return tmp_path


def test_log_writes_the_page_and_exits_with_the_verdict(files):
    output = files / "log.html"
    result = CliRunner().invoke(main, ["log", str(files / "records.csv"), "--learner", "D1", "-q", "900/0001/8",
                                       "--ruleset", str(files / "demo.qual"), "-o", str(output)])
    assert (result.exit_code, result.stdout) == (0, f"wrote {output}: D1 achieved\n")
    html = output.read_text(encoding="utf-8")
    assert "Qualification achievement log" in html and "I confirm that the learner has achieved" in html
    missing = CliRunner().invoke(main, ["log", str(files / "records.csv"), "--learner", "D9", "-q", "900/0001/8",
                                        "--ruleset", str(files / "demo.qual"), "-o", str(files / "other.html")])
    assert missing.exit_code == 2 and "QR602" in missing.stderr and not (files / "other.html").exists()


# ---- a real browser ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def written(tmp_path_factory):
    directory = tmp_path_factory.mktemp("log")
    path = directory / "log.html"
    path.write_text(page(CERTIFICATE, LEARNER), encoding="utf-8")
    return path


def test_the_browser_renders_the_log(browser, written, snapshot):  # noqa: F811
    dom = browser("--dump-dom", written.as_uri()).stdout.decode("utf-8")
    assert not find(elements(dom), "script")
    text = [line.strip() for line in parse(dom).lines if not line.strip().startswith("<")]
    assert "\n".join(text) == snapshot


def test_the_browser_prints_the_log_on_a4_pages(browser, written):  # noqa: F811
    pdf = written.with_suffix(".pdf")
    browser("--no-pdf-header-footer", f"--print-to-pdf={pdf}", written.as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    # A4 is 210 x 297 mm: 595.28 x 841.89 points; one page for the qualification log, then one per unit log.
    assert boxes and all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes)
    assert len(boxes) >= 4
