"""Syntax tree to model: a Lark Transformer that maps each grammar rule onto a frozen model class."""

from __future__ import annotations

import attrs
from lark import Token, Transformer, Tree, v_args

from qualrules.grammar.parser import parse
from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity
from qualrules.interpreter.grades import statement_text

# Above any real credit value, GLH, TQT, age or count, and far inside the solver's 64-bit arithmetic.
MAX_NUMBER = 100_000

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}

MEASURES = {
    "credits": m.Measure.CREDITS, "credit": m.Measure.CREDITS,
    "units": m.Measure.UNITS, "unit": m.Measure.UNITS,
    "glh": m.Measure.GLH, "tqt": m.Measure.TQT,
}


def _span(meta) -> m.Span:
    return m.Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _token_span(token: Token) -> m.Span:
    return m.Span(token.line, token.column, token.end_line, token.end_column)


def _name(token: Token) -> m.NameRef:
    return m.NameRef(token.value, False, _token_span(token))


def _string(token: Token) -> str:
    body = token.value[1:-1]
    return body.replace('\\"', '"').replace("\\\\", "\\")


_GRADING_ITEMS = (m.UnitPoints, m.GradeThreshold, m.Compensation, m.FallbackAward, m.GradeRow, m.MarkBands)


@attrs.frozen
class _Barring:
    """A `barring code` or `not barred` line, before it joins its unit."""

    code: str | None
    span: m.Span


@attrs.frozen
class _Replacements:
    """The units an equivalence's originals count as, before they join their statement."""

    names: tuple[m.NameRef, ...]


@attrs.frozen
class _PathwayRequired:
    """`pathway required`, before the qualification it belongs to is built."""

    span: m.Span


@attrs.frozen
class _Levels:
    """A rule's level filter, before it joins its rule: the least and greatest level it counts."""

    low: int | None
    high: int | None


@v_args(meta=True)
class _Builder(Transformer):
    def __init__(self, filename: str):
        super().__init__()
        self.filename = filename
        self.diagnostics: list[Diagnostic] = []

    def _error(self, code: str, message: str, span: m.Span, hint: str | None = None) -> None:
        location = Location(self.filename, span.line, span.column, span.end_line, span.end_column)
        self.diagnostics.append(Diagnostic(code, Severity.ERROR, message, location, hint))

    def _int(self, token: Token) -> int:
        digits = token.value.lstrip("0") or "0"
        # Compared as text first: Python refuses to convert numbers of more than 4,300 digits.
        if len(digits) > len(str(MAX_NUMBER)) or int(digits) > MAX_NUMBER:
            shown = token.value if len(token.value) <= 20 else f"a number of {len(digits):,} digits"
            self._error("QR117", f"{shown} is too large for a level, credit value, number of hours or count",
                        _token_span(token), hint=f"numbers in a ruleset are at most {MAX_NUMBER:,}")
            return MAX_NUMBER + 1
        return int(digits)

    # ---- leaves --------------------------------------------------------------------------------
    def number(self, meta, children):
        (token,) = children
        return NUMBER_WORDS.get(token.value) or self._int(token)

    def measure(self, meta, children):
        return MEASURES[children[0].value.lower()]

    def time_unit(self, meta, children):
        return m.TimeUnit.MONTHS if children[0].value.lower().startswith("month") else m.TimeUnit.YEARS

    def name_ref(self, meta, children):
        return m.NameRef(children[0].value, False, _span(meta))

    def group_ref(self, meta, children):
        return m.NameRef(children[-1].value, True, _span(meta))

    def unit_set(self, meta, children):
        return m.UnitSet(tuple(children), _span(meta))

    counted_set = unit_set

    def scope(self, meta, children):
        return children[0]

    def level_or_above(self, meta, children):
        return _Levels(self._int(children[0]), None)

    def level_or_below(self, meta, children):
        return _Levels(None, self._int(children[0]))

    def level_pair(self, meta, children):
        low, high = map(self._int, children)
        if high != low + 1:
            # `at level 3 or 2` most likely means levels 2 and 3, written the other way round.
            pair = f"`at level {high} or {low}`" if low == high + 1 else f"`at level {low} or {low + 1}`"
            self._error("QR171", f"`at level {low} or {high}` does not name a level and the one above it",
                        _span(meta), hint=f"for a level and the one above it write {pair}; "
                        f"for every level from {min(low, high)} up, `at level {min(low, high)} or above`")
        return _Levels(low, high)

    # ---- bounds --------------------------------------------------------------------------------
    def at_least(self, meta, children):
        return m.Bound(children[0], None)

    def at_most(self, meta, children):
        return m.Bound(None, children[0])

    def exactly(self, meta, children):
        return m.Bound(children[0], children[0])

    def between(self, meta, children):
        low, high = children
        if low > high:
            self._error("QR114", f"`between {low} and {high}`: the lower bound is above the upper bound",
                        _span(meta), hint=f"write `between {high} and {low}`")
        return m.Bound(low, high)

    # ---- rules ---------------------------------------------------------------------------------
    def _quantity(self, meta, measure, bound, rest):
        scope = next((c for c in rest if isinstance(c, m.UnitSet)), None)
        levels = next((c for c in rest if isinstance(c, _Levels)), _Levels(None, None))
        return m.Quantity(measure, bound, scope, levels.low, _span(meta), max_level=levels.high)

    def bound_measure(self, meta, children):
        bound, measure, *rest = children
        return self._quantity(meta, measure, bound, rest)

    def bound_units(self, meta, children):
        bound, *rest = children
        return self._quantity(meta, m.Measure.UNITS, bound, rest)

    def measure_comparison(self, meta, children):
        measure, bound, *rest = children
        return self._quantity(meta, measure, bound, rest)

    def all_of(self, meta, children):
        return m.AllOf(children[0], _span(meta))

    def choose(self, meta, children):
        return m.Choose(children[0], children[1], _span(meta))

    def not_both(self, meta, children):
        return m.NotBoth(children[0], children[1], _span(meta))

    def within(self, meta, children):
        return m.CompletionWindow(children[0], children[1], _span(meta))

    def minimum_age(self, meta, children):
        return m.MinimumAge(children[0], _span(meta))

    def rule_line(self, meta, children):
        return [c for c in children if not isinstance(c, Token)]

    def option(self, meta, children):
        rules: list = []
        for child in children:
            rules.extend(child if isinstance(child, list) else [child])
        return tuple(rules)

    def either(self, meta, children):
        return m.Either(tuple(children), _span(meta))

    # ---- grading -------------------------------------------------------------------------------
    def grade_value(self, meta, children):
        grade, points = children
        if grade.value not in m.UNIT_GRADES:
            self._error("QR150", f"`{grade.value}` is not a unit grade", _token_span(grade),
                        hint="a unit earns points for one of " + ", ".join(m.UNIT_GRADES))
        return grade.value, self._int(points), _token_span(grade)

    def _unit_points(self, meta, glh, level, values):
        seen: dict[str, int] = {}
        for grade, points, span in values:
            if grade in seen:
                self._error("QR151", f"the points for {grade} are given twice on one line", span,
                            hint="give each grade's points once")
            seen.setdefault(grade, points)
        return m.UnitPoints(glh, level, tuple(seen.items()), _span(meta))

    def glh_points(self, meta, children):
        size, *values = children
        return self._unit_points(meta, self._int(size), None, values)

    def credit_points(self, meta, children):
        level = self._int(children[0]) if isinstance(children[0], Token) else None
        return self._unit_points(meta, None, level, [c for c in children if not isinstance(c, Token)])

    def grade_threshold(self, meta, children):
        grade, points = children
        return m.GradeThreshold(grade.value, self._int(points), _span(meta))

    def component_grade(self, meta, children):
        unit, grade = children
        if grade.value not in m.UNIT_GRADES:
            self._error("QR150", f"`{grade.value}` is not a unit grade", _token_span(grade),
                        hint="a component has one of " + ", ".join(m.UNIT_GRADES))
        return unit.value, grade.value

    def grade_row(self, meta, children):
        grade, *components = children
        return m.GradeRow(grade.value, tuple(components), _span(meta))

    def mark_bands(self, meta, children):
        unit, *rest = children
        out_of = self._int(rest[0]) if rest and isinstance(rest[0], Token) else None
        bands = self._unit_points(meta, None, None, [c for c in rest if not isinstance(c, Token)]).points
        return m.MarkBands(unit.value, out_of, bands, _span(meta))

    def unclassified_allowed(self, meta, children):
        return "U"

    def near_pass_allowed(self, meta, children):
        return "N"

    def compensation(self, meta, children):
        lowest, amount, measure, *rest = children
        return m.Compensation(amount, measure, rest[0] if rest else None, _span(meta), lowest)

    def fallback_award(self, meta, children):
        return m.FallbackAward(children[0].value, _span(meta))

    def _grading(self, qan: str, items: list) -> tuple[m.Grading | None, m.FallbackAward | None]:
        """The grading statements of one qualification, each said once."""
        points: dict[tuple, m.UnitPoints] = {}
        thresholds: dict[str, m.GradeThreshold] = {}
        single: dict[type, object] = {}
        for item in items:
            if isinstance(item, m.UnitPoints):
                key, first = (item.glh, item.level), points.get((item.glh, item.level))
            elif isinstance(item, (m.GradeRow, m.MarkBands)):
                key = (type(item), item.grade if isinstance(item, m.GradeRow) else item.unit)
                first = single.get(key)
            elif isinstance(item, m.GradeThreshold):
                key, first = item.grade, thresholds.get(item.grade)
            else:
                key, first = type(item), single.get(type(item))
            if first is not None:
                # Two allowances of different words are still two of the one allowance a qualification has.
                other = isinstance(item, m.Compensation) and statement_text(item) != statement_text(first)
                message = (f"{qan} has one allowance, stated already on line {first.span.line}" if other else
                           f"{qan} states this grading statement twice (first on line {first.span.line})")
                self._error("QR151", message, item.span, hint="keep one and delete the other")
                continue
            {m.UnitPoints: points, m.GradeThreshold: thresholds}.get(type(item), single)[key] = item
        compensation = single.get(m.Compensation)
        rows = tuple(v for k, v in single.items() if isinstance(v, m.GradeRow))
        marks = tuple(v for k, v in single.items() if isinstance(v, m.MarkBands))
        grading = None
        if points or thresholds or compensation or rows or marks:
            grading = m.Grading(tuple(points.values()), tuple(thresholds.values()), compensation, rows, marks)
        return grading, single.get(m.FallbackAward)

    # ---- qualifications ------------------------------------------------------------------------
    def declared_exact(self, meta, children):
        value = self._int(children[0])
        return m.Declared(value, value, _span(meta))

    def declared_range(self, meta, children):
        low, high = (self._int(c) for c in children)
        if low > high:
            self._error("QR114", f"`{low} to {high}`: the lower bound is above the upper bound", _span(meta))
        return m.Declared(low, high, _span(meta))

    def declared_open(self, meta, children):
        return m.Declared(self._int(children[0]), None, _span(meta))

    def level_fact(self, meta, children):
        return ("level", self._int(children[0]), _span(meta))

    def credit_value_fact(self, meta, children):
        return ("credit value", children[0], _span(meta))

    def glh_fact(self, meta, children):
        return ("guided learning hours", children[0], _span(meta))

    def tqt_fact(self, meta, children):
        return ("total qualification time", children[0], _span(meta))

    def pool(self, meta, children):
        return ("units from", children[0], _span(meta))

    # ---- pathways --------------------------------------------------------------------------------
    def pathway(self, meta, children):
        name, *items = children
        rules: list = []
        for item in items:
            rules.extend(item if isinstance(item, list) else [item])
        return m.Pathway(_string(name), tuple(rules), _span(meta), _token_span(name))

    def pathway_required(self, meta, children):
        return _PathwayRequired(_span(meta))

    def _pathway_required(self, qan: str, items: list) -> m.Span | None:
        """Where `pathway required` is said, once."""
        said = [item.span for item in items if isinstance(item, _PathwayRequired)]
        for span in said[1:]:
            self._error("QR183", f"{qan} says `pathway required` twice (first on line {said[0].line})", span,
                        hint="keep one and delete the other")
        return said[0] if said else None

    def qualification(self, meta, children):
        qan, title, *items = children
        facts: dict[str, object] = {}
        fact_spans: dict[str, m.Span] = {}
        rules: list = []
        grading_items = [i for i in items if isinstance(i, _GRADING_ITEMS)]
        for item in items:
            if isinstance(item, (*_GRADING_ITEMS, m.AttainmentRequirement, m.QualificationPrerequisite, m.Pathway,
                                 _PathwayRequired)):
                continue
            if isinstance(item, list):
                rules.extend(item)
            elif isinstance(item, tuple):
                key, value, span = item
                if key in facts:
                    self._error("QR109", f"`{key}` is given twice for {qan.value}", span,
                                hint="keep one statement and delete the other")
                facts.setdefault(key, value)
                fact_spans.setdefault(key, span)
            else:
                rules.append(item)
        return m.Qualification(
            qan=qan.value,
            title=_string(title),
            level=facts.get("level"),
            credit_value=facts.get("credit value"),
            glh=facts.get("guided learning hours"),
            tqt=facts.get("total qualification time"),
            pool=facts.get("units from"),
            rules=tuple(rules),
            span=_span(meta),
            qan_span=_token_span(qan),
            level_span=fact_spans.get("level"),
            **dict(zip(("grading", "fallback"), self._grading(qan.value, grading_items))),
            attainment=tuple(i for i in items if isinstance(i, m.AttainmentRequirement)),
            required_qualifications=tuple(i for i in items if isinstance(i, m.QualificationPrerequisite)),
            pathways=tuple(i for i in items if isinstance(i, m.Pathway)),
            pathway_required=self._pathway_required(qan.value, items),
        )

    def qualification_requires(self, meta, children):
        qan, *before = children
        return m.QualificationPrerequisite(qan.value, bool(before), _span(meta), _token_span(qan))

    # ---- learner attributes, external qualifications and what a qualification requires of them -----------
    def attribute(self, meta, children):
        name, choices, column = children
        return m.LearnerAttribute(name.value, choices, _string(column), _span(meta))

    def yes_or_no(self, meta, children):
        return None

    def word_choices(self, meta, children):
        return tuple(_string(c) for c in children)

    def external(self, meta, children):
        code, title, column, *grades = children
        return m.ExternalQualification(code.value, _string(title), _string(column), tuple(grades), _span(meta),
                                       _token_span(code))

    def external_grades(self, meta, children):
        *words, level = children
        return m.GradeLevels(tuple(g for word in words for g in word), level, _span(meta))

    def grade_word(self, meta, children):
        if children[0].type == "STRING":
            return (_string(children[0]),)
        first, last = (self._int(c) for c in (children[0], children[-1]))
        step = -1 if last < first else 1
        return tuple(str(n) for n in range(first, last + step, step))

    def plain_level(self, meta, children):
        return m.AttainedLevel(self._int(children[0]), False)

    def entry_level(self, meta, children):
        return m.AttainedLevel(self._int(children[0]), True)

    def no_level(self, meta, children):
        return None

    def attainment(self, meta, children):
        level, *rest = children
        sources = tuple(m.NameRef(c.value, False, _token_span(c)) for c in rest if isinstance(c, Token))
        others = [c for c in rest if not isinstance(c, Token)]
        return m.AttainmentRequirement(level, sources, tuple(zip(others[::2], others[1::2])), _span(meta))

    def condition_yes(self, meta, children):
        return m.Condition(children[0].value, None, False, _span(meta))

    def condition_no(self, meta, children):
        return m.Condition(children[0].value, None, True, _span(meta))

    def condition_word(self, meta, children):
        return m.Condition(children[0].value, _string(children[1]), False, _span(meta))

    # ---- catalogue -----------------------------------------------------------------------------
    def group_name(self, meta, children):
        return children[0]

    def unit(self, meta, children):
        ref, title, *rest = children
        fields = [c for c in rest if isinstance(c, Tree)]
        details = [c for c in rest if not isinstance(c, Tree)]
        values: dict[str, Token] = {}
        spans: dict[str, m.Span] = {}
        for field in fields:
            key = field.data.removesuffix("_field")
            token = field.children[0]
            if key in values:
                self._error("QR107", f"unit {ref.value} gives `{key}` twice", _token_span(token),
                            hint="keep one value and delete the other")
                continue
            values[key] = token
            spans[key] = _span(field.meta)
        if "level" not in values:
            self._error("QR106", f"unit {ref.value} has no `level`", _token_span(ref),
                        hint="add `level N` to the unit line")
        # A unit's size is its credits or, where a specification gives none (BTEC Nationals), its GLH.
        if "credits" not in values and "glh" not in values:
            self._error("QR106", f"unit {ref.value} has no `credits` or `glh`", _token_span(ref),
                        hint="add `credits N`, or `glh N` where the specification sizes units in hours only")

        def number(key):
            return self._int(values[key]) if key in values else None

        stated: dict[str, m.Span] = {}

        def once(key: str, span: m.Span) -> bool:
            if key in stated:
                self._error("QR131", f"unit {ref.value} states its {key} twice (first on line {stated[key].line})",
                            span, hint="keep one line and delete the other")
                return False
            stated[key] = span
            return True

        sector, simulation, simulation_span = None, m.Simulation.NOT_STATED, None
        barring, barring_span = None, None
        prerequisite = None
        for detail in details:
            if isinstance(detail, m.Sector) and once("sector", detail.span):
                sector = detail
            elif isinstance(detail, tuple) and once("simulation", detail[1]):
                simulation, simulation_span = detail
            elif isinstance(detail, m.KsbLink):
                once(f'KSBs of "{detail.standard}"', detail.span)
            elif isinstance(detail, _Barring) and once("barring code", detail.span):
                barring, barring_span = detail.code, detail.span
            elif isinstance(detail, m.UnitPrerequisite) and once("prerequisites", detail.span):
                prerequisite = detail
        return m.Unit(
            ref=ref.value,
            title=_string(title),
            level=number("level"),
            credits=number("credits"),
            glh=number("glh"),
            tqt=number("tqt"),
            ofqual=values["ofqual"].value if "ofqual" in values else None,
            group=None,
            span=_span(meta),
            ref_span=_token_span(ref),
            field_spans=spans,
            outcomes=tuple(d for d in details if isinstance(d, m.Outcome)),
            sector=sector,
            simulation=simulation,
            ksb_links=tuple(d for d in details if isinstance(d, m.KsbLink)),
            simulation_span=simulation_span,
            barring=barring,
            barring_span=barring_span,
            prerequisite=prerequisite,
        )

    # ---- outcomes, criteria and the unit's other details -----------------------------------------
    def criterion(self, meta, children):
        number, text = children
        return m.Criterion(number.value, _string(text), _span(meta))

    def outcome_kind(self, meta, children):
        return m.OutcomeKind(children[0].value)

    def outcome(self, meta, children):
        number, kind, text, *criteria = children
        return m.Outcome(self._int(number), kind, _string(text), tuple(criteria), _span(meta))

    def sector(self, meta, children):
        code, *title = children
        return m.Sector(code.value, _string(title[0]) if title else None, _span(meta))

    def simulation_permitted(self, meta, children):
        return (m.Simulation.PERMITTED, _span(meta))

    def simulation_not_permitted(self, meta, children):
        return (m.Simulation.NOT_PERMITTED, _span(meta))

    def barring_code(self, meta, children):
        return _Barring(children[0].value, _span(meta))

    def not_barred(self, meta, children):
        return _Barring(None, _span(meta))

    def unit_requires(self, meta, children):
        return m.UnitPrerequisite(tuple(m.NameRef(c.value, False, _token_span(c)) for c in children), _span(meta))

    def ksbs(self, meta, children):
        *codes, standard = children
        return m.KsbLink(_string(standard), tuple(m.KsbRef(c.value, _token_span(c)) for c in codes), _span(meta),
                         _token_span(standard))

    def ksb(self, meta, children):
        code, text = children
        return m.Ksb(code.value, _string(text), _span(meta))

    def standard(self, meta, children):
        title, *ksbs = children
        return m.Standard(_string(title), tuple(ksbs), _span(meta), _token_span(title))

    def group(self, meta, children):
        name, *rest = children
        description = _string(rest[0]) if rest and isinstance(rest[0], Token) else None
        group = m.Group(name.value, description, _token_span(name))
        units = tuple(attrs.evolve(u, group=group.name) for u in rest if isinstance(u, m.Unit))
        return group, units, tuple(e for e in rest if isinstance(e, (m.Equivalence, m.ApprovalColumn)))

    def equivalence(self, meta, children):
        originals = tuple(_name(token) for token in children if isinstance(token, Token))
        replacements = next(c for c in children if isinstance(c, _Replacements)).names
        kind, credit_of = next((c for c in children if isinstance(c, tuple)), (m.EquivalentCredit.REPLACEMENT, None))
        approval = any(isinstance(c, Tree) and c.data == "approval" for c in children)
        return m.Equivalence(originals, replacements, kind, _span(meta), credit_of, approval)

    def approval_column(self, meta, children):
        return m.ApprovalColumn(_string(children[0]), _span(meta))

    def replacements(self, meta, children):
        return _Replacements(tuple(map(_name, children)))

    def own_credit(self, meta, children):
        return (m.EquivalentCredit.OWN, None)

    def replacement_credit(self, meta, children):
        (ref,) = children
        return (m.EquivalentCredit.REPLACEMENT, _name(ref))

    def awarding_body(self, meta, children):
        name, *rest = children
        return m.AwardingBody(name.value, _string(rest[0]) if rest else None, _span(meta))

    def start(self, meta, children):
        return children


def build_ruleset(text: str, filename: str) -> m.Ruleset:
    """Parse and build one .qual file; raises DiagnosticError listing every syntax or structure error."""
    parsed = parse(text, filename)
    if parsed.tree is None:
        raise DiagnosticError(parsed.diagnostics)
    builder = _Builder(filename)
    items = builder.transform(parsed.tree)
    if builder.diagnostics:
        raise DiagnosticError(builder.diagnostics)
    awarding_body = next((i for i in items if isinstance(i, m.AwardingBody)), None)
    groups, units = [], [i for i in items if isinstance(i, m.Unit)]
    # The table of equivalences and the approval column, wherever they stand among the units.
    table = [i for i in items if isinstance(i, (m.Equivalence, m.ApprovalColumn))]
    for item in items:
        if isinstance(item, tuple):
            group, group_units, group_table = item
            groups.append(group)
            units.extend(group_units)
            table.extend(group_table)
    return m.Ruleset(
        path=filename,
        awarding_body=awarding_body,
        groups=tuple(groups),
        units=tuple(units),
        qualifications=tuple(i for i in items if isinstance(i, m.Qualification)),
        comments=tuple(m.Comment(c.value, c.line, c.column) for c in parsed.comments),
        standards=tuple(i for i in items if isinstance(i, m.Standard)),
        equivalences=tuple(sorted((e for e in table if isinstance(e, m.Equivalence)), key=lambda e: e.span.line)),
        approval_columns=tuple(sorted((c for c in table if isinstance(c, m.ApprovalColumn)), key=lambda c: c.span.line)),
        attributes=tuple(i for i in items if isinstance(i, m.LearnerAttribute)),
        externals=tuple(i for i in items if isinstance(i, m.ExternalQualification)),
    )
