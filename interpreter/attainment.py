"""Learner attributes and external qualifications: what a qualification requires of the learner besides units
(`requires level 2 in GCSE-MATHS or FS-MATHS, entry level 3 when ehcp`), read from the record's own columns.
A learner-level requirement like `age N or over`: it never changes which units a claim counts, so the engines
never see it. The checker's and linter's rules for the declarations, and each requirement's outcome for one
learner, are here (docs/semantics.md "Requirements of the learner besides units")."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Mapping

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity, did_you_mean
from qualrules.interpreter.records.approvals import column_key

# How records write yes and no (an MIS export's Y/N, a spreadsheet's TRUE/FALSE, 1/0), compared ignoring case.
YES_WORDS = frozenset({"yes", "y", "true", "1"})
NO_WORDS = frozenset({"no", "n", "false", "0"})


def declared_columns(rulesets: Iterable[m.Ruleset]) -> dict[str, frozenset[str]]:
    """The values each column the rulesets declare may hold, case-folded, by column key (records readers refuse
    any other)."""
    allowed: dict[str, frozenset[str]] = {}
    for ruleset in rulesets:
        for attribute in ruleset.attributes:
            words = YES_WORDS | NO_WORDS if attribute.choices is None else {c.casefold() for c in attribute.choices}
            allowed[column_key(attribute.column)] = allowed.get(column_key(attribute.column), frozenset()) | words
        for external in ruleset.externals:
            words = {g.casefold() for row in external.grades for g in row.grades}
            allowed[column_key(external.column)] = allowed.get(column_key(external.column), frozenset()) | words
    return allowed


# ---- static checks and lint ----------------------------------------------------------------------------
def check_attainment(ruleset: m.Ruleset, error: Callable[..., None]) -> None:
    """Names declared once, columns read once, each grade given one level, and every requirement naming
    declared external qualifications and testing declared attributes as their kind allows."""
    names: dict[str, m.Span] = {}
    columns: dict[str, m.Span] = {}
    for declared in (*ruleset.attributes, *ruleset.externals):
        name = declared.name if isinstance(declared, m.LearnerAttribute) else declared.code
        for seen, key, what in ((names, name.casefold(), f"`{name}` is declared"),
                                (columns, column_key(declared.column), f'column "{declared.column}" is read')):
            if key in seen:
                error("QR193", f"{what} twice (first on line {seen[key].line})", declared.span,
                      hint="each attribute and external qualification has a name and a column of its own")
            seen.setdefault(key, declared.span)
    for external in ruleset.externals:
        given: dict[str, m.Span] = {}
        for row in external.grades:
            for grade in row.grades:
                if grade.casefold() in given:
                    error("QR196", f'grade "{grade}" of {external.code} is given twice (first on line '
                          f"{given[grade.casefold()].line})", row.span, hint="give each grade one level")
                given.setdefault(grade.casefold(), row.span)
    attributes = {a.name: a for a in ruleset.attributes}
    externals = {e.code: e for e in ruleset.externals}
    for qualification in ruleset.qualifications:
        for requirement in qualification.attainment:
            for source in requirement.sources:
                if source.name not in externals:
                    error("QR194", f"`{source.name}` is not an external qualification of this file", source.span,
                          hint=did_you_mean(source.name, externals) or
                          f'declare it: `external {source.name} "Title" column "Heading"` with its grades')
            for _, condition in requirement.exceptions:
                _check_condition(condition, attributes, error)


def _check_condition(condition: m.Condition, attributes: Mapping[str, m.LearnerAttribute],
                     error: Callable[..., None]) -> None:
    attribute = attributes.get(condition.attribute)
    if attribute is None:
        error("QR195", f"`{condition.attribute}` is not a learner attribute of this file", condition.span,
              hint=did_you_mean(condition.attribute, attributes) or
              f'declare it: `attribute {condition.attribute} yes or no column "Heading"`')
    elif attribute.choices is None and condition.word is not None:
        error("QR195", f"`{attribute.name}` is yes or no, so it is tested as `when {attribute.name}` or "
              f"`when not {attribute.name}`", condition.span)
    elif attribute.choices is not None and condition.word is None:
        error("QR195", f"`{attribute.name}` holds a word, so it is tested as "
              f'`when {attribute.name} is "{attribute.choices[0]}"`', condition.span)
    elif attribute.choices is not None and condition.word.casefold() not in {c.casefold() for c in attribute.choices}:
        error("QR195", f'"{condition.word}" is not one of the words `{attribute.name}` may hold', condition.span,
              hint="one of " + ", ".join(f'"{c}"' for c in attribute.choices))


def lint_attainment(ruleset: m.Ruleset) -> Iterator[Diagnostic]:
    """Declarations no rule reads, and grade tables where a better grade gives a lower level."""
    def warning(code: str, message: str, span: m.Span, hint: str) -> Diagnostic:
        location = Location(ruleset.path, span.line, span.column, span.end_line, span.end_column)
        return Diagnostic(code, Severity.WARNING, message, location, hint)

    requirements = [r for q in ruleset.qualifications for r in q.attainment]
    tested = {c.attribute for r in requirements for _, c in r.exceptions}
    named = {s.name for r in requirements for s in r.sources}
    for attribute in ruleset.attributes:
        if attribute.name not in tested:
            yield warning("QR425", f"no rule reads the learner attribute `{attribute.name}`", attribute.span,
                          f"delete the declaration, or test it in a requirement: `..., entry level 3 when "
                          f"{attribute.name}`")
    for external in ruleset.externals:
        if external.code not in named:
            yield warning("QR426", f"no requirement names the external qualification {external.code}",
                          external.code_span, f"delete the declaration, or name it: `requires level 2 in "
                          f"{external.code}`")
        numbered = sorted(((int(g), row) for row in external.grades if row.level is not None
                           for g in row.grades if g.isdigit()), key=lambda pair: pair[0])
        for (low, low_row), (high, high_row) in zip(numbered, numbered[1:]):
            if high > low and high_row.level.rank < low_row.level.rank:
                yield warning("QR427", f"in {external.code}, grade {high} gives {high_row.level.text} but the lower "
                              f"grade {low} gives {low_row.level.text}", high_row.span,
                              "a better grade never gives a lower level: check the table against the specification")
                break


# ---- one learner -------------------------------------------------------------------------------------
@attrs.frozen
class CompiledAttainment:
    """A requirement with the declarations it reads."""

    requirement: m.AttainmentRequirement
    text: str
    sources: tuple[m.ExternalQualification, ...]
    attributes: Mapping[str, m.LearnerAttribute] = attrs.field(eq=False)


def compile_attainment(ruleset: m.Ruleset, qualification: m.Qualification) -> tuple[CompiledAttainment, ...]:
    externals = {e.code: e for e in ruleset.externals}
    attributes = {a.name: a for a in ruleset.attributes}
    return tuple(CompiledAttainment(r, requirement_text(r), tuple(externals[s.name] for s in r.sources), attributes)
                 for r in qualification.attainment)


def requirement_text(requirement: m.AttainmentRequirement) -> str:
    text = f"requires {requirement.level.text} in {' or '.join(s.name for s in requirement.sources)}"
    return text + "".join(f", {level.text} when {condition.text}" for level, condition in requirement.exceptions)


def requirement_sentence(compiled: CompiledAttainment) -> str:
    """A requirement as `show` states it, naming each external qualification and attribute with its column."""
    requirement = compiled.requirement
    held = " or ".join(f'{s.title} ({s.code}, column "{s.column}")' for s in compiled.sources)
    sentence = f"Learners must hold {requirement.level.text} in {held}"
    for level, condition in requirement.exceptions:
        column = compiled.attributes[condition.attribute].column
        said = (f'is "{condition.word}"' if condition.word is not None else
                "is no" if condition.negated else "is yes")
        sentence += f'; {level.text} where {condition.attribute} (column "{column}") {said}'
    return sentence + "."


@attrs.frozen
class AttainmentOutcome:
    """Whether the learner meets one requirement (None: the record lacks what would tell), why, and what
    it lacks."""

    met: bool | None
    detail: str
    missing: tuple[str, ...]


def attainment_outcome(compiled: CompiledAttainment, values: Mapping[str, str]) -> AttainmentOutcome:
    """The outcome for a learner whose record's declared columns hold `values` (by column key, as written)."""
    requirement = compiled.requirement
    needed = f"(needed for `{compiled.text}`)"
    missing: list[str] = []
    # The levels that may apply: the first exception whose condition holds, else the requirement's own; a
    # condition the record cannot tell leaves both it and what follows possible.
    possible, said = [], []
    for level, condition in requirement.exceptions:
        attribute = compiled.attributes[condition.attribute]
        holds, shown = _condition_holds(condition, attribute, values.get(column_key(attribute.column)))
        said.append(f"{condition.attribute}: {shown}")
        if holds is None:
            missing.append(f'`{condition.attribute}` (column "{attribute.column}", {needed[1:]}')
        if holds is not False:
            possible.append(level)
        if holds is True:
            break
    else:
        possible.append(requirement.level)
    best, held, unknown = None, [], []
    for source in compiled.sources:
        written = values.get(column_key(source.column))
        level = _level_of(source, written)
        if written is None or level is False:
            unknown.append(source)
            held.append(f"{source.code} not in the record" if written is None else
                        f"{source.code} grade {written!r} not in its table")
        else:
            held.append(f"{source.code} grade {written} ({'no level' if level is None else level.text})")
            if level is not None and (best is None or level.rank > best.rank):
                best = level
    results = set()
    for level in possible:
        if best is not None and best.rank >= level.rank:
            results.add(True)
        else:
            results.add(None if unknown else False)
    met = results.pop() if len(results) == 1 else None
    if met is None:
        missing.extend(f'{s.code} grade (column "{s.column}", {needed[1:]}' for s in unknown)
    else:
        missing = []
    required = " or ".join(level.text for level in possible)
    context = f" ({'; '.join(said)})" if said else ""
    detail = f"{compiled.text}: {required} required{context}; held: {', '.join(held)}"
    return AttainmentOutcome(met, detail, tuple(dict.fromkeys(missing)))


def _condition_holds(condition: m.Condition, attribute: m.LearnerAttribute,
                     written: str | None) -> tuple[bool | None, str]:
    if written is None:
        return None, "not in the record"
    value = written.strip().casefold()
    if attribute.choices is None:
        said = True if value in YES_WORDS else False if value in NO_WORDS else None
        if said is None:
            return None, f"{written!r}, neither yes nor no"
        return said != condition.negated, "yes" if said else "no"
    choices = {c.casefold(): c for c in attribute.choices}
    if value not in choices:
        return None, f"{written!r}, not one of its words"
    return value == condition.word.casefold(), f'"{choices[value]}"'


def _level_of(external: m.ExternalQualification, written: str | None) -> m.AttainedLevel | None | bool:
    """The level a grade gives (None: no level), or False for a grade the table does not give."""
    if written is None:
        return False
    value = written.strip().casefold()
    for row in external.grades:
        if value in (g.casefold() for g in row.grades):
            return row.level
    return False
