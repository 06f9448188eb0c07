"""Seeded, deterministic learner records shaped like a provider's cohort, as a CSV file or in memory.

Learners are registered on the ISP Certificate (610/3788/6), the ISP Diploma (610/3789/8) or the ILM
Certificate (600/5929/1) and follow three profiles: typical (60%), surplus (25%: more units than a cap
allows) and short (15%: not achieved yet). About 5% of units were referred before being passed, one
learner in ten also has a unit referred and not passed, a few are under 18 at registration (the ISP
qualifications require 18 or over), and a few ILM learners achieved a unit after the 3-year deadline.

Every learner is drawn afresh, as days after registration, and dates are written by looking their text
up in a precomputed table, so a million learners (about ten million rows) take well under a minute.

Usage: python benchmarks/cohort.py --learners 200000 --seed 2024 --mix certificate|all -o cohort.csv
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from pathlib import Path
from typing import Iterator, NamedTuple, Sequence

from qualrules.interpreter import model as m
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.learner import Attempt, Learner

ISP_CERTIFICATE = "610/3788/6"
ISP_DIPLOMA = "610/3789/8"
ILM_CERTIFICATE = "600/5929/1"
# Share of each cohort registered on each qualification.
MIXES = {
    "certificate": {ISP_CERTIFICATE: 1.0},
    "all": {ISP_CERTIFICATE: 0.5, ISP_DIPLOMA: 0.25, ILM_CERTIFICATE: 0.25},
}
HEADER = "learner,unit,result,achieved_on,registered_on,date_of_birth\n"

PROFILES = ("typical", "surplus", "short")
PROFILE_WEIGHTS = (60, 25, 15)
REFERRED_FIRST = 0.05  # share of passed units referred at a first attempt
REFERRED_ONLY = 0.10  # share of learners with one more unit referred and not passed
LATE = 0.04  # share of learners on a qualification with a completion window who passed a unit too late
UNDER_18 = 0.02

# Registrations over four years, and an export date no achievement is after.
REGISTERED_FIRST = dt.date(2021, 1, 4).toordinal()
REGISTERED_LAST = dt.date(2025, 3, 31).toordinal()
EXPORTED_ON = dt.date(2025, 7, 31).toordinal()
# Units are achieved 30 to 720 days after registration, a resit 28 to 90 days after a referral: always
# within a completion window of three years, as the ILM's; only the units made late on purpose are not.
FIRST_DAY, LAST_DAY = 30, 720
# Ages at registration in days: 18 years is at least 6,574 days and at most 6,575.
ADULT_FROM, ADULT_SPREAD = 6576, 46 * 365
MINOR_FROM, MINOR_SPREAD = 16 * 365 + 4, 700  # 16 to 17 years 334 days

DATES_FROM = dt.date(1955, 1, 1).toordinal()
# ISO text of every date a record can hold, by ordinal - DATES_FROM: formatting becomes a list lookup.
DATE_TEXT = [dt.date.fromordinal(day).isoformat() for day in range(DATES_FROM, EXPORTED_ON + 1)]


class CohortMaker:
    """Learners' units and attempts on one qualification, by profile, chosen as a cohort would show them."""

    def __init__(self, qualification: CompiledQualification, rng: random.Random):
        self.q = qualification
        self.rng = rng
        self.groups: dict[str | tuple[str, ...], list[str]] = {}
        for unit in qualification.units:
            self.groups.setdefault(unit.group, []).append(unit.ref)
        self.late_from = window_days(qualification.window) if qualification.window else None

    def pick(self, group: str | tuple[str, ...], low: int, high: int) -> list[str]:
        if group not in self.groups:  # a union of groups, joined once
            self.groups[group] = [ref for name in group for ref in self.groups[name]]
        refs = self.groups[group]
        return self.rng.sample(refs, min(len(refs), self.rng.randint(low, high)))

    def units(self, profile: str) -> list[str]:
        """The units a learner of this profile has passed."""
        pick, q = self.pick, self.q.qan
        if q == ISP_CERTIFICATE:
            if profile == "typical":  # a spread across the quadrants, mostly within 36 credits
                return pick("BUSINESS", 2, 3) + pick("CORE", 2, 3) + pick(("LEADERSHIP", "SELF"), 1, 2)
            if profile == "surplus":  # enough units that the 36-credit cap binds
                return pick("BUSINESS", 3, 5) + pick("CORE", 4, 6) + pick(("LEADERSHIP", "SELF"), 3, 6)
            return pick(("BUSINESS", "CORE"), 1, 3)  # short: no LEADERSHIP or SELF unit yet
        if q == ISP_DIPLOMA:
            complete = (pick("BUSINESS", 3, 5) + pick("CORE", 4, 6) + pick("LEADERSHIP", 1, 3)
                        + pick("SELF", 2, 4))
            if profile == "typical":
                return complete
            if profile == "surplus":  # the Diploma has no cap: everything held counts
                return complete + pick("LEADERSHIP", 2, 4)
            return self.rng.sample(complete, len(complete) * 2 // 3)
        mandatory = self.groups["Group 1"]
        if profile == "typical":  # Group 3 within its 6-credit cap
            return mandatory + pick("Group 2", 3, 5) + pick("Group 3", 1, 3)
        if profile == "surplus":  # surplus Group 3 units: the cap decides which count
            return mandatory + pick("Group 2", 1, 3) + pick("Group 3", 4, 5)
        return self.rng.sample(mandatory, 2) + pick("Group 2", 0, 3) + pick("Group 3", 0, 2)

    def attempts(self) -> list[tuple[int, str, str]]:
        """A learner's attempts as (days after registration, unit, result), in date order."""
        rng = self.rng
        passed = self.units(rng.choices(PROFILES, weights=PROFILE_WEIGHTS)[0])
        attempts = []
        for ref in dict.fromkeys(passed):  # a surplus Diploma learner's extra LEADERSHIP pick may repeat one
            day = FIRST_DAY + int(rng.random() * (LAST_DAY - FIRST_DAY))
            if rng.random() < REFERRED_FIRST:
                attempts.append((day, ref, "referred"))
                day += 28 + int(rng.random() * 62)  # the resit
            attempts.append((day, ref, "pass"))
        if self.late_from and rng.random() < LATE:
            late = rng.choice([i for i, (_, _, result) in enumerate(attempts) if result == "pass"])
            attempts[late] = (self.late_from + 5 + int(rng.random() * 145), *attempts[late][1:])
        if rng.random() < REFERRED_ONLY:
            untried = [unit.ref for unit in self.q.units if unit.ref not in passed]
            if untried:
                day = FIRST_DAY + int(rng.random() * (LAST_DAY - FIRST_DAY))
                attempts.append((day, rng.choice(untried), "referred"))
        attempts.sort()  # an export lists a learner's results by date
        return attempts


def window_days(window: m.CompletionWindow) -> int:
    """The most days a completion window can last: a unit achieved later is always late."""
    return window.amount * (366 if window.unit is m.TimeUnit.YEARS else 31)


class Draw(NamedTuple):
    number: int
    qualification: str
    attempts: list[tuple[int, str, str]]  # (days after registration, unit, result)
    registered_on: int  # date ordinals
    born_on: int

    @property
    def learner_id(self) -> str:
        return f"L{self.number:07d}"


class Registered(NamedTuple):
    qualification: str  # the QAN the learner is registered on
    learner: Learner


def draws(library: Library, size: int, seed: int, mix: str) -> Iterator[Draw]:
    """The cohort's learners in id order: the one source of both the file and the in-memory list. Every
    learner is drawn afresh, from no pool of shared records, so repeats are only those chance gives."""
    rng = random.Random(seed)
    makers = {qan: CohortMaker(library.qualification(qan)[0], rng) for qan in MIXES[mix]}
    cumulative, total = [], 0.0
    for qan, share in MIXES[mix].items():
        total += share
        cumulative.append((total, qan))
    for number in range(1, size + 1):
        pick = rng.random() * total
        qan = next(qan for bound, qan in cumulative if pick < bound)
        attempts = makers[qan].attempts()
        # A registration date that keeps every attempt on or before the export date.
        latest = min(REGISTERED_LAST, EXPORTED_ON - attempts[-1][0])
        registered = REGISTERED_FIRST + int(rng.random() * (latest - REGISTERED_FIRST + 1))
        if rng.random() < UNDER_18:
            age = MINOR_FROM + int(rng.random() * MINOR_SPREAD)
        else:  # skewed young: most learners are in their twenties and thirties
            age = ADULT_FROM + int(rng.random() ** 2 * ADULT_SPREAD)
        yield Draw(number, qan, attempts, registered, registered - age)


def learners(library: Library, size: int, seed: int, mix: str = "all") -> list[Registered]:
    """The learners `write_csv` writes for the same arguments, as the evaluator's records."""
    date = dt.date.fromordinal
    return [
        Registered(d.qualification, Learner(
            d.learner_id, date(d.born_on), date(d.registered_on),
            tuple(Attempt(unit, result, date(d.registered_on + day)) for day, unit, result in d.attempts),
        ))
        for d in draws(library, size, seed, mix)
    ]


def write_csv(library: Library, path: str | Path, size: int, seed: int, mix: str = "all") -> int:
    """Write the cohort as a CSV file, a learner's rows together; returns the number of rows."""
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        chunk: list[str] = []
        for d in draws(library, size, seed, mix):
            learner, offset = d.learner_id, d.registered_on - DATES_FROM
            end = f"{DATE_TEXT[offset]},{DATE_TEXT[d.born_on - DATES_FROM]}\n"
            chunk.extend(f"{learner},{unit},{result},{DATE_TEXT[offset + day]},{end}"
                         for day, unit, result in d.attempts)
            if len(chunk) > 100_000:
                rows += len(chunk)
                out.write("".join(chunk))
                chunk.clear()
        rows += len(chunk)
        out.write("".join(chunk))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--mix", choices=MIXES, default="all",
                        help="certificate: everyone on the ISP Certificate; all: the three qualifications")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the CSV file to write")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = write_csv(Library.load(), args.output, args.learners, args.seed, args.mix)
    print(f"wrote {args.learners:,} learners, {rows:,} rows ({args.output.stat().st_size / 2**20:,.1f} MiB) "
          f"to {args.output} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
