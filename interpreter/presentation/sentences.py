"""Rules of combination as English sentences, the way a qualification specification states them.

Maxima read as caps ("at most 6 credits may come from Group 3"): they limit what counts, they never
fail a learner who holds more.
"""

from __future__ import annotations

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.checker import Catalogue
from qualrules.interpreter.wording import (bound_text, last_number, level_text, period_text, plural, rule_text,
                                           word_list)


@attrs.frozen
class Sentence:
    rule: m.Rule
    text: str
    # For an `either` block: the sentences of each option.
    options: tuple[tuple["Sentence", ...], ...] = ()

    def to_json(self) -> dict:
        data: dict = {"rule": rule_text(self.rule), "sentence": self.text}
        if self.options:
            data["either"] = [[s.to_json() for s in option] for option in self.options]
        return data


def sentences(rules: tuple[m.Rule, ...], catalogue: Catalogue) -> tuple[Sentence, ...]:
    return tuple(sentence(rule, catalogue) for rule in rules)


def sentence(rule: m.Rule, catalogue: Catalogue) -> Sentence:
    if isinstance(rule, m.Either):
        options = tuple(sentences(option, catalogue) for option in rule.options)
        text = " ".join(f"{'Either' if k == 0 else 'Or'}: " + " ".join(s.text for s in option)
                        for k, option in enumerate(options))
        return Sentence(rule, text, options)
    return Sentence(rule, _capitalised(_phrase(rule, catalogue)) + ".")


def _phrase(rule: m.Rule, catalogue: Catalogue) -> str:
    if isinstance(rule, m.Quantity):
        return _quantity(rule, catalogue)
    if isinstance(rule, m.AllOf):
        groups = [catalogue.display(t) for t in rule.units.terms if _is_group(t, catalogue)]
        units = [t.name for t in rule.units.terms if not _is_group(t, catalogue)]
        parts = [f"all units of {word_list(groups, 'and')}"] if groups else []
        if units:
            parts.append(("unit " if len(units) == 1 else "units ") + word_list(units, "and"))
        verb = "is" if not groups and len(units) == 1 else "are"
        return f"{' and '.join(parts)} {verb} mandatory"
    if isinstance(rule, m.Choose):
        return f"learners must choose at least {plural(rule.count, 'unit')} from {_names(rule.units, catalogue)}"
    if isinstance(rule, m.NotBoth):
        return f"learners may not count both {_side(rule.first, catalogue)} and {_side(rule.second, catalogue)}"
    if isinstance(rule, m.CompletionWindow):
        return f"the qualification must be completed within {period_text(rule)} of registration"
    if isinstance(rule, m.MinimumAge):
        return f"learners must be {rule.years} or over when they register"
    raise TypeError(f"not a rule: {rule!r}")


def _quantity(rule: m.Quantity, catalogue: Catalogue) -> str:
    low = rule.bound.minimum
    # "between 13 and" + "36 credits": the bound's words, then its last number with the measure's words.
    amount = f"{bound_text(rule.bound).rsplit(' ', 1)[0]} {_amount(rule.measure, last_number(rule.bound))}"
    amount += level_text(rule)
    if rule.scope is None:
        return f"{amount} may count towards the qualification" if low is None else f"learners must achieve {amount}"
    verb = "may" if low is None else "must"
    return f"{amount} {verb} come from {_names(rule.scope, catalogue)}"


def _amount(measure: m.Measure, count: int) -> str:
    if measure is m.Measure.CREDITS:
        return plural(count, "credit")
    if measure is m.Measure.UNITS:
        return plural(count, "unit")
    if measure is m.Measure.GLH:
        return plural(count, "guided learning hour")
    return plural(count, "hour") + " of total qualification time"


def _is_group(ref: m.NameRef, catalogue: Catalogue) -> bool:
    return ref.group_keyword or ref.name in catalogue.groups


def _names(unit_set: m.UnitSet, catalogue: Catalogue) -> str:
    return word_list([catalogue.display(t) for t in unit_set.terms], "or")


def _side(ref: m.NameRef, catalogue: Catalogue) -> str:
    return f"units from {catalogue.display(ref)}" if _is_group(ref, catalogue) else f"unit {ref.name}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
