"""Plugin discovery through real entry points, as a third-party package would register them, and the
isolation of every other body from a broken plugin."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter.engine.evaluator import Status, evaluate
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.interpreter.model import OutcomeKind
from qualrules.plugins import EVIDENCE_METHODS, AwardingBody, discover

COHORT = str(Path(__file__).resolve().parent.parent / "examples" / "cohort.csv")
ISP_CERTIFICATE, ISP_AWARD = "610/3788/6", "610/3791/6"
CMI_RULESET = """\
awarding body CMI "Chartered Management Institute"
group CORE
  unit 501 "Developing, Managing and Leading Individuals and Teams" level 5 credits 6
  unit 502 "Principles of Management and Leadership" level 5 credits 5
qualification 610/0000/0 "CMI Level 5 Award in Management and Leadership"
  units from CORE
  at least 6 credits
"""
# A plugin that bundles its own 610/3788/6 which A003 of the example cohort achieves (the real one needs
# learners aged 18 or over, and A003 is 16).
IMPOSTOR_RULESET = """\
awarding body IMPOSTOR
group BUSINESS
  unit L3B1 "Understand Sales Communication" level 3 credits 3
qualification 610/3788/6 "Certificate in Professional Sales"
  units from BUSINESS
  all of L3B1
"""
BODY = "from qualrules.plugins import AwardingBody\n\nclass {name}(AwardingBody):\n    name = {name!r}\n"


# A ruleset of a body with no plugin, judged by the default policy.
CLEAN_GENERIC_RULESET = """\
awarding body GENERIC "Generic Awards"
group CORE
unit G1 "Generic One" level 2 credits 2
unit G2 "Generic Two" level 2 credits 2
qualification 900/0001/1 "Generic Award"
  level 2
  units from CORE
  at least 4 credits
"""


def install_fake_distribution(root, module: str, entry_points: str, code: str, files=None) -> None:
    """Lay out an installed distribution (dist-info + module) under `root`, as pip would."""
    dist = root / f"{module}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[qualrules.plugins]\n" + entry_points)
    package = root / module
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(code))
    for name, content in (files or {}).items():
        (package / name).write_bytes(content if isinstance(content, bytes) else content.encode())


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """installed(module, entry_points, code, files=None): a fake distribution on the path for this test only."""
    modules: list[str] = []
    monkeypatch.syspath_prepend(str(tmp_path))

    def install(module: str, *args, **kwargs) -> None:
        modules.append(module)
        install_fake_distribution(tmp_path, module, *args, **kwargs)
    yield install
    for module in modules:  # the next test may install other code under the same name
        sys.modules.pop(module, None)


def run(*args: str, color: bool = False):
    return CliRunner().invoke(main, list(args), color=color)


# A third-party plugin for CMI, whose own achieving result is recognition of prior learning: its module, its
# entry point and its code.
CMI_PLUGIN = ("cmi_plugin", "CMI = cmi_plugin:CMI\n", """
    from qualrules.plugins import AwardingBody

    class CMI(AwardingBody):
        name = "CMI"
        title = "Chartered Management Institute"
        ruleset_package = "cmi_plugin"
        achieving_results = AwardingBody.achieving_results | {"recognition of prior learning"}
""")


def test_a_third_party_plugin_is_discovered_and_its_rulesets_and_policy_used(installed):
    installed(*CMI_PLUGIN, files={"management.qual": CMI_RULESET})

    bodies = discover()
    assert {"ILM", "ISP", "CMI"} <= set(bodies) and not bodies.problems
    library = Library.load()
    qualification, body = library.qualification("610/0000/0")
    assert body.name == "CMI"
    learner = Learner("L1", None, None, (Attempt("501", "recognition of prior learning", None),))
    assert evaluate(qualification, learner, body.counts_as_achieved).status is Status.ACHIEVED
    # The same result word under the default policy does not count.
    ilm = bodies["ILM"]
    assert not ilm.counts_as_achieved("recognition of prior learning")


def test_list_names_the_plugin_release_each_body_is_decided_by(installed):
    # An awarding body supporting a provider asks first which release of its plugin is installed.
    installed(*CMI_PLUGIN, files={"management.qual": CMI_RULESET})
    listed = run("list")
    assert "CMI  Chartered Management Institute  (cmi_plugin 1.0)\n" in listed.stdout
    entries = json.loads(run("list", "--format", "json").stdout)
    assert {e["awarding_body"]: e["plugin"] for e in entries}["CMI"] == "cmi_plugin 1.0"


# Each problem is a pattern, with PLUGIN for the plugin's file (its path as a pattern); each code is formatted
# with the class's name, so its braces are doubled.
BROKEN_PLUGINS = {
    "no such class": ("", "Missing", "names Missing, which broken_plugin does not define"),
    "not a class": ("Broken = 42\n", "Broken", "names 42, which is not a subclass of qualrules.plugins.AwardingBody"),
    "a class of another kind": ("class Broken:\n    name = 'Broken'\n", "Broken",
                                "names the class Broken, which is not a subclass of qualrules.plugins.AwardingBody"),
    "an instance": (BODY + "broken = Broken()\n", "broken", "names an instance of Broken, not the class itself"),
    "a syntax error": (BODY + "    def rulesets(self)\n        return []\n", "Broken",
                       "raised SyntaxError: expected ':' in loading it, at PLUGIN:5"),
    "a dependency missing": ("import no_such_dependency\n", "Broken",
                             "raised ModuleNotFoundError: No module named 'no_such_dependency' in loading it, "
                             "at PLUGIN:1"),
    "a name other than the entry point's": (BODY.format(name="Other"), "Other",
                                            "declares name 'Other'; the entry point and `name` must match"),
    "exits while imported": ("import sys\nsys.exit(3)\n", "Broken", r"raised SystemExit: 3 in loading it, at PLUGIN:2"),
    "raises in __init__": (BODY + "    def __init__(self):\n        raise RuntimeError('no licence key')\n",
                           "Broken", r"raised RuntimeError: no licence key in Broken\(\), at PLUGIN:6"),
    "changes the shared evidence methods": (
        "from qualrules.plugins import AwardingBody, OutcomeKind\n"
        "AwardingBody.evidence_methods[OutcomeKind.KNOWLEDGE] = frozenset({{'essay'}})\n", "Broken",
        "raised TypeError: 'mappingproxy' object does not support item assignment in loading it, at PLUGIN:2"),
    "a ruleset package that does not exist": (BODY + "    ruleset_package = 'no_such_rulesets'\n", "Broken",
                                              "has ruleset_package 'no_such_rulesets', which is not an installed "
                                              "package"),
    "a ruleset that is not UTF-8": (BODY + "    ruleset_package = 'broken_plugin'\n", "Broken",
                                    "bundles bad.qual, which is not UTF-8 text: line 1, column 1 holds the byte 0xFF, "
                                    "which UTF-8 text cannot have there"),
    "rulesets() raising": (BODY + "    def rulesets(self):\n        raise OSError('disk gone')\n", "Broken",
                           r"raised OSError: disk gone in rulesets\(\), at PLUGIN:6"),
    "rulesets() exiting": (BODY + "    def rulesets(self):\n        raise SystemExit(3)\n", "Broken",
                           r"raised SystemExit: 3 in rulesets\(\), at PLUGIN:6"),
    "rulesets() returning junk": (BODY + "    def rulesets(self):\n        return ['award.qual']\n", "Broken",
                                  r"rulesets\(\) returned a list of str, not a list of RulesetSource"),
    "rulesets() returning bytes": (
        "from qualrules.plugins import RulesetSource\n" + BODY
        + "    def rulesets(self):\n        return [RulesetSource('award.qual', b'awarding body Broken')]\n", "Broken",
        r"rulesets\(\) returned a RulesetSource whose text is a bytes, not a str"),
    "achieving_results = None": (BODY + "    achieving_results = None\n", "Broken",
                                 "has achieving_results = None, not a collection of str"),
    "unit_ref_formats not RefFormats": (BODY + "    unit_ref_formats = ('L3B1',)\n", "Broken",
                                        "has unit_ref_formats = a tuple of str, not a collection of RefFormat"),
    "a title that is not text": (BODY + "    title = 7\n", "Broken", "has title = 7, not a str"),
    "evidence methods for one kind only": (
        "import qualrules.interpreter.model\n" + BODY
        + "    evidence_methods = dict([(qualrules.interpreter.model.OutcomeKind.SKILLS, ['observation'])])\n", "Broken",
        "has no methods for KNOWLEDGE in evidence_methods: give a collection of method words for each OutcomeKind"),
    "evidence methods keyed by words": (
        BODY + "    evidence_methods = {{'knowledge': ['assignment'], 'skills': ['observation']}}\n", "Broken",
        "has the key 'knowledge' in evidence_methods, not an OutcomeKind"),
    "evidence methods not in lower case": (
        "import qualrules.interpreter.model\n" + BODY
        + "    evidence_methods = dict.fromkeys(qualrules.interpreter.model.OutcomeKind, ['Observation'])\n",
        "Broken", r"has evidence_methods\[KNOWLEDGE\] holding 'Observation': write each method word in lower case, "
        "with single spaces"),
    "evidence methods empty": (
        "import qualrules.interpreter.model\n" + BODY
        + "    evidence_methods = dict.fromkeys(qualrules.interpreter.model.OutcomeKind, set())\n",
        "Broken", r"has evidence_methods\[KNOWLEDGE\] = an empty set, not a collection of method words "
                  r"\(at least one\)"),
    "a unit reference pattern not compiled": (
        "from qualrules.plugins import RefFormat\n" + BODY
        + "    unit_ref_formats = (RefFormat('scheme', r'W\\d', 'W1'),)\n", "Broken",
        r"has the unit_ref_formats entry 'scheme', whose pattern is 'W\\\\d', not compiled"),
    "a bytes unit reference pattern": (
        "import re\nfrom qualrules.plugins import RefFormat\n" + BODY
        + "    unit_ref_formats = (RefFormat('scheme', re.compile(rb'W\\d'), 'W1'),)\n", "Broken",
        "has the unit_ref_formats entry 'scheme', whose pattern is a bytes pattern, which cannot match unit "
        r"references \(they are str\)"),
    "a unit reference example its pattern refuses": (
        "import re\nfrom qualrules.plugins import RefFormat\n" + BODY
        + "    unit_ref_formats = (RefFormat('scheme', re.compile(r'W\\d'), 'X1'),)\n", "Broken",
        "has the unit_ref_formats entry 'scheme', whose example 'X1' its own pattern does not match"),
    "criterion_assessment not a bool": (BODY + "    criterion_assessment = 'yes'\n", "Broken",
                                        "has criterion_assessment = 'yes', not a bool"),
    # The words are asked in alphabetical order, so a plugin failing on every word names the same one each run.
    "counts_as_achieved raising": (BODY + "    def counts_as_achieved(self, result):\n        return dict()[result]\n",
                                   "Broken", r"raised KeyError: 'credit transfer' in counts_as_achieved\('credit "
                                   r"transfer'\), at PLUGIN:6"),
    "counts_as_achieved not answering": (BODY + "    def counts_as_achieved(self, result):\n        pass\n",
                                         "Broken",
                                         r"counts_as_achieved\('credit transfer'\) returned None, not a bool"),
    "counts_as_achieved counting a word no body counts": (
        BODY + "    def counts_as_achieved(self, result):\n"
        "        return 'pass' in result or result in self.achieving_results\n", "Broken",
        "counts 'near pass' as achieving, which its achieving_results does not list"),
    "changes a shared default": (
        "from qualrules.plugins import AwardingBody\n"
        "AwardingBody.achieving_results = AwardingBody.achieving_results | {{'fail'}}\n" + BODY, "Broken",
        r"changes AwardingBody.achieving_results, which every plugin shares, so it is not used \(the shared value "
        r"is put back\)"),
    "changes the module's result words": (
        "import qualrules.plugins as interface\n"
        "interface.RESULT_WORDS = interface.RESULT_WORDS | {{'yes'}}\n" + BODY, "Broken",
        r"changes qualrules.plugins.RESULT_WORDS, which every plugin shares, so it is not used \(the shared value "
        r"is put back\)"),
    "counts fail": (BODY + "    achieving_results = AwardingBody.achieving_results | {{'fail', 'referred'}}\n",
                    "Broken", "counts 'fail' and 'referred' as achieving, which no body's policy may: a record's "
                              "word means what it says for every body"),
    "a policy without the result word": (BODY + "    def counts_as_achieved(self):\n        return True\n", "Broken",
                                         r"defines counts_as_achieved\(self\), which qualrules calls as "
                                         r"counts_as_achieved\(result\), at PLUGIN:5"),
    "an __init__ wanting a setting": (BODY + "    def __init__(self, config):\n        self.config = config\n",
                                      "Broken", r"defines Broken\(config\), which qualrules calls as Broken\(\), "
                                                r"at PLUGIN:5"),
    "overriding result_words": (BODY + "    result_words = frozenset({{'pass', 'not yet'}})\n", "Broken",
                                "overrides result_words, which qualrules works out from achieving_results and "
                                "non_achieving_results and never asks a plugin for"),
    "overriding ref_format_problem": (BODY + "    def ref_format_problem(self, ref):\n        return None\n",
                                      "Broken", "overrides ref_format_problem, which qualrules works out from "
                                      "unit_ref_formats and never asks a plugin for"),
}


@pytest.mark.parametrize("code,attribute,problem", BROKEN_PLUGINS.values(), ids=BROKEN_PLUGINS)
def test_a_broken_plugin_is_reported_once_and_every_other_body_keeps_working(installed, tmp_path, code, attribute,
                                                                            problem):
    installed("broken_plugin", f"Broken = broken_plugin:{attribute}\n", code.format(name="Broken"),
              files={"bad.qual": b"\xff\xfeawarding body Broken\n"})

    plugins = discover()
    assert set(plugins) == {"ILM", "ISP"}
    (reported,) = plugins.problems
    assert reported.code == "QR605"
    problem = problem.replace("PLUGIN", re.escape(str(tmp_path / "broken_plugin" / "__init__.py")))
    assert re.search(f"^plugin Broken from broken_plugin 1.0 \\(broken_plugin:{attribute}\\) {problem}$",
                     reported.message), reported.message
    assert plugins.broken == {"Broken": "broken_plugin 1.0"}

    listed = run("list")
    assert listed.exit_code == 0
    assert "ISP  Institute of Sales Professionals" in listed.stdout and ISP_CERTIFICATE in listed.stdout
    assert listed.stderr.count("error[QR605]") == 1 and "broken_plugin 1.0" in listed.stderr
    checked = run("check", COHORT, "-q", ISP_CERTIFICATE, "--format", "json")
    assert checked.exit_code == 1, checked.stderr  # the verdicts' status: A001 achieved, A002 and A003 not
    assert [v["achieved"] for v in json.loads(checked.stdout)] == [True, False, False]
    linted = run("lint", "--bundled")
    assert linted.exit_code == 1 and linted.stdout.count("error[QR605]") == 1
    assert re.search(r"^1 error, 0 warnings in 2 files \(12 allowed, shown with -v\)$", linted.stdout, re.M)


def test_a_plugin_is_asked_its_policy_once_when_loaded(installed):
    installed("counting_plugin", "Counting = counting_plugin:Counting\n", BODY.format(name="Counting") + """
    asked = []
    def counts_as_achieved(self, result):
        self.asked.append(result)
        return result == "pass"
""")
    body = discover()["Counting"]
    plugin_class = sys.modules["counting_plugin"].Counting
    asked = sorted(plugin_class.asked)
    assert asked == sorted({"pass", "merit", "distinction", "distinction star", "exemption", "credit transfer",
                            "referred", "fail", "withdrawn", "near pass", "unclassified"})
    assert body.counts_as_achieved("pass") and not body.counts_as_achieved("merit")
    assert sorted(plugin_class.asked) == asked  # answering ran no plugin code


def test_a_plugin_ruleset_with_errors_is_reported_under_the_plugin_and_blocks_nothing_else(installed):
    installed("cmi_plugin", "CMI = cmi_plugin:CMI\n", BODY.format(name="CMI") + "    ruleset_package = 'cmi_plugin'\n",
              files={"good.qual": CMI_RULESET, "typo.qual": "awarding body CMI\nunit 601 level 6 credits\n"})

    library = Library.load()
    assert "610/0000/0" in library.qualifications and ISP_CERTIFICATE in library.qualifications
    plugin_problem, *underlying = library.problems
    assert (plugin_problem.code, plugin_problem.message) == (
        "QR605", "plugin CMI from cmi_plugin 1.0 bundles CMI:typo.qual, which has errors, so its qualifications "
        "are left out")
    assert underlying and {d.location.file for d in underlying} == {"CMI:typo.qual"}

    listed = run("list")
    assert listed.exit_code == 0
    assert "610/0000/0" in listed.stdout and ISP_CERTIFICATE in listed.stdout
    assert "error[QR605]: plugin CMI from cmi_plugin 1.0 bundles CMI:typo.qual" in listed.stderr
    assert re.search(r"^CMI:typo\.qual:2:\d+: error\[QR\d+\]", listed.stderr, re.M), listed.stderr
    assert run("check", COHORT, "-q", ISP_CERTIFICATE).exit_code == 1


@pytest.mark.parametrize("header,declared", [("awarding body ISP\n", "declares `awarding body ISP`"),
                                             ("", "declares no awarding body")])
def test_a_plugin_ruleset_of_another_body_or_none_is_left_out(installed, header, declared):
    # Under ISP's policy, or the generic one, CMI's qualification would be judged by rules not its own.
    installed("cmi_plugin", "CMI = cmi_plugin:CMI\n", BODY.format(name="CMI") + "    ruleset_package = 'cmi_plugin'\n",
              files={"other.qual": CMI_RULESET.replace('awarding body CMI "Chartered Management Institute"\n', header)})
    library = Library.load()
    assert "610/0000/0" not in library.qualifications and ISP_CERTIFICATE in library.qualifications
    (problem,) = library.problems
    assert (problem.code, problem.message) == (
        "QR605", f"plugin CMI from cmi_plugin 1.0 bundles CMI:other.qual, which {declared}, not CMI: a plugin "
        "bundles its own body's rulesets, so its qualifications are left out")


def test_two_plugins_declaring_one_qan_is_an_error_in_every_command_never_a_silent_replacement(installed):
    installed("impostor", "IMPOSTOR = impostor:IMPOSTOR\n",
              BODY.format(name="IMPOSTOR") + "    ruleset_package = 'impostor'\n",
              files={"certificate.qual": IMPOSTOR_RULESET})
    clash = (f"{ISP_CERTIFICATE} is declared by plugin IMPOSTOR from impostor 1.0 (IMPOSTOR:certificate.qual) "
             "and plugin ISP from qualrules 0.1.0 (ISP:professional-sales-l3.qual), so it is left out")

    library = Library.load()
    assert ISP_CERTIFICATE not in library.qualifications and ISP_AWARD in library.qualifications
    (problem,) = library.problems
    assert (problem.code, problem.message) == ("QR104", f"qualification {clash}")

    checked = run("check", COHORT, "-q", ISP_CERTIFICATE)
    assert checked.exit_code == 2 and checked.stdout == ""
    assert f"error[QR104]: qualification {clash}" in checked.stderr
    assert f"error[QR601]: no qualification {ISP_CERTIFICATE} is loaded\n     = help: {clash}" in checked.stderr
    # Every other qualification is still checked.
    award = run("check", COHORT, "-q", ISP_AWARD, "--format", "json")
    assert [v["achieved"] for v in json.loads(award.stdout)] == [True, True, False]
    listed = run("list")
    assert listed.exit_code == 0 and ISP_CERTIFICATE not in listed.stdout and ISP_AWARD in listed.stdout
    assert "error[QR104]" in listed.stderr
    linted = run("lint", "--bundled")
    assert linted.exit_code == 1 and "error[QR104]" in linted.stdout


def test_a_ruleset_given_on_the_command_line_settles_a_clash_and_says_so_visibly(installed, tmp_path):
    installed("impostor", "IMPOSTOR = impostor:IMPOSTOR\n",
              BODY.format(name="IMPOSTOR") + "    ruleset_package = 'impostor'\n",
              files={"certificate.qual": IMPOSTOR_RULESET})
    (tmp_path / "mine.qual").write_text(IMPOSTOR_RULESET.replace("Certificate in", "Local Certificate in"))

    checked = run("check", COHORT, "-q", ISP_CERTIFICATE, "--ruleset", str(tmp_path / "mine.qual"),
                  "--format", "json", color=True)
    assert checked.exit_code == 1  # A002 holds no L3B1
    assert {v["title"] for v in json.loads(checked.stdout)} == {"Local Certificate in Professional Sales"}
    assert "QR104" not in checked.stderr
    notes = [line for line in checked.stderr.splitlines() if "replaces" in line]
    assert [click_unstyled(line) for line in notes] == [
        f"note: {ISP_CERTIFICATE} from {tmp_path / 'mine.qual'} replaces the one in {source}"
        for source in ("IMPOSTOR:certificate.qual", "ISP:professional-sales-l3.qual")]
    assert all(line.startswith("\x1b[") for line in notes)  # highlighted on a terminal


def test_a_qan_is_found_however_its_letters_are_written(tmp_path):
    # A QAN not in Ofqual's format is only warned about (QR201), so it may hold letters of either case.
    (tmp_path / "local.qual").write_text(IMPOSTOR_RULESET.replace("610/3788/6", "Local-Cert"))
    ruleset = ["--ruleset", str(tmp_path / "local.qual")]
    for written in ("Local-Cert", "local-cert", " LOCAL-CERT "):
        shown = run("show", written, *ruleset, "--format", "json")
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.stdout)["qan"] == "Local-Cert"
    checked = run("check", COHORT, "-q", "local-cert", *ruleset, "--format", "json")
    assert {v["qualification"] for v in json.loads(checked.stdout)} == {"Local-Cert"}


def test_two_rulesets_declaring_one_qan_in_different_cases_clash(tmp_path):
    (tmp_path / "one.qual").write_text(IMPOSTOR_RULESET.replace("610/3788/6", "Local-Cert"))
    (tmp_path / "two.qual").write_text(IMPOSTOR_RULESET.replace("610/3788/6", "LOCAL-CERT"))
    listed = run("list", "--ruleset", str(tmp_path / "one.qual"), "--ruleset", str(tmp_path / "two.qual"))
    assert listed.exit_code == 2
    assert f"error[QR104]: qualification Local-Cert is declared in both {tmp_path / 'one.qual'} and " \
           f"{tmp_path / 'two.qual'}" in listed.stderr


def click_unstyled(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_the_bundled_bodies_assess_by_criterion_and_isp_names_the_methods_of_its_specification():
    bodies = discover()
    assert bodies["ILM"].criterion_assessment and bodies["ISP"].criterion_assessment
    assert bodies["ILM"].evidence_methods == EVIDENCE_METHODS
    isp = bodies["ISP"].evidence_methods
    assert {"observation", "witness testimony", "professional discussion", "product evidence",
            "work based project", "reflective account", "other"} <= isp[OutcomeKind.SKILLS]
    assert {"assignment", "portfolio", "questioning", "other"} <= isp[OutcomeKind.KNOWLEDGE]
    assert "observation" not in isp[OutcomeKind.KNOWLEDGE] and "portfolio" not in isp[OutcomeKind.SKILLS]


def test_a_plugin_can_change_the_evidence_methods(installed):
    installed("cmi_plugin", "CMI = cmi_plugin:CMI\n", """
        from qualrules.interpreter.model import OutcomeKind
        from qualrules.plugins import AwardingBody

        class CMI(AwardingBody):
            name = "CMI"
            evidence_methods = {OutcomeKind.KNOWLEDGE: ["written assignment"], OutcomeKind.SKILLS: ("observation",)}
    """)
    cmi = discover()["CMI"]
    assert cmi.evidence_methods == {OutcomeKind.KNOWLEDGE: frozenset({"written assignment"}),
                                    OutcomeKind.SKILLS: frozenset({"observation"})}
    assert not cmi.criterion_assessment


def test_a_plugins_result_words_apply_to_its_own_units_only(installed, tmp_path, monkeypatch):
    installed("cmi_words", "CMI = cmi_words:CMI\n", """
        from qualrules.plugins import AwardingBody

        class CMI(AwardingBody):
            name = "CMI"
            ruleset_package = "cmi_words"
            achieving_results = AwardingBody.achieving_results | {"recognition of prior learning"}
            non_achieving_results = frozenset({"not yet competent"})
    """, files={"management.qual": CMI_RULESET})
    monkeypatch.chdir(tmp_path)
    Path("records.csv").write_text(
        "learner,unit,result,achieved_on\n"
        "C1,501,recognition of prior learning,2024-05-01\n"  # CMI's achieving word on CMI's unit: counts
        "C2,501,not yet competent,2024-05-01\n"  # CMI's non-achieving word: read, does not count
        "C2,502,pass,2024-05-01\n"
        "I1,L3B1,recognition of prior learning,2024-05-01\n",  # CMI's word on an ISP unit: refused
        encoding="utf-8")
    result = run("check", "records.csv", "-q", "610/0000/0", "--format", "json")
    verdicts = {row["learner"]: row for row in json.loads(result.stdout)}
    assert (verdicts["C1"]["status"], verdicts["C1"]["credits"]) == ("achieved", 6)
    assert verdicts["C2"]["status"] == "not achieved"
    assert verdicts["C2"]["set_aside"] == [{"unit": "501", "reason": "result 'not yet competent' does not count "
                                                                     "as achieved"}]
    assert [(e["code"], e["message"]) for e in verdicts["I1"]["errors"]] == [
        ("QR521", "the result is 'recognition of prior learning', a result word of CMI only, and L3B1 is a unit "
                  "of ISP")]
    assert result.exit_code == 2


def test_a_plugin_s_words_must_be_written_as_records_are_matched(installed):
    installed("shouting", "Shouting = shouting:Shouting\n", BODY.format(name="Shouting")
              + "    non_achieving_results = frozenset({'Not  Yet'})\n")
    (problem,) = discover().problems
    assert "has result words no record can match ('Not  Yet')" in problem.message


def test_a_plugin_cannot_count_a_word_it_says_does_not_achieve(installed):
    installed("contrary", "Contrary = contrary:Contrary\n", BODY.format(name="Contrary")
              + "    non_achieving_results = frozenset({'pass'})\n")
    (problem,) = discover().problems
    assert "counts 'pass' as achieving, which its non_achieving_results says do not" in problem.message


def test_a_plugin_changing_the_shared_defaults_changes_no_other_bodys_verdicts(installed, tmp_path):
    # Loaded first, by name, so every other body would be built from what it changed.
    installed("aaa_plugin", "AAA = aaa_plugin:AAA\n", "from qualrules.plugins import AwardingBody\n"
              "AwardingBody.achieving_results = AwardingBody.achieving_results | {'fail'}\n" + BODY.format(name="AAA"))
    ruleset = tmp_path / "generic.qual"
    ruleset.write_text(CLEAN_GENERIC_RULESET)
    records = tmp_path / "records.csv"
    records.write_text("learner,unit,result,achieved_on\nG1,G1,pass,2024-01-10\nG1,G2,fail,2024-01-11\n")

    checked = run("check", str(records), "--ruleset", str(ruleset), "-q", "900/0001/1", "--format", "json")
    assert "error[QR605]: plugin AAA from aaa_plugin 1.0" in checked.stderr
    (verdict,) = json.loads(checked.stdout)
    assert (verdict["status"], verdict["credits"]) == ("not achieved", 2)
    assert "fail" not in AwardingBody.achieving_results


def test_what_a_plugin_writes_to_the_standard_output_descriptor_goes_to_stderr(installed, capfd):
    installed("noisy_plugin", "Noisy = noisy_plugin:Noisy\n", "import os\nos.write(1, b'from the descriptor\\n')\n"
              + BODY.format(name="Noisy"))
    plugins = discover()
    assert "Noisy" in plugins and not plugins.problems
    written = capfd.readouterr()
    assert "from the descriptor" not in written.out and "from the descriptor" in written.err


def test_an_awarding_body_written_in_another_case_than_its_plugins_is_an_error(tmp_path):
    ruleset = tmp_path / "lower.qual"
    ruleset.write_text(CLEAN_GENERIC_RULESET.replace("awarding body GENERIC", "awarding body isp"))
    records = tmp_path / "records.csv"
    records.write_text("learner,unit,result,achieved_on\nG1,G1,pass,2024-01-10\n")

    checked = run("check", str(records), "--ruleset", str(ruleset), "-q", "900/0001/1")
    assert checked.exit_code == 2 and checked.stdout == ""
    assert (f"{ruleset}:1:1: error[QR610]: awarding body isp has no plugin, but ISP has: names are matched "
            "exactly, so its qualifications would be judged by the default policy, not ISP's") in checked.stderr
    assert "= help: write `awarding body ISP`" in checked.stderr
    linted = run("lint", str(ruleset))
    assert linted.exit_code == 1 and "error[QR610]" in linted.stdout
