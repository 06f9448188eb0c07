"""Awarding-body plugins: the interface a third party implements, and their discovery.

A plugin is a subclass of `AwardingBody` registered under the entry-point group `qualrules.plugins`,
with the entry point's name equal to the class's `name` (the name `awarding body` lines use):

    [project.entry-points."qualrules.plugins"]
    CMI = "cmi_qualrules:CMI"

A subclass overrides only what differs from the defaults below. docs/plugins.md gives the interface and
says which of this module's names are stable ("Stability"): the others are qualrules' own.

Plugins are third-party code, so `discover` runs all of it once, up front, and keeps only what it found:
a plugin that raises (even SystemExit) or answers with the wrong kind of value is left out and reported
(QR605), and nothing afterwards calls into plugin code.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import re
import sys
import traceback
import types
import weakref
from collections.abc import Mapping
from importlib import metadata, resources
from typing import Callable, Iterator, TypeVar

import attrs

from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity
# OutcomeKind is part of the interface, imported by plugins from here: `from qualrules.plugins import OutcomeKind`.
from qualrules.interpreter.model import OFQUAL_UNIT_FORMAT, OutcomeKind
from qualrules.interpreter.wording import word_list

ENTRY_POINT_GROUP = "qualrules.plugins"
QUALRULES_DISTRIBUTION = "qualrules"  # the distribution the bundled plugins come with

# The result words that count as achieving a unit unless a plugin says otherwise, and every result word a
# record may use: these and the ones that never count unless a plugin's achieving_results lists them.
ACHIEVING_RESULTS = frozenset({"pass", "merit", "distinction", "distinction star", "exemption", "credit transfer"})
RESULT_WORDS = ACHIEVING_RESULTS | {"near pass", "unclassified", "referred", "fail", "withdrawn"}
# Of those, the ones no plugin may count: a body that counts `near pass` lists it in its achieving_results.
NEVER_ACHIEVING = frozenset({"referred", "fail", "withdrawn"})
# The evidence methods a criterion of each kind of outcome may be met by unless a plugin says otherwise
# (docs/criteria.md): lower-case words, as records name them. Read-only, since every plugin shares it.
EVIDENCE_METHODS: Mapping[OutcomeKind, frozenset[str]] = types.MappingProxyType({
    OutcomeKind.KNOWLEDGE: frozenset({"assignment", "portfolio", "questioning", "other"}),
    OutcomeKind.SKILLS: frozenset({"observation", "witness testimony", "professional discussion", "product evidence",
                                   "work based project", "other"}),
})
# A name an `awarding body` line can give: the grammar's REF token (grammar/qual.lark), which
# tests/test_plugin_messages.py keeps equal to this.
BODY_NAME = re.compile(r"(?![0-9]+(?![A-Za-z0-9_.\/-]))[A-Za-z0-9](?:[A-Za-z0-9_.\/-]*[A-Za-z0-9])?")
# qualrules works these out from the attributes and never asks a plugin for them, so an override would be
# silently ignored: each with the attributes to declare instead.
DERIVED_MEMBERS = {"result_words": "achieving_results and non_achieving_results",
                   "ref_format_problem": "unit_ref_formats"}

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
    """An installed plugin does not honour the interface; `hint` says how to fix it (None: the interface's
    general advice)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


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
    # Result words of this body's own that do not achieve a unit (besides the RESULT_WORDS that do not).
    non_achieving_results: frozenset[str] = frozenset()
    # An IQA verifier who also assessed the unit they verify: "warning" (QR540 leaves the verdict) or "error".
    assessor_as_verifier: str = "warning"

    def rulesets(self) -> list[RulesetSource]:
        if self.ruleset_package is None:
            return []
        try:
            folder = resources.files(self.ruleset_package)
        except ModuleNotFoundError as error:
            if not (self.ruleset_package + ".").startswith(f"{error.name}."):
                raise  # the package is there, and its own code imports what is not
            raise PluginError(f"has ruleset_package {self.ruleset_package!r}, which is not an installed package",
                              "its maintainers must name the package that holds its .qual files; if it does, "
                              "reinstalling the plugin brings it back") from error
        sources = []
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".qual"):
                try:
                    sources.append(RulesetSource(f"{self.name}:{entry.name}", entry.read_text(encoding="utf-8")))
                except UnicodeDecodeError as error:
                    raise PluginError(f"bundles {entry.name}, which is not UTF-8 text: {_undecodable(error)}",
                                      f"its maintainers must save {entry.name} as UTF-8") from error
        return sources

    def counts_as_achieved(self, result: str) -> bool:
        """Whether a (normalised) result word means the unit was achieved, under this body's policy."""
        return result in self.achieving_results

    @property
    def result_words(self) -> frozenset[str]:
        """Every result word a record may give for one of this body's units (qualrules' own: not a hook)."""
        return RESULT_WORDS | self.achieving_results | self.non_achieving_results

    def ref_format_problem(self, ref: str) -> str | None:
        """None when `ref` fits one of this body's unit reference formats (or it declares none). An Ofqual unit
        reference fits every body: units shared between bodies, or identified by Ofqual alone, use it.
        qualrules' own, not a hook: a plugin declares its formats in `unit_ref_formats`."""
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

    def __init__(self, plugin: AwardingBody, distribution: str, *, ships_with_qualrules: bool = False):
        self.distribution = distribution
        # The bundled ILM and ISP: a clash with one of them is settled for it (`discover`).
        self.ships_with_qualrules = ships_with_qualrules
        probe = _Probe(type(plugin).__module__, distribution)
        _refuse_derived_overrides(plugin)
        self.name = probe.attribute(plugin, "name", str)
        self.title = probe.attribute(plugin, "title", str)
        self.ruleset_package = probe.attribute(plugin, "ruleset_package", (str, type(None)))
        self.unit_ref_formats = tuple(_ref_formats(probe, plugin))
        self.achieving_results = frozenset(probe.collection(plugin, "achieving_results", str))
        self.evidence_methods = _evidence_methods(probe, plugin)
        self.criterion_assessment = probe.attribute(plugin, "criterion_assessment", bool)
        self.non_achieving_results = frozenset(probe.collection(plugin, "non_achieving_results", str))
        never = sorted(self.achieving_results & NEVER_ACHIEVING)
        if never:
            raise PluginError(f"counts {word_list(list(map(repr, never)), 'and')} as achieving, which no body's "
                              "policy may: a record's word means what it says for every body",
                              f"its maintainers must take {word_list(list(map(repr, never)), 'and')} out of "
                              "achieving_results; a word of the body's own that achieves a unit goes there under its "
                              "own name")
        unmatched = sorted(word for word in self.result_words if word != " ".join(word.split()).casefold())
        if unmatched:
            raise PluginError(f"has result words no record can match ({', '.join(map(repr, unmatched))}): "
                              "write them in lower case, with single spaces")
        self.assessor_as_verifier = probe.attribute(plugin, "assessor_as_verifier", str)
        if self.assessor_as_verifier not in ("warning", "error"):
            raise PluginError(f"has assessor_as_verifier = {_shown(self.assessor_as_verifier)}, not \"warning\" "
                              "or \"error\"")
        probe.callable_as(probe.run("reading counts_as_achieved", lambda: plugin.counts_as_achieved), ("pass",),
                          "counts_as_achieved(result)")
        # In a fixed order, so that a plugin failing on some word names the same word on every run.
        self.counted_results = frozenset(
            word for word in sorted(self.result_words)
            if probe.answer(f"counts_as_achieved({word!r})", lambda: plugin.counts_as_achieved(word), bool))
        contradicted = sorted(self.counted_results & self.non_achieving_results)
        if contradicted:
            raise PluginError(f"counts {', '.join(map(repr, contradicted))} as achieving, which its "
                              "non_achieving_results says do not")
        unlisted = sorted(self.counted_results - self.achieving_results)
        if unlisted:
            words = ", ".join(map(repr, unlisted))
            countable = [word for word in unlisted if word not in NEVER_ACHIEVING]
            add = (f", or, if {self.name} counts it, add it to achieving_results "
                   f"(AwardingBody.achieving_results | {{{countable[0]!r}}})") if countable else ""
            raise PluginError(f"counts {words} as achieving, which its achieving_results does not list",
                              f"make counts_as_achieved answer False for {words}{add}")
        probe.callable_as(probe.run("reading rulesets", lambda: plugin.rulesets), (), "rulesets()")
        sources = probe.run("rulesets()", plugin.rulesets)
        self._rulesets = tuple(_ruleset_sources(sources))

    def rulesets(self) -> list[RulesetSource]:
        return list(self._rulesets)

    def counts_as_achieved(self, result: str) -> bool:
        return result in self.counted_results


@attrs.frozen
class Plugins(Mapping[str, InstalledBody]):
    """The installed plugins that work, by name, and a QR605 problem for each one left out."""

    bodies: dict[str, InstalledBody]
    problems: tuple[Diagnostic, ...]
    # Each installed plugin that could not be used (it has a QR605), by name, with the distributions that
    # registered it: a ruleset naming it is not loaded, since its body's policy is unknown.
    broken: Mapping[str, str] = attrs.field(factory=dict)
    # The traceback of each problem that plugin code raised, for `--debug`.
    tracebacks: Mapping[Diagnostic, str] = attrs.field(factory=dict)

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
    broken: dict[str, str] = {}
    tracebacks: dict[Diagnostic, str] = {}
    shared = _SharedDefaults()
    # Standard output carries the command's results (JSON, CSV): whatever a plugin writes goes to stderr.
    with _output_to_stderr():
        for name, registered in sorted(by_name.items()):
            entry_points = sorted(registered, key=_distribution)
            entry_point, refusals = _one_of(name, entry_points)
            problems.extend(refusals)
            if entry_point is None:
                broken[name] = word_list([_distribution(e) for e in entry_points], "and")
                continue
            distribution = _distribution(entry_point)
            try:
                bodies[name] = _installed(entry_point, shared)
            except PluginError as error:
                fix = error.hint or (f"{distribution} does not follow the plugin interface (docs/plugins.md), "
                                     "which its maintainers must fix")
                problem = _left_out(name, distribution, f"({entry_point.value}) {error}", fix)
                problems.append(problem)
                broken[name] = distribution
                if error.__cause__ is not None:
                    tracebacks[problem] = "".join(traceback.format_exception(error.__cause__))
    return Plugins(bodies, tuple(problems), broken, tracebacks)


def _installed(entry_point: metadata.EntryPoint, shared: "_SharedDefaults") -> InstalledBody:
    """The plugin an entry point names, checked in full. One that changed what every plugin shares is refused
    for that first, whatever else it did, since the change is put back under it."""
    try:
        body = InstalledBody(_plugin(entry_point), _distribution(entry_point),
                             ships_with_qualrules=_ships_with_qualrules(entry_point))
    except PluginError:
        shared.refuse_changes(entry_point)
        raise
    shared.refuse_changes(entry_point)
    return body


class _SharedDefaults:
    """What every plugin shares, as it was before any plugin ran: the defaults of `AwardingBody` (and of
    `GenericAwardingBody`, the policy of a body without a plugin) and this module's names. A plugin that
    changes one would change other bodies' verdicts."""

    def __init__(self):
        self._module = sys.modules[__name__]
        self._kept = {(AwardingBody, "AwardingBody"): dict(vars(AwardingBody)),
                      (GenericAwardingBody, "GenericAwardingBody"): dict(vars(GenericAwardingBody)),
                      (self._module, __name__): dict(vars(self._module))}

    # What each plugin's module changed when this process imported it, which it does only once.
    _changed_by: "weakref.WeakKeyDictionary[types.ModuleType, list[str]]" = weakref.WeakKeyDictionary()

    def refuse_changes(self, entry_point: metadata.EntryPoint) -> None:
        """Raise PluginError when the entry point's plugin changed a shared name, once each is put back as it
        was: now, or when its module was imported."""
        module = sys.modules.get(entry_point.module)
        changed = self._restored() or (self._changed_by.get(module, []) if module is not None else [])
        if changed:
            if module is not None:
                self._changed_by[module] = changed
            raise PluginError(f"changes {word_list(changed, 'and')}, which every plugin shares, so it is not used "
                              "(the shared value is put back)",
                              "its maintainers must give the value in the plugin's own class instead "
                              "(`achieving_results = AwardingBody.achieving_results | {...}`, docs/plugins.md)")

    def _restored(self) -> list[str]:
        """The shared names plugin code changed, each put back as it was."""
        changed = []
        for (owner, owner_name), kept in self._kept.items():
            now = vars(owner)
            for name in sorted(set(now) | set(kept)):
                if name in kept and now.get(name, _MISSING) is kept[name]:
                    continue
                if owner is self._module and name not in kept:
                    continue  # a name of its own, which nothing reads
                changed.append(f"{owner_name}.{name}")
                if name in kept:
                    setattr(owner, name, kept[name])
                else:
                    delattr(owner, name)
        return changed


_MISSING = object()


@contextlib.contextmanager
def _output_to_stderr() -> Iterator[None]:
    """Whatever plugin code writes to standard output goes to standard error: print() and sys.stdout, and
    what reaches the file descriptor itself (a C library's output, a subprocess)."""
    sys.stdout.flush()
    try:
        kept = os.dup(1)
    except OSError:  # no descriptor 1: sys.stdout at least
        kept = None
    else:
        try:
            os.dup2(2, 1)
        except OSError:
            os.close(kept)
            kept = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if kept is not None:
            os.dup2(kept, 1)
            os.close(kept)


def plugin_problem(name: str, distribution: str, what: str, hint: str) -> Diagnostic:
    """QR605: plugin `name`, installed by `distribution`, did `what`, and is left out (or part of it is)."""
    return Diagnostic("QR605", Severity.ERROR, f"plugin {name} from {distribution} {what}",
                      Location("installed plugins", element=name), hint)


def _left_out(name: str, distribution: str, what: str, fix: str) -> Diagnostic:
    """QR605 for a plugin that is not used, with how to `fix` it."""
    return plugin_problem(name, distribution, what, f"{fix}; every other awarding body works without it meanwhile")


def _one_of(name: str, entry_points: list[metadata.EntryPoint]
            ) -> tuple[metadata.EntryPoint | None, list[Diagnostic]]:
    """The entry point to use for `name` (None: none), and a QR605 for each one refused. Of two distributions
    registering one name, the plugin bundled with qualrules is kept; between two others, choosing would be a
    guess that changes verdicts, so neither is used."""
    if not BODY_NAME.fullmatch(name):
        distributions = word_list([_distribution(e) for e in entry_points], "and")
        return None, [_left_out(
            name, distributions, f"has the name {name!r}, which no `awarding body` line can give, so it is not used",
            "a plugin's name (its entry point's and its class's `name`) is letters and digits, with `_`, `.`, `/` "
            "or `-` between them, and not digits alone: its maintainers must rename it")]
    if len(entry_points) == 1:
        return entry_points[0], []
    bundled = next((e for e in entry_points if _ships_with_qualrules(e)), None)
    if bundled is not None:
        return bundled, [plugin_problem(
            name, _distribution(e), f"({e.value}) has the name of a plugin bundled with qualrules, so it is not used",
            f"the plugin needs a name of its own (its entry point's and its class's `name`): rename it, or uninstall "
            f"{_distribution(e)}; the bundled {name} is used meanwhile") for e in entry_points if e is not bundled]
    distributions = [_distribution(e) for e in entry_points]
    two = len(entry_points) == 2
    return None, [_left_out(
        name, word_list(distributions, "and"),
        f"is registered by more than one distribution, so {'neither' if two else 'none of them'} is used",
        f"uninstall {'one' if two else 'all but one'} of {word_list(distributions, 'and')}, or give each plugin a "
        "name of its own (its entry point's and its class's `name`)")]


def _plugin(entry_point: metadata.EntryPoint) -> AwardingBody:
    distribution = _distribution(entry_point)
    probe = _Probe(entry_point.module, distribution)
    plugin = probe.run("loading it", lambda: importlib.import_module(entry_point.module), importing=True)
    for part in entry_point.attr.split(".") if entry_point.attr else ():
        if not probe.run("loading it", lambda: hasattr(plugin, part)):
            raise PluginError(f"names {entry_point.attr}, which {entry_point.module} does not define",
                              f"its maintainers must make the entry point name the plugin's class; if {distribution} "
                              "was upgraded, reinstalling it brings its entry points up to date")
        plugin = probe.run("loading it", lambda: getattr(plugin, part))
    if not (isinstance(plugin, type) and issubclass(plugin, AwardingBody)):
        raise PluginError(_not_a_plugin_class(plugin),
                          f"the entry point names the class, as `{entry_point.module}:ClassName`, and the class "
                          "subclasses AwardingBody (docs/plugins.md)")
    declared = probe.run("reading name", lambda: plugin.name)
    if declared != entry_point.name:
        raise PluginError(f"declares name {_shown(declared)}; the entry point and `name` must match",
                          f"its maintainers must make the entry point's name ({entry_point.name!r}) and the class's "
                          "`name` the same, as `awarding body` lines use it")
    probe.callable_as(plugin, (), f"{plugin.__name__}()")
    return probe.run(f"{plugin.__name__}()", plugin)


class _Probe:
    """Runs a plugin's code for the loader: whatever it raises, even SystemExit, becomes a PluginError saying
    what it was doing and where in the plugin's own code (only the user's Ctrl-C goes through)."""

    def __init__(self, module: str, distribution: str):
        self.distribution = distribution
        # The modules of the plugin's own code: its top-level package, or for a plugin bundled with qualrules,
        # its own module (the rest of qualrules is not the plugin's).
        top = module.partition(".")[0]
        self.code = module if top == __name__.partition(".")[0] else top

    def run(self, what: str, call: Callable[[], T], importing: bool = False) -> T:
        try:
            return call()
        except KeyboardInterrupt:
            raise
        except PluginError:
            raise
        except BaseException as error:  # noqa: BLE001 - a plugin must not end or crash the command
            where = self._where(error)
            # An import the import system could not do (error.name set), not one the plugin's code refused.
            hint = (f"reinstall {self.distribution}, which could not import {error.name}"
                    if importing and isinstance(error, ImportError) and error.name else
                    f"a fault in {self.distribution}'s code, for its maintainers to fix (`qualrules --debug` shows the "
                    "traceback)")
            raise PluginError(f"raised {type(error).__name__}: {_text_of(error)} in {what}"
                              + (f", at {where}" if where else ""), hint) from error

    def callable_as(self, function: Callable, arguments: tuple, called: str) -> None:
        """Refuse a hook qualrules cannot call as `called` (`counts_as_achieved(result)`), naming where it is
        defined: the TypeError calling it would raise is in qualrules' code, which locates nothing."""
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            return  # a builtin's: calling it tells
        try:
            signature.bind(*arguments)
        except TypeError:
            # A method is shown with its `self`, as it is written; a class by its __init__'s parameters.
            defined = inspect.unwrap(function.__init__ if isinstance(function, type)
                                     else getattr(function, "__func__", function))
            shown = signature if isinstance(function, type) else inspect.signature(defined)
            code = getattr(defined, "__code__", None)
            where = f", at {code.co_filename}:{code.co_firstlineno}" if code is not None else ""
            raise PluginError(f"defines {called.partition('(')[0]}{shown}, which qualrules calls as "
                              f"{called}{where}", f"its maintainers must give it the interface's parameters, "
                              f"{called} (docs/plugins.md)") from None

    def answer(self, what: str, call: Callable[[], object], kind: type[T]) -> T:
        value = self.run(what, call)
        if not isinstance(value, kind):
            raise PluginError(f"{what} returned {_shown(value)}, not a {kind.__name__}")
        return value

    def attribute(self, plugin: AwardingBody, name: str, kind: type | tuple[type, ...]):
        value = self.run(f"reading {name}", lambda: getattr(plugin, name))
        if not isinstance(value, kind):
            expected = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise PluginError(f"has {name} = {_shown(value)}, not a {expected}")
        return value

    def collection(self, plugin: AwardingBody, name: str, kind: type) -> list:
        value = self.run(f"reading {name}", lambda: getattr(plugin, name))
        if not isinstance(value, (set, frozenset, list, tuple)) or not all(isinstance(v, kind) for v in value):
            raise PluginError(f"has {name} = {_shown(value)}, not a collection of {kind.__name__}")
        return list(value)

    def _where(self, error: BaseException) -> str | None:
        """`file:line` of the innermost frame of the plugin's own code that `error` passed through, or of the
        plugin's file that does not compile."""
        if isinstance(error, SyntaxError) and error.filename:
            return f"{error.filename}:{error.lineno}" if error.lineno else error.filename
        where = None
        for frame, line in traceback.walk_tb(error.__traceback__):
            module = frame.f_globals.get("__name__") or ""
            if module == self.code or module.startswith(self.code + "."):
                where = f"{frame.f_code.co_filename}:{line}"
        return where


def _refuse_derived_overrides(plugin: AwardingBody) -> None:
    for klass in type(plugin).__mro__:
        if klass is AwardingBody:
            break
        for name, declared_by in DERIVED_MEMBERS.items():
            if name in vars(klass):
                raise PluginError(f"overrides {name}, which qualrules works out from {declared_by} and never asks "
                                  "a plugin for", f"declare the policy in {declared_by} instead, and remove {name}")


def _ruleset_sources(sources: object) -> list[RulesetSource]:
    if not isinstance(sources, (list, tuple)) or not all(isinstance(s, RulesetSource) for s in sources):
        raise PluginError(f"rulesets() returned {_shown(sources)}, not a list of RulesetSource",
                          "return [RulesetSource(name, text), ...], one for each ruleset, with its text as str")
    for source in sources:
        for field in ("name", "text"):
            if not isinstance(getattr(source, field), str):
                raise PluginError(f"rulesets() returned a RulesetSource whose {field} is "
                                  f"{_shown(getattr(source, field))}, not a str",
                                  "give each RulesetSource its name and its text (decoded) as str")
    return list(sources)


def _ref_formats(probe: _Probe, plugin: AwardingBody) -> list[RefFormat]:
    """The plugin's unit reference schemes, each a name, a compiled pattern and an example it matches."""
    formats = probe.collection(plugin, "unit_ref_formats", RefFormat)
    for ref_format in formats:
        name, pattern, example = ref_format.name, ref_format.pattern, ref_format.example
        if not isinstance(name, str) or not isinstance(example, str):
            raise PluginError(f"has a unit_ref_formats entry whose name is {_shown(name)} and example "
                              f"{_shown(example)}: both must be str", "give the scheme's name and an example as str")
        if not isinstance(pattern, re.Pattern):
            raise PluginError(f"has the unit_ref_formats entry {name!r}, whose pattern is {_shown(pattern)}, not "
                              "compiled", "compile it: RefFormat(name, re.compile(r\"...\"), example)")
        if not isinstance(pattern.pattern, str):
            raise PluginError(f"has the unit_ref_formats entry {name!r}, whose pattern is a bytes pattern, which "
                              "cannot match unit references (they are str)",
                              "compile a str pattern: re.compile(r\"...\"), not re.compile(b\"...\")")
        if not pattern.fullmatch(example):
            raise PluginError(f"has the unit_ref_formats entry {name!r}, whose example {example!r} its own pattern "
                              "does not match")
    return formats


def _evidence_methods(probe: _Probe, plugin: AwardingBody) -> dict[OutcomeKind, frozenset[str]]:
    """The plugin's evidence methods: for each kind of outcome, a collection of method words (written in lower
    case with single spaces, as records are compared with them)."""
    value = probe.run("reading evidence_methods", lambda: plugin.evidence_methods)
    if not isinstance(value, Mapping):
        raise PluginError(f"has evidence_methods = {_shown(value)}, not a mapping of each OutcomeKind to its methods")
    entries = probe.run("reading evidence_methods", lambda: list(value.items()))
    keyed_by = "key it by OutcomeKind.KNOWLEDGE and OutcomeKind.SKILLS (`from qualrules.plugins import OutcomeKind`)"
    wrong = [key for key, _ in entries if type(key) is not OutcomeKind]
    if wrong:
        raise PluginError(f"has the key {_shown(wrong[0])} in evidence_methods, not an OutcomeKind", keyed_by)
    given = dict(entries)
    missing = [kind.name for kind in OutcomeKind if kind not in given]
    if missing:
        raise PluginError(f"has no methods for {', '.join(missing)} in evidence_methods: give a collection of method "
                          "words for each OutcomeKind", keyed_by)
    methods = {}
    for kind in OutcomeKind:
        words = given[kind]
        if not isinstance(words, (set, frozenset, list, tuple)) or not words:
            raise PluginError(f"has evidence_methods[{kind.name}] = {_shown(words)}, not a collection of method "
                              "words (at least one)")
        bad = [w for w in words if not (isinstance(w, str) and w and w == " ".join(w.lower().split()))]
        if bad:
            raise PluginError(f"has evidence_methods[{kind.name}] holding {_shown(bad[0])}: write each method word "
                              "in lower case, with single spaces")
        methods[kind] = frozenset(words)
    return methods


def _undecodable(error: UnicodeDecodeError) -> str:
    """Where a file stops being UTF-8, as an editor counts lines and columns."""
    before = error.object[:error.start]
    lines = before.split(b"\n")
    column = len(lines[-1].decode("utf-8")) + 1  # in characters: what comes before the byte is UTF-8
    return (f"line {len(lines)}, column {column} holds the byte 0x{error.object[error.start]:02X}, which UTF-8 "
            "text cannot have there")


def _not_a_plugin_class(value: object) -> str:
    """What an entry point named instead of a subclass of AwardingBody."""
    if isinstance(value, types.ModuleType):
        return f"names the module {value.__name__}, not a class in it"
    if isinstance(value, AwardingBody):
        return f"names an instance of {type(value).__name__}, not the class itself"
    named = f"the class {value.__name__}" if isinstance(value, type) else _shown(value)
    return f"names {named}, which is not a subclass of qualrules.plugins.AwardingBody"


def _text_of(error: BaseException) -> str:
    """An exception's message on one line; its `__str__` is plugin code, so it may fail too."""
    if isinstance(error, SyntaxError):
        return error.msg
    try:
        return " ".join(str(error).split())
    except BaseException:  # noqa: BLE001 - the message is only an aid
        return "(a message that could not be shown)"


def _shown(value: object) -> str:
    """A plugin's value in a message: plain values as written, collections by what they hold, others by type
    (their repr is plugin code)."""
    if value is None or type(value) in (bool, int, float, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    if type(value) in (list, tuple, set, frozenset, dict):
        held = sorted({type(v).__name__ for v in value})
        return f"a {type(value).__name__} of {word_list(held, 'and')}" if held else f"an empty {type(value).__name__}"
    return f"a {type(value).__name__}"


def _distribution(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    return f"{dist.name} {dist.version}" if dist is not None else "an unknown distribution"


def _ships_with_qualrules(entry_point: metadata.EntryPoint) -> bool:
    dist = entry_point.dist
    return dist is not None and re.sub(r"[-_.]+", "-", dist.name).lower() == QUALRULES_DISTRIBUTION
