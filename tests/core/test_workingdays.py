"""Due dates count working days in England and Wales."""

from datetime import date

from backoffice.core.workingdays import (
    add_working_days,
    explain_due_date,
    is_working_day,
    working_days_between,
)


def test_five_working_days_from_the_thursday_before_easter_2016_is_monday_4_april():
    assert add_working_days(date(2016, 3, 24), 5) == date(2016, 4, 4)


def test_the_explanation_names_good_friday_easter_monday_and_the_weekends():
    explained = explain_due_date(date(2016, 3, 24), 5)
    assert dict(explained.skipped) == {
        date(2016, 3, 25): "Good Friday", date(2016, 3, 26): "Saturday",
        date(2016, 3, 27): "Sunday", date(2016, 3, 28): "Easter Monday",
        date(2016, 4, 2): "Saturday", date(2016, 4, 3): "Sunday"}
    assert explained.counted == [date(2016, 3, 29), date(2016, 3, 30), date(2016, 3, 31),
                                 date(2016, 4, 1), date(2016, 4, 4)]


def test_christmas_2015_skips_christmas_day_boxing_day_and_its_substitute():
    # Thursday 24 December 2015: 25th, 28th (Boxing Day observed) and the weekend are not counted
    assert add_working_days(date(2015, 12, 24), 1) == date(2015, 12, 29)
    assert add_working_days(date(2015, 12, 24), 3) == date(2015, 12, 31)
    assert add_working_days(date(2015, 12, 24), 4) == date(2016, 1, 4)


def test_ten_working_days_is_two_weeks_without_holidays():
    assert add_working_days(date(2016, 6, 6), 10) == date(2016, 6, 20)


def test_weekends_and_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2016, 5, 30))  # Spring bank holiday
    assert not is_working_day(date(2016, 6, 4))   # Saturday
    assert is_working_day(date(2016, 6, 6))


def test_working_days_between_counts_the_days_left():
    assert working_days_between(date(2016, 3, 24), date(2016, 4, 4)) == 5
    assert working_days_between(date(2016, 4, 4), date(2016, 3, 24)) == -5
    assert working_days_between(date(2016, 4, 4), date(2016, 4, 4)) == 0
