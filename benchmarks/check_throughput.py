"""How fast qualrules reads its rulesets and checks learners, with figures printed rather than asserted.

Measures, on this machine:
- parsing each bundled ruleset, and loading + compiling the whole bundled library;
- evaluation only (compile once, evaluate many) over generated cohorts against the ISP Certificate
  (610/3788/6), the ISP Diploma (610/3789/8) and the ILM Certificate (600/5929/1), with the share of
  evaluations that took the fast path (every unit held counts) against those that needed the solver;
- the CP-SAT claim solver against a straightforward exhaustive search for the same claims, on ISP
  Certificate learners holding 12 to 20 units (36-credit cap binding).

Usage: python benchmarks/check_throughput.py [--learners 2000 20000] [--seed 2024]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from importlib import metadata
from typing import Callable, Collection, Sequence
from unittest import mock

from qualrules.grammar.parser import parse
from qualrules.interpreter.engine import cpsat
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.requirements import holds
from qualrules.interpreter.engine.evaluator import evaluate
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.library import Library
from qualrules.interpreter.wording import plural
from qualrules.plugins import discover

from cohort import ISP_CERTIFICATE, CohortMaker, learners


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


class CountingClaimModel(cpsat.ClaimModel):
    """The solver's model, counting how often an evaluation builds one (a cost negligible beside any solve)."""

    built = 0

    def __init__(self, *args, **kwargs):
        type(self).built += 1
        super().__init__(*args, **kwargs)


# ---- the figures ---------------------------------------------------------------------------------
def report_environment() -> None:
    print(f"Python {platform.python_version()} on {platform.platform()}; "
          f"ortools {metadata.version('ortools')}, lark {metadata.version('lark')}; one solver worker")
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


def report_evaluation(library: Library, size: int, seed: int) -> None:
    by_qualification: dict[str, list[Learner]] = {}
    for qan, learner in learners(library, size, seed, "all"):
        by_qualification.setdefault(qan, []).append(learner)
    print(f"\nEvaluating a cohort of {size:,} learners (seed {seed}); compiled once, evaluation only")
    print(f"  {'qualification':<12} {'learners':>8} {'achieved':>11} {'fast path':>11} {'solver':>11} "
          f"{'cap binds':>11} {'fast µs':>8} {'solver ms':>9} {'learners/s':>10}")
    totals: Counter = Counter()
    total_seconds = 0.0
    with mock.patch.object(cpsat, "ClaimModel", CountingClaimModel):
        for qan, group in by_qualification.items():
            q, body = library.qualification(qan)
            counts = body.counts_as_achieved
            fast, slow = [], []
            tally: Counter = Counter()
            start = time.perf_counter()
            for learner in group:
                built = CountingClaimModel.built
                began = time.perf_counter()
                verdict = evaluate(q, learner, counts)
                took = time.perf_counter() - began
                used_solver = CountingClaimModel.built != built
                (slow if used_solver else fast).append(took)
                tally.update(achieved=verdict.achieved, solver_achieved=used_solver and verdict.achieved)
            seconds = time.perf_counter() - start
            total_seconds += seconds
            tally.update(learners=len(group), fast=len(fast), solver=len(slow))
            totals.update(tally)
            print(f"  {qan:<12} {row(tally)} {mean(fast, 1e6):>8} {mean(slow, 1e3):>9} "
                  f"{len(group) / seconds:>10,.0f}")
    print(f"  {'all':<12} {row(totals)} {'':>8} {'':>9} {totals['learners'] / total_seconds:>10,.0f}")
    print("  fast path: every unit held makes a valid claim, checked without search. solver: CP-SAT chose the "
          "claim,\n  either because a cap binds (achieved: the `cap binds` column) or to report the closest "
          "claim (not achieved).")


def row(tally: Counter) -> str:
    whole = tally["learners"]
    return (f"{whole:>8,} {share(tally['achieved'], whole):>11} {share(tally['fast'], whole):>11} "
            f"{share(tally['solver'], whole):>11} {share(tally['solver_achieved'], whole):>11}")


def share(part: int, whole: int) -> str:
    return f"{part:,} {100 * part / whole:2.0f}%"


def mean(times: list[float], scale: float) -> str:
    return f"{statistics.fmean(times) * scale:.1f}" if times else "-"


def exhaustive_best_claim(q: CompiledQualification, available: Collection[int]) -> tuple[int, ...] | None:
    """Every subset of the available units, judged by the same rule check as the fast path: the most
    credits, ties to the lexicographically greatest choice vector in catalogue order."""
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


def report_solver_against_exhaustive(library: Library, sizes: Sequence[int], per_size: int, seed: int) -> None:
    q, _ = library.qualification(ISP_CERTIFICATE)
    print(f"\nCP-SAT against exhaustive search: best claims for the ISP Certificate ({ISP_CERTIFICATE}), "
          f"{plural(per_size, 'learner')} per size (seed {seed})")
    print(f"  {'units held':>10} {'credits held':>12} {'CP-SAT (median)':>16} {'exhaustive (median)':>20} "
          f"{'ratio':>7}  same claims")
    rng = random.Random(seed)
    maker = CohortMaker(q, rng)
    for size in sizes:
        helds, solver_times, exhaustive_times, same = [], [], [], True
        for _ in range(per_size):
            # Two BUSINESS, two CORE and one LEADERSHIP or SELF unit (so the claim exists), then any others.
            must = (maker.pick("BUSINESS", 2, 2) + maker.pick("CORE", 2, 2)
                    + maker.pick(("LEADERSHIP", "SELF"), 1, 1))
            rest = [u.ref for u in q.units if u.ref not in must]
            available = [q.index[ref] for ref in must + rng.sample(rest, size - len(must))]
            helds.append(sum(q.units[i].credits for i in available))
            by_solver = cpsat.best_claim(q, available)
            solver_times.append(statistics.median(timed(lambda: cpsat.best_claim(q, available), 3)))
            start = time.perf_counter()
            by_search = exhaustive_best_claim(q, available)
            exhaustive_times.append(time.perf_counter() - start)
            same &= by_solver == by_search
        cp, ex = statistics.median(solver_times), statistics.median(exhaustive_times)
        print(f"  {size:>10} {f'{min(helds)}-{max(helds)}':>12} {ms(cp):>16} {ms(ex):>20} {ex / cp:>6.0f}x  "
              f"{'yes' if same else 'NO'}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[2000, 20000], help="cohort sizes")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each parse and library load")
    parser.add_argument("--sizes", type=int, nargs="+", default=[12, 14, 16, 18, 20],
                        help="units held, for CP-SAT against exhaustive search")
    parser.add_argument("--per-size", type=int, default=3, help="learners per size for that comparison")
    args = parser.parse_args(argv)

    report_environment()
    report_parsing(args.repeat)
    library = report_loading(args.repeat)
    for size in args.learners:
        report_evaluation(library, size, args.seed)
    report_solver_against_exhaustive(library, args.sizes, args.per_size, args.seed)


if __name__ == "__main__":
    main()
