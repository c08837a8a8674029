"""Dates that make sense (issue 18): every date and time answer checked against the event's
report time and the time of the answer, in UK time. The Flask-free rule; no app needed."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta

import pytest

from debrief.debriefs.answers import date_problems, parse_answer
from debrief.questions.loader import Question, QuestionSetError, parse
from debrief.questions.types import FUTURE_TOLERANCE, Timeline
from debrief.text_input import TimeProblem, parse_time
from debrief.timeutil import from_local, to_local, utcnow
from tests.factories import real_question_set

QS = real_question_set()
SUBMITTED_AT = QS.question("intel_doc_submitted_at")
PLANNED = QS.question("intel_doc_planned_date")
# A date of something that happened (the real set has none yet: a force may add one).
HAPPENED = Question(
    id="arrived_on", type="date", text="When?", section_id="s", short="the date officers arrived"
)

# 02:30 in BST, stored as naive UTC.
REPORTED = datetime(2025, 6, 14, 1, 30)
LATER = datetime(2025, 7, 1, 12, 0)


def typed_moment(question: Question, day: str, month: str, year: str, time: str) -> dict:
    return {
        f"{question.id}-day": [day],
        f"{question.id}-month": [month],
        f"{question.id}-year": [year],
        f"{question.id}-time": [time],
    }


def typed_day(question: Question, day: str, month: str, year: str) -> dict:
    return {
        f"{question.id}-day": [day],
        f"{question.id}-month": [month],
        f"{question.id}-year": [year],
    }


def at(now: datetime, reported: datetime | None = REPORTED, answering: bool = True) -> Timeline:
    return Timeline(now=now, reported_at=reported, answering=answering)


# --- a time of day ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,message",
    [
        ("25:00", "The time must be a real time: the hour must be from 0 to 23"),
        ("24:00", "The time must be a real time: the hour must be from 0 to 23"),
        ("2500", "The time must be a real time: the hour must be from 0 to 23"),
        ("12:60", "The time must be a real time: the minutes must be from 0 to 59"),
        ("13pm", "The time must be a real time: before am or pm, the hour is 1 to 12"),
        ("0am", "The time must be a real time: before am or pm, the hour is 1 to 12"),
        ("half past", "The time must be a real time, for example 04:30 or 16:45"),
        ("２５:００", "The time must be a real time, for example 04:30 or 16:45"),  # full-width
        ("4:3", "The time must be a real time, for example 04:30 or 16:45"),
        ("16", "The time must include the minutes, for example 04:30 or 16:45"),
    ],
)
def test_a_time_that_cannot_be_read_says_what_is_wrong_with_it(text, message):
    with pytest.raises(TimeProblem) as problem:
        parse_time(text, what="The time")
    assert str(problem.value) == message


def test_midnight_and_the_last_minute_of_the_day_are_real_times():
    assert parse_time("00:00", what="T") == (0, 0)
    assert parse_time("23:59", what="T") == (23, 59)
    assert parse_time("12pm", what="T") == (12, 0)
    assert parse_time(" 4 : 30 pm ", what="T") == (16, 30)


def test_25_00_is_an_error_on_the_time_box_not_the_date():
    form = typed_moment(SUBMITTED_AT, "14", "6", "2025", "25:00")
    error = parse_answer(SUBMITTED_AT, form, at(LATER)).error
    assert error.message == (
        "When the intelligence document was submitted must be a real time: "
        "the hour must be from 0 to 23"
    )
    assert error.href == "intel_doc_submitted_at-time"
    assert error.parts == {"intel_doc_submitted_at-time"}


def test_a_time_the_clocks_skipped_is_refused_on_the_time_box():
    # 30 March 2025: UK clocks went from 01:00 GMT to 02:00 BST; 01:30 never happened.
    form = typed_moment(SUBMITTED_AT, "30", "3", "2025", "01:30")
    error = parse_answer(SUBMITTED_AT, form, at(LATER, reported=None)).error
    assert error.message == (
        "When the intelligence document was submitted must be a time that happened in the UK: "
        "the clocks went forward from 1am to 2am on 30 March 2025"
    )
    assert error.parts == {"intel_doc_submitted_at-time"}
    ok = typed_moment(SUBMITTED_AT, "30", "3", "2025", "02:00")
    assert parse_answer(SUBMITTED_AT, ok, at(LATER, reported=None)).value == "2025-03-30T02:00"


def test_a_time_the_clocks_repeated_is_read_as_the_first_one():
    # 26 October 2025: 01:30 happened twice; the first (BST) is taken, as typed.
    form = typed_moment(SUBMITTED_AT, "26", "10", "2025", "01:30")
    parsed = parse_answer(SUBMITTED_AT, form, at(datetime(2025, 11, 1), reported=None))
    assert parsed.value == "2025-10-26T01:30"
    assert from_local(datetime(2025, 10, 26, 1, 30)) == datetime(2025, 10, 26, 0, 30)


# --- a moment: not before the event was reported, not in the future ----------------------------


def test_a_moment_before_the_event_was_reported_is_refused_naming_the_report_time():
    form = typed_moment(SUBMITTED_AT, "14", "6", "2025", "02:29")
    parsed = parse_answer(SUBMITTED_AT, form, at(LATER))
    assert parsed.value is None
    assert parsed.error.message == (
        "When the intelligence document was submitted must be the same as or after the time "
        "the event was reported (14 June 2025 at 2:30am)"
    )
    assert parsed.error.href == "intel_doc_submitted_at-day"  # the whole moment is marked
    assert parsed.error.parts == set(SUBMITTED_AT.kind.input_names(SUBMITTED_AT))


def test_a_moment_400_days_before_the_event_is_refused():
    form = typed_moment(SUBMITTED_AT, "10", "5", "2024", "09:00")
    assert (
        "must be the same as or after" in parse_answer(SUBMITTED_AT, form, at(LATER)).error.message
    )


def test_the_minute_the_event_was_reported_is_accepted_even_with_seconds_stored():
    form = typed_moment(SUBMITTED_AT, "14", "6", "2025", "02:30")
    reported_with_seconds = REPORTED.replace(second=45)
    parsed = parse_answer(SUBMITTED_AT, form, at(LATER, reported=reported_with_seconds))
    assert parsed.error is None and parsed.value == "2025-06-14T02:30"


def test_a_moment_is_compared_in_uk_time_not_as_typed_figures():
    # Reported at 23:30 UTC on 14 June: 00:30 on the 15th in the UK.
    reported = datetime(2025, 6, 14, 23, 30)
    before = typed_moment(SUBMITTED_AT, "15", "6", "2025", "00:15")
    after = typed_moment(SUBMITTED_AT, "15", "6", "2025", "00:45")
    assert parse_answer(SUBMITTED_AT, before, at(LATER, reported)).error.message.endswith(
        "(15 June 2025 at 12:30am)"
    )
    assert parse_answer(SUBMITTED_AT, after, at(LATER, reported)).value == "2025-06-15T00:45"


def test_a_moment_in_the_future_is_refused_with_a_little_clock_drift_allowed():
    now = datetime(2025, 6, 20, 11, 0)  # 12:00 in BST
    soon = to_local(now + FUTURE_TOLERANCE - timedelta(minutes=1))
    drift = typed_moment(SUBMITTED_AT, "20", "6", "2025", f"{soon:%H:%M}")
    assert parse_answer(SUBMITTED_AT, drift, at(now)).error is None
    later = to_local(now + FUTURE_TOLERANCE + timedelta(minutes=1))
    future = typed_moment(SUBMITTED_AT, "20", "6", "2025", f"{later:%H:%M}")
    error = parse_answer(SUBMITTED_AT, future, at(now)).error
    assert error.message == "When the intelligence document was submitted must be in the past"


def test_without_an_event_a_moment_is_still_refused_in_the_future():
    tomorrow = to_local(utcnow() + timedelta(days=1))
    form = typed_moment(
        SUBMITTED_AT, str(tomorrow.day), str(tomorrow.month), str(tomorrow.year), "12:00"
    )
    assert parse_answer(SUBMITTED_AT, form).error.message.endswith("must be in the past")


# --- a day that happened ---------------------------------------------------------------------


def test_a_day_that_happened_is_not_after_today_in_the_uk():
    # 23:30 UTC on 14 June is 00:30 on the 15th in the UK: the 15th is today, not the future.
    summer_night = datetime(2025, 6, 14, 23, 30)
    assert (
        parse_answer(HAPPENED, typed_day(HAPPENED, "15", "6", "2025"), at(summer_night)).error
        is None
    )
    error = parse_answer(HAPPENED, typed_day(HAPPENED, "16", "6", "2025"), at(summer_night)).error
    assert error.message == "The date officers arrived must be today or in the past"
    assert error.parts == {"arrived_on-day", "arrived_on-month", "arrived_on-year"}
    # In winter the UK is on UTC: 23:30 on 14 January is still the 14th.
    winter_night = datetime(2025, 1, 14, 23, 30)
    winter = at(winter_night, reported=datetime(2025, 1, 14, 1, 0))
    assert parse_answer(HAPPENED, typed_day(HAPPENED, "15", "1", "2025"), winter).error is not None
    assert parse_answer(HAPPENED, typed_day(HAPPENED, "14", "1", "2025"), winter).error is None


def test_a_day_that_happened_is_not_before_the_uk_date_the_event_was_reported():
    reported = datetime(2025, 6, 14, 23, 30)  # 15 June in the UK
    error = parse_answer(
        HAPPENED, typed_day(HAPPENED, "14", "6", "2025"), at(LATER, reported)
    ).error
    assert error.message == (
        "The date officers arrived must be the same as or after the date the event was reported "
        "(15 June 2025)"
    )
    same_day = parse_answer(HAPPENED, typed_day(HAPPENED, "15", "6", "2025"), at(LATER, reported))
    assert same_day.value == "2025-06-15"


# --- a planned day ---------------------------------------------------------------------------


def test_the_real_question_set_plans_the_intelligence_document_date():
    assert PLANNED.planned is True
    assert not any(q.planned for q in QS.questions if q.id != "intel_doc_planned_date")


def test_a_planned_day_is_today_or_later_when_it_is_answered():
    now = datetime(2025, 6, 20, 23, 30)  # 00:30 on the 21st in the UK
    past = parse_answer(PLANNED, typed_day(PLANNED, "20", "6", "2025"), at(now)).error
    assert past.message == (
        "When the intelligence document will be submitted must be today or in the future"
    )
    assert past.href == "intel_doc_planned_date-day"
    today = parse_answer(PLANNED, typed_day(PLANNED, "21", "6", "2025"), at(now))
    assert today.value == "2025-06-21"
    next_year = parse_answer(PLANNED, typed_day(PLANNED, "1", "3", "2026"), at(now))
    assert next_year.value == "2026-03-01"


def test_a_planned_day_checked_again_later_may_have_passed_but_not_precede_the_event():
    later = at(datetime(2026, 1, 1), answering=False)
    assert PLANNED.kind.check(PLANNED, "2025-06-20", later) is None  # was to come when answered
    before = PLANNED.kind.check(PLANNED, "2025-06-13", later)
    assert before.message == (
        "When the intelligence document will be submitted must be the same as or after the "
        "date the event was reported (14 June 2025)"
    )


# --- stored answers checked again ------------------------------------------------------------


def test_stored_answers_that_break_a_rule_now_are_found():
    answers = {
        "intel_doc_submitted": "yes",
        "intel_doc_submitted_at": "2025-06-14T02:00",  # before 02:30, the corrected report time
        "debrief_held_at": "2025-06-14T06:00",
        "nccu_contacted_at": "2099-01-01T10:00",  # an old draft's typing slip
        "intel_doc_planned_date": "2025-06-20",  # passed since, but planned when answered
    }
    found = date_problems(QS, answers, at(LATER, answering=False))
    assert set(found) == {"intel_doc_submitted_at", "nccu_contacted_at"}
    assert found["nccu_contacted_at"].message == "When the NCCU was contacted must be in the past"
    assert date_problems(QS, answers, at(LATER, reported=None, answering=False)).keys() == {
        "nccu_contacted_at"
    }


# --- the question file -----------------------------------------------------------------------

HEAD = '[[themes]]\nid = "t"\nlabel = "T"\n\n[[sections]]\nid = "s"\ntitle = "S"\n'


def loaded(question: str):
    text = HEAD + "[[sections.questions]]\n" + textwrap.dedent(question)
    return parse(text.encode(), "test.toml"), text


def refused(question: str) -> tuple[list[str], str]:
    text = HEAD + "[[sections.questions]]\n" + textwrap.dedent(question)
    with pytest.raises(QuestionSetError) as caught:
        parse(text.encode(), "test.toml")
    return caught.value.problems, text


def test_a_date_question_may_be_planned():
    question_set, _ = loaded('id = "by"\ntype = "date"\ntext = "By when?"\nplanned = true\n')
    assert question_set.known_question("by").planned is True
    plain, _ = loaded('id = "on"\ntype = "date"\ntext = "When?"\n')
    assert plain.known_question("on").planned is False


@pytest.mark.parametrize("qtype", ["datetime", "yes_no", "text", "number"])
def test_only_a_date_question_may_be_planned_naming_the_line_and_question(qtype):
    found, text = refused(f'id = "when"\ntype = "{qtype}"\ntext = "When?"\nplanned = true\n')
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row == 'id = "when"')
    assert found == [
        f"line {line}: question 'when' in section 's': only a date question can be planned "
        f"(a {qtype} question cannot: remove planned = true, or make it a date question)"
    ]


def test_planned_must_be_true_or_false():
    found, _ = refused('id = "by"\ntype = "date"\ntext = "By when?"\nplanned = "yes"\n')
    assert found[0].endswith("question 'by' in section 's': planned must be true or false")
