"""Ruleset files are untrusted text: whatever they hold, parsing, building, checking, linting and formatting
end in coded diagnostics, never a traceback, and in bounded time."""

from __future__ import annotations

import pytest

from qualrules.grammar import parser
from qualrules.grammar.parser import MAX_EITHER_DEPTH
from qualrules.interpreter.builder import MAX_NUMBER, build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.lint import lint
from qualrules.interpreter.presentation.sentences import sentences
from qualrules.interpreter.checker import Catalogue
from qualrules.plugins import RulesetSource, discover

HEADER = """\
unit A1 "Alpha" level 2 credits 2
unit B1 "Beta" level 2 credits 2
qualification 600/5929/1 "Certificate"
  units from A1, B1
"""


def nested_either(depth: int) -> str:
    """`either` blocks nested `depth` deep, each with a second option."""
    return HEADER + "either\n" * depth + "all of A1\n" + "or\nall of B1\nend\n" * depth


def codes(text: str) -> list[str]:
    return [d.code for d in lint([RulesetSource("hostile.qual", text)], discover())]


def build_error_codes(text: str) -> list[str]:
    with pytest.raises(DiagnosticError) as raised:
        build_ruleset(text, "hostile.qual")
    return [d.code for d in raised.value.diagnostics]


@pytest.mark.parametrize("digits", [7, 4_301, 100_000])
def test_a_number_of_any_length_is_a_located_qr117(digits):
    text = HEADER + f"  at least {'9' * digits} credits\n"
    with pytest.raises(DiagnosticError) as raised:
        build_ruleset(text, "hostile.qual")
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.location.line, diagnostic.location.column) == ("QR117", 5, 12)
    assert len(diagnostic.message) < 200  # the message names the size, not every digit


def test_leading_zeros_do_not_make_a_number_too_large():
    text = HEADER + f"  at least {'0' * 5_000}2 credits\n"
    assert build_ruleset(text, "hostile.qual").qualifications[0].rules[0].bound.minimum == 2
    assert build_error_codes(HEADER + f"  at least {MAX_NUMBER + 1} credits\n") == ["QR117"]


def test_either_nested_to_the_limit_works_everywhere():
    text = nested_either(MAX_EITHER_DEPTH)
    ruleset = build_ruleset(text, "hostile.qual")
    assert "QR400" in codes(text)
    format_ruleset(text, "hostile.qual")
    compile_ruleset(ruleset)
    sentences(ruleset.qualifications[0].rules, Catalogue.of(ruleset))


@pytest.mark.parametrize("depth", [MAX_EITHER_DEPTH + 1, 300, 20_000])
def test_either_nested_past_the_limit_is_one_located_qr118(depth):
    text = nested_either(depth)
    with pytest.raises(DiagnosticError) as raised:
        build_ruleset(text, "hostile.qual")
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "QR118"
    assert diagnostic.location.line == 4 + MAX_EITHER_DEPTH + 1  # the outermost block past the limit
    assert codes(text) == ["QR118"]
    with pytest.raises(DiagnosticError):
        format_ruleset(text, "hostile.qual")


def tokens_read(text: str, monkeypatch) -> tuple[int, int]:
    """(tokens the lexer produced, syntax errors) for one parse of `text`."""
    read = 0
    process = parser._MergeNewlines.process

    def counting(self, stream):
        nonlocal read
        for token in process(self, stream):
            read += 1
            yield token

    with monkeypatch.context() as patched:
        patched.setattr(parser._MergeNewlines, "process", counting)
        errors = len(parser.parse(text, "hostile.qual").diagnostics)
    return read, errors


def test_syntax_recovery_reads_the_file_once(monkeypatch):
    units = [f'unit U{i} "Unit {i}" level 2 credits 2' for i in range(2_000)]
    clean = "\n".join(units) + "\n" + HEADER.split("\n", 2)[2]
    faulty = units[:]
    for k in range(1, parser.MAX_SYNTAX_ERRORS + 1):
        faulty[k * 90] += " ;"
    clean_tokens, no_errors = tokens_read(clean, monkeypatch)
    faulty_tokens, errors = tokens_read("\n".join(faulty) + "\n" + HEADER.split("\n", 2)[2], monkeypatch)
    assert (no_errors, errors) == (0, parser.MAX_SYNTAX_ERRORS)
    # Each error resumes at its own line: the faulty lines are read twice, the rest once.
    assert faulty_tokens < clean_tokens + 20 * parser.MAX_SYNTAX_ERRORS


def wide_either(options: int, dead: set[int] = frozenset()) -> str:
    """One `either` with an option per unit; the options numbered in `dead` need more credits than exist."""
    units = "".join(f'unit U{i} "Unit {i}" level 2 credits 2\n' for i in range(options))
    pool = ", ".join(f"U{i}" for i in range(options))
    rules = "  or\n".join(f"    at least {10 * options} credits\n" if i + 1 in dead else f"    all of U{i}\n"
                          for i in range(options))
    return units + f'qualification 600/5929/1 "Certificate"\n  units from {pool}\n  either\n{rules}  end\n'


def test_dead_options_of_a_wide_either_take_a_few_models_not_one_per_option(monkeypatch):
    from qualrules.interpreter import lint as lint_module

    built = 0

    class CountingClaimModel(lint_module.ClaimModel):
        def __init__(self, *args, **kwargs):
            nonlocal built
            built += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(lint_module, "ClaimModel", CountingClaimModel)
    found = lint([RulesetSource("wide.qual", wide_either(300, dead={7, 150}))], discover())
    dead = sorted(d.location.line for d in found if d.code == "QR405")
    assert dead == [300 + 3 + 7 * 2 - 1, 300 + 3 + 150 * 2 - 1]
    assert built < 12


def test_satisfiability_past_its_time_budget_is_a_qr406_warning():
    text = wide_either(50)
    (warning,) = [d for d in lint([RulesetSource("wide.qual", text)], discover(), time_budget=0) if d.code != "QR122"]
    assert (warning.code, warning.severity.value, warning.location.line) == ("QR406", "warning", 51)
    assert "whether it can be achieved for 600/5929/1" in warning.message
    assert [d.code for d in lint([RulesetSource("wide.qual", text)], discover())] == ["QR400"]
