"""A broken or clashing plugin stops nothing but itself, and nothing of its body is used in its stead: the
rulesets naming its body are not loaded, it cannot take a bundled body's name or change the bundled bodies'
policy, and it cannot write into the command's results."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from qualrules.interpreter.library import Library, UnknownQualification
from qualrules.plugins import EVIDENCE_METHODS, OutcomeKind, discover
import test_plugins
from test_plugins import BODY, CMI_RULESET, COHORT, ISP_AWARD, run

installed = test_plugins.installed  # the fixture

ILM_CERTIFICATE = "600/5929/1"
CMI_AWARD = "610/0000/0"  # CMI_RULESET's
STRICT_RULESET = """\
awarding body STRICT
group CORE
  unit S1 "Strict Unit" level 2 credits 3
qualification 610/0001/0 "Strict Award"
  units from CORE
  all of S1
"""
STRICT_AWARD = "610/0001/0"
# Under the default policy credit transfer counts; STRICT's plugin says it does not.
STRICT_RECORDS = "learner,unit,result,achieved_on\nS001,S1,credit transfer,2024-05-01\n"
STRICT_PLUGINS = {
    "a title that is not text": BODY.format(name="STRICT") + "    title = None\n"
                                                             "    achieving_results = frozenset({'pass'})\n",
    "an import that raises": "raise ImportError('the licence server cannot be reached')\n",
}


def unstyled(text: str, tmp_path) -> str:
    return text.replace(str(tmp_path), "<tmp>")


@pytest.fixture(params=STRICT_PLUGINS.values(), ids=STRICT_PLUGINS)
def broken_strict(request, installed, tmp_path, monkeypatch):
    """A broken STRICT plugin installed, STRICT's ruleset and records in the working directory."""
    installed("strict_plugin", "STRICT = strict_plugin:STRICT\n", request.param)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "strict.qual").write_text(STRICT_RULESET, encoding="utf-8")
    (tmp_path / "records.csv").write_text(STRICT_RECORDS, encoding="utf-8")


def codes(stderr: str) -> list[str]:
    return re.findall(r"error\[(QR\d{3})\]", stderr)


def test_a_ruleset_naming_a_body_whose_plugin_is_broken_gets_no_verdict(broken_strict):
    checked = run("check", "records.csv", "-q", STRICT_AWARD, "--ruleset", "strict.qual", "--format", "json")
    assert (checked.exit_code, checked.stdout) == (2, "")
    assert codes(checked.stderr) == ["QR605", "QR609", "QR601"]
    assert ("strict.qual:1:1: error[QR609]: strict.qual is not loaded: the plugin of its awarding body STRICT is "
            "installed but could not be loaded (QR605 above), so STRICT's policy is unknown") in checked.stderr
    assert (f"error[QR601]: no qualification {STRICT_AWARD} is loaded\n     = help: {STRICT_AWARD} is in strict.qual, "
            "which is not loaded because the plugin of its awarding body STRICT could not be loaded (QR609)"
            ) in checked.stderr


def test_a_profile_s_ruleset_of_a_broken_plugin_s_body_gets_no_verdict_either(broken_strict, tmp_path):
    (tmp_path / "qualrules.toml").write_text(f'qualifications = ["{STRICT_AWARD}"]\nrulesets = ["strict.qual"]\n')
    checked = run("check", "records.csv", "--format", "json")
    assert (checked.exit_code, checked.stdout) == (2, "")
    assert codes(checked.stderr) == ["QR605", "QR609", "QR601"]
    assert "qualrules.toml:1" in checked.stderr  # the QR601 points at the profile's qualifications


def test_other_bodies_rulesets_and_learners_are_unaffected(broken_strict, tmp_path):
    (tmp_path / "demo.qual").write_text(CMI_RULESET.replace("CMI", "DEMO"), encoding="utf-8")
    library = Library.load(["strict.qual", "demo.qual"])
    assert CMI_AWARD in library.qualifications and ISP_AWARD in library.qualifications
    with pytest.raises(UnknownQualification, match="not loaded because the plugin of its awarding body STRICT"):
        library.qualification(STRICT_AWARD)
    (problem,) = [p for p in library.problems if p.code == "QR609"]
    assert (problem.location.file, problem.location.line, problem.location.column) == ("strict.qual", 1, 1)

    checked = run("check", COHORT, "-q", ISP_AWARD, "--ruleset", "strict.qual", "--format", "json")
    assert checked.exit_code == 1  # A003 has not achieved: the verdicts' status, not a failure
    assert [v["achieved"] for v in json.loads(checked.stdout)] == [True, True, False]
    assert codes(checked.stderr) == ["QR605", "QR609"]


def test_a_check_across_bodies_decides_the_others_when_one_body_s_plugin_is_broken(broken_strict):
    # A nightly run over every body's qualifications: the broken one's is reported, the others decided.
    checked = run("check", COHORT, "-q", ISP_AWARD, "-q", STRICT_AWARD, "--ruleset", "strict.qual", "--format",
                  "json")
    assert checked.exit_code == 2  # as for unreadable rows: the diagnostics say what was not decided
    assert [(v["qualification"], v["achieved"]) for v in json.loads(checked.stdout)] == [
        (ISP_AWARD, True), (ISP_AWARD, True), (ISP_AWARD, False)]
    assert codes(checked.stderr) == ["QR605", "QR609", "QR601"]
    assert f"command line (--qualification {STRICT_AWARD}): error[QR601]" in checked.stderr


def test_a_check_asked_for_a_qualification_unknown_for_no_reported_reason_decides_nothing():
    # With every plugin working, a QAN not loaded is a mistake in the command.
    mistyped = run("check", COHORT, "-q", ISP_AWARD, "-q", "610/3791/7", "--format", "json")
    assert (mistyped.exit_code, mistyped.stdout) == (2, "")
    assert codes(mistyped.stderr) == ["QR601"]


def test_asking_for_a_broken_plugin_s_body_says_why_it_has_no_qualifications(broken_strict):
    eligible = run("eligible", "records.csv", "--awarding-body", "STRICT")
    assert eligible.exit_code == 2
    assert ("error[QR604]: no loaded qualification is from awarding body 'STRICT'\n     = help: plugin STRICT could "
            "not be loaded (QR605 above), so none of its qualifications is") in eligible.stderr


def test_a_ruleset_of_a_broken_plugin_s_body_does_not_fall_back_to_the_bundled_qualification(installed, tmp_path):
    # The file was given to replace the bundled 610/3791/6: the bundled one is not used in its stead.
    installed("strict_plugin", "STRICT = strict_plugin:STRICT\n", STRICT_PLUGINS["an import that raises"])
    (tmp_path / "strict.qual").write_text(STRICT_RULESET.replace(STRICT_AWARD, ISP_AWARD), encoding="utf-8")
    library = Library.load([tmp_path / "strict.qual"])
    assert ISP_AWARD not in library.qualifications
    with pytest.raises(UnknownQualification, match="the plugin of its awarding body STRICT could not be loaded"):
        library.qualification(ISP_AWARD)


def test_what_a_broken_plugin_s_ruleset_reports_reads_as_documented(broken_strict, tmp_path, snapshot):
    checked = run("check", "records.csv", "-q", STRICT_AWARD, "--ruleset", "strict.qual")
    assert unstyled(checked.stderr, tmp_path) == snapshot


def test_a_bundled_body_s_name_registered_again_leaves_the_bundled_plugin_in_use(installed):
    installed("ilm_extras", "ILM = ilm_extras:ILM\n", BODY.format(name="ILM") + "    title = 'ILM extras'\n")
    plugins = discover()
    assert plugins["ILM"].distribution == "qualrules 0.1.0" and not plugins.broken
    (problem,) = plugins.problems
    assert (problem.code, problem.message) == (
        "QR605", "plugin ILM from ilm_extras 1.0 (ilm_extras:ILM) has the name of a plugin bundled with qualrules, "
                 "so it is not used")
    assert "qualrules 0.1.0" not in problem.hint and "uninstall ilm_extras 1.0" in problem.hint

    checked = run("check", COHORT, "-q", ILM_CERTIFICATE, "--format", "json")
    assert checked.exit_code == 1 and len(json.loads(checked.stdout)) == 3  # decided, under the bundled ILM
    assert codes(checked.stderr) == ["QR605"]


def test_two_distributions_registering_one_name_are_both_refused_and_the_qualan_asked_for_says_why(installed):
    for module in ("cmi_one", "cmi_two"):
        installed(module, f"CMI = {module}:CMI\n", BODY.format(name="CMI") + f"    ruleset_package = {module!r}\n",
                  files={"management.qual": CMI_RULESET})
    plugins = discover()
    assert "CMI" not in plugins and plugins.broken == {"CMI": "cmi_one 1.0 and cmi_two 1.0"}
    (problem,) = plugins.problems
    assert (problem.message, problem.hint) == (
        "plugin CMI from cmi_one 1.0 and cmi_two 1.0 is registered by more than one distribution, so neither is used",
        "uninstall one of cmi_one 1.0 and cmi_two 1.0, or give each plugin a name of its own (its entry "
        "point's and its class's `name`); every other awarding body works without it meanwhile")

    checked = run("check", COHORT, "-q", CMI_AWARD)
    assert checked.exit_code == 2
    assert (f"error[QR601]: no qualification {CMI_AWARD} is loaded\n     = help: plugin CMI could not be loaded "
            "(QR605), and may be what declares it") in checked.stderr


def test_what_a_plugin_prints_while_it_is_loaded_goes_to_stderr(installed):
    installed("chatty", "Chatty = chatty:Chatty\n", """
        from qualrules.plugins import AwardingBody
        print("DEBUG imported")

        class Chatty(AwardingBody):
            name = "Chatty"
            def __init__(self):
                print("DEBUG created")
            def counts_as_achieved(self, result):
                print("DEBUG asked", result)
                return result in self.achieving_results
            def rulesets(self):
                print("DEBUG rulesets")
                return []
    """)
    as_json = run("check", COHORT, "-q", ISP_AWARD, "--format", "json")
    assert [v["achieved"] for v in json.loads(as_json.stdout)] == [True, True, False]
    assert "DEBUG imported" in as_json.stderr and "DEBUG asked pass" in as_json.stderr
    as_csv = run("check", COHORT, "-q", ISP_AWARD, "--format", "csv")
    assert "DEBUG" not in as_csv.stdout and len(list(csv.reader(io.StringIO(as_csv.stdout)))) == 4
    assert "DEBUG created" in as_csv.stderr and "DEBUG rulesets" in as_csv.stderr


def test_the_shared_defaults_cannot_be_changed_by_a_plugin_and_overriding_them_still_works(installed):
    installed("meddling", "Meddling = meddling:Meddling\n", """
        from qualrules.plugins import AwardingBody, OutcomeKind

        evidence_methods = AwardingBody.evidence_methods
        try:
            evidence_methods[OutcomeKind.KNOWLEDGE] = frozenset({"essay"})
        except TypeError:
            pass

        class Meddling(AwardingBody):
            name = "Meddling"
            evidence_methods = {**AwardingBody.evidence_methods, OutcomeKind.KNOWLEDGE: frozenset({"essay"})}
    """)
    plugins = discover()
    assert plugins["ILM"].evidence_methods == EVIDENCE_METHODS
    assert plugins["ILM"].evidence_methods[OutcomeKind.KNOWLEDGE] == {"assignment", "portfolio", "questioning", "other"}
    assert plugins["Meddling"].evidence_methods == {OutcomeKind.KNOWLEDGE: {"essay"},
                                                    OutcomeKind.SKILLS: EVIDENCE_METHODS[OutcomeKind.SKILLS]}


def test_a_profile_mapping_to_a_broken_plugin_s_word_names_the_plugin_first(installed, tmp_path, monkeypatch):
    installed("cmi_words", "CMI = cmi_words:CMI\n", BODY.format(name="CMI") + """\
    achieving_results = AwardingBody.achieving_results | {"recognition of prior learning"}
    title = None
""")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "qualrules.toml").write_text('[results]\n"RPL" = "recognition of prior learning"\n')
    checked = run("check", COHORT, "-q", ISP_AWARD)
    assert checked.exit_code == 2
    assert codes(checked.stderr) == ["QR605", "QR634"]


BUNDLING_BADLY = {
    "a ruleset of another body": ({"other.qual": CMI_RULESET.replace("awarding body CMI", "awarding body ISP")},
                                  "bundles CMI:other.qual, which declares `awarding body ISP`, not CMI"),
    "a ruleset of no body": ({"other.qual": CMI_RULESET.replace('awarding body CMI "Chartered Management Institute"\n',
                                                                "")},
                             "bundles CMI:other.qual, which declares no awarding body, not CMI"),
    "no ruleset installed": ({}, "has ruleset_package 'cmi_plugin', which holds no .qual file, so it bundles no "
                                 "qualification"),
}


@pytest.mark.parametrize("files,problem", BUNDLING_BADLY.values(), ids=BUNDLING_BADLY)
def test_lint_bundled_counts_a_bundled_ruleset_left_out_as_an_error(installed, files, problem):
    installed("cmi_plugin", "CMI = cmi_plugin:CMI\n", BODY.format(name="CMI") + "    ruleset_package = 'cmi_plugin'\n",
              files=files)
    linted = run("lint", "--bundled")
    assert linted.exit_code == 1
    assert f"error[QR605]: plugin CMI from cmi_plugin 1.0 {problem}" in linted.stdout
    assert re.search(r"^1 error, \d+ warnings? in \d+ files", linted.stdout, re.M), linted.stdout
    as_json = run("lint", "--bundled", "--format", "json")
    assert as_json.exit_code == 1 and [d["code"] for d in json.loads(as_json.stdout) if d["severity"] == "error"] \
        == ["QR605"]
    # Every other command reports it too, and carries on.
    listed = run("list")
    assert listed.exit_code == 0 and f"error[QR605]: plugin CMI from cmi_plugin 1.0 {problem}" in listed.stderr


def test_lint_bundled_counts_a_broken_plugin_as_an_error(installed):
    installed("cmi_plugin", "CMI = cmi_plugin:CMI\n", "raise RuntimeError('broken')\n")
    linted = run("lint", "--bundled")
    assert linted.exit_code == 1 and "error[QR605]: plugin CMI from cmi_plugin 1.0" in linted.stdout
    assert re.search(r"^1 error, 0 warnings in \d+ files", linted.stdout, re.M), linted.stdout


def test_what_a_clash_of_names_reports_reads_as_documented(installed, snapshot):
    installed("ilm_extras", "ILM = ilm_extras:ILM\n", BODY.format(name="ILM"))
    for module in ("cmi_one", "cmi_two"):
        installed(module, f"CMI = {module}:CMI\n", BODY.format(name="CMI"))
    listed = run("list")
    assert listed.exit_code == 0 and listed.stderr == snapshot
