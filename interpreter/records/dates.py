"""Dates in records: the forms every file may use, the forms a profile may add, and spreadsheet
date serial numbers.

Every file may write ISO dates (2024-03-12), day-first dates with `/` or `-` (12/03/2024, 12-03-2024) and
dates with the month's name (12 Mar 2024, 12-March-2024). A profile may name forms that a
file cannot be read by otherwise: two-digit years (`dd/mm/yy`), month-first dates (`mm/dd/yyyy`,
`mm/dd/yy`), and spreadsheet serial numbers written as text (`serial`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Iterable

import attrs

ALWAYS = ("yyyy-mm-dd", "dd/mm/yyyy", "d mon yyyy")
NAMED_ONLY = ("dd/mm/yy", "mm/dd/yyyy", "mm/dd/yy", "serial")
FORMAT_NAMES = ALWAYS + NAMED_ONLY

# Spreadsheet dates are days counted from 30 December 1899 (from 1 March 1900 on, where every spreadsheet
# program agrees). Only 1 January 1910 to 31 December 2099 are read as dates: a smaller number in a date
# column is a year, a count or a credit value typed in the wrong place, not a day of 1900.
SERIAL_EPOCH = dt.date(1899, 12, 30)
FIRST_SERIAL = (dt.date(1910, 1, 1) - SERIAL_EPOCH).days
LAST_SERIAL = (dt.date(2099, 12, 31) - SERIAL_EPOCH).days
# Two-digit years as spreadsheet programs read them: 00 to 29 are 2000 to 2029, 30 to 99 are 1930 to 1999.
CENTURY_PIVOT = 30

_MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")], start=1) for name in names}

# ASCII digits only: `\d` alone would take fullwidth and other scripts' digits for a date. A time of day
# after a date, as spreadsheet exports write it, is allowed and ignored, and so is the time zone an API's
# timestamp gives it (`Z`, `+01:00`): the date is the one written.
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?(?:Z|[+-]\d{2}(?::?\d{2})?))?)?"
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})" + _TIME, re.ASCII)
_NUMERIC = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME, re.ASCII)
_NAMED_MONTH = re.compile(r"(\d{1,2})([ -])([A-Za-z]{3,9})\2(\d{4}|\d{2})" + _TIME, re.ASCII)
_NUMBER = re.compile(r"\d+(?:\.\d+)?", re.ASCII)


@attrs.frozen
class DateProblem:
    """Why a value is not a date: the code, what the value is, and how to write it."""

    code: str
    what: str
    hint: str


@attrs.frozen
class DateForms:
    """The date forms a file is read with."""

    month_first: bool = False
    two_digit_years: bool = False
    serials: bool = False
    # The day serial number 0 stands for: 30 December 1899, or 1 January 1904 in a workbook of the 1904 date
    # system (spreadsheets first made on a Mac).
    epoch: dt.date = SERIAL_EPOCH

    @classmethod
    def named(cls, names: Iterable[str]) -> "DateForms":
        """The forms a profile's `date_formats` names; raises ValueError for an unknown name or
        names that contradict each other."""
        names = [name.strip().casefold() for name in names]
        unknown = [name for name in names if name not in FORMAT_NAMES]
        if unknown:
            raise ValueError(f"unknown date format {unknown[0]!r}: name any of {', '.join(FORMAT_NAMES)}")
        month_first = any(name.startswith("mm/") for name in names)
        if month_first and any(name.startswith("dd/") for name in names):
            raise ValueError("dates cannot be both day-first (dd/mm/...) and month-first (mm/dd/...): name one")
        return cls(month_first, any(name.endswith("/yy") for name in names), "serial" in names)

    def read(self, value: Any) -> dt.date | DateProblem | None:
        """A cell's date; None when it is empty. A spreadsheet's date cell is a date already, and its number
        cell a serial number."""
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self._serial(value, f"the number {value:g}")
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        if _NUMBER.fullmatch(text):
            if self.serials:
                return self._serial(float(text), repr(text))
            return self._number(text)
        if match := _ISO.fullmatch(text):
            year, month, day = map(int, match.groups())
        elif (match := _NUMERIC.fullmatch(text)) or (match := _NAMED_MONTH.fullmatch(text)):
            first, _, second, year_text = match.groups()
            if match.re is _NAMED_MONTH:
                day, month = int(first), _MONTHS.get(second.casefold())
                if month is None:
                    return DateProblem("QR502", f"not a date: {text!r}", f"{second!r} is not the name of a month; "
                                       + self.accepted)
            else:
                day, month = (int(second), int(first)) if self.month_first else (int(first), int(second))
            if len(year_text) == 2 and not self.two_digit_years:
                return DateProblem("QR502", f"not a date: {text!r}",
                                   "a two-digit year is read only when the profile names the form "
                                   f"(`date_formats = [\"{'mm/dd/yy' if self.month_first else 'dd/mm/yy'}\"]`); "
                                   + self.accepted)
            year = int(year_text) if len(year_text) == 4 else \
                (2000 if int(year_text) < CENTURY_PIVOT else 1900) + int(year_text)
        else:
            return DateProblem("QR502", f"not a date: {text!r}", self.accepted)
        try:
            return dt.date(year, month, day)
        except ValueError:
            missing = f"{dt.date(2000, month, 1):%B} {year} has no day {day}" if 1 <= month <= 12 else \
                f"there is no month {month}"
            return DateProblem("QR502", f"not a date: {text!r}", f"{missing}; {self.accepted}")

    @property
    def accepted(self) -> str:
        """A hint naming the forms read."""
        forms = ["2024-03-12", "03/12/2024" if self.month_first else "12/03/2024",
                 "03-12-2024" if self.month_first else "12-03-2024", "12 Mar 2024"]
        if self.two_digit_years:
            forms.append("03/12/24" if self.month_first else "12/03/24")
        return f"write dates as {', '.join(forms[:-1])} or {forms[-1]}"

    def _number(self, text: str) -> DateProblem:
        number = float(text)
        if len(text) == 8 and _ISO.fullmatch(f"{text[:4]}-{text[4:6]}-{text[6:]}"):
            hint = f"write it as {text[:4]}-{text[4:6]}-{text[6:]}"
        elif FIRST_SERIAL <= number < LAST_SERIAL + 1:
            hint = (f"if the column holds spreadsheet serial numbers ({text} is "
                    f"{_serial_date(number).strftime('%d %b %Y')}), name them in the profile "
                    f"(`date_formats = [\"serial\"]`); otherwise {self.accepted}")
        else:
            hint = self.accepted
        return DateProblem("QR517", f"a number, not a date: {text!r}", hint)


    def _serial(self, number: float, shown: str) -> dt.date | DateProblem:
        first, last = (FIRST_SERIAL - self.shift, LAST_SERIAL - self.shift)
        if math.isfinite(number) and first <= number < last + 1:
            return _serial_date(number, self.epoch)
        looks_like = "a year" if math.isfinite(number) and 1900 <= number <= 2100 and number == int(number) else \
            "no date"
        first_day, last_day = (_serial_date(n, self.epoch).strftime("%d %b %Y") for n in (first, last))
        return DateProblem("QR517", f"{shown}, which is {looks_like}",
                           f"a spreadsheet date is a serial number from {first} ({first_day}) to {last} "
                           f"({last_day}); {self.accepted}")

    @property
    def shift(self) -> int:
        """How many days the epoch is after 30 December 1899."""
        return (self.epoch - SERIAL_EPOCH).days


def _serial_date(number: float, epoch: dt.date = SERIAL_EPOCH) -> dt.date:
    """A spreadsheet serial number's day (a fraction, the time of day, is ignored)."""
    return epoch + dt.timedelta(days=int(number))
