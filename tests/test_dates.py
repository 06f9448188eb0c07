"""Dates in records: each form read, each refusal coded with a hint naming the accepted forms, and
a profile's date formats validated."""

from __future__ import annotations

import datetime as dt

import attrs

import pytest

from qualrules.interpreter.records.dates import FORMAT_NAMES, DateForms, DateProblem

DAY_FIRST = DateForms()
ACCEPTED = "write dates as 2024-03-12, 12/03/2024, 12-03-2024 or 12 Mar 2024"


@pytest.mark.parametrize("text,date", [
    ("2024-05-01", dt.date(2024, 5, 1)),
    ("2024-05-01 10:30:00", dt.date(2024, 5, 1)),
    ("2024-05-01T10:30", dt.date(2024, 5, 1)),
    ("2024-05-01T00:00:00.000Z", dt.date(2024, 5, 1)),  # an API's timestamp: the date as written
    ("2024-05-01T23:30:00-05:00", dt.date(2024, 5, 1)),
    ("2024-05-01 10:30 +0100", dt.date(2024, 5, 1)),
    ("12 Mar 2024 10:30", dt.date(2024, 3, 12)),
    ("01/05/2024", dt.date(2024, 5, 1)),  # UK order: 1 May, not 5 January
    ("1/5/2024", dt.date(2024, 5, 1)),
    ("31/12/2024", dt.date(2024, 12, 31)),
    ("29/02/2024", dt.date(2024, 2, 29)),
    ("12-03-2024", dt.date(2024, 3, 12)),
    ("12/03/2024 00:00", dt.date(2024, 3, 12)),  # a date cell with its time, as Excel writes it in CSV
    ("12 Mar 2024", dt.date(2024, 3, 12)),
    ("3 march 2024", dt.date(2024, 3, 3)),
    ("12-Mar-2024", dt.date(2024, 3, 12)),
    ("1 Sept 2024", dt.date(2024, 9, 1)),
    ("  12 MAR 2024 ", dt.date(2024, 3, 12)),
])
def test_the_forms_every_file_may_use(text, date):
    assert DAY_FIRST.read(text) == date


@pytest.mark.parametrize("text,hint", [
    ("12/31/2024", f"there is no month 31; {ACCEPTED}"),  # month-first is not read
    ("29/02/2023", f"February 2023 has no day 29; {ACCEPTED}"),
    ("2024-13-01", f"there is no month 13; {ACCEPTED}"),
    ("2024-02-30", f"February 2024 has no day 30; {ACCEPTED}"),
    ("yesterday", ACCEPTED),
    ("2024-W18-3", ACCEPTED),
    ("12/03-2024", ACCEPTED),  # separators that differ
    ("12 Mrz 2024", f"'Mrz' is not the name of a month; {ACCEPTED}"),
    ("3/12/24", "a two-digit year is read only when the profile names the form "
                f"(`date_formats = [\"dd/mm/yy\"]`); {ACCEPTED}"),
    ("12 Mar 24", "a two-digit year is read only when the profile names the form "
                  f"(`date_formats = [\"dd/mm/yy\"]`); {ACCEPTED}"),
])
def test_anything_else_is_refused_with_the_accepted_forms(text, hint):
    assert DAY_FIRST.read(text) == DateProblem("QR502", f"not a date: {text!r}", hint)


@pytest.mark.parametrize("text", ["２０２４-０５-０１", "٠١/٠٥/٢٠٢٤", "2024-05-０１", "01/05/２０２４", "2024-05-01 １0:30"])
def test_digits_of_other_scripts_are_not_dates(text):
    assert isinstance(DAY_FIRST.read(text), DateProblem)
    assert DAY_FIRST.read(text.translate({ord(c): str(int(c)) for c in text if c.isdigit()})) == dt.date(2024, 5, 1)


def test_an_empty_value_is_no_date_and_no_problem():
    assert DAY_FIRST.read("  ") is None
    assert DAY_FIRST.read(None) is None


def test_two_digit_years_when_named_follow_the_spreadsheet_century():
    forms = DateForms.named(["dd/mm/yy"])
    assert forms.read("3/12/24") == dt.date(2024, 12, 3)
    assert forms.read("3-12-29") == dt.date(2029, 12, 3)
    assert forms.read("3/12/30") == dt.date(1930, 12, 3)
    assert forms.read("12 Mar 99") == dt.date(1999, 3, 12)
    assert forms.read("12/03/2024") == dt.date(2024, 3, 12)  # four-digit years as before
    assert forms.accepted.endswith("12 Mar 2024 or 12/03/24")


def test_month_first_when_named_replaces_day_first():
    forms = DateForms.named(["mm/dd/yyyy"])
    assert forms.read("03/12/2024") == dt.date(2024, 3, 12)
    assert forms.read("12 Mar 2024") == dt.date(2024, 3, 12)
    assert forms.read("3/12/24") == DateProblem(
        "QR502", "not a date: '3/12/24'", "a two-digit year is read only when the profile names the form "
        "(`date_formats = [\"mm/dd/yy\"]`); write dates as 2024-03-12, 03/12/2024, 03-12-2024 or 12 Mar 2024")
    assert DateForms.named(["mm/dd/yy"]).read("3/12/24") == dt.date(2024, 3, 12)


def test_spreadsheet_numbers_are_serials_within_the_years_records_hold():
    assert DAY_FIRST.read(45363) == dt.date(2024, 3, 12)
    assert DAY_FIRST.read(45363.75) == dt.date(2024, 3, 12)  # the time of day is ignored
    assert DAY_FIRST.read(3654) == dt.date(1910, 1, 1)
    assert DAY_FIRST.read(73050) == dt.date(2099, 12, 31)
    span = "a spreadsheet date is a serial number from 3654 (01 Jan 1910) to 73050 (31 Dec 2099); " + ACCEPTED
    assert DAY_FIRST.read(2024) == DateProblem("QR517", "the number 2024, which is a year", span)
    assert DAY_FIRST.read(12) == DateProblem("QR517", "the number 12, which is no date", span)
    assert DAY_FIRST.read(73051) == DateProblem("QR517", "the number 73051, which is no date", span)
    assert DAY_FIRST.read(float("nan")) == DateProblem("QR517", "the number nan, which is no date", span)
    assert DAY_FIRST.read(True) == DateProblem("QR502", "not a date: 'True'", ACCEPTED)
    mac = attrs.evolve(DAY_FIRST, epoch=dt.date(1904, 1, 1))
    assert mac.read(43901) == dt.date(2024, 3, 12)
    assert mac.read(2192) == dt.date(1910, 1, 1)
    assert mac.read(2191) == DateProblem("QR517", "the number 2191, which is no date", "a spreadsheet date is a "
                                         "serial number from 2192 (01 Jan 1910) to 71588 (31 Dec 2099); " + ACCEPTED)


def test_digits_in_text_are_serials_only_when_named():
    assert DAY_FIRST.read("45363") == DateProblem(
        "QR517", "a number, not a date: '45363'", "if the column holds spreadsheet serial numbers (45363 is "
        f"12 Mar 2024), name them in the profile (`date_formats = [\"serial\"]`); otherwise {ACCEPTED}")
    assert DAY_FIRST.read("20240501") == DateProblem("QR517", "a number, not a date: '20240501'",
                                                     "write it as 2024-05-01")
    assert DAY_FIRST.read("7") == DateProblem("QR517", "a number, not a date: '7'", ACCEPTED)
    serials = DateForms.named(["serial"])
    assert serials.read("45363") == dt.date(2024, 3, 12)
    assert serials.read("2024").code == "QR517"


def test_date_format_names_are_validated():
    assert DateForms.named(FORMAT_NAMES[:3]) == DateForms()
    assert DateForms.named([" DD/MM/YY "]) == DateForms(two_digit_years=True)
    with pytest.raises(ValueError, match=r"unknown date format 'dd\.mm\.yyyy': name any of yyyy-mm-dd, "
                                         r"dd/mm/yyyy, d mon yyyy, dd/mm/yy, mm/dd/yyyy, mm/dd/yy, serial"):
        DateForms.named(["dd.mm.yyyy"])
    with pytest.raises(ValueError, match="cannot be both day-first"):
        DateForms.named(["dd/mm/yyyy", "mm/dd/yyyy"])
