"""The ruleset model: frozen attrs classes built from the syntax tree, each carrying its source span."""

from __future__ import annotations

import enum
import re
from typing import Union

import attrs

# An Ofqual unit reference: a capital letter, three digits and four digits (L/650/7899).
OFQUAL_UNIT_FORMAT = re.compile(r"[A-Z]/\d{3}/\d{4}")


@attrs.frozen
class Span:
    """1-based line and column of the first character; end is exclusive, as Lark reports it."""

    line: int
    column: int
    end_line: int
    end_column: int


@attrs.frozen
class NameRef:
    """A name in a rule: a unit reference (L3B1, L/650/7899) or a group (BUSINESS, Group 3)."""

    name: str
    # True when written `Group 3`: the name can only be a group.
    group_keyword: bool
    span: Span

    @property
    def text(self) -> str:
        return f"Group {self.name}" if self.group_keyword else self.name


@attrs.frozen
class UnitSet:
    """A union of units and groups: `Group 2 or Group 3`, `L3B1, L3B5`."""

    terms: tuple[NameRef, ...]
    span: Span


class Measure(enum.Enum):
    CREDITS = "credits"
    UNITS = "units"
    GLH = "glh"
    TQT = "tqt"


@attrs.frozen
class Bound:
    """Inclusive bounds on a measured quantity; None means unbounded on that side."""

    minimum: int | None
    maximum: int | None


@attrs.frozen
class Quantity:
    """A bound on the credits, units, GLH or TQT a claim holds, optionally within a scope and level."""

    measure: Measure
    bound: Bound
    scope: UnitSet | None
    min_level: int | None
    span: Span
    # `at level N or below`, `at level 3 or 4`: the greatest level counted.
    max_level: int | None = None

    def counts_level(self, level: int) -> bool:
        """Whether the rule's level filter counts a unit of this level."""
        return ((self.min_level is None or level >= self.min_level)
                and (self.max_level is None or level <= self.max_level))


@attrs.frozen
class AllOf:
    units: UnitSet
    span: Span


@attrs.frozen
class Choose:
    count: int
    units: UnitSet
    span: Span


@attrs.frozen
class NotBoth:
    first: NameRef
    second: NameRef
    span: Span


@attrs.frozen
class Either:
    options: tuple[tuple["Rule", ...], ...]
    span: Span


class TimeUnit(enum.Enum):
    YEARS = "years"
    MONTHS = "months"


@attrs.frozen
class CompletionWindow:
    amount: int
    unit: TimeUnit
    span: Span


@attrs.frozen
class MinimumAge:
    years: int
    span: Span


Rule = Union[Quantity, AllOf, Choose, NotBoth, Either, CompletionWindow, MinimumAge]


@attrs.frozen
class Declared:
    """A declared size from the specification's key facts: exact, a range, or `N or more`."""

    low: int
    high: int | None
    span: Span

    @property
    def text(self) -> str:
        if self.high is None:
            return f"{self.low} or more"
        return str(self.low) if self.low == self.high else f"{self.low} to {self.high}"


class OutcomeKind(enum.Enum):
    """What a learning outcome assesses, as the designer states it (never inferred from its wording): the
    evidence methods an awarding body allows differ between the two."""

    KNOWLEDGE = "knowledge"  # "Understand ..."
    SKILLS = "skills"  # "Be able to ..."


@attrs.frozen
class Criterion:
    """An assessment criterion, numbered as the specification prints it: `2.3` is the third of outcome 2."""

    number: str
    text: str
    span: Span

    @property
    def outcome_number(self) -> str:
        """The part before the dot, which names the outcome the criterion belongs to."""
        return self.number.partition(".")[0]


@attrs.frozen
class Outcome:
    """A learning outcome of a unit: its number, kind and text, and its assessment criteria in source order."""

    number: int
    kind: OutcomeKind
    text: str
    criteria: tuple[Criterion, ...]
    span: Span


class Simulation(enum.Enum):
    """Whether a unit's evidence may come from simulation in a realistic working environment."""

    PERMITTED = "permitted"
    NOT_PERMITTED = "not permitted"
    NOT_STATED = "not stated"


@attrs.frozen
class Sector:
    """The Ofqual sector subject area a unit sits in: `15.4`, "Marketing and Sales"."""

    code: str
    title: str | None
    span: Span


@attrs.frozen
class Ksb:
    """One knowledge, skill or behaviour of an apprenticeship standard: `K7`, "Understands how to ..."."""

    code: str
    text: str
    span: Span


@attrs.frozen
class Standard:
    """An apprenticeship standard, named by its title, with the KSBs that units of the file map to."""

    title: str
    ksbs: tuple[Ksb, ...]
    span: Span
    # The title alone, for diagnostics that point at it.
    title_span: Span


@attrs.frozen
class KsbRef:
    code: str
    span: Span


@attrs.frozen
class KsbLink:
    """A unit's mapping to KSBs of one standard: `ksbs K7, S1, B8 of "Level 3 ..."`."""

    standard: str
    ksbs: tuple[KsbRef, ...]
    span: Span
    # The standard's title alone.
    standard_span: Span


@attrs.frozen
class UnitPrerequisite:
    """`requires A, B` under a unit: it counts only when each unit named was achieved on or before its own date."""

    units: tuple[NameRef, ...]
    span: Span


@attrs.frozen
class Unit:
    ref: str
    title: str
    level: int | None
    credits: int | None
    glh: int | None
    tqt: int | None
    ofqual: str | None
    group: str | None
    span: Span
    # The unit reference alone, and each `name value` field, for diagnostics that point at them.
    ref_span: Span
    field_spans: dict[str, Span] = attrs.field(factory=dict, eq=False, repr=False)
    # The lines under the unit line (docs/criteria.md): learning outcomes with their assessment criteria in
    # source order, the sector subject area, whether simulation is permitted, and the KSBs it maps to.
    outcomes: tuple[Outcome, ...] = ()
    sector: Sector | None = None
    simulation: Simulation = Simulation.NOT_STATED
    ksb_links: tuple[KsbLink, ...] = ()
    # Where `simulation ...` is stated, for diagnostics and the formatter.
    simulation_span: Span | None = None
    # The unit's barring code: of the units sharing one, a claim counts at most one. None with a span is the
    # specification's own "not barred" marker; None without one, nothing stated.
    barring: str | None = None
    barring_span: Span | None = None
    prerequisite: UnitPrerequisite | None = None

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """Every assessment criterion of every outcome, in source order."""
        return tuple(c for outcome in self.outcomes for c in outcome.criteria)

    @property
    def ofqual_ref(self) -> str | None:
        """The unit's Ofqual reference: its `ofqual` field, or its own reference when that is one (bodies
        such as TQUK and NCFE identify units by the Ofqual reference alone)."""
        return self.ofqual or (self.ref if OFQUAL_UNIT_FORMAT.fullmatch(self.ref) else None)


@attrs.frozen
class Group:
    name: str
    description: str | None
    span: Span

    @property
    def display(self) -> str:
        return f"Group {self.name}" if self.name.isdigit() else self.name


@attrs.frozen
class AwardingBody:
    name: str
    title: str | None
    span: Span


# Unit grades from lowest to highest; U (unclassified) and N (near pass, given by BTEC Nationals' external
# units) are below a pass.
UNIT_GRADES = ("U", "N", "P", "M", "D", "D*")


def grade_letters(grade: str) -> tuple[str, ...]:
    """A grade's letters: `D*DM` is (D*, D, M)."""
    return tuple(re.findall(r"D\*|[UNPMD]", grade))


def grade_rank(grade: str) -> tuple[int, ...]:
    """Grades compare by their letters in turn, highest first: D*D*D above D*DD above DDD."""
    return tuple(UNIT_GRADES.index(letter) for letter in grade_letters(grade))


@attrs.frozen
class UnitPoints:
    """One `points` line: the points a unit earns for each grade, by its size (`points for 60 glh`) or per credit
    (`points per credit`, optionally only for units of one level)."""

    glh: int | None  # None: per credit
    level: int | None  # per credit, only for units of this level; None: any level
    points: tuple[tuple[str, int], ...]  # (grade, points), as written
    span: Span


@attrs.frozen
class GradeThreshold:
    """`grade DMM at 176 points`: a claim with this many points or more gets at least this grade."""

    grade: str
    points: int
    span: Span


@attrs.frozen
class GradeRow:
    """`grade D when EXAM at D, PROJECT at M`: a row of a table that combines components' grades, met when each
    named unit has at least its grade."""

    grade: str
    components: tuple[tuple[str, str], ...]  # (unit reference, least grade)
    span: Span


@attrs.frozen
class MarkBands:
    """`marks for EXAM out of 60 P 41, M 50, D 55`: the grade a mark gives a unit, each band the least mark of
    its grade; below the lowest band a mark is unclassified."""

    unit: str
    out_of: int | None
    bands: tuple[tuple[str, int], ...]  # (grade, least mark), as written
    span: Span


@attrs.frozen
class Compensation:
    """`allow unclassified up to 60 glh from Group B`: units graded below a pass (U or N) from the scope may be
    counted, for their points, up to this much of the measure between them; every other unit counted must
    pass. `allow near pass up to ...` allows units graded N only."""

    amount: int
    measure: Measure
    scope: UnitSet | None
    span: Span
    # The lowest grade counted under the allowance: U (unclassified, and so near pass too) or N (near pass).
    lowest: str = "U"


@attrs.frozen
class Grading:
    """How a graded qualification turns unit grades into its own grade."""

    unit_points: tuple[UnitPoints, ...]
    thresholds: tuple[GradeThreshold, ...]
    compensation: Compensation | None
    rows: tuple[GradeRow, ...] = ()
    marks: tuple[MarkBands, ...] = ()


@attrs.frozen
class FallbackAward:
    """`otherwise award 601/7097/5`: the smaller qualification awarded when this one is not achieved."""

    qan: str
    span: Span


@attrs.frozen
class Pathway:
    """`pathway "Marketing"` ... `end`: a named pathway, the endorsement of an endorsed title. Its rules add to
    the qualification's own; a learner who meets both is awarded the title with the pathway's name."""

    name: str
    rules: tuple[Rule, ...]
    span: Span
    # The quoted name alone, for diagnostics that point at it.
    name_span: Span


@attrs.frozen
class Qualification:
    qan: str
    title: str
    level: int | None
    credit_value: Declared | None
    glh: Declared | None
    tqt: Declared | None
    pool: UnitSet | None
    rules: tuple[Rule, ...]
    span: Span
    # The QAN alone, for diagnostics that point at it.
    qan_span: Span
    # The `level N` statement, where there is one.
    level_span: Span | None = None
    # Graded qualifications only: None for a pass-only one.
    grading: Grading | None = None
    fallback: FallbackAward | None = None
    # Endorsed titles, in the order declared (their precedence), and where `pathway required` says the
    # qualification is awarded only with one of them (None: it has a general title too).
    pathways: tuple[Pathway, ...] = ()
    pathway_required: Span | None = None
    # What the learner must hold outside the file's units (English and maths), in source order.
    attainment: tuple[AttainmentRequirement, ...] = ()
    # Other qualifications of the file the learner must have achieved, in source order.
    required_qualifications: tuple[QualificationPrerequisite, ...] = ()


@attrs.frozen
class AttainedLevel:
    """A level of attainment as English and maths requirements state it: `level 2`, `entry level 3`."""

    number: int
    entry: bool

    @property
    def rank(self) -> tuple[int, int]:
        """Entry levels 1 to 3 come below level 1."""
        return (0, self.number) if self.entry else (1, self.number)

    @property
    def text(self) -> str:
        return f"entry level {self.number}" if self.entry else f"level {self.number}"


@attrs.frozen
class LearnerAttribute:
    """`attribute ehcp yes or no column "EHCP"`: a fact about the learner that rules may read from a record
    column; `choices` lists the words it may hold, None for yes or no."""

    name: str
    choices: tuple[str, ...] | None
    column: str
    span: Span


@attrs.frozen
class GradeLevels:
    """`grade 9 to 4 level 2` under an external qualification: the grades that give one level (None: no level)."""

    grades: tuple[str, ...]
    level: AttainedLevel | None
    span: Span


@attrs.frozen
class ExternalQualification:
    """A qualification taken outside the file (a GCSE, Functional Skills), whose grade a record column holds."""

    code: str
    title: str
    column: str
    grades: tuple[GradeLevels, ...]
    span: Span
    code_span: Span


@attrs.frozen
class Condition:
    """`when ehcp`, `when not ehcp`, `when funding is "19+"`: a test of one learner attribute."""

    attribute: str
    word: str | None  # None: a yes or no attribute, tested for yes
    negated: bool
    span: Span

    @property
    def text(self) -> str:
        if self.word is not None:
            quoted = self.word.replace("\\", "\\\\").replace('"', '\\"')
            return f'{self.attribute} is "{quoted}"'
        return f"not {self.attribute}" if self.negated else self.attribute


@attrs.frozen
class AttainmentRequirement:
    """`requires level 2 in GCSE-MATHS or FS-MATHS, entry level 3 when ehcp`: the learner must hold one of the
    external qualifications at the level, or at another level where a condition on the learner holds (the
    first that does)."""

    level: AttainedLevel
    sources: tuple[NameRef, ...]
    exceptions: tuple[tuple[AttainedLevel, Condition], ...]
    span: Span


@attrs.frozen
class QualificationPrerequisite:
    """`requires 610/3788/6 achieved [before registration]`: another qualification of the file that the same
    record must achieve, from results dated by the registration date where `before registration` says so."""

    qan: str
    before_registration: bool
    span: Span
    qan_span: Span

    @property
    def text(self) -> str:
        return f"requires {self.qan} achieved" + (" before registration" if self.before_registration else "")


class EquivalentCredit(enum.Enum):
    """Whose credit an equivalent carries: the unit it counts as (the default), or the units it stands for."""

    REPLACEMENT = "replacement"
    OWN = "own"


@attrs.frozen
class Equivalence:
    """`unit A counts as B` (or `units A1 and A2 together count as B`, `unit A counts as B and C`): holding
    every original, a learner may count them in place of each replacement. See docs/semantics.md."""

    originals: tuple[NameRef, ...]
    replacements: tuple[NameRef, ...]
    credit: EquivalentCredit
    span: Span
    # `with B's credit` as written, so the checker can tell when it names no replacement; None when unstated.
    credit_of: NameRef | None = None
    # `when approved`: only an original whose record row the ruleset's approval column marks approved counts.
    approval: bool = False


@attrs.frozen
class ApprovalColumn:
    """`approval column "Exemption approved"`: the record column that says whether an exemption was approved."""

    name: str
    span: Span


@attrs.frozen
class Comment:
    text: str
    line: int
    column: int


@attrs.frozen
class Ruleset:
    """One .qual file: an awarding body's catalogue and its qualifications."""

    path: str
    awarding_body: AwardingBody | None
    groups: tuple[Group, ...]
    units: tuple[Unit, ...]
    qualifications: tuple[Qualification, ...]
    comments: tuple[Comment, ...]
    standards: tuple[Standard, ...] = ()
    equivalences: tuple[Equivalence, ...] = ()
    approval_columns: tuple[ApprovalColumn, ...] = ()
    # Learner attributes and external qualifications that rules read from a record's columns.
    attributes: tuple[LearnerAttribute, ...] = ()
    externals: tuple[ExternalQualification, ...] = ()
