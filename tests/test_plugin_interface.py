"""The plugin interface as docs/plugins.md states it: what a plugin imports and from where, the result words
and defaults the pages list, and the example of overriding a default."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import qualrules.plugins as plugins_module
from qualrules.interpreter import model
from qualrules.plugins import ACHIEVING_RESULTS, RESULT_WORDS, AwardingBody, OutcomeKind, discover
import test_plugins

installed = test_plugins.installed  # the fixture
PACKAGE = Path(__file__).resolve().parents[1]
PLUGINS_DOC = (PACKAGE / "docs" / "plugins.md").read_text(encoding="utf-8")
PROFILES_DOC = (PACKAGE / "docs" / "profiles.md").read_text(encoding="utf-8")
# The names docs/plugins.md "Stability" calls the interface, which a plugin imports from qualrules.plugins.
STABLE = {"AwardingBody", "RefFormat", "RulesetSource", "OutcomeKind", "EVIDENCE_METHODS"}


def backticked(text: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", text))


def test_outcome_kind_is_imported_from_the_plugins_namespace():
    assert OutcomeKind is model.OutcomeKind
    section = PLUGINS_DOC[PLUGINS_DOC.index("## Stability"):]
    assert STABLE <= backticked(section) and STABLE <= set(vars(plugins_module))


def test_the_bundled_plugins_import_only_the_interface():
    for module in ("ilm", "isp"):
        tree = ast.parse((PACKAGE / "plugins" / module / "__init__.py").read_text(encoding="utf-8"))
        imported = {(node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    for alias in node.names}
        assert {name for source, name in imported if source.startswith("qualrules")} <= STABLE, module
        assert {source for source, _ in imported if source.startswith("qualrules")} == {"qualrules.plugins"}, module


def test_every_member_the_interface_table_names_is_an_awarding_body_s():
    table = PLUGINS_DOC[PLUGINS_DOC.index("| attribute / method |"):PLUGINS_DOC.index("Result words every record")]
    members = {re.sub(r"\(.*\)", "", name) for name in re.findall(r"^\| `([^`]+)`", table, re.M)}
    assert members == {"name", "title", "ruleset_package", "unit_ref_formats", "achieving_results",
                       "evidence_methods", "criterion_assessment", "non_achieving_results", "assessor_as_verifier",
                       "rulesets", "counts_as_achieved"}
    assert all(hasattr(AwardingBody, member) for member in members)


def test_the_pages_list_every_result_word_and_state_no_count_of_them():
    words_paragraph = PLUGINS_DOC[PLUGINS_DOC.index("Result words every record may use"):]
    assert RESULT_WORDS <= backticked(words_paragraph[:words_paragraph.index("\n\n")])
    assert ", ".join(sorted(ACHIEVING_RESULTS)) == ", ".join(sorted(re.search(
        r"^\| `achieving_results` \| ([^|]+) \|", PLUGINS_DOC, re.M).group(1).strip().split(", ")))
    assert not re.search(r"\b(ten|eleven|twelve) words\b", PLUGINS_DOC)
    (results_row,) = [line for line in PROFILES_DOC.splitlines() if line.startswith("| `[results]` |")]
    assert RESULT_WORDS <= backticked(results_row)


def test_the_documented_way_of_overriding_a_default_loads(installed):
    example = re.search(r"cannot be changed.*?```python\n(.*?)```", PLUGINS_DOC, re.S).group(1)
    installed("example_plugin", "EXAMPLE = example_plugin:Example\n", example)
    plugins = discover()
    assert not plugins.problems
    example_body = plugins["EXAMPLE"]
    assert not example_body.counts_as_achieved("credit transfer") and example_body.counts_as_achieved("pass")
    assert "essay" in example_body.evidence_methods[OutcomeKind.KNOWLEDGE]
    assert "essay" not in AwardingBody.evidence_methods[OutcomeKind.KNOWLEDGE]
