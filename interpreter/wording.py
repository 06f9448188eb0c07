"""Rules in words: the canonical .qual phrasing of each rule, which doubles as its English description."""

from __future__ import annotations

from typing import Sequence

from qualrules.interpreter import model as m


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count:,} {word}s"


def set_text(unit_set: m.UnitSet, joiner: str = " or ") -> str:
    return joiner.join(term.text for term in unit_set.terms)


def bound_text(bound: m.Bound) -> str:
    low, high = bound.minimum, bound.maximum
    if low is not None and low == high:
        return f"exactly {low}"
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}"


def measure_word(measure: m.Measure, count: int | None) -> str:
    if measure is m.Measure.CREDITS:
        return "credit" if count == 1 else "credits"
    if measure is m.Measure.UNITS:
        return "unit" if count == 1 else "units"
    return measure.value


def last_number(bound: m.Bound) -> int:
    """The number `bound_text` ends with, which the measure's word follows."""
    return bound.maximum if bound.maximum is not None else bound.minimum


def period_text(window: m.CompletionWindow) -> str:
    return plural(window.amount, "year" if window.unit is m.TimeUnit.YEARS else "month")


def credits_text(total: int | None) -> str:
    """A credit total, where a unit sized in GLH only leaves it undeclared."""
    return "credits not declared for every unit" if total is None else plural(total, "credit")


def glh_text(total: int | None) -> str:
    return "GLH not declared for every unit" if total is None else f"{total} GLH"


def level_text(rule: m.Quantity) -> str:
    """A quantity rule's level filter as written after it (`at level 3 or above`), or "" when it has none."""
    low, high = rule.min_level, rule.max_level
    if low is None and high is None:
        return ""
    if high is None:
        return f" at level {low} or above"
    if low is None:
        return f" at level {high} or below"
    return f" at level {low} or {high}"


def rule_text(rule: m.Rule) -> str:
    """One rule as its canonical one-line .qual text (an `either` block is summarised)."""
    if isinstance(rule, m.Quantity):
        level = level_text(rule)
        word = measure_word(rule.measure, last_number(rule.bound))
        # `at least 2 BUSINESS units`, but `at least 2 units from 501, 502`: a bare number after a count reads badly.
        if rule.measure is m.Measure.UNITS and rule.scope is not None and not any(
                term.name.isdigit() and not term.group_keyword for term in rule.scope.terms):
            return f"{bound_text(rule.bound)} {set_text(rule.scope)} {word}{level}"
        scope = f" from {set_text(rule.scope)}" if rule.scope is not None else ""
        return f"{bound_text(rule.bound)} {word}{scope}{level}"
    if isinstance(rule, m.AllOf):
        return f"all of {set_text(rule.units, ', ')}"
    if isinstance(rule, m.Choose):
        return f"choose {rule.count} of {set_text(rule.units, ', ')}"
    if isinstance(rule, m.NotBoth):
        return f"not both {rule.first.text} and {rule.second.text}"
    if isinstance(rule, m.CompletionWindow):
        return f"complete within {period_text(rule)}"
    if isinstance(rule, m.MinimumAge):
        return f"age {rule.years} or over"
    if isinstance(rule, m.Either):
        return "either " + " or ".join("(" + "; ".join(rule_text(r) for r in option) + ")" for option in rule.options)
    raise TypeError(f"not a rule: {rule!r}")


def word_list(words: Sequence[str], conjunction: str) -> str:
    """`A`, `A or B`, `A, B or C`: a list as prose."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]
