"""How fast qualrules reads its rulesets and checks learners, with figures printed rather than asserted.

Measures, on this machine:
- start-up, parsing each bundled ruleset, and loading + compiling the whole bundled library;
- the compiled decision tables of the ISP Certificate (610/3788/6), the ISP Diploma (610/3789/8) and the
  ILM Certificate (600/5929/1), built once on first use;
- evaluation only (compile once, evaluate many) over generated cohorts (cohort.py) on those three:
  `evaluate_many` over each qualification's learners against `evaluate` one learner at a time, with the
  engine that chooses the claims;
- the compiled claims against CP-SAT's on the same learners' achieved units: `claims.best_claims` and
  `claims.closest_claims` over the batch against `cpsat.best_claim` and `cpsat.closest_claim` per learner,
  time per learner and whether every claim is the same;
- the per-learner worst case: one learner holding all 27 ISP units against the Certificate;
- compiled, CP-SAT and an exhaustive search of every subset, on Certificate learners holding 12 to 18 units
  (39 to 61 credits, so the 36-credit cap binds).

Usage: python benchmarks/check_throughput.py [--learners 2000 20000] [--compare 10000] [--sizes 12 14 16 18]
       [--per-size 3] [--seed 2024] [--repeat 20] [--batch-repeat 5] [--worst-case-repeat 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import subprocess
import sys
import time
from importlib import metadata
from typing import Callable, Collection, Sequence
from unittest import mock

import numpy as np

from qualrules.grammar.parser import parse
from qualrules.interpreter.engine import claims, cpsat
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.decision import Decision
from qualrules.interpreter.engine.evaluator import evaluate, evaluate_many, holdings_of
from qualrules.interpreter.engine.requirements import holds
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.interpreter.wording import plural
from qualrules.plugins import discover

from cohort import ILM_CERTIFICATE, ISP_CERTIFICATE, ISP_DIPLOMA, CohortMaker, learners

QUALIFICATIONS = (ISP_CERTIFICATE, ISP_DIPLOMA, ILM_CERTIFICATE)


# ---- timing helpers ------------------------------------------------------------------------------
def timed(action: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of each of `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}"


def ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:,.0f}x" if fast > 0 else "-"


class CountingClaimModel(cpsat.ClaimModel):
    """CP-SAT's model, counting how often a call builds one: `cpsat.best_claim` first checks whether every
    unit held makes a valid claim, and searches only when it does not."""

    built = 0

    def __init__(self, *args, **kwargs):
        type(self).built += 1
        super().__init__(*args, **kwargs)


# ---- start-up, parsing, loading ------------------------------------------------------------------
def report_environment() -> None:
    print(f"Python {platform.python_version()} on {platform.platform()}; ortools {metadata.version('ortools')}, "
          f"numpy {metadata.version('numpy')}, lark {metadata.version('lark')}; one CP-SAT worker")
    startup = timed(lambda: subprocess.run([sys.executable, "-c", "import qualrules.cli"], check=True), 3)
    print(f"start-up (python -c 'import qualrules.cli', median of 3): {ms(statistics.median(startup))}")


def report_parsing(repeat: int) -> None:
    print("\nParsing the bundled rulesets (text to syntax tree)")
    sources = [s for body in discover().values() for s in body.rulesets()]
    first = timed(lambda: parse(sources[0].text, sources[0].name), 1)[0]
    print(f"  first parse, including building the LALR parser: {ms(first)}")
    for source in sources:
        times = timed(lambda: parse(source.text, source.name), repeat)
        lines = source.text.count("\n")
        print(f"  {source.name}: {lines} lines, median {ms(statistics.median(times))} (min {ms(min(times))}, "
              f"{repeat} runs)")


def report_loading(repeat: int) -> Library:
    print("\nLoading the bundled library (discover plugins, parse, build, check, compile)")
    library = Library.load()
    times = timed(Library.load, repeat)
    qualifications = sum(len(r.qualifications) for r in library.rulesets)
    print(f"  Library.load(): {len(library.rulesets)} rulesets, {qualifications} qualifications, "
          f"median {ms(statistics.median(times))} (min {ms(min(times))}, {repeat} runs)")
    return library


def report_tables(library: Library) -> None:
    """The decision tables are built on a qualification's first evaluation; build them here, so that no
    figure below includes them."""
    print("\nEngines, and the compiled decision tables (built once per qualification, on first use)")
    for qan in QUALIFICATIONS:
        q, _ = library.qualification(qan)
        if isinstance(q.decision, Decision):
            took = ms(timed(q.decision.tables, 1)[0])
        else:
            took = "no tables"
        print(f"  {qan:<12} {len(q.units):>2} pool units  {q.engine}; tables {took}")


# ---- evaluation ----------------------------------------------------------------------------------
def cohort(library: Library, size: int, seed: int) -> dict[str, list[Learner]]:
    """cohort.py's `all` mix of `size` learners, by the qualification each is registered on."""
    by_qualification: dict[str, list[Learner]] = {qan: [] for qan in QUALIFICATIONS}
    for qan, learner in learners(library, size, seed, "all"):
        by_qualification[qan].append(learner)
    return by_qualification


def report_evaluation(library: Library, size: int, seed: int, repeat: int) -> None:
    by_qualification = cohort(library, size, seed)
    print(f"\nEvaluating a cohort of {size:,} learners (seed {seed}); compiled once, evaluation only: "
          f"evaluate_many (median of {repeat}) against evaluate one learner at a time")
    print(f"  {'qualification':<12} {'learners':>8} {'achieved':>11} {'cap binds':>11} {'evaluate_many/s':>15} "
          f"{'evaluate/s':>10} {'ratio':>6}  same verdicts  engine")
    whole, many_total, one_total = 0, 0.0, 0.0
    achieved_total, capped_total = 0, 0
    for qan in QUALIFICATIONS:
        q, body = library.qualification(qan)
        counts = body.counts_as_achieved
        group = by_qualification[qan]
        many = statistics.median(timed(lambda: evaluate_many(q, group, counts), repeat))
        together = evaluate_many(q, group, counts)
        start = time.perf_counter()
        alone = [evaluate(q, learner, counts) for learner in group]
        one = time.perf_counter() - start
        held = [holdings_of(q, learner, counts) for learner in group]
        achieved = sum(v.achieved for v in together)
        # Achieved, yet the claim leaves out units that count: a cap decided which units the claim holds.
        capped = sum(v.achieved and len(v.claim) < len(h.certain) for v, h in zip(together, held))
        whole, many_total, one_total = whole + len(group), many_total + many, one_total + one
        achieved_total, capped_total = achieved_total + achieved, capped_total + capped
        print(f"  {qan:<12} {len(group):>8,} {share(achieved, len(group)):>11} {share(capped, len(group)):>11} "
              f"{len(group) / many:>15,.0f} {len(group) / one:>10,.0f} {ratio(one, many):>6}  "
              f"{'yes' if together == alone else 'NO':<13}  {q.engine}")
    print(f"  {'all':<12} {whole:>8,} {share(achieved_total, whole):>11} {share(capped_total, whole):>11} "
          f"{whole / many_total:>15,.0f} {whole / one_total:>10,.0f} {ratio(one_total, many_total):>6}")
    print("  cap binds: achieved, with a claim that leaves out some units held (a cap chose what counts). "
          "same verdicts:\n  evaluate_many and evaluate gave equal verdicts for every learner.")


def share(part: int, whole: int) -> str:
    return f"{part:,} {100 * part / whole:2.0f}%" if whole else "-"


# ---- compiled against CP-SAT ---------------------------------------------------------------------
def available_sets(q: CompiledQualification, group: Sequence[Learner], counts: Callable[[str], bool]) -> list[list[int]]:
    """Each learner's achieved pool units, as the evaluator first decides them (units achieved after a
    completion deadline are set aside; the cohorts have no units whose dates are in doubt)."""
    return [sorted(h.certain | h.uncertain) for h in (holdings_of(q, learner, counts) for learner in group)]


def as_matrix(q: CompiledQualification, sets: Sequence[Collection[int]]) -> np.ndarray:
    matrix = np.zeros((len(sets), len(q.units)), dtype=bool)
    for row, units in enumerate(sets):
        matrix[row, list(units)] = True
    return matrix


def claim_text(q: CompiledQualification, claim: Collection[int] | None) -> str:
    if claim is None:
        return "none (not achieved)"
    units = sorted(claim)
    return (f"{sum(q.units[i].credits for i in units)} credits, {plural(len(units), 'unit')}: "
            + ", ".join(f"{q.units[i].ref} ({q.units[i].credits})" for i in units))


def report_compiled_against_cpsat(library: Library, size: int, seed: int, repeat: int) -> None:
    by_qualification = cohort(library, size, seed)
    print(f"\nCompiled claims against CP-SAT's on the same {size:,} learners (seed {seed}): each learner's achieved "
          f"pool units;\n  claims.best_claims / closest_claims over the batch (median of {repeat}) against "
          f"cpsat.best_claim / closest_claim per learner; times in µs per learner")
    print(f"  {'qualification':<12} {'learners':>8} {'distinct':>8} {'searched':>11} "
          f"{'best: compiled':>14} {'CP-SAT':>8} {'ratio':>6}  {'closest: compiled':>17} {'CP-SAT':>8} "
          f"{'ratio':>6}  differences")
    differences: list[tuple[str, str, str, list[int], object, object]] = []
    compared = 0
    with mock.patch.object(cpsat, "ClaimModel", CountingClaimModel):
        for qan in QUALIFICATIONS:
            q, body = library.qualification(qan)
            group = by_qualification[qan]
            sets = available_sets(q, group, body.counts_as_achieved)
            matrix = as_matrix(q, sets)
            distinct = len(np.unique(matrix, axis=0)) if len(matrix) else 0
            best_compiled = statistics.median(timed(lambda: claims.best_claims(q, matrix), repeat))
            found, chosen = claims.best_claims(q, matrix)
            closest_compiled = statistics.median(timed(lambda: claims.closest_claims(q, matrix), repeat))
            nearest = claims.closest_claims(q, matrix)

            built = CountingClaimModel.built
            start = time.perf_counter()
            best_by_solver = [cpsat.best_claim(q, units) for units in sets]
            best_solver = time.perf_counter() - start
            searched = CountingClaimModel.built - built
            start = time.perf_counter()
            closest_by_solver = [cpsat.closest_claim(q, units) for units in sets]
            closest_solver = time.perf_counter() - start

            before = len(differences)
            for row, (learner, units) in enumerate(zip(group, sets)):
                compiled = tuple(np.flatnonzero(chosen[row]).tolist()) if found[row] else None
                if compiled != best_by_solver[row]:
                    differences.append(("best", qan, learner.id, units, compiled, best_by_solver[row]))
                compiled = tuple(np.flatnonzero(nearest[row]).tolist())
                if compiled != closest_by_solver[row]:
                    differences.append(("closest", qan, learner.id, units, compiled, closest_by_solver[row]))
            compared += 2 * len(group)
            per = 1 / max(len(group), 1)
            print(f"  {qan:<12} {len(group):>8,} {distinct:>8,} {share(searched, len(group)):>11} "
                  f"{us(best_compiled * per):>14} {us(best_solver * per):>8} {ratio(best_solver, best_compiled):>6}  "
                  f"{us(closest_compiled * per):>17} {us(closest_solver * per):>8} "
                  f"{ratio(closest_solver, closest_compiled):>6}  {len(differences) - before}"
                  + ("" if isinstance(q.decision, Decision) else "  (CP-SAT both ways: not compiled)"))
    print("  distinct: sets of units held (the compiled path decides each once). searched: learners for whom "
          "cpsat.best_claim\n  built a model (for the others every unit held makes a valid claim, checked without "
          "search). closest is asked\n  here for every learner; the evaluator asks it only for those not achieved.")
    print(f"  differences: {len(differences)} of {compared:,} claims (best and closest)")
    if differences:
        kind, qan, learner, units, compiled, solver = differences[0]
        q, _ = library.qualification(qan)
        print(f"  FIRST DIFFERENCE (a bug): the {kind} claim for learner {learner} on {qan}")
        print(f"    units available: {claim_text(q, units)}")
        print(f"    pool indices: {units}")
        print(f"    compiled claim ({q.engine}): {claim_text(q, compiled)}")
        print(f"    CP-SAT claim: {claim_text(q, solver)}")
        print(f"    to reproduce, with q = Library.load().qualification({qan!r})[0]: claims.{kind}_claim(q, {units}) "
              f"against cpsat.{kind}_claim(q, {units})")


# ---- the worst case ------------------------------------------------------------------------------
def report_worst_case(library: Library, repeat: int) -> None:
    """The largest record the ISP Certificate can see: every unit of its pool, so the cap decides the claim."""
    q, body = library.qualification(ISP_CERTIFICATE)
    every = list(range(len(q.units)))
    registered = dt.date(2023, 9, 4)
    learner = Learner("ALL-UNITS", dt.date(1990, 5, 17), registered, tuple(
        Attempt(unit.ref, "pass", registered + dt.timedelta(days=30 + 7 * i)) for i, unit in enumerate(q.units)))
    compiled_claim, solver_claim = claims.best_claim(q, every), cpsat.best_claim(q, every)
    verdict = evaluate(q, learner, body.counts_as_achieved)
    compiled = timed(lambda: claims.best_claim(q, every), repeat)
    solver = timed(lambda: cpsat.best_claim(q, every), repeat)
    whole = timed(lambda: evaluate(q, learner, body.counts_as_achieved), repeat)
    print(f"\nWorst case per learner: all {len(q.units)} ISP units held ({sum(u.credits for u in q.units)} credits) "
          f"against the ISP Certificate ({ISP_CERTIFICATE}),\n  {repeat:,} runs each; the claim: "
          f"{claim_text(q, compiled_claim)}")
    for name, times in (("claims.best_claim (compiled)", compiled), ("cpsat.best_claim", solver),
                        ("evaluate (the whole verdict)", whole)):
        median = statistics.median(times)
        print(f"  {name:<29} median {ms(median):>9}, min {ms(min(times)):>9}: {1 / median:>9,.0f} learners/s")
    print(f"  CP-SAT / compiled: {ratio(statistics.median(solver), statistics.median(compiled))}; same claim: "
          f"{'yes' if compiled_claim == solver_claim else 'NO'}; verdict {verdict.status.value}, "
          f"{verdict.credits} credits counted")


# ---- against exhaustive search -------------------------------------------------------------------
def exhaustive_best_claim(q: CompiledQualification, available: Collection[int]) -> tuple[int, ...] | None:
    """Every subset of the available units, judged by the direct rule check (`holds`): the most credits,
    ties to the lexicographically greatest choice vector in catalogue order."""
    units = sorted(available)
    best, best_key = None, None
    for mask in range(1 << len(units)):
        claim = tuple(u for bit, u in enumerate(units) if mask >> bit & 1)
        if not holds(q.requirements, claim):
            continue
        chosen = set(claim)
        key = (sum(q.units[i].credits for i in claim), tuple(i in chosen for i in range(len(q.units))))
        if best_key is None or key > best_key:
            best, best_key = claim, key
    return best


def report_against_exhaustive(library: Library, sizes: Sequence[int], per_size: int, seed: int) -> None:
    q, _ = library.qualification(ISP_CERTIFICATE)
    print(f"\nCompiled, CP-SAT and exhaustive search: best claims for the ISP Certificate ({ISP_CERTIFICATE}), "
          f"{plural(per_size, 'learner')} per size (seed {seed});\n  medians over the learners of each "
          f"size, each learner's compiled time the median of 20 runs, CP-SAT's of 3, exhaustive one run")
    print(f"  {'units held':>10} {'credits held':>12} {'compiled':>10} {'CP-SAT':>10} {'exhaustive':>12} "
          f"{'CP-SAT/compiled':>15} {'exhaustive/compiled':>19}  same claims")
    rng = random.Random(seed)
    maker = CohortMaker(q, rng)
    for size in sizes:
        helds, compiled_times, solver_times, exhaustive_times, same = [], [], [], [], True
        for _ in range(per_size):
            # Two BUSINESS, two CORE and one LEADERSHIP or SELF unit (so the claim exists), then any others.
            must = (maker.pick("BUSINESS", 2, 2) + maker.pick("CORE", 2, 2)
                    + maker.pick(("LEADERSHIP", "SELF"), 1, 1))
            rest = [u.ref for u in q.units if u.ref not in must]
            available = [q.index[ref] for ref in must + rng.sample(rest, size - len(must))]
            helds.append(sum(q.units[i].credits for i in available))
            by_compiled = claims.best_claim(q, available)
            compiled_times.append(statistics.median(timed(lambda: claims.best_claim(q, available), 20)))
            by_solver = cpsat.best_claim(q, available)
            solver_times.append(statistics.median(timed(lambda: cpsat.best_claim(q, available), 3)))
            start = time.perf_counter()
            by_search = exhaustive_best_claim(q, available)
            exhaustive_times.append(time.perf_counter() - start)
            same &= by_compiled == by_solver == by_search
        co, cp, ex = (statistics.median(t) for t in (compiled_times, solver_times, exhaustive_times))
        print(f"  {size:>10} {f'{min(helds)}-{max(helds)}':>12} {ms(co):>10} {ms(cp):>10} {ms(ex):>12} "
              f"{ratio(cp, co):>15} {ratio(ex, co):>19}  {'yes' if same else 'NO'}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, nargs="*", default=[2000, 20000],
                        help="cohort sizes for evaluation; none to skip")
    parser.add_argument("--compare", type=int, nargs="*", default=[10000],
                        help="cohort sizes for compiled against CP-SAT; none to skip")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each parse and library load")
    parser.add_argument("--batch-repeat", type=int, default=5,
                        help="runs of each batch call (evaluate_many, best_claims, closest_claims)")
    parser.add_argument("--worst-case-repeat", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="*", default=[12, 14, 16, 18],
                        help="units held, for the comparison with exhaustive search (20: about 10 s a "
                             "learner); none to skip")
    parser.add_argument("--per-size", type=int, default=3, help="learners per size for that comparison")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    report_environment()
    report_parsing(args.repeat)
    library = report_loading(args.repeat)
    report_tables(library)
    for size in args.learners:
        report_evaluation(library, size, args.seed, args.batch_repeat)
    for size in args.compare:
        report_compiled_against_cpsat(library, size, args.seed, args.batch_repeat)
    if args.worst_case_repeat:
        report_worst_case(library, args.worst_case_repeat)
    if args.sizes:
        report_against_exhaustive(library, args.sizes, args.per_size, args.seed)
    print(f"\n(this run took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
