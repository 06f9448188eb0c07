"""Awarding-body plugins: the stable interface a third party implements, and their discovery.

A plugin is a subclass of `AwardingBody` registered under the entry-point group `qualrules.plugins`,
with the entry point's name equal to the class's `name` (the name `awarding body` lines use):

    [project.entry-points."qualrules.plugins"]
    CMI = "cmi_qualrules:CMI"

A subclass overrides only what differs from the defaults below. See docs/plugins.md.
"""

from __future__ import annotations

import re
from importlib import metadata, resources
from typing import ClassVar

import attrs

ENTRY_POINT_GROUP = "qualrules.plugins"

# Result words a record may use, and the ones that count as achieving the unit unless a plugin says otherwise.
RESULT_WORDS = frozenset({"pass", "merit", "distinction", "exemption", "credit transfer",
                          "referred", "fail", "withdrawn"})
ACHIEVING_RESULTS = frozenset({"pass", "merit", "distinction", "exemption", "credit transfer"})


@attrs.frozen
class RefFormat:
    """A pattern a unit reference of this awarding body follows, with an example for messages."""

    name: str
    pattern: re.Pattern[str]
    example: str


@attrs.frozen
class RulesetSource:
    """The text of one bundled ruleset and the name to report it under."""

    name: str
    text: str


class PluginError(Exception):
    """An installed plugin does not honour the interface."""


class AwardingBody:
    """Defaults for any awarding body; subclasses override only what differs."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    # Package holding this body's *.qual files, read with importlib.resources; None bundles none.
    ruleset_package: ClassVar[str | None] = None
    unit_ref_formats: ClassVar[tuple[RefFormat, ...]] = ()
    achieving_results: ClassVar[frozenset[str]] = ACHIEVING_RESULTS

    def rulesets(self) -> list[RulesetSource]:
        if self.ruleset_package is None:
            return []
        folder = resources.files(self.ruleset_package)
        return [
            RulesetSource(f"{self.name}:{entry.name}", entry.read_text(encoding="utf-8"))
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".qual")
        ]

    def counts_as_achieved(self, result: str) -> bool:
        """Whether a (normalised) result word means the unit was achieved, under this body's policy."""
        return result in self.achieving_results

    def ref_format_problem(self, ref: str) -> str | None:
        """None when `ref` fits one of this body's unit reference formats (or it declares none)."""
        if not self.unit_ref_formats or any(f.pattern.fullmatch(ref) for f in self.unit_ref_formats):
            return None
        examples = ", ".join(f"{f.name} ({f.example})" for f in self.unit_ref_formats)
        return f"{self.name} unit references look like {examples}"


class GenericAwardingBody(AwardingBody):
    """The policy for rulesets whose awarding body has no installed plugin."""

    name = "generic"
    title = "Awarding body without a plugin"


def discover() -> dict[str, AwardingBody]:
    """Every installed plugin, by name; raises PluginError naming the entry point that is broken."""
    bodies: dict[str, AwardingBody] = {}
    for entry_point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            plugin = entry_point.load()
        except Exception as error:  # a broken third-party package must be named, not crash the CLI
            raise PluginError(f"plugin {entry_point.name!r} ({entry_point.value}) failed to load: {error}") from error
        if not (isinstance(plugin, type) and issubclass(plugin, AwardingBody)):
            raise PluginError(f"plugin {entry_point.name!r} ({entry_point.value}) is not a subclass of "
                              "qualrules.plugins.AwardingBody")
        if plugin.name != entry_point.name:
            raise PluginError(f"plugin {entry_point.name!r} ({entry_point.value}) declares name "
                              f"{plugin.name!r}; the entry point and `name` must match")
        if entry_point.name in bodies:
            raise PluginError(f"two plugins are registered as {entry_point.name!r}")
        bodies[entry_point.name] = plugin()
    return bodies
