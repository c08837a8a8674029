"""Theme rules that combine an event-record count with an answer, and yes/no questions the
event record answers (`from_event`): evaluated as declared, refused with the line and the
theme or question named when malformed (issue 18)."""

from __future__ import annotations

import textwrap

import pytest

from debrief.questions.loader import QuestionSetError, parse
from debrief.questions.themes import suggest

QUESTIONS = """
[[sections]]
id = "s"
title = "S"

[[sections.questions]]
id = "seized"
type = "multi_choice"
text = "What was seized?"
choices = [{ id = "phones", label = "Phones" }, { id = "nothing", label = "Nothing" }]

[[sections.questions]]
id = "notes"
type = "text"
text = "Notes"
"""


def theme(rule: str) -> str:
    return textwrap.dedent(
        f"""
        label = "Test set"

        [[themes]]
        id = "evidence"
        label = "Evidence"
        event_rules = [{rule}]
        """
    )


def load(rule: str):
    return parse((theme(rule) + QUESTIONS).encode(), "test.toml")


def problems(rule: str) -> tuple[list[str], int]:
    text = theme(rule) + QUESTIONS
    with pytest.raises(QuestionSetError) as caught:
        parse(text.encode(), "test.toml")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if 'id = "evidence"' in row)
    return caught.value.problems, line


def test_a_count_and_an_answer_must_both_hold():
    question_set = load(
        '{ field = "arrested", above = 0, question = "seized", answers = ["nothing"] }'
    )
    nothing = {"seized": ["nothing"]}
    assert suggest(question_set, nothing, {"arrested": 0}) == []
    assert suggest(question_set, {"seized": ["phones"]}, {"arrested": 3}) == []
    assert suggest(question_set, {}, {"arrested": 3}) == []  # not answered yet
    (found,) = suggest(question_set, nothing, {"arrested": 3})
    assert found.theme_id == "evidence"
    assert found.reasons == ("Event record: Arrested = 3, and What was seized? Nothing",)


def test_a_count_alone_still_suggests_in_the_vocabularys_words():
    question_set = load('{ field = "unaccompanied_children", above = 0 }')
    (found,) = suggest(question_set, {}, {"unaccompanied_children": 2})
    assert found.reasons == ("Event record: Unaccompanied or separated children = 2",)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            '{ field = "arrested", question = "seized" }',
            "event rule 1 needs both a question and its answers",
        ),
        (
            '{ field = "arrested", answers = ["nothing"] }',
            "event rule 1 needs both a question and its answers",
        ),
        (
            '{ field = "arrested", question = "seizd", answers = ["nothing"] }',
            "event rule 1 names unknown question 'seizd'",
        ),
        (
            '{ field = "arrested", question = "seized", answers = ["none"] }',
            "event rule 1: answer 'none' does not exist for 'seized'",
        ),
        (
            '{ field = "arrested", question = "notes", answers = ["x"] }',
            "event rule 1 names 'notes', a text question",
        ),
        ('{ field = "arested", above = 0 }', "event rule 1 names unknown field 'arested'"),
        ('{ field = "arrested", above = "none" }', "event rule 1: above must be a number"),
        ('{ field = "arrested", when = "always" }', "event rule 1 has unknown key 'when'"),
        ('"arrested"', "event rule 1 must be a table"),
    ],
)
def test_a_malformed_rule_is_refused_naming_its_line_and_theme(rule, message):
    found, line = problems(rule)
    assert len(found) == 1, found
    assert found[0].startswith(f"line {line}: theme 'evidence': "), found[0]
    assert message in found[0]


def test_from_event_answers_a_yes_no_question_from_a_count():
    body = QUESTIONS + textwrap.dedent(
        """
        [[sections.questions]]
        id = "disputed"
        type = "yes_no"
        text = "Was anyone's age disputed?"
        from_event = { field = "age_disputed", above = 0 }
        """
    )
    question_set = parse((theme('{ field = "arrested" }') + body).encode(), "test.toml")
    rule = question_set.question("disputed").from_event
    assert rule.field == "age_disputed" and rule.holds({"age_disputed": 1})
    assert not rule.holds({"age_disputed": 0}) and not rule.holds({})


@pytest.mark.parametrize(
    ("qtype", "from_event", "message"),
    [
        ("text", '{ field = "age_disputed" }', "only a yes_no question can take from_event"),
        ("yes_no", '{ field = "ages" }', "from_event names unknown field 'ages'"),
        ("yes_no", '{ field = "age_disputed", above = "x" }', "above must be a number"),
    ],
)
def test_a_malformed_from_event_is_refused_naming_its_line(qtype, from_event, message):
    body = QUESTIONS + textwrap.dedent(
        f"""
        [[sections.questions]]
        id = "disputed"
        type = "{qtype}"
        text = "Disputed?"
        from_event = {from_event}
        """
    )
    text = theme('{ field = "arrested" }') + body
    with pytest.raises(QuestionSetError) as caught:
        parse(text.encode(), "test.toml")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if 'id = "disputed"' in row)
    (found,) = caught.value.problems
    assert found.startswith(f"line {line}: question 'disputed'") and message in found
