"""Each question type read from a form, with the messages a sergeant sees. No Flask needed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from debrief.debriefs.answers import (
    Status,
    form_values,
    parse_answer,
    prune,
    section_status,
)
from debrief.questions.loader import Choice, Question
from debrief.text_input import TimeProblem, parse_time
from debrief.timeutil import to_local, utcnow
from tests.factories import real_question_set

QS = real_question_set()


def q(question_id: str) -> Question:
    return QS.question(question_id)


def read(question_id: str, **inputs):
    form = {k.replace("__", "-"): v if isinstance(v, list) else [v] for k, v in inputs.items()}
    return parse_answer(q(question_id), form)


def test_number_reads_whole_numbers_and_explains_mistakes():
    assert read("nccu_wait_minutes", nccu_wait_minutes=" 1,200 ").value == 1200
    assert read("nccu_wait_minutes", nccu_wait_minutes="").value is None
    assert read("nccu_wait_minutes", nccu_wait_minutes="").error is None
    assert read("nccu_wait_minutes", nccu_wait_minutes="ten").error.message == (
        "The number of minutes waiting must be a number, for example 10"
    )
    assert read("nccu_wait_minutes", nccu_wait_minutes="2.5").error.message == (
        "The number of minutes waiting must be a whole number, for example 10"
    )
    assert read("nccu_wait_minutes", nccu_wait_minutes="-1").error.message == (
        "The number of minutes waiting must be between 0 and 1440"
    )
    assert read("nccu_wait_minutes", nccu_wait_minutes="1441").error is not None
    assert read("nccu_wait_minutes", nccu_wait_minutes="nan").error is not None


def test_choice_questions_accept_only_their_own_answers():
    assert read("debrief_kind", debrief_kind="hot").value == "hot"
    assert read("debrief_kind", debrief_kind="made-up").value is None  # as if unanswered
    assert read("risk_to_life", risk_to_life="yes").value == "yes"


def test_multi_choice_keeps_choice_order_and_refuses_none_with_others():
    assert read("roles_present", roles_present=["custody", "control_room"]).value == [
        "control_room",
        "custody",
    ]
    both = read("items_seized", items_seized=["phones", "nothing"])
    assert both.value is None
    assert both.error.message == 'Select what was seized, or select "Nothing was seized"'


def test_text_is_trimmed_and_limited():
    assert read("crime_reference", crime_reference="  CR  123  ").value == "CR 123"
    long = read("crime_reference", crime_reference="x" * 201)
    assert long.error.message == "The crime reference must be 200 characters or fewer"
    kept = read("went_well", went_well="Line one\r\nLine two  ")
    assert kept.value == "Line one\nLine two"
    assert read("went_well", went_well="x" * 5001).error is not None


def test_date_needs_every_part_and_a_real_date():
    assert (
        read(
            "intel_doc_planned_date",
            intel_doc_planned_date__day="9",
            intel_doc_planned_date__month="7",
            intel_doc_planned_date__year="2025",
        ).value
        == "2025-07-09"
    )
    missing = read(
        "intel_doc_planned_date",
        intel_doc_planned_date__day="9",
        intel_doc_planned_date__month="",
        intel_doc_planned_date__year="2025",
    ).error
    assert (
        missing.message == "When the intelligence document will be submitted must include a month"
    )
    assert missing.href == "intel_doc_planned_date-month"
    unreal = read(
        "intel_doc_planned_date",
        intel_doc_planned_date__day="31",
        intel_doc_planned_date__month="2",
        intel_doc_planned_date__year="2025",
    ).error
    assert unreal.message.endswith("must be a real date")
    short_year = read(
        "intel_doc_planned_date",
        intel_doc_planned_date__day="1",
        intel_doc_planned_date__month="2",
        intel_doc_planned_date__year="25",
    ).error
    assert short_year.message == "Year must include 4 numbers"


def test_datetime_needs_a_time_and_must_be_in_the_past():
    def held(time, day="14", month="6", year="2025"):
        return read(
            "debrief_held_at",
            debrief_held_at__day=day,
            debrief_held_at__month=month,
            debrief_held_at__year=year,
            debrief_held_at__time=time,
        )

    assert held("16:45").value == "2025-06-14T16:45"
    assert held("4.30pm").value == "2025-06-14T16:30"
    assert held("").error.message == (
        "When the debrief was held must include a time, for example 04:30 or 16:45"
    )
    assert held("25:00").error.message.startswith("When the debrief was held must be a real time")
    future = to_local(utcnow() + timedelta(days=2))
    late = held("12:00", str(future.day), str(future.month), str(future.year))
    assert late.error.message == "When the debrief was held must be in the past"


@pytest.mark.parametrize(
    "text,expected",
    [("04:30", (4, 30)), ("0430", (4, 30)), ("4.30", (4, 30)), ("12am", (0, 0)), ("4pm", (16, 0))],
)
def test_times_are_read_the_ways_people_type_them(text, expected):
    assert parse_time(text, what="The time") == expected


def test_a_bare_hour_is_too_ambiguous_to_guess():
    with pytest.raises(TimeProblem, match="^The time must include the minutes"):
        parse_time("4", what="The time")


def test_form_values_show_a_stored_answer_again():
    for question_id, value in [
        ("debrief_held_at", "2025-06-14T06:05"),
        ("intel_doc_planned_date", "2025-06-20"),
        ("roles_present", ["custody"]),
        ("nccu_wait_minutes", 12),
        ("went_well", "Fine"),
    ]:
        question = q(question_id)
        assert parse_answer(question, form_values(question, value)).value == value


def test_prune_drops_follow_ups_whose_condition_no_longer_holds():
    answers = {
        "intel_doc_submitted": "yes",
        "intel_doc_not_submitted_reason": "other",
        "intel_doc_not_submitted_other": "stale",
        "intel_doc_submitted_at": "2025-06-14T05:00",
        "no_such_question": "x",
    }
    assert prune(QS, answers) == {
        "intel_doc_submitted": "yes",
        "intel_doc_submitted_at": "2025-06-14T05:00",
    }


def test_section_status_for_the_task_list():
    section = QS.section("learning")
    assert section_status(QS, section, {}, {}) == Status.NOT_STARTED
    assert section_status(QS, section, {"went_well": "x"}, {}) == Status.IN_PROGRESS
    complete = {"went_well": "x", "could_improve": "y", "notable_practice": "no"}
    complete["joint_learning"] = "no"
    assert section_status(QS, section, complete, {}) == Status.COMPLETED
    # A required follow-up revealed by an answer makes it incomplete again.
    assert section_status(QS, section, {**complete, "notable_practice": "yes"}, {}) == (
        Status.IN_PROGRESS
    )
    kept = {"went_well": {"went_well": ["x" * 6000]}}
    assert section_status(QS, section, complete, kept) == Status.HAS_ERRORS


def test_a_question_without_short_words_still_gets_a_sentence():
    bare = Question(
        id="x", type="single_choice", text="X?", section_id="s", choices=(Choice("a", "A"),)
    )
    assert parse_answer(bare, {"x": ["a"]}).value == "a"
    number = Question(id="n", type="number", text="N?", section_id="s", min=1)
    assert parse_answer(number, {"n": ["0"]}).error.message == "An answer must be 1 or more"
