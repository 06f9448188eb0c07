"""The qualifications a run knows about: every installed plugin's bundled rulesets plus any files given."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.attainment import declared_columns
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.engine.compiler import CompiledQualification, compile_ruleset
from qualrules.interpreter.equivalences import undeclared_originals
from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity, did_you_mean
from qualrules.interpreter.records.approvals import column_key
from qualrules.interpreter.records.log_checks import EvidencePolicy, LoggedUnit
from qualrules.interpreter.ruleset_cache import built_ruleset
from qualrules.interpreter.records.readers import Vocabulary, qualification_key
from qualrules.interpreter.wording import word_list
from qualrules.plugins import (
    RESULT_WORDS,
    AwardingBody,
    GenericAwardingBody,
    InstalledBody,
    Plugins,
    discover,
    plugin_problem,
)


class UnknownQualification(LookupError):
    def __init__(self, qan: str, hint: str, left_out: bool = False):
        super().__init__(f"no qualification {qan} is loaded ({hint})")
        self.qan = qan
        self.hint = hint
        # Left out for a problem already reported (QR104, QR605, QR609) rather than unknown: a run asked for
        # other qualifications as well decides those.
        self.left_out = left_out


@attrs.frozen
class LoadedRuleset:
    name: str
    text: str
    ruleset: m.Ruleset
    body: AwardingBody
    qualifications: tuple[CompiledQualification, ...]
    # The plugin that bundled it; None for a file given to the run.
    plugin: InstalledBody | None = None


@attrs.frozen
class Library:
    rulesets: tuple[LoadedRuleset, ...]
    # The installed plugins that work, by name, with those that could not be used (`Plugins.broken`).
    bodies: Plugins
    # Notes for the user, such as a given file replacing a bundled qualification.
    notes: tuple[str, ...] = ()
    # What was left out, for every command to show before it carries on with the rest: broken plugins
    # and plugins' rulesets with errors (QR605), QANs that more than one bundled ruleset declares (QR104),
    # given rulesets of a body whose plugin is broken (QR609).
    problems: tuple[Diagnostic, ...] = ()
    # QANs (in capitals) left out because bundled rulesets disagree about them, or because the ruleset giving
    # them names a body whose plugin is broken, each with the reason.
    refused: Mapping[str, str] = attrs.field(factory=dict)
    # Loaded from the installed plugins alone, as every process that loads them has it (a worker process that
    # cannot be forked loads its own).
    installed_only: bool = False

    @classmethod
    def load(cls, paths: Iterable[str | Path] = (), *, bundled: bool = True) -> "Library":
        """Installed plugins' rulesets (when `bundled`), then `paths`; a QAN in a given file replaces a
        bundled one. Raises DiagnosticError with every problem found in a given file; a broken plugin, a
        bundled ruleset with errors and a given ruleset of a body whose plugin is broken are only left out,
        with their problems in `problems`."""
        plugins = discover()
        problems = list(plugins.problems)
        loaded: list[LoadedRuleset] = []
        if bundled:
            for plugin in plugins.bodies.values():
                problems.extend(filter(None, [empty_package_problem(plugin)]))
                for source in plugin.rulesets():
                    try:
                        entry = _loaded(source.name, source.text, plugins, plugin)
                    except DiagnosticError as error:
                        problems.append(plugin_problem(
                            plugin.name, plugin.distribution,
                            f"bundles {source.name}, which has errors, so its qualifications are left out",
                            f"the errors below are in {plugin.distribution}'s ruleset, for its maintainers to fix; "
                            "the plugin's other rulesets still load"))
                        problems.extend(error.diagnostics)
                        continue
                    foreign = foreign_ruleset_problem(plugin, source.name, entry.ruleset)
                    if foreign:
                        problems.append(foreign)
                        continue
                    loaded.append(entry)
        errors: list[Diagnostic] = []
        withheld: dict[str, str] = {}  # QAN, in capitals -> why its ruleset is not loaded
        for path in paths:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                errors.append(Diagnostic("QR005", Severity.ERROR, f"cannot read ruleset: {error}",
                                         Location(str(path))))
                continue
            try:
                entry = _loaded(str(path), text, plugins, None)
            except DiagnosticError as error:
                errors.extend(error.diagnostics)
                continue
            misnamed = body_name_problem(entry.name, entry.ruleset, [*plugins, *plugins.broken])
            if misnamed is not None:
                errors.append(misnamed)
                continue
            body = entry.ruleset.awarding_body
            if body is not None and body.name in plugins.broken:
                # Under the default policy its verdicts would follow rules the body did not write.
                problems.append(Diagnostic(
                    "QR609", Severity.ERROR, f"{entry.name} is not loaded: the plugin of its awarding body "
                    f"{body.name} is installed but could not be loaded (QR605 above), so {body.name}'s policy "
                    "is unknown", Location(entry.name, body.span.line, body.span.column, body.span.end_line,
                                           body.span.end_column),
                    f"fix or reinstall {plugins.broken[body.name]} as its QR605 says; every other ruleset is loaded "
                    "meanwhile"))
                withheld.update((q.qan.upper(), f"{q.qan} is in {entry.name}, which is not loaded because the "
                                 f"plugin of its awarding body {body.name} could not be loaded (QR609)")
                                for q in entry.qualifications)
                continue
            loaded.append(entry)

        # By QAN, which lookups match ignoring case (`qualification`): two that differ only by case are one.
        declared: dict[str, list[tuple[LoadedRuleset, CompiledQualification]]] = {}
        for entry in loaded:
            for q in entry.qualifications:
                declared.setdefault(q.qan.upper(), []).append((entry, q))
        notes: list[str] = []
        refused: dict[str, str] = {}
        owner: dict[str, LoadedRuleset] = {}
        refused.update(withheld)
        for key, declarations in declared.items():
            if key in withheld:
                continue  # not the bundled one instead, which the given file was meant to replace
            qan = declarations[0][1].qan
            given = [(entry, q) for entry, q in declarations if entry.plugin is None]
            if len(given) > 1:
                (first, _), (second, q) = given[:2]
                errors.append(Diagnostic("QR104", Severity.ERROR,
                                         f"qualification {qan} is declared in both {first.name} and {second.name}",
                                         _location(second, q)))
            elif given:
                owner[key] = given[0][0]
                notes.extend(f"{qan} from {owner[key].name} replaces the one in {entry.name}"
                             for entry, _ in declarations if entry is not owner[key])
            elif len(declarations) > 1:
                # Which plugin is right is not ours to guess, and a silent choice would change verdicts.
                plugins_declaring = word_list([_bundled_by(entry) for entry, _ in declarations], "and")
                refused[key] = f"{qan} is declared by {plugins_declaring}, so it is left out"
                problems.append(Diagnostic(
                    "QR104", Severity.ERROR, f"qualification {refused[key]}", _location(*declarations[-1]),
                    _clash_hint([entry.plugin for entry, _ in declarations])))
            else:
                owner[key] = declarations[0][0]
        if errors:
            raise DiagnosticError([*problems, *errors])
        kept = _with_shared_units(tuple(
            attrs.evolve(entry, qualifications=tuple(q for q in entry.qualifications if owner.get(q.qan.upper()) is entry))
            for entry in loaded
        ))
        return cls(kept, plugins, tuple(notes), tuple(problems), refused,
                   installed_only=bundled and not any(entry.plugin is None for entry in loaded))

    @property
    def qualifications(self) -> dict[str, tuple[CompiledQualification, AwardingBody]]:
        return {q.qan: (q, entry.body) for entry in self.rulesets for q in entry.qualifications}

    def qualification(self, qan: str) -> tuple[CompiledQualification, AwardingBody]:
        """Look a QAN up (spaces and case do not matter: a final X may be written x); raises
        UnknownQualification with a did-you-mean hint."""
        qan = qan.strip().upper()
        known = self.qualifications
        found = next((entry for written, entry in known.items() if written.upper() == qan), None)
        if found is not None:
            return found
        if qan in self.refused:
            raise UnknownQualification(qan, self.refused[qan], left_out=True)
        hints = [did_you_mean(qan, known) or "`qualrules list` shows the installed qualifications"]
        if self.bodies.broken:
            # The qualification may be one of theirs: that is the likelier reason.
            names = word_list(sorted(self.bodies.broken), "and")
            hints.insert(0, f"plugin {names} could not be loaded (QR605), and may be what declares it")
        raise UnknownQualification(qan, "; ".join(hints), left_out=bool(self.bodies.broken))

    def ruleset_of(self, qualification: CompiledQualification) -> m.Ruleset:
        """The ruleset that declares a loaded qualification, with its catalogue's criteria and standards."""
        return next(e.ruleset for e in self.rulesets if any(q is qualification for q in e.qualifications))

    def unit_refs(self) -> dict[str, str]:
        """Every unit and Ofqual reference of every loaded catalogue, case-folded, to how it is written."""
        refs: dict[str, str] = {}
        for entry in self.rulesets:
            for unit in entry.ruleset.units:
                for key in filter(None, (unit.ref, unit.ofqual)):
                    refs.setdefault(key.casefold(), key)
            for key in undeclared_originals(entry.ruleset):
                refs.setdefault(key.casefold(), key)
        return refs

    def vocabulary(self) -> Vocabulary:
        """What records may say: every loaded unit reference, the result words every body accepts, the
        words only some bodies add, for those bodies' units, and the units whose achievement logs can be
        read."""
        scoped: dict[str, set[str]] = {}
        for body in self.bodies.values():
            for word in body.result_words - RESULT_WORDS:
                scoped.setdefault(word, set()).add(body.name)
        unit_bodies: dict[str, set[str]] = {}
        for entry in self.rulesets:
            # The name the file declares: a plugin's, when it has one, or the one to name it by in messages.
            declared = entry.ruleset.awarding_body.name if entry.ruleset.awarding_body else entry.body.name
            for unit in entry.ruleset.units:
                for key in filter(None, (unit.ref, unit.ofqual)):
                    unit_bodies.setdefault(key.casefold(), set()).add(declared)
            for key in undeclared_originals(entry.ruleset):
                unit_bodies.setdefault(key.casefold(), set()).add(declared)
        return Vocabulary(self.unit_refs(), RESULT_WORDS,
                          {word: frozenset(names) for word, names in scoped.items()},
                          {ref: frozenset(names) for ref, names in unit_bodies.items()},
                          self._logged_units(), declared_columns(entry.ruleset for entry in self.rulesets),
                          frozenset(column_key(column.name) for entry in self.rulesets
                                    for column in entry.ruleset.approval_columns),
                          pathways={p.name.casefold(): p.name for entry in self.rulesets
                                    for q in entry.ruleset.qualifications for p in q.pathways},
                          **self._registration_keys())

    def _registration_keys(self) -> dict[str, dict]:
        """`Vocabulary.qualifications` (each QAN's key, and each title's that no other qualification has) and
        `Vocabulary.shared_titles`."""
        titles: dict[str, dict[str, None]] = {}
        for entry in self.rulesets:
            for q in entry.ruleset.qualifications:
                titles.setdefault(qualification_key(q.title), {})[q.qan] = None
        keys = {key: next(iter(qans)) for key, qans in titles.items() if len(qans) == 1}
        keys.update((qualification_key(qan), qan) for qans in titles.values() for qan in qans)
        return {"qualifications": keys,
                "shared_titles": {key: tuple(qans) for key, qans in titles.items() if len(qans) > 1}}

    def _logged_units(self) -> dict[str, LoggedUnit]:
        """Every unit declaring assessment criteria, by case-folded unit and Ofqual reference; a unit in a
        given ruleset file is read with that file's criteria (given files come after the bundled ones)."""
        logs: dict[str, LoggedUnit] = {}
        for entry in self.rulesets:
            policy = evidence_policy(entry.body)
            for unit in entry.ruleset.units:
                if unit.criteria:
                    logged = LoggedUnit(unit, policy)
                    logs.update({key.casefold(): logged for key in filter(None, (unit.ref, unit.ofqual))})
        return logs


def evidence_policy(body: AwardingBody) -> EvidencePolicy:
    """What an awarding body allows of an achievement log's evidence: the methods it lists for each kind of
    outcome, the result words it counts, and how an assessor verifying their own unit is reported."""
    return EvidencePolicy(methods=dict(body.evidence_methods),  # a plain dict, which pickles
                          counted_results=frozenset(w for w in body.result_words if body.counts_as_achieved(w)),
                          assessor_as_verifier=Severity(body.assessor_as_verifier))


def _loaded(name: str, text: str, plugins: Plugins, plugin: InstalledBody | None) -> LoadedRuleset:
    """One ruleset built and compiled, under the policy of the awarding body it names; raises DiagnosticError.
    A plugin's ruleset, read on every run, is built once and kept (`ruleset_cache`)."""
    ruleset = built_ruleset(text, name) if plugin is not None else build_ruleset(text, name)
    compiled = compile_ruleset(ruleset)
    body_name = ruleset.awarding_body.name if ruleset.awarding_body else None
    body = plugins.get(body_name) if body_name else None
    return LoadedRuleset(name, text, ruleset, body or GenericAwardingBody(), compiled, plugin)


def empty_package_problem(plugin: InstalledBody) -> Diagnostic | None:
    """QR605 for a plugin naming a ruleset package that holds no .qual file: its qualifications are missing,
    most likely because they were not installed as package data."""
    if plugin.ruleset_package is None or plugin.rulesets():
        return None
    return plugin_problem(plugin.name, plugin.distribution,
                          f"has ruleset_package {plugin.ruleset_package!r}, which holds no .qual file, so it bundles "
                          "no qualification",
                          f"its maintainers must install the .qual files as package data of {plugin.distribution} "
                          "(docs/plugins.md shows how), or set ruleset_package = None if it bundles none")


def foreign_ruleset_problem(plugin: InstalledBody, source: str, ruleset: m.Ruleset) -> Diagnostic | None:
    """QR605 for a plugin's ruleset naming another awarding body, or none: its qualifications would be judged by
    another body's policy, or by the default one, so it is left out."""
    named = ruleset.awarding_body.name if ruleset.awarding_body else None
    if named == plugin.name:
        return None
    declared = f"declares `awarding body {named}`" if named else "declares no awarding body"
    return plugin_problem(plugin.name, plugin.distribution,
                          f"bundles {source}, which {declared}, not {plugin.name}: a plugin bundles its own body's "
                          "rulesets, so its qualifications are left out",
                          f"its maintainers must begin the file with `awarding body {plugin.name}`, or, for another "
                          "body's qualifications, leave it out of the plugin (it can be given with --ruleset)")


def body_name_problem(source: str, ruleset: m.Ruleset, bodies: Iterable[str]) -> Diagnostic | None:
    """QR610 for a ruleset whose `awarding body` differs only in case from an installed plugin's name: names
    are matched exactly, so its qualifications would be judged by the default policy, not the plugin's."""
    body = ruleset.awarding_body
    names = set(bodies)
    if body is None or body.name in names:
        return None
    plugin = next((name for name in sorted(names) if name.casefold() == body.name.casefold()), None)
    if plugin is None:
        return None
    return Diagnostic("QR610", Severity.ERROR,
                      f"awarding body {body.name} has no plugin, but {plugin} has: names are matched exactly, so "
                      f"its qualifications would be judged by the default policy, not {plugin}'s",
                      Location(source, body.span.line, body.span.column, body.span.end_line, body.span.end_column),
                      f"write `awarding body {plugin}`")


def bundled_rulesets_left_out(plugins: Plugins) -> list[Diagnostic]:
    """What `Library.load` leaves out of the installed plugins' rulesets, other than rulesets with errors
    (whose own diagnostics say more): for `lint --bundled`, which counts each as an error."""
    found: list[Diagnostic] = []
    for plugin in plugins.bodies.values():
        found.extend(filter(None, [empty_package_problem(plugin)]))
        for source in plugin.rulesets():
            try:
                ruleset = built_ruleset(source.text, source.name)
            except DiagnosticError:
                continue
            found.extend(filter(None, [foreign_ruleset_problem(plugin, source.name, ruleset)]))
    return found


def _clash_hint(plugins: list[InstalledBody]) -> str:
    """How to settle bundled rulesets declaring one QAN, by who declares it."""
    meanwhile = "give the ruleset to use with --ruleset"
    if len({plugin.name for plugin in plugins}) == 1:
        return (f"plugin {plugins[0].name} from {plugins[0].distribution} declares it twice, which its maintainers "
                f"must fix; meanwhile {meanwhile}")
    others = list(dict.fromkeys(p.distribution for p in plugins if not p.ships_with_qualrules))
    if not others:
        return f"the plugins bundled with qualrules disagree, which its maintainers must fix; meanwhile {meanwhile}"
    if any(p.ships_with_qualrules for p in plugins):
        return f"uninstall {word_list(others, 'and')}, or {meanwhile}"
    return f"uninstall {'one' if len(others) == 2 else 'all but one'} of {word_list(others, 'and')}, or {meanwhile}"


def _with_shared_units(loaded: tuple[LoadedRuleset, ...]) -> tuple[LoadedRuleset, ...]:
    """The rulesets with every unit also known by the references other loaded rulesets give a unit with the
    same Ofqual reference: NCFE's nested award reuses TQUK's units, and a record may name such a unit as
    either body does."""
    names: dict[str, set[str]] = {}  # Ofqual reference, case-folded -> every reference of that unit
    for entry in loaded:
        for unit in entry.ruleset.units:
            if unit.ofqual_ref:
                names.setdefault(unit.ofqual_ref.casefold(), set()).update(
                    key.casefold() for key in (unit.ref, unit.ofqual_ref))
    widened = []
    for entry in loaded:
        if not entry.qualifications:
            widened.append(entry)
            continue
        # One table per ruleset, shared by its qualifications as compile_ruleset shares it.
        refs = dict(entry.qualifications[0].catalogue_refs)
        for unit in entry.ruleset.units:
            for key in names.get((unit.ofqual_ref or "").casefold(), ()):
                refs.setdefault(key, unit.ref)
        if refs == entry.qualifications[0].catalogue_refs:
            widened.append(entry)
        else:
            widened.append(attrs.evolve(entry, qualifications=tuple(
                attrs.evolve(q, catalogue_refs=refs) for q in entry.qualifications)))
    return tuple(widened)


def _location(entry: LoadedRuleset, q: CompiledQualification) -> Location:
    return Location(entry.name, q.source.span.line, q.source.span.column)


def _bundled_by(entry: LoadedRuleset) -> str:
    return f"plugin {entry.plugin.name} from {entry.plugin.distribution} ({entry.name})"
