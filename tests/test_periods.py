"""Reporting periods: months, quarters, financial years, custom ranges and their labels."""

from datetime import date, datetime, timedelta

import pytest

from debrief import periods


def test_quarter_three_covers_july_to_september_with_file_label():
    period = periods.quarter(2025, 3)
    assert (period.start, period.end) == (date(2025, 7, 1), date(2025, 9, 30))
    assert period.label == "2025-Q3"
    assert period.description == "July to September 2025 (quarter 3)"
    assert period.months() == [date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1)]


def test_financial_year_runs_april_to_march():
    period = periods.financial_year(2024)
    assert (period.start, period.end) == (date(2024, 4, 1), date(2025, 3, 31))
    assert period.label == "FY2024-25"
    assert len(period.months()) == 12


def test_month_including_leap_day():
    period = periods.month(2024, 2)
    assert period.end == date(2024, 2, 29)
    assert period.label == "2024-02"
    assert period.description == "February 2024"


@pytest.mark.parametrize(
    ("today", "label"),
    [
        (date(2025, 10, 1), "2025-Q3"),
        (date(2025, 12, 31), "2025-Q3"),
        (date(2026, 2, 14), "2025-Q4"),
        (date(2025, 4, 1), "2025-Q1"),
    ],
)
def test_last_quarter_is_the_latest_finished_quarter(today, label):
    assert periods.last_quarter(today).label == label


def test_custom_range_that_is_a_quarter_is_named_as_one():
    assert periods.custom(date(2025, 7, 1), date(2025, 9, 30)).label == "2025-Q3"
    assert periods.custom(date(2025, 4, 1), date(2026, 3, 31)).label == "FY2025-26"
    assert periods.custom(date(2025, 8, 1), date(2025, 8, 31)).label == "2025-08"


def test_other_custom_range_is_labelled_by_its_dates():
    period = periods.custom(date(2025, 7, 15), date(2025, 8, 14))
    assert period.label == "2025-07-15-to-2025-08-14"
    assert period.description == "15 July 2025 to 14 August 2025"
    assert period.months() == [date(2025, 7, 1), date(2025, 8, 1)]


def test_utc_bounds_follow_british_summer_time():
    start, stop = periods.quarter(2025, 3).utc_bounds()
    # Local midnight on 1 July (BST) is 23:00 UTC the day before; 1 October likewise.
    assert start == datetime(2025, 6, 30, 23, 0)
    assert stop == datetime(2025, 9, 30, 23, 0)
    start, stop = periods.month(2025, 1).utc_bounds()
    assert (start, stop) == (datetime(2025, 1, 1), datetime(2025, 2, 1))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: periods.custom(date(2025, 9, 30), date(2025, 7, 1)), "end date"),
        (lambda: periods.custom(date(2015, 1, 1), date(2025, 1, 1)), "5 years"),
        (lambda: periods.quarter(2025, 5), "quarter"),
        (lambda: periods.month(1999, 1), "year"),
    ],
)
def test_nonsense_periods_are_refused_with_a_message(call, message):
    with pytest.raises(periods.PeriodError, match=message):
        call()


def test_month_index_in_the_database_puts_each_time_in_its_uk_month(app, db):
    """The halving CASE (consecutive months) and the one CASE a month agree with the
    months as a person reads them, at every month's first and last moment."""
    from sqlalchemy import literal, select

    from debrief.periods import month_bounds, month_index

    months = [date(2024, m, 1) for m in range(1, 13)] + [date(2025, m, 1) for m in range(1, 8)]
    bounds = month_bounds(months)
    for chosen in (months, months[:1], months[:2], [months[0], months[5], months[6]]):
        chosen_bounds = month_bounds(chosen)
        for start, stop in bounds:
            for moment in (start, stop - timedelta(microseconds=1), start - timedelta(seconds=1)):
                expected = next(
                    (i for i, (a, b) in enumerate(chosen_bounds) if a <= moment < b), None
                )
                found = db.scalar(select(month_index(literal(moment), chosen)))
                assert found == expected, (chosen, moment)
