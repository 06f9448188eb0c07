"""What qualrules tells a plugin's author and its users: each problem located in the plugin's own code where
it has one, with a hint that fits the case, and the traceback with `--debug`."""

from __future__ import annotations

import re
import sys

import pytest

from qualrules.grammar.parser import lark_parser
from qualrules.interpreter.diagnostics import render
from qualrules.interpreter.library import Library
from qualrules.plugins import BODY_NAME, discover
import test_plugins
from test_plugins import BODY, BROKEN_PLUGINS, IMPOSTOR_RULESET, ISP_CERTIFICATE, run

installed = test_plugins.installed  # the fixture

RAISING = BODY + "    def counts_as_achieved(self, result):\n        return {{'pass': True}}[result]\n"


@pytest.mark.parametrize("code,attribute", [(code, attribute) for code, attribute, _ in BROKEN_PLUGINS.values()],
                         ids=BROKEN_PLUGINS)
def test_each_broken_plugin_is_told_what_is_wrong_and_how_to_fix_it(installed, tmp_path, code, attribute, snapshot):
    installed("broken_plugin", f"Broken = broken_plugin:{attribute}\n", code.format(name="Broken"),
              files={"bad.qual": b"awarding body Broken\n# caf\xe9\n"})
    (problem,) = discover().problems
    assert render(problem).replace(str(tmp_path), "<tmp>") == snapshot


def test_debug_shows_the_traceback_of_a_plugin_s_code(installed, tmp_path):
    installed("broken_plugin", "Broken = broken_plugin:Broken\n", RAISING.format(name="Broken"))
    plugin_file = tmp_path / "broken_plugin" / "__init__.py"
    plain = run("list")
    assert f"raised KeyError: 'credit transfer' in counts_as_achieved('credit transfer'), at {plugin_file}:6" \
        in plain.stderr
    assert "Traceback" not in plain.stderr
    for command in (["--debug", "list"], ["list", "--debug"], ["--debug", "lint", "--bundled"]):
        debugged = run(*command)
        assert re.search(rf"Traceback \(most recent call last\):\n.*File \"{re.escape(str(plugin_file))}\", line 6, "
                         r"in counts_as_achieved\n.*\nKeyError: 'credit transfer'\n", debugged.stderr, re.S), command


def test_a_plugin_name_no_ruleset_can_give_is_refused_before_its_code_runs(installed):
    installed("cg_plugin", "C&G = cg_plugin:CG\n", "raise RuntimeError('never imported')\n")
    plugins = discover()
    (problem,) = plugins.problems
    assert problem.message == ("plugin C&G from cg_plugin 1.0 has the name 'C&G', which no `awarding body` line can "
                               "give, so it is not used")
    assert problem.hint.startswith("a plugin's name (its entry point's and its class's `name`) is letters and digits, "
                                   "with `_`, `.`, `/` or `-` between them, and not digits alone")
    assert "cg_plugin" not in sys.modules


def test_a_plugin_name_is_what_an_awarding_body_line_takes():
    assert BODY_NAME.pattern == lark_parser().get_terminal("REF").pattern.value
    assert all(BODY_NAME.fullmatch(name) for name in ("ILM", "ISP", "C-G", "Q.A", "NCFE/CACHE", "City_Guilds", "1A"))
    assert not any(BODY_NAME.fullmatch(name) for name in ("C&G", "City Guilds", "123", "-A", "A-", ""))


def test_a_name_the_entry_point_and_class_disagree_on_is_not_fixed_by_reinstalling(installed):
    installed("cmi_plugin", "CMI = cmi_plugin:Other\n", BODY.format(name="Other"))
    (problem,) = discover().problems
    assert "reinstall" not in problem.hint
    assert problem.hint.startswith("its maintainers must make the entry point's name ('CMI') and the class's `name` "
                                   "the same")


def test_an_import_the_import_system_cannot_do_is_for_reinstalling(installed):
    installed("cmi_plugin", "CMI = cmi_plugin:CMI\n", "import cmi_qualrules_dependency\n")
    (problem,) = discover().problems
    assert problem.hint.startswith("reinstall cmi_plugin 1.0, which could not import cmi_qualrules_dependency")


OWN_QAN = "610/0002/0"  # no bundled ruleset's
QAN_CLASHES = {
    "two files of one plugin": (
        [("impostor", "IMPOSTOR", ["one.qual", "two.qual"], OWN_QAN)],
        "plugin IMPOSTOR from impostor 1.0 declares it twice, which its maintainers must fix; meanwhile give the "
        "ruleset to use with --ruleset"),
    "a plugin and a bundled one": (
        [("impostor", "IMPOSTOR", ["certificate.qual"], ISP_CERTIFICATE)],
        "uninstall impostor 1.0, or give the ruleset to use with --ruleset"),
    "two plugins and a bundled one": (
        [("impostor", "IMPOSTOR", ["certificate.qual"], ISP_CERTIFICATE),
         ("pretender", "PRETENDER", ["certificate.qual"], ISP_CERTIFICATE)],
        "uninstall impostor 1.0 and pretender 1.0, or give the ruleset to use with --ruleset"),
    "two plugins": (
        [("impostor", "IMPOSTOR", ["award.qual"], OWN_QAN), ("pretender", "PRETENDER", ["award.qual"], OWN_QAN)],
        "uninstall one of impostor 1.0 and pretender 1.0, or give the ruleset to use with --ruleset"),
}


@pytest.mark.parametrize("plugins,hint", QAN_CLASHES.values(), ids=QAN_CLASHES)
def test_a_qan_declared_twice_by_bundled_rulesets_says_who_can_settle_it(installed, plugins, hint):
    for module, name, files, qan in plugins:
        installed(module, f"{name} = {module}:{name}\n", BODY.format(name=name) + f"    ruleset_package = {module!r}\n",
                  files={file: IMPOSTOR_RULESET.replace("IMPOSTOR", name).replace(ISP_CERTIFICATE, qan)
                         for file in files})
    (problem,) = Library.load().problems
    assert (problem.code, problem.hint) == ("QR104", hint)


def test_an_entry_point_naming_a_module_says_so(installed):
    installed("broken_plugin", "Broken = broken_plugin\n", BODY.format(name="Broken"))
    (problem,) = discover().problems
    assert problem.message == "plugin Broken from broken_plugin 1.0 (broken_plugin) names the module broken_plugin, " \
                              "not a class in it"
    assert problem.hint.startswith("the entry point names the class, as `broken_plugin:ClassName`")
