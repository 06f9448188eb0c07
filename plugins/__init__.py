"""Awarding-body plugins: the stable interface a third party implements, and their discovery.

A plugin is a subclass of `AwardingBody` registered under the entry-point group `qualrules.plugins`,
with the entry point's name equal to the class's `name` (the name `awarding body` lines use):

    [project.entry-points."qualrules.plugins"]
    CMI = "cmi_qualrules:CMI"

A subclass overrides only what differs from the defaults below. See docs/plugins.md.

Plugins are third-party code, so `discover` runs all of it once, up front, and keeps only what it found:
a plugin that raises (even SystemExit) or answers with the wrong kind of value is left out and reported
(QR605), and nothing afterwards calls into plugin code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import metadata, resources
from typing import Callable, Iterator, TypeVar

import attrs

from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity
from qualrules.interpreter.model import OFQUAL_UNIT_FORMAT, OutcomeKind

ENTRY_POINT_GROUP = "qualrules.plugins"

# Result words a record may use, and the ones that count as achieving the unit unless a plugin says otherwise.
RESULT_WORDS = frozenset({"pass", "merit", "distinction", "distinction star", "near pass", "unclassified",
                          "exemption", "credit transfer", "referred", "fail", "withdrawn"})
ACHIEVING_RESULTS = frozenset({"pass", "merit", "distinction", "distinction star", "exemption", "credit transfer"})
# The evidence methods a criterion of each kind of outcome may be met by unless a plugin says otherwise
# (docs/criteria.md): lower-case words, as records name them.
EVIDENCE_METHODS: Mapping[OutcomeKind, frozenset[str]] = {
    OutcomeKind.KNOWLEDGE: frozenset({"assignment", "portfolio", "questioning", "other"}),
    OutcomeKind.SKILLS: frozenset({"observation", "witness testimony", "professional discussion", "product evidence",
                                   "work based project", "other"}),
}

T = TypeVar("T")


@attrs.frozen
class RefFormat:
    """One scheme of unit references the awarding body publishes (its stated policy, not the shape of the
    references one specification happens to use), with an example for messages."""

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

    name: str = ""
    title: str = ""
    # Package holding this body's *.qual files, read with importlib.resources; None bundles none.
    ruleset_package: str | None = None
    unit_ref_formats: tuple[RefFormat, ...] = ()
    achieving_results: frozenset[str] = ACHIEVING_RESULTS
    evidence_methods: Mapping[OutcomeKind, frozenset[str]] = EVIDENCE_METHODS
    # Whether the body assesses every unit criterion by criterion (each assessment criterion must be evidenced);
    # a unit result may still be given directly.
    criterion_assessment: bool = False
    # Result words of this body's own that do not achieve a unit (besides referred, fail and withdrawn).
    non_achieving_results: frozenset[str] = frozenset()
    # An IQA verifier who also assessed the unit they verify: "warning" (QR540 leaves the verdict) or "error".
    assessor_as_verifier: str = "warning"

    def rulesets(self) -> list[RulesetSource]:
        if self.ruleset_package is None:
            return []
        folder = resources.files(self.ruleset_package)
        sources = []
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".qual"):
                try:
                    sources.append(RulesetSource(f"{self.name}:{entry.name}", entry.read_text(encoding="utf-8")))
                except UnicodeDecodeError as error:
                    raise PluginError(f"its ruleset {entry.name} is not UTF-8 text ({error.reason} at byte "
                                      f"{error.start})") from error
        return sources

    def counts_as_achieved(self, result: str) -> bool:
        """Whether a (normalised) result word means the unit was achieved, under this body's policy."""
        return result in self.achieving_results

    @property
    def result_words(self) -> frozenset[str]:
        """Every result word a record may give for one of this body's units."""
        return RESULT_WORDS | self.achieving_results | self.non_achieving_results

    def ref_format_problem(self, ref: str) -> str | None:
        """None when `ref` fits one of this body's unit reference formats (or it declares none). An Ofqual unit
        reference fits every body: units shared between bodies, or identified by Ofqual alone, use it."""
        if (not self.unit_ref_formats or OFQUAL_UNIT_FORMAT.fullmatch(ref)
                or any(f.pattern.fullmatch(ref) for f in self.unit_ref_formats)):
            return None
        examples = ", ".join(f"{f.name} ({f.example})" for f in self.unit_ref_formats)
        return f"{self.name} unit references look like {examples}, or an Ofqual unit reference (L/650/7899)"


class GenericAwardingBody(AwardingBody):
    """The policy for rulesets whose awarding body has no installed plugin."""

    name = "generic"
    title = "Awarding body without a plugin"


class InstalledBody(AwardingBody):
    """An installed plugin as `discover` found it: its attributes checked, its rulesets read and its
    policy asked for every result word it can meet, so using it runs none of the plugin's code."""

    def __init__(self, plugin: AwardingBody, distribution: str):
        self.distribution = distribution
        self.name = _attribute(plugin, "name", str)
        self.title = _attribute(plugin, "title", str)
        self.ruleset_package = _attribute(plugin, "ruleset_package", (str, type(None)))
        self.unit_ref_formats = tuple(_ref_formats(plugin))
        self.achieving_results = frozenset(_collection(plugin, "achieving_results", str))
        self.evidence_methods = _evidence_methods(plugin)
        self.criterion_assessment = _attribute(plugin, "criterion_assessment", bool)
        self.non_achieving_results = frozenset(_collection(plugin, "non_achieving_results", str))
        unmatched = sorted(word for word in self.result_words if word != " ".join(word.split()).casefold())
        if unmatched:
            raise PluginError(f"has result words no record can match ({', '.join(map(repr, unmatched))}): "
                              "write them in lower case, with single spaces")
        self.assessor_as_verifier = _attribute(plugin, "assessor_as_verifier", str)
        if self.assessor_as_verifier not in ("warning", "error"):
            raise PluginError(f"has assessor_as_verifier = {_shown(self.assessor_as_verifier)}, not \"warning\" "
                              "or \"error\"")
        self.counted_results = frozenset(
            word for word in self.result_words
            if _answer(f"counts_as_achieved({word!r})", lambda: plugin.counts_as_achieved(word), bool))
        contradicted = sorted(self.counted_results & self.non_achieving_results)
        if contradicted:
            raise PluginError(f"counts {', '.join(map(repr, contradicted))} as achieving, which its "
                              "non_achieving_results says do not")
        sources = _guarded("rulesets()", plugin.rulesets)
        if not isinstance(sources, (list, tuple)) or not all(
                isinstance(s, RulesetSource) and isinstance(s.name, str) and isinstance(s.text, str)
                for s in sources):
            raise PluginError(f"rulesets() returned {_shown(sources)}, not a list of RulesetSource")
        self._rulesets = tuple(sources)

    def rulesets(self) -> list[RulesetSource]:
        return list(self._rulesets)

    def counts_as_achieved(self, result: str) -> bool:
        return result in self.counted_results


@attrs.frozen
class Plugins(Mapping[str, AwardingBody]):
    """The installed plugins that work, by name, and a QR605 problem for each one left out."""

    bodies: dict[str, InstalledBody]
    problems: tuple[Diagnostic, ...]

    def __getitem__(self, name: str) -> InstalledBody:
        return self.bodies[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.bodies)

    def __len__(self) -> int:
        return len(self.bodies)


def discover() -> Plugins:
    """Every installed plugin, checked in full; a broken one is left out, with a problem naming it, its
    distribution and what it did, so it cannot stop the others."""
    by_name: dict[str, list[metadata.EntryPoint]] = {}
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        by_name.setdefault(entry_point.name, []).append(entry_point)
    bodies: dict[str, InstalledBody] = {}
    problems: list[Diagnostic] = []
    for name, entry_points in sorted(by_name.items()):
        if len(entry_points) > 1:
            distributions = " and ".join(_distribution(e) for e in entry_points)
            problems.append(plugin_problem(name, distributions,
                                           "is registered by more than one distribution, so neither is used"))
            continue
        (entry_point,) = entry_points
        try:
            bodies[name] = InstalledBody(_plugin(entry_point), _distribution(entry_point))
        except PluginError as error:
            problems.append(plugin_problem(name, _distribution(entry_point), f"({entry_point.value}) {error}"))
    return Plugins(bodies, tuple(problems))


def plugin_problem(name: str, distribution: str, what: str) -> Diagnostic:
    """QR605: plugin `name`, installed by `distribution`, did `what`, and is left out."""
    return Diagnostic("QR605", Severity.ERROR, f"plugin {name} from {distribution} {what}",
                      Location("installed plugins", element=name),
                      f"every other awarding body works without it; reinstall or uninstall {distribution}")


def _plugin(entry_point: metadata.EntryPoint) -> AwardingBody:
    plugin = _guarded("loading it", entry_point.load)
    if not (isinstance(plugin, type) and issubclass(plugin, AwardingBody)):
        raise PluginError("is not a subclass of qualrules.plugins.AwardingBody")
    declared = _guarded("reading name", lambda: plugin.name)
    if declared != entry_point.name:
        raise PluginError(f"declares name {declared!r}; the entry point and `name` must match")
    return _guarded(f"{plugin.__name__}()", plugin)


def _guarded(what: str, call: Callable[[], T]) -> T:
    """Runs plugin code: whatever it raises, even SystemExit, becomes a PluginError saying what it was doing
    (only the user's Ctrl-C goes through)."""
    try:
        return call()
    except KeyboardInterrupt:
        raise
    except PluginError:
        raise
    except BaseException as error:  # noqa: BLE001 - a plugin must not end or crash the command
        raise PluginError(f"raised {type(error).__name__}: {error} in {what}") from error


def _answer(what: str, call: Callable[[], object], kind: type[T]) -> T:
    value = _guarded(what, call)
    if not isinstance(value, kind):
        raise PluginError(f"{what} returned {_shown(value)}, not a {kind.__name__}")
    return value


def _attribute(plugin: AwardingBody, name: str, kind: type | tuple[type, ...]):
    value = _guarded(f"reading {name}", lambda: getattr(plugin, name))
    if not isinstance(value, kind):
        expected = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise PluginError(f"has {name} = {_shown(value)}, not a {expected}")
    return value


def _collection(plugin: AwardingBody, name: str, kind: type) -> list:
    value = _guarded(f"reading {name}", lambda: getattr(plugin, name))
    if not isinstance(value, (set, frozenset, list, tuple)) or not all(isinstance(v, kind) for v in value):
        raise PluginError(f"has {name} = {_shown(value)}, not a collection of {kind.__name__}")
    return list(value)


def _ref_formats(plugin: AwardingBody) -> list[RefFormat]:
    """The plugin's unit reference schemes, each a name, a compiled pattern and an example it matches."""
    formats = _collection(plugin, "unit_ref_formats", RefFormat)
    for ref_format in formats:
        name, pattern, example = ref_format.name, ref_format.pattern, ref_format.example
        if not isinstance(name, str) or not isinstance(example, str) or not isinstance(pattern, re.Pattern) \
                or not isinstance(pattern.pattern, str):
            raise PluginError(f"has a unit_ref_formats entry {_shown(name)}: its name and example must be text and "
                              f"its pattern compiled (re.compile(...)), not a {type(pattern).__name__}")
        if not pattern.fullmatch(example):
            raise PluginError(f"has the unit_ref_formats entry {name!r}, whose example {example!r} its own pattern "
                              "does not match")
    return formats


def _evidence_methods(plugin: AwardingBody) -> dict[OutcomeKind, frozenset[str]]:
    """The plugin's evidence methods: for each kind of outcome, a collection of method words (written in lower
    case with single spaces, as records are compared with them)."""
    value = _guarded("reading evidence_methods", lambda: plugin.evidence_methods)
    if not isinstance(value, Mapping):
        raise PluginError(f"has evidence_methods = {_shown(value)}, not a mapping of each OutcomeKind to its methods")
    missing = [kind.name for kind in OutcomeKind if kind not in value]
    others = [key for key in value if key not in set(OutcomeKind)]
    if missing or others:
        wrong = f"has no methods for {', '.join(missing)}" if missing else \
            f"has the key {_shown(others[0])}, which is no OutcomeKind"
        raise PluginError(f"{wrong} in evidence_methods: give a collection of method words for each OutcomeKind")
    methods = {}
    for kind in OutcomeKind:
        words = value[kind]
        if not isinstance(words, (set, frozenset, list, tuple)) or not words:
            raise PluginError(f"has evidence_methods[{kind.name}] = {_shown(words)}, not a collection of method "
                              "words (at least one)")
        bad = [w for w in words if not (isinstance(w, str) and w and w == " ".join(w.lower().split()))]
        if bad:
            raise PluginError(f"has evidence_methods[{kind.name}] holding {_shown(bad[0])}: write each method word "
                              "in lower case, with single spaces")
        methods[kind] = frozenset(words)
    return methods


def _shown(value: object) -> str:
    """A plugin's value in a message: plain values as written, others by type (their repr is plugin code)."""
    if value is None or type(value) in (bool, int, float, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return f"a {type(value).__name__}"


def _distribution(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    return f"{dist.name} {dist.version}" if dist is not None else "an unknown distribution"
