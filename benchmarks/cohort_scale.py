"""qualrules end to end on generated cohorts of 20,000 to a million learners, with figures printed rather
than asserted.

For each cohort size: `qualrules check` (and `eligible` on smaller cohorts) over a CSV file written by
cohort.py, each run in a fresh process, against a plain stdlib csv pass over the same file run alternately
with it: wall and CPU seconds, learners and verdicts per second, peak RSS, and the ratios to the csv
pass (of CPU seconds too, which others' work on a shared machine disturbs less than wall time). Then how
peak RSS grows from the smallest cohort to the largest, and the per-learner worst case: one learner holding
every ISP unit, against the ISP Certificate, evaluated in this process.

Usage: python benchmarks/cohort_scale.py [--sizes 20000 200000] [--big] [--repeat 3] [--eligible-sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import NamedTuple, Sequence

from qualrules.interpreter.engine.evaluator import evaluate
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.interpreter.wording import plural

from cohort import ISP_CERTIFICATE, ISP_DIPLOMA, MIXES, write_csv

CACHE = Path(tempfile.gettempdir()) / "qualrules-cohorts"
BIG = 1_000_000
BASELINE = "csv pass (baseline)"
# The baseline reads every row and does nothing else: the floor for any tool that reads the file.
CSV_PASS = """import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as records:
    for _ in csv.reader(records):
        pass
"""
CHECK_COMMANDS = ("check", "check-two")
# Runs one command (stdout and stderr to files) and prints its wall and CPU seconds, peak RSS and exit
# status. It is a small process of its own because a child's peak RSS starts at its parent's: the kernel
# carries the high-water mark over exec, so a child of this script would report at least this script's.
# The command runs as an installed one does, from Python's cached bytecode: an environment that stops
# Python writing it (PYTHONDONTWRITEBYTECODE) would have every run compile qualrules' modules afresh.
MEASURE = """import os, resource, sys, time
output, errors, *argv = sys.argv[1:]
environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
actions = [(os.POSIX_SPAWN_OPEN, 1, output, flags, 0o644), (os.POSIX_SPAWN_OPEN, 2, errors, flags, 0o644)]
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, environment, file_actions=actions)
status = os.waitpid(pid, 0)[1]
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


class Command(NamedTuple):
    label: str
    argv: tuple[str, ...]  # the records file is appended
    verdicts_per_learner: int
    exit_statuses: frozenset[int]  # the statuses that mean the command ran to the end


class Run(NamedTuple):
    wall: float
    cpu: float
    peak_mib: float


class Figures(NamedTuple):
    """Medians over the repeats of one command on one cohort."""

    learners: int
    wall: float
    cpu: float
    peak_mib: float
    wall_ratio: float  # to the baseline run just before each run
    cpu_ratio: float  # CPU seconds, likewise: steadier than wall time when others share the machine
    peak_ratio: float
    verdicts_per_learner: int


# ---- processes -----------------------------------------------------------------------------------
def run(argv: Sequence[str], output: Path, exit_statuses: frozenset[int]) -> Run:
    """Run argv with stdout to `output`, under a fresh measuring process of its own."""
    errors = output.with_suffix(".stderr")
    report = subprocess.run([sys.executable, "-I", "-S", "-c", MEASURE, str(output), str(errors), *argv],
                            capture_output=True, text=True, check=True).stdout.split()
    wall, cpu, peak, code = float(report[0]), float(report[1]), int(report[2]), int(report[3])
    stderr = errors.read_text(encoding="utf-8", errors="replace").strip()
    if code not in exit_statuses or stderr:
        sys.exit(f"{' '.join(argv)} exited with status {code}:\n{stderr[:2000]}")
    kib = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is in bytes on macOS, KiB on Linux
    return Run(wall, cpu, peak * kib / 2**20)


def qualrules_executable() -> str:
    beside = Path(sys.executable).with_name("qualrules")
    found = str(beside) if beside.exists() else shutil.which("qualrules")
    if found is None:
        sys.exit("cannot find the qualrules command: install the project (see README.md) or activate its venv")
    return found


def check_has_jobs(qualrules: str) -> bool:
    """Whether `check` takes --jobs: measured against the default if so."""
    usage = subprocess.run([qualrules, "check", "--help"], capture_output=True, text=True, check=True).stdout
    return "--jobs" in usage


def commands(qualrules: str, chosen: Sequence[str], jobs: bool) -> list[Command]:
    ran = frozenset({0, 1})  # 1: some learner has not achieved, which is a verdict
    certificate = (qualrules, "check", "-q", ISP_CERTIFICATE, "--format", "json")
    found = []
    if "check" in chosen:
        found.append(Command(f"check -q {ISP_CERTIFICATE}", certificate, 1, ran))
        if jobs:
            found.append(Command(f"check -q {ISP_CERTIFICATE} --jobs 1", certificate + ("--jobs", "1"), 1, ran))
    if "check-two" in chosen:
        found.append(Command(f"check -q {ISP_CERTIFICATE} -q {ISP_DIPLOMA}",
                             certificate + ("-q", ISP_DIPLOMA), 2, ran))
    return found


# ---- cohorts -------------------------------------------------------------------------------------
def cohort_file(library: Library, size: int, seed: int, mix: str) -> tuple[Path, str]:
    """The cohort's CSV file, written once per size, seed, mix and version of cohort.py; and how it came."""
    generator = hashlib.sha256(Path(__file__).with_name("cohort.py").read_bytes()).hexdigest()[:10]
    path = CACHE / f"cohort-{mix}-{size}-seed{seed}-{generator}.csv"
    if path.exists():
        return path, "cached"
    CACHE.mkdir(exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")  # another run may be writing the same cohort
    start = time.perf_counter()
    write_csv(library, partial, size, seed, mix)
    partial.replace(path)
    return path, f"generated in {time.perf_counter() - start:.1f} s"


def measure(path: Path, learners: int, targets: Sequence[Command], repeat: int) -> dict[str, Figures]:
    """Each target `repeat` times, each run straight after a run of the baseline, so that both see the same
    machine: the ratios are per pair, and every figure is a median."""
    baseline = (sys.executable, "-c", CSV_PASS)
    base_runs: list[Run] = []
    runs: dict[Command, list[Run]] = {target: [] for target in targets}
    ratios: dict[Command, list[float]] = {target: [] for target in targets}
    cpu_ratios: dict[Command, list[float]] = {target: [] for target in targets}
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "output.json"
        for _ in range(repeat):
            for target in targets:
                base = run(baseline + (str(path),), output, frozenset({0}))
                result = run(target.argv + (str(path),), output, target.exit_statuses)
                base_runs.append(base)
                runs[target].append(result)
                ratios[target].append(result.wall / base.wall)
                cpu_ratios[target].append(result.cpu / base.cpu)
    base_figures = summary(learners, base_runs, [1.0], [1.0], base_runs, 0)
    figures = {BASELINE: base_figures}
    for target in targets:
        figures[target.label] = summary(learners, runs[target], ratios[target], cpu_ratios[target], base_runs,
                                        target.verdicts_per_learner)
    return figures


def summary(learners: int, runs: list[Run], ratios: list[float], cpu_ratios: list[float], base_runs: list[Run],
            verdicts_per_learner: int) -> Figures:
    peak = statistics.median(r.peak_mib for r in runs)
    return Figures(learners, statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
                   peak, statistics.median(ratios), statistics.median(cpu_ratios),
                   peak / statistics.median(r.peak_mib for r in base_runs), verdicts_per_learner)


# ---- the figures ---------------------------------------------------------------------------------
def report_environment(repeat: int) -> None:
    print(f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
          f"qualrules {metadata.version('qualrules')}")
    print(f"Medians of {plural(repeat, 'run')}, each in a fresh process and straight after a csv pass over the "
          f"same file; peak RSS of that process; Python's cached bytecode used, as by an installed command")


def report_cohort(library: Library, size: int, seed: int, mix: str, targets: Sequence[Command],
                  repeat: int) -> dict[str, Figures]:
    print(f"\n{size:,} learners (mix {mix}, seed {seed})", flush=True)
    path, origin = cohort_file(library, size, seed, mix)
    with open(path, encoding="utf-8") as records:
        rows = sum(1 for _ in records) - 1
    print(f"  {path}: {rows:,} rows, {path.stat().st_size / 2**20:,.1f} MiB ({origin})", flush=True)
    figures = measure(path, size, targets, repeat)
    print(f"  {'command':<40} {'wall s':>8} {'CPU s':>8} {'learners/s':>11} {'verdicts/s':>11} "
          f"{'peak MiB':>9} {'× csv wall':>11} {'× csv CPU':>10} {'× csv RSS':>10}")
    for label, f in figures.items():
        verdicts = f"{f.learners * f.verdicts_per_learner / f.wall:,.0f}" if f.verdicts_per_learner else "-"
        print(f"  {label:<40} {f.wall:>8.2f} {f.cpu:>8.2f} {f.learners / f.wall:>11,.0f} {verdicts:>11} "
              f"{f.peak_mib:>9.1f} {f.wall_ratio:>11.1f} {f.cpu_ratio:>10.1f} {f.peak_ratio:>10.1f}", flush=True)
    return figures


def report_growth(by_size: dict[int, dict[str, Figures]]) -> None:
    """Peak RSS of the largest cohort over that of the smallest, for each command."""
    if len(by_size) < 2:
        return
    smallest, largest = min(by_size), max(by_size)
    print(f"\nPeak RSS, {largest:,} learners over {smallest:,} ({largest / smallest:,.0f}x the learners): "
          + ", ".join(f"{label} {by_size[largest][label].peak_mib / small.peak_mib:.1f}x"
                      for label, small in by_size[smallest].items()))


def report_worst_case(library: Library, repeat: int) -> None:
    """The largest record the ISP Certificate can see: every unit of its pool, so the cap decides the claim."""
    q, body = library.qualification(ISP_CERTIFICATE)
    registered = dt.date(2023, 9, 4)
    learner = Learner("ALL-UNITS", dt.date(1990, 5, 17), registered, tuple(
        Attempt(unit.ref, "pass", registered + dt.timedelta(days=30 + 7 * i)) for i, unit in enumerate(q.units)))
    start = time.perf_counter()
    verdict = evaluate(q, learner, body.counts_as_achieved)
    first = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        evaluate(q, learner, body.counts_as_achieved)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"\nWorst case per learner: {len(q.units)} units held against the ISP Certificate ({ISP_CERTIFICATE}), "
          f"evaluated in process ({verdict.status.value}, {verdict.credits} credits counted)")
    print(f"  first evaluation {first * 1000:.2f} ms; then median {median * 1000:.2f} ms, "
          f"min {min(times) * 1000:.2f} ms over {repeat:,} evaluations: {1 / median:,.0f} learners/s")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20000, 200000], help="cohorts for check")
    parser.add_argument("--big", action="store_true", help=f"add a cohort of {BIG:,} learners")
    parser.add_argument("--commands", nargs="*", choices=CHECK_COMMANDS, default=list(CHECK_COMMANDS),
                        help=f"check: -q {ISP_CERTIFICATE}; check-two: -q {ISP_CERTIFICATE} -q {ISP_DIPLOMA}")
    parser.add_argument("--eligible-sizes", type=int, nargs="*", default=[1000, 10000],
                        help="cohorts for eligible (every loaded qualification); none to skip")
    parser.add_argument("--mix", choices=MIXES, default="certificate",
                        help="certificate: everyone on the ISP Certificate; all: with the ISP Diploma and ILM")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command, and of the baseline")
    parser.add_argument("--worst-case-repeat", type=int, default=200,
                        help="evaluations of the per-learner worst case; 0 to skip it")
    args = parser.parse_args(argv)

    library = Library.load()
    qualrules = qualrules_executable()
    report_environment(args.repeat)
    check_targets = commands(qualrules, args.commands, check_has_jobs(qualrules))
    sizes = sorted(set(args.sizes + ([BIG] if args.big else [])))
    if check_targets:
        report_growth({size: report_cohort(library, size, args.seed, args.mix, check_targets, args.repeat)
                       for size in sizes})
    every = len(library.qualifications)
    eligible = Command(f"eligible ({every} qualifications)", (qualrules, "eligible", "--format", "json"), every,
                       frozenset({0}))
    if args.eligible_sizes:
        report_growth({size: report_cohort(library, size, args.seed, args.mix, [eligible], args.repeat)
                       for size in sorted(set(args.eligible_sizes))})
    if args.worst_case_repeat:
        report_worst_case(library, args.worst_case_repeat)


if __name__ == "__main__":
    main()
