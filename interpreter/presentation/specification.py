"""One qualification as a specification presents it: key facts, the units of its pool by group, and
the rules of combination in English. Pure: a loaded ruleset in, text or JSON-ready dicts out."""

from __future__ import annotations

import attrs
import click

from qualrules.interpreter import model as m
from qualrules.interpreter.checker import Catalogue
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.requirements import Linear, PoolUnit
from qualrules.interpreter.equivalences import counting_statements, statement_sentence
from qualrules.interpreter.grades import grading_sentences
from qualrules.interpreter.library import LoadedRuleset
from qualrules.interpreter.attainment import requirement_sentence
from qualrules.interpreter.prerequisites import prerequisite_sentences
from qualrules.interpreter.pathways import pathway_sentences
from qualrules.interpreter.diagnostics import escaped
from qualrules.interpreter.presentation.sentences import Sentence, sentences
from qualrules.interpreter.presentation.tables import align_columns
from qualrules.interpreter.presentation.unit_specification import UnitSpecification
from qualrules.interpreter.wording import word_list

UNIT_HEADERS = ("Ofqual ref", "Ref", "Title", "Level", "Credits", "GLH", "TQT")
NUMBER_COLUMNS = frozenset({3, 4, 5, 6})
UNGROUPED = "Other units"


@attrs.frozen
class PoolGroup:
    """The pool's units from one group of the catalogue (`name` as rules write it: `Group 1`, `BUSINESS`)."""

    name: str
    description: str | None
    units: tuple[PoolUnit, ...]


@attrs.frozen
class Specification:
    qan: str
    title: str
    awarding_body: str | None
    awarding_body_title: str | None
    level: int | None
    credit_value: m.Declared | None
    glh: m.Declared | None
    tqt: m.Declared | None
    groups: tuple[PoolGroup, ...]
    rules: tuple[Sentence, ...]
    # Each pool unit's own specification (outcomes, criteria, sector, simulation, KSBs), by reference.
    units: dict[str, UnitSpecification]
    # Whether the awarding body assesses every unit by its criteria.
    criterion_assessment: bool
    grading: tuple[str, ...] = ()  # a graded qualification's grading statements in English
    # Each barring code two or more pool units share, with those units: a claim counts one of them.
    barring: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The equivalence statements that count as a pool unit, in English (`statement_sentence`).
    equivalences: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()  # the pool units' prerequisites in English
    learner_requirements: tuple[str, ...] = ()  # what the learner must hold besides units, in English
    # Endorsed titles: how the title is awarded, in English, and each pathway's name with its own rules.
    pathway_terms: tuple[str, ...] = ()
    pathways: tuple[tuple[str, tuple[Sentence, ...]], ...] = ()
    pathway_required: bool = False

    @property
    def facts(self) -> tuple[tuple[str, str], ...]:
        # A title that only repeats the name (`awarding body TQUK "TQUK"`) is said once.
        title = self.awarding_body_title
        if title is not None and self.awarding_body is not None and title.casefold() == self.awarding_body.casefold():
            title = None
        body = ", ".join(filter(None, (self.awarding_body, title)))
        return (
            ("Awarding body", body or "-"),
            ("Level", "-" if self.level is None else str(self.level)),
            ("Credit value", _declared_text(self.credit_value)),
            ("Guided learning hours", _declared_text(self.glh)),
            ("Total qualification time", _declared_text(self.tqt)),
            ("Assessment", "every assessment criterion of every unit must be evidenced" if self.criterion_assessment
             else "-"),
        )

    def text(self, columns: int | None = None) -> str:
        """For a terminal: text from the ruleset with anything unprintable shown escaped; given the terminal's
        `columns`, the tables' widest column (values, titles) is cut short to fit."""
        out = [click.style(escaped(self.title), bold=True), f"QAN {self.qan}", ""]
        out.extend(map(escaped, align_columns(self.facts, width=columns, shrink=1)))
        out += ["", click.style("Units", bold=True)]
        # One alignment for every group's table, so the pool reads as one table.
        header, *rows = align_columns([UNIT_HEADERS, *(_unit_cells(u) for g in self.groups for u in g.units)],
                                      NUMBER_COLUMNS, width=None if columns is None else columns - 4,
                                      shrink=UNIT_HEADERS.index("Title"))
        for group in self.groups:
            heading = f"{group.name}: {group.description}" if group.description else group.name
            out += ["", f"  {escaped(heading)}", f"    {header}"]
            out.extend(f"    {escaped(row)}" for row in rows[:len(group.units)])
            rows = rows[len(group.units):]
        out += ["", click.style("Rules of combination", bold=True)]
        for rule in self.rules:
            out.extend(map(escaped, _sentence_lines(rule, "  ")))
        for code, refs in self.barring:
            out.append(escaped(f"  - Only one of {word_list(list(refs), 'and')} counts: they share barring code {code}."))
        for heading, statements in (("Unit equivalences", self.equivalences),
                                   ("Requirements of the learner", self.learner_requirements),
                                   ("Prerequisites", self.prerequisites)):
            if statements:
                out += ["", click.style(heading, bold=True)]
                out.extend(escaped(f"  - {sentence}") for sentence in statements)
        if self.pathways:
            out += ["", click.style("Pathways", bold=True)]
            out.extend(escaped(f"  {sentence}") for sentence in self.pathway_terms)
            for name, rules in self.pathways:
                out += ["", f"  {escaped(name)}"]
                for rule in rules:
                    out.extend(map(escaped, _sentence_lines(rule, "    ")))
        if self.grading:
            out += ["", click.style("Grading", bold=True)]
            out.extend(escaped(f"  - {sentence}") for sentence in self.grading)
        described = [u for u in self.units.values() if u.declares_anything]
        if described:
            out += ["", click.style("Unit specifications", bold=True)]
            for unit in described:
                out += ["", *(f"  {escaped(line)}" for line in unit.lines())]
        return "\n".join(out)

    def to_json(self) -> dict:
        return {
            "qan": self.qan,
            "title": self.title,
            "awarding_body": {"name": self.awarding_body, "title": self.awarding_body_title},
            "level": self.level,
            "credit_value": _declared_json(self.credit_value),
            "guided_learning_hours": _declared_json(self.glh),
            "total_qualification_time": _declared_json(self.tqt),
            "criterion_assessment": self.criterion_assessment,
            "groups": [
                {"name": g.name, "description": g.description,
                 "units": [{**_unit_json(u), **self.units[u.ref].to_json()} for u in g.units]}
                for g in self.groups
            ],
            "rules": [s.to_json() for s in self.rules],
            **({"grading": list(self.grading)} if self.grading else {}),
            **({"barring_codes": [{"code": code, "units": list(refs)} for code, refs in self.barring]}
               if self.barring else {}),
            **({"equivalences": list(self.equivalences)} if self.equivalences else {}),
            **({"prerequisites": list(self.prerequisites)} if self.prerequisites else {}),
            **({"learner_requirements": list(self.learner_requirements)} if self.learner_requirements else {}),
            **({"pathways": [{"name": name, "rules": [s.to_json() for s in rules]} for name, rules in self.pathways],
                "pathway_required": self.pathway_required} if self.pathways else {}),
        }


def specification(loaded: LoadedRuleset, qualification: CompiledQualification) -> Specification:
    """The specification of one qualification of a loaded ruleset."""
    catalogue = Catalogue.of(loaded.ruleset)
    descriptions = {g.display: g.description for g in loaded.ruleset.groups}
    groups: dict[str | None, list[PoolUnit]] = {}
    for unit in qualification.catalogue_units:
        groups.setdefault(unit.group, []).append(unit)
    body = loaded.ruleset.awarding_body
    source = qualification.source
    return Specification(
        qan=qualification.qan,
        title=qualification.title,
        awarding_body=body.name if body else None,
        awarding_body_title=(body.title if body and body.title else loaded.body.title) or None,
        level=qualification.level,
        credit_value=source.credit_value,
        glh=source.glh,
        tqt=source.tqt,
        groups=tuple(PoolGroup(name or UNGROUPED, descriptions.get(name), tuple(units))
                     for name, units in groups.items()),
        rules=sentences(source.rules, catalogue),
        units={u.ref: UnitSpecification.of(catalogue.units[u.ref], loaded.ruleset)
               for u in qualification.catalogue_units},
        criterion_assessment=loaded.body.criterion_assessment,
        grading=grading_sentences(source),
        # A unit counted by an equivalence stands in the pool twice (as itself and as the unit it counts as),
        # so a code's units are named once each.
        barring=tuple((cap.barring, tuple(dict.fromkeys(qualification.units[i].ref for i in cap.members)))
                      for cap in qualification.requirements if isinstance(cap, Linear) and cap.barring is not None),
        equivalences=tuple(statement_sentence(s, catalogue) for s in counting_statements(qualification)),
        prerequisites=prerequisite_sentences(qualification.prerequisites, qualification.stand_ins),
        learner_requirements=tuple(map(requirement_sentence, qualification.attainment)) + tuple(
            f"Learners must have achieved {required.qan} {required.title}"
            f"{' before registering' if line.before_registration else ''}."
            for line, required in qualification.required_qualifications),
        pathway_terms=pathway_sentences(source),
        pathways=tuple((p.name, sentences(p.rules, catalogue)) for p in source.pathways),
        pathway_required=source.pathway_required is not None,
    )


def _declared_text(declared: m.Declared | None) -> str:
    return "-" if declared is None else declared.text


def _declared_json(declared: m.Declared | None) -> dict | None:
    if declared is None:
        return None
    return {"text": declared.text, "minimum": declared.low, "maximum": declared.high}


def _unit_cells(unit: PoolUnit) -> tuple[str, ...]:
    values = (unit.ofqual, unit.ref, unit.title, unit.level, unit.credits, unit.glh, unit.tqt)
    return tuple("-" if value is None else str(value) for value in values)


def _unit_json(unit: PoolUnit) -> dict:
    return {"ofqual": unit.ofqual, "ref": unit.ref, "title": unit.title, "level": unit.level,
            "credits": unit.credits, "glh": unit.glh, "tqt": unit.tqt}


def _sentence_lines(item: Sentence, indent: str) -> list[str]:
    if not item.options:
        return [f"{indent}- {item.text}"]
    lines = []
    for k, option in enumerate(item.options):
        lines.append(f"{indent}{'- Either' if k == 0 else '  Or'}:")
        for inner in option:
            lines.extend(_sentence_lines(inner, indent + "    "))
    return lines
