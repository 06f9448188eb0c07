"""The qualifications a run knows about: every installed plugin's bundled rulesets plus any files given."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.engine.compiler import CompiledQualification, compile_ruleset
from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity, did_you_mean
from qualrules.interpreter.records.log_checks import EvidencePolicy, LoggedUnit
from qualrules.interpreter.records.readers import Vocabulary
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
    def __init__(self, qan: str, hint: str):
        super().__init__(f"no qualification {qan} is loaded ({hint})")
        self.qan = qan
        self.hint = hint


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
    bodies: Mapping[str, AwardingBody]
    # Notes for the user, such as a given file replacing a bundled qualification.
    notes: tuple[str, ...] = ()
    # What was left out, for every command to show before it carries on with the rest: broken plugins
    # and plugins' rulesets with errors (QR605), QANs that more than one bundled ruleset declares (QR104).
    problems: tuple[Diagnostic, ...] = ()
    # QANs left out because bundled rulesets disagree about them, each with the reason.
    refused: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def load(cls, paths: Iterable[str | Path] = (), *, bundled: bool = True) -> "Library":
        """Installed plugins' rulesets (when `bundled`), then `paths`; a QAN in a given file replaces a
        bundled one. Raises DiagnosticError with every problem found in a given file; a broken plugin or
        bundled ruleset is only left out, with its problems in `problems`."""
        plugins = discover()
        problems = list(plugins.problems)
        loaded: list[LoadedRuleset] = []
        if bundled:
            for plugin in plugins.bodies.values():
                for source in plugin.rulesets():
                    try:
                        loaded.append(_loaded(source.name, source.text, plugins, plugin))
                    except DiagnosticError as error:
                        problems.append(plugin_problem(
                            plugin.name, plugin.distribution,
                            f"bundles {source.name}, which has errors, so its qualifications are left out"))
                        problems.extend(error.diagnostics)
        errors: list[Diagnostic] = []
        for path in paths:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                errors.append(Diagnostic("QR005", Severity.ERROR, f"cannot read ruleset: {error}",
                                         Location(str(path))))
                continue
            try:
                loaded.append(_loaded(str(path), text, plugins, None))
            except DiagnosticError as error:
                errors.extend(error.diagnostics)

        declared: dict[str, list[tuple[LoadedRuleset, CompiledQualification]]] = {}
        for entry in loaded:
            for q in entry.qualifications:
                declared.setdefault(q.qan, []).append((entry, q))
        notes: list[str] = []
        refused: dict[str, str] = {}
        owner: dict[str, LoadedRuleset] = {}
        for qan, declarations in declared.items():
            given = [(entry, q) for entry, q in declarations if entry.plugin is None]
            if len(given) > 1:
                (first, _), (second, q) = given[:2]
                errors.append(Diagnostic("QR104", Severity.ERROR,
                                         f"qualification {qan} is declared in both {first.name} and {second.name}",
                                         _location(second, q)))
            elif given:
                owner[qan] = given[0][0]
                notes.extend(f"{qan} from {owner[qan].name} replaces the one in {entry.name}"
                             for entry, _ in declarations if entry is not owner[qan])
            elif len(declarations) > 1:
                # Which plugin is right is not ours to guess, and a silent choice would change verdicts.
                plugins_declaring = word_list([_bundled_by(entry) for entry, _ in declarations], "and")
                refused[qan] = f"{qan} is declared by {plugins_declaring}, so it is left out"
                problems.append(Diagnostic(
                    "QR104", Severity.ERROR, f"qualification {refused[qan]}", _location(*declarations[-1]),
                    "uninstall one of the plugins, or give the ruleset to use with --ruleset"))
            else:
                owner[qan] = declarations[0][0]
        if errors:
            raise DiagnosticError([*problems, *errors])
        kept = tuple(
            attrs.evolve(entry, qualifications=tuple(q for q in entry.qualifications if owner.get(q.qan) is entry))
            for entry in loaded
        )
        return cls(kept, plugins.bodies, tuple(notes), tuple(problems), refused)

    @property
    def qualifications(self) -> dict[str, tuple[CompiledQualification, AwardingBody]]:
        return {q.qan: (q, entry.body) for entry in self.rulesets for q in entry.qualifications}

    def qualification(self, qan: str) -> tuple[CompiledQualification, AwardingBody]:
        """Look a QAN up (spaces and the case of a final X do not matter); raises UnknownQualification with a
        did-you-mean hint."""
        qan = qan.strip().upper()
        known = self.qualifications
        if qan in known:
            return known[qan]
        if qan in self.refused:
            raise UnknownQualification(qan, self.refused[qan])
        raise UnknownQualification(qan, did_you_mean(qan, known) or "`qualrules list` shows the installed qualifications")

    def unit_refs(self) -> dict[str, str]:
        """Every unit and Ofqual reference of every loaded catalogue, case-folded, to how it is written."""
        refs: dict[str, str] = {}
        for entry in self.rulesets:
            for unit in entry.ruleset.units:
                for key in filter(None, (unit.ref, unit.ofqual)):
                    refs.setdefault(key.casefold(), key)
        return refs

    def vocabulary(self) -> Vocabulary:
        """What records may say: every loaded unit reference and every result word any body accepts."""
        results = RESULT_WORDS.union(*(body.achieving_results for body in self.bodies.values()))
        return Vocabulary(self.unit_refs(), frozenset(results), self._logged_units(results))

    def _logged_units(self, results: frozenset[str]) -> dict[str, LoggedUnit]:
        """Every unit declaring assessment criteria, by case-folded unit and Ofqual reference; a unit in a
        given ruleset file is read with that file's criteria (given files come after the bundled ones)."""
        logs: dict[str, LoggedUnit] = {}
        for entry in self.rulesets:
            policy = evidence_policy(entry.body, results)
            for unit in entry.ruleset.units:
                if unit.criteria:
                    logged = LoggedUnit(unit, policy)
                    logs.update({key.casefold(): logged for key in filter(None, (unit.ref, unit.ofqual))})
        return logs


def evidence_policy(body: AwardingBody, results: frozenset[str]) -> EvidencePolicy:
    """What an awarding body allows of an achievement log's evidence. No body lists its evidence methods
    per outcome kind yet, so any method is taken."""
    return EvidencePolicy(methods={}, counted_results=frozenset(w for w in results if body.counts_as_achieved(w)),
                          assessor_as_verifier=Severity(body.assessor_as_verifier))


def _loaded(name: str, text: str, plugins: Plugins, plugin: InstalledBody | None) -> LoadedRuleset:
    """One ruleset built and compiled, under the policy of the awarding body it names; raises DiagnosticError."""
    ruleset = build_ruleset(text, name)
    compiled = compile_ruleset(ruleset)
    body_name = ruleset.awarding_body.name if ruleset.awarding_body else None
    body = plugins.get(body_name) if body_name else None
    return LoadedRuleset(name, text, ruleset, body or GenericAwardingBody(), compiled, plugin)


def _location(entry: LoadedRuleset, q: CompiledQualification) -> Location:
    return Location(entry.name, q.source.span.line, q.source.span.column)


def _bundled_by(entry: LoadedRuleset) -> str:
    return f"plugin {entry.plugin.name} from {entry.plugin.distribution} ({entry.name})"
