"""`# lint: allow QR301 because ...`: a warning the designer has checked and keeps, with the reason, in the file.

Real specifications disagree with themselves, and a ruleset keeps the specification's figures: the warning
is right, and so is the file. An allowance in a comment records why, where a reviewer reads it, and turns
that warning into a note (shown by `lint -v`, always in JSON). It applies to the line its comment is on, or,
on a line of its own, to the next statement. It needs a reason; one that allows nothing is reported, so an
allowance cannot outlive the warning it was written for. Errors cannot be allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity
from qualrules.interpreter.wording import word_list

# `lint: allow` anywhere in a comment, so it can follow the comment that says where a line comes from.
_DIRECTIVE = re.compile(r"\blint:\s*allow\b(?P<rest>.*)", re.IGNORECASE)
# Codes in any letter case (`qr404` is QR404).
_CODES_AND_REASON = re.compile(r"\s+(?P<codes>QR\d{3}(?:\s*,\s*QR\d{3})*)(?:\s+because\b\s*(?P<reason>.*?))?\s*$",
                               re.IGNORECASE)
_CODE = re.compile(r"QR\d{3}", re.IGNORECASE)
_ALLOWED_PREFIX = "allowed because "
# The allowances' own findings are never allowed: they are about the comment itself.
_OWN_CODES = {"QR125", "QR126"}
_EXAMPLE = "`# lint: allow QR301 because the specification gives 5 credits`"


def is_allowance(comment: str) -> bool:
    """Whether a comment's text holds a `lint: allow` directive."""
    return _DIRECTIVE.search(comment) is not None


@attrs.frozen
class Allowance:
    codes: tuple[str, ...]
    reason: str
    # The line whose warnings it allows, and where the comment is.
    line: int
    comment: m.Comment


def is_allowed(diagnostic: Diagnostic) -> bool:
    """Whether this is a warning allowed in its file (now a note giving the reason)."""
    return diagnostic.severity is Severity.NOTE and diagnostic.message.startswith(_ALLOWED_PREFIX)


def apply_allowances(found: Iterable[Diagnostic], ruleset: m.Ruleset, text: str,
                     unchecked: frozenset[str] = frozenset()) -> list[Diagnostic]:
    """`found` with each allowed warning made a note that gives the reason, and a QR125 or QR126 warning for
    every allowance without a reason or that allows nothing. An allowance of a code in `unchecked` (checks
    that did not run, for the file's errors) may allow what those checks would find: it is left alone."""
    allowances, problems = _allowances(ruleset, text)
    by_line: dict[int, list[Allowance]] = {}
    for allowance in allowances:
        by_line.setdefault(allowance.line, []).append(allowance)
    used: set[tuple[int, str]] = set()
    result: list[Diagnostic] = []
    found = list(found)
    errors = {(d.location.line, d.code) for d in found if d.severity is Severity.ERROR}
    for diagnostic in found:
        allowance = next((a for a in by_line.get(diagnostic.location.line, ()) if diagnostic.code in a.codes), None) \
            if diagnostic.severity is Severity.WARNING and diagnostic.code not in _OWN_CODES else None
        if allowance is None:
            result.append(diagnostic)
            continue
        used.add((id(allowance), diagnostic.code))
        # The designer has decided: the note says why, with nothing left to fix.
        result.append(attrs.evolve(diagnostic, severity=Severity.NOTE, hint=None,
                                   message=f"{_ALLOWED_PREFIX}{allowance.reason}: {diagnostic.message}"))
    for allowance in allowances:
        unused = [code for code in allowance.codes if (id(allowance), code) not in used and code not in unchecked]
        refused = [code for code in unused if (allowance.line, code) in errors]
        if refused:
            problems.append(_problem(
                "QR126", f"this allowance of {word_list(refused, 'and')} allows nothing: on line {allowance.line} "
                f"{'it is an error' if len(refused) == 1 else 'they are errors'}, which no allowance can keep",
                ruleset.path, allowance.comment, "correct what the error reports, then delete the allowance"))
        if unused := [code for code in unused if code not in refused]:
            codes = word_list(unused, "or")
            problems.append(_problem(
                "QR126", f"this allowance of {codes} allows nothing: line {allowance.line} has no such warning",
                ruleset.path, allowance.comment,
                "delete the allowance if the warning is gone; errors, and QR125 and QR126 themselves, cannot be "
                "allowed; an allowance on a line of its own applies to the next statement"))
    return result + problems


def _allowances(ruleset: m.Ruleset, text: str) -> tuple[list[Allowance], list[Diagnostic]]:
    comment_columns = {c.line: c.column for c in ruleset.comments}
    statement_lines = [number for number, line in enumerate(text.split("\n"), 1)
                       if line[:comment_columns.get(number, len(line) + 1) - 1].strip()]
    allowances: list[Allowance] = []
    problems: list[Diagnostic] = []
    for comment in ruleset.comments:
        directive = _DIRECTIVE.search(comment.text)
        if directive is None:
            continue
        parsed = _CODES_AND_REASON.match(directive.group("rest"))
        if parsed is None or not parsed.group("reason"):
            what = f"this allowance of {parsed.group('codes')} gives no reason" if parsed else \
                "this allowance names no code to allow"
            problems.append(_problem("QR125", what, ruleset.path, comment,
                                     f"name the codes and say why the warning is kept: {_EXAMPLE}"))
            continue
        line = next((n for n in statement_lines if n >= comment.line), comment.line)
        allowances.append(Allowance(tuple(code.upper() for code in _CODE.findall(parsed.group("codes"))),
                                    parsed.group("reason").rstrip("."), line, comment))
    return allowances, problems


def _problem(code: str, message: str, file: str, comment: m.Comment, hint: str) -> Diagnostic:
    end = comment.column + len(comment.text.rstrip())
    return Diagnostic(code, Severity.WARNING, message, Location(file, comment.line, comment.column, comment.line, end),
                      hint)
