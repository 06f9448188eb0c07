"""A grade plan (`qualrules plan --target-grade`) as text for people."""

from __future__ import annotations

import click

from qualrules.interpreter.diagnostics import escaped
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.grade_plan import GradePlan, GradePlanStatus
from qualrules.interpreter.presentation.journeys_text import branches, heading
from qualrules.interpreter.wording import plural


def grade_plan_text(q: CompiledQualification, found: GradePlan) -> str:
    title = f"Least demanding grades for {found.target} ({found.needed} points)"
    out = [heading(found.learner, q), click.style(title, bold=True)]
    if found.status is GradePlanStatus.IMPOSSIBLE:
        out.append(click.style(f"impossible: no grades in the units still to be taken reach {found.target} "
                               "within the rules", fg="red"))
        return "\n".join(out)
    if found.status is GradePlanStatus.ALREADY_REACHED:
        out.append(click.style(f"already reached with the units held: {plural(found.points, 'point')}", fg="green"))
    else:
        out.append(f"take {plural(len(found.take), 'unit')}:")
        out += branches([[escaped(f"{u.unit}  {q.units[q.index[u.unit]].title}  at {u.grade} or better "
                                  f"({plural(u.points, 'point')})")] for u in found.take])
    out.append(escaped("resulting claim: " + ", ".join(f"{u.label} {u.grade}" for u in found.claim)
                       + f" ({plural(found.points, 'point')})"))
    return "\n".join(out)
