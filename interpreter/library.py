"""The qualifications a run knows about: every installed plugin's bundled rulesets plus any files given."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.engine.compiler import CompiledQualification, compile_ruleset
from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity, did_you_mean
from qualrules.interpreter.records.readers import Vocabulary
from qualrules.plugins import RESULT_WORDS, AwardingBody, GenericAwardingBody, discover


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


@attrs.frozen
class Library:
    rulesets: tuple[LoadedRuleset, ...]
    bodies: dict[str, AwardingBody]
    # Notes for the user, such as a given file replacing a bundled qualification.
    notes: tuple[str, ...] = ()

    @classmethod
    def load(cls, paths: Iterable[str | Path] = (), *, bundled: bool = True) -> "Library":
        """Installed plugins' rulesets (when `bundled`), then `paths`; a QAN in a given file replaces a
        bundled one. Raises DiagnosticError with every problem found in any file."""
        bodies = discover()
        sources: list[tuple[str, str, bool]] = []
        if bundled:
            for body in bodies.values():
                sources.extend((s.name, s.text, True) for s in body.rulesets())
        for path in paths:
            try:
                sources.append((str(path), Path(path).read_text(encoding="utf-8"), False))
            except (OSError, UnicodeDecodeError) as error:
                raise DiagnosticError([Diagnostic("QR005", Severity.ERROR, f"cannot read ruleset: {error}",
                                                  Location(str(path)))]) from error
        loaded: list[LoadedRuleset] = []
        problems: list[Diagnostic] = []
        for name, text, _ in sources:
            try:
                ruleset = build_ruleset(text, name)
                compiled = compile_ruleset(ruleset)
            except DiagnosticError as error:
                problems.extend(error.diagnostics)
                continue
            body_name = ruleset.awarding_body.name if ruleset.awarding_body else None
            body = bodies.get(body_name) if body_name else None
            loaded.append(LoadedRuleset(name, text, ruleset, body or GenericAwardingBody(), compiled))
        if problems:
            raise DiagnosticError(problems)

        notes: list[str] = []
        owner: dict[str, LoadedRuleset] = {}
        given = {name for name, _, is_bundled in sources if not is_bundled}
        for entry in loaded:
            for q in entry.qualifications:
                previous = owner.get(q.qan)
                if previous is not None and previous.name in given and entry.name in given:
                    raise DiagnosticError([Diagnostic(
                        "QR104", Severity.ERROR,
                        f"qualification {q.qan} is declared in both {previous.name} and {entry.name}",
                        Location(entry.name, q.source.span.line, q.source.span.column))])
                if previous is not None:
                    notes.append(f"{q.qan} from {entry.name} replaces the one in {previous.name}")
                owner[q.qan] = entry
        kept = tuple(
            attrs.evolve(entry, qualifications=tuple(q for q in entry.qualifications if owner[q.qan] is entry))
            for entry in loaded
        )
        return cls(kept, bodies, tuple(notes))

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
        return Vocabulary(self.unit_refs(), frozenset(results))
