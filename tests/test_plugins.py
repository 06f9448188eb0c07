"""Plugin discovery through real entry points, as a third-party package would register them."""

from __future__ import annotations

import textwrap

import pytest

from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.interpreter.engine.evaluator import Status, evaluate
from qualrules.interpreter.library import Library
from qualrules.plugins import PluginError, discover

CMI_RULESET = """\
awarding body CMI "Chartered Management Institute"
group CORE
  unit 501 "Developing, Managing and Leading Individuals and Teams" level 5 credits 6
  unit 502 "Principles of Management and Leadership" level 5 credits 5
qualification 610/0000/1 "CMI Level 5 Award in Management and Leadership"
  units from CORE
  at least 6 credits
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
    for name, text in (files or {}).items():
        (package / name).write_text(text)


def test_a_third_party_plugin_is_discovered_and_its_rulesets_and_policy_used(tmp_path, monkeypatch):
    install_fake_distribution(tmp_path, "cmi_plugin", "CMI = cmi_plugin:CMI\n", """
        from qualrules.plugins import AwardingBody

        class CMI(AwardingBody):
            name = "CMI"
            title = "Chartered Management Institute"
            ruleset_package = "cmi_plugin"
            achieving_results = AwardingBody.achieving_results | {"recognition of prior learning"}
    """, files={"management.qual": CMI_RULESET})
    monkeypatch.syspath_prepend(str(tmp_path))

    bodies = discover()
    assert {"ILM", "ISP", "CMI"} <= set(bodies)
    library = Library.load()
    qualification, body = library.qualification("610/0000/1")
    assert body.name == "CMI"
    learner = Learner("L1", None, None, (Attempt("501", "recognition of prior learning", None),))
    assert evaluate(qualification, learner, body.counts_as_achieved).status is Status.ACHIEVED
    # The same result word under the default policy does not count.
    ilm = bodies["ILM"]
    assert not ilm.counts_as_achieved("recognition of prior learning")


@pytest.mark.parametrize(
    ("module", "entry", "code", "message"),
    [
        ("missing_class", "BROKEN = missing_class:Missing\n", "", "failed to load"),
        ("not_a_class", "NOTCLASS = not_a_class:thing\n", "thing = 42\n", "is not a subclass"),
        ("misnamed", "WRONG = misnamed:Body\n",
         "from qualrules.plugins import AwardingBody\nclass Body(AwardingBody):\n    name = 'OTHER'\n",
         "the entry point and `name` must match"),
    ],
)
def test_a_broken_plugin_is_named_in_a_clear_error(tmp_path, monkeypatch, module, entry, code, message):
    install_fake_distribution(tmp_path, module, entry, code)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError, match=message) as error:
        discover()
    assert entry.split(" ")[0] in str(error.value)
