"""Long fuzz runs: the harnesses of tests/test_fuzz.py, driven by a seeded random generator for as many cases
or seconds as asked, with every distinct failure reduced to a small reproducer.

Usage: python benchmarks/fuzz.py [--cases 1000000 | --seconds 600] [--harness NAME ...] [--seed 2024]

The cases or seconds are shared equally among the harnesses chosen (all by default). A failure is any
exception a harness lets through: one the project does not code (a crash), or an AssertionError (a lost
learner, output that does not parse, an exit status other than 0, 1 or 2). Failures are told apart by
exception type and the innermost line of the repository it was raised from; each distinct one is printed
once, with how often it was met and its input reduced (lines, then characters, while it fails the same
way).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import attrs

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY / "tests"))

import test_fuzz as fuzz  # noqa: E402  (the harnesses, shared with the test suite)
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from test_exactness import rulesets  # noqa: E402


class RandomChoices:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def pick(self, options):
        return self.rng.choice(options)


def generated_rulesets(count: int, seed: int) -> list[str]:
    """Grammar-valid rulesets from test_exactness's generator, drawn once: random choices cannot drive a
    hypothesis strategy, so mutations start from this corpus."""
    corpus: list[str] = []

    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(rulesets())
    def collect(generated):
        corpus.append(generated[0])

    random.seed(seed)
    collect()
    return corpus


@attrs.frozen
class Harness:
    """How to make one case and run it; `reducible` cases are text (or a table) the reducer may cut."""

    make: Callable[[RandomChoices], Any]
    run: Callable[[Any], None]
    reducible: bool = True


def harnesses(corpus: list[str]) -> dict[str, Harness]:
    seeds = list(fuzz.bundled_texts()) + corpus

    def mutated(text: str, choices: RandomChoices, **pieces) -> str:
        return fuzz.mutate_text(text, choices, **pieces)

    return {
        "ruleset-mutated": Harness(lambda c: mutated(c.pick(seeds), c),
                                   lambda text: fuzz.exercise_ruleset(text, lint_it=False)),
        "ruleset-lint": Harness(lambda c: mutated(c.pick(corpus + [fuzz.bundled_texts()[0]]), c),
                                fuzz.exercise_ruleset),
        "ruleset-generated": Harness(lambda c: c.pick(corpus), fuzz.exercise_ruleset),
        "csv-generated": Harness(lambda c: fuzz.generated_csv(c)[0], fuzz.exercise_csv_text),
        "csv-mutated": Harness(lambda c: mutated(fuzz.generated_csv(c)[0], c,
                                                 extra_pieces=fuzz.CSV_PIECES), fuzz.exercise_csv_text),
        "csv-utf16": Harness(_utf16_case, lambda text: fuzz.exercise_csv_text(text, encoding="utf-16")),
        "json-generated": Harness(lambda c: fuzz.generated_json(c)[0], fuzz.exercise_json_text),
        "json-mutated": Harness(lambda c: mutated(fuzz.generated_json(c)[0], c,
                                                  extra_pieces=fuzz.JSON_PIECES), fuzz.exercise_json_text),
        "xlsx-generated": Harness(fuzz.xlsx_table, fuzz.exercise_xlsx_table),
        "xlsx-mutated": Harness(fuzz.mutated_xlsx, fuzz.exercise_xlsx_bytes, reducible=False),
        "report-hostile": Harness(lambda c: fuzz.hostile_report_case(c, c.pick(corpus)),
                                  lambda case: fuzz.exercise_hostile_report(*case), reducible=False),
        "cli-records": Harness(_cli_records_case, lambda case: fuzz.exercise_cli_records_text(*case)),
        "cli-ruleset": Harness(lambda c: mutated(c.pick(seeds), c), fuzz.exercise_cli_ruleset_text),
    }


def _utf16_case(choices: RandomChoices) -> str:
    """A generated CSV text with semicolons for commas, mutated one time in two, to be saved as UTF-16 (so
    without lone surrogates, which no encoding holds)."""
    while (text := fuzz.semicolon_csv(fuzz.generated_csv(choices)[0])) is None:
        pass
    if fuzz.chance(choices, 2):
        text = fuzz.mutate_text(text, choices, extra_pieces=fuzz.CSV_PIECES)
    return re.sub("[\ud800-\udfff]", "", text).removeprefix("\ufeff")  # UTF-16 writes its own mark


def _cli_records_case(choices: RandomChoices) -> tuple[str, str]:
    kind = choices.pick(("csv", "json"))
    text, _ = fuzz.generated_csv(choices) if kind == "csv" else fuzz.generated_json(choices)
    return kind, (fuzz.mutate_text(text, choices) if fuzz.chance(choices, 2) else text)


def signature(error: BaseException) -> tuple[str, str]:
    """The exception type and the innermost line of the repository it came through."""
    place = "?"
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if path.is_relative_to(REPOSITORY) and ".venv" not in path.parts:
            place = f"{path.relative_to(REPOSITORY)}:{frame.lineno}"
    return type(error).__name__, place


def failure_of(run: Callable[[Any], None], case: Any) -> tuple[str, str] | None:
    try:
        run(case)
    except Exception as error:  # every escape is a finding: the harness says what was expected
        return signature(error)
    return None


def reduce_case(run: Callable[[Any], None], case: Any, wanted: tuple[str, str], budget: float) -> Any:
    """Cut pieces of the case (lines, then characters; rows, then cells of a table) for as long as it still
    fails with the same signature, within `budget` seconds."""
    deadline = time.monotonic() + budget

    def fails(candidate) -> bool:
        return time.monotonic() < deadline and failure_of(run, candidate) == wanted

    if isinstance(case, tuple):  # (kind, text) for the CLI
        kind, text = case
        return kind, reduce_case(lambda t: run((kind, t)), text, wanted, budget)
    if isinstance(case, str):
        lines = _reduced(case.split("\n"), lambda parts: fails("\n".join(parts)))
        return "".join(_reduced(list("\n".join(lines)), lambda chars: fails("".join(chars))))
    if isinstance(case, list):
        rows = _reduced(case, fails)
        return [_reduced(row, lambda cells, k=k: fails(rows[:k] + [cells] + rows[k + 1:])) if k else row
                for k, row in enumerate(rows)]
    return case


def _reduced(parts: list, fails: Callable[[list], bool]) -> list:
    """Delta debugging, simplified: drop chunks of halving size while the failure persists."""
    chunk = max(1, len(parts) // 2)
    while chunk >= 1:
        start = 0
        while start < len(parts):
            candidate = parts[:start] + parts[start + chunk:]
            if candidate != parts and fails(candidate):
                parts = candidate
            else:
                start += chunk
        if chunk == 1:
            break
        chunk //= 2
    return parts


@attrs.define
class Tally:
    cases: int = 0
    seconds: float = 0.0
    failures: dict[tuple[str, str], list] = attrs.field(factory=dict)  # signature -> [count, case, message]


def run_harness(name: str, harness: Harness, rng: random.Random, cases: int | None, seconds: float | None,
                reduce_budget: float) -> Tally:
    tally = Tally()
    choices = RandomChoices(rng)
    started = time.monotonic()
    while (cases is None or tally.cases < cases) and (seconds is None or time.monotonic() - started < seconds):
        case = harness.make(choices)
        tally.cases += 1
        try:
            harness.run(case)
        except Exception as error:
            key = signature(error)
            if key in tally.failures:
                tally.failures[key][0] += 1
            else:
                message = (str(error).strip().splitlines() or [""])[0][:300]
                tally.failures[key] = [1, case, message]
    tally.seconds = time.monotonic() - started
    for entry in tally.failures.values():
        if harness.reducible:
            key = failure_of(harness.run, entry[1])
            if key is not None:
                entry[1] = reduce_case(harness.run, entry[1], key, reduce_budget)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--cases", type=int, help="cases in all, shared among the harnesses")
    amount.add_argument("--seconds", type=float, help="seconds in all, shared among the harnesses")
    parser.add_argument("--harness", nargs="+", help="harnesses to run (default: all)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--corpus", type=int, default=200, help="generated rulesets to mutate")
    parser.add_argument("--reduce-seconds", type=float, default=30, help="time to reduce each failure")
    args = parser.parse_args()
    if args.cases is None and args.seconds is None:
        args.seconds = 60.0

    corpus = generated_rulesets(args.corpus, args.seed)
    available = harnesses(corpus)
    chosen = args.harness or list(available)
    unknown = [name for name in chosen if name not in available]
    if unknown:
        parser.error(f"no harness {', '.join(unknown)}; there are {', '.join(available)}")
    share_cases = None if args.cases is None else max(1, args.cases // len(chosen))
    share_seconds = None if args.seconds is None else args.seconds / len(chosen)

    print(f"{'harness':<18} {'cases':>9} {'seconds':>8} {'cases/s':>9} {'failures':>8}")
    tallies = {}
    for name in chosen:
        tally = run_harness(name, available[name], random.Random(f"{args.seed}:{name}"), share_cases,
                            share_seconds, args.reduce_seconds)
        tallies[name] = tally
        print(f"{name:<18} {tally.cases:>9,} {tally.seconds:>8.1f} {tally.cases / max(tally.seconds, 1e-9):>9.1f} "
              f"{len(tally.failures):>8}", flush=True)

    failures = [(name, key, entry) for name, tally in tallies.items() for key, entry in tally.failures.items()]
    print(f"\nDistinct failures: {len(failures)}")
    for name, (kind, place), (count, case, message) in failures:
        print(f"\n[{name}] {kind} at {place}, met {count:,} times: {message}")
        print(f"  reproducer: {case!r}"[:4000])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
