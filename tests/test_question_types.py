"""Question types, each defined once (questions/types.py): every type the question file may
name is registered and has a form field, and a new type needs nothing but its class to be
answered, stored, read back and exported."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import pytest

from debrief.audit import Actor
from debrief.config import PROJECT_ROOT
from debrief.debriefs import drafting
from debrief.debriefs.answers import form_values, parse_answer
from debrief.debriefs.forms import FIELDS, build_fields
from debrief.debriefs.presenting import present
from debrief.extensions import db_session
from debrief.models import Answer
from debrief.questions.loader import QuestionSetError, parse
from debrief.questions.types import TYPES, QuestionType, Sampler, field_error, subject
from tests.export_helpers import open_workbook, run_export, table_rows
from tests.factories import make_debrief, make_event, make_user


def _one_question_of_each_type() -> bytes:
    questions = []
    for name, kind in TYPES.items():
        lines = [
            "  [[sections.questions]]",
            f'  id = "q_{name}"',
            f'  type = "{name}"',
            f'  text = "A {name} question"',
        ]
        if kind.has_choices and not kind.fixed_choices:
            lines.append('  choices = [{ id = "a", label = "A" }, { id = "b", label = "B" }]')
        questions.append("\n".join(lines))
    return (
        '[[themes]]\nid = "t"\nlabel = "T"\n\n[[sections]]\nid = "all"\ntitle = "All"\n\n'
        + "\n\n".join(questions)
        + "\n"
    ).encode()


def test_every_type_the_question_file_may_name_is_registered_and_has_a_form_field():
    question_set = parse(_one_question_of_each_type())
    assert [q.type for q in question_set.questions] == list(TYPES)
    assert all(q.kind is TYPES[q.type] for q in question_set.questions)
    assert set(FIELDS) == set(TYPES)
    fields = build_fields(question_set, question_set.sections[0], {}, {}, {})
    assert [f.question.type for f in fields] == list(TYPES)


def test_a_type_not_registered_is_refused_naming_the_registered_ones():
    source = _one_question_of_each_type().replace(b'type = "number"', b'type = "essay"')
    with pytest.raises(QuestionSetError) as refused:
        parse(source)
    assert f"unknown type 'essay'; use one of {', '.join(TYPES)}" in str(refused.value)


@pytest.mark.parametrize("name", list(TYPES))
def test_a_sampled_answer_of_each_type_reads_back_through_its_form(name):
    question = parse(_one_question_of_each_type()).question(f"q_{name}")
    value = question.kind.sample(question, Sampler(random.Random(7)))
    assert parse_answer(question, form_values(question, value)).value == value
    lines = question.kind.read_back(question, value)
    assert lines and all(isinstance(line, str) and line for line in lines)


class PostcodeType(QuestionType):
    """A type made up for this test: a postcode district, like CT16."""

    name = "postcode"
    free_text = True

    def read(self, question, typed):
        values = typed[question.id]
        text = (values[0] if values else "").strip().upper()
        if not text:
            return None, None
        if not re.fullmatch(r"[A-Z]{1,2}[0-9]{1,2}", text):
            return None, field_error(question, f"Enter {subject(question)} like CT16")
        return text, None

    def read_back(self, question, value):
        return (f"{value} district",)

    def cell(self, question, value, labels):
        return f"Postcode {value}"

    def sample(self, question, sampler):
        return f"CT{sampler.rng.randint(1, 21)}"


def test_a_new_type_needs_only_its_class_to_round_trip(app, db, tmp_path, monkeypatch):
    monkeypatch.setitem(TYPES, "postcode", PostcodeType())
    extra = (
        '\n[[sections]]\nid = "landing"\ntitle = "Landing"\n\n  [[sections.questions]]\n'
        '  id = "landing_postcode"\n  type = "postcode"\n  text = "Where did they land?"\n'
        '  short = "the postcode district"\n'
    )
    question_set = parse(((PROJECT_ROOT / "questions.toml").read_text() + extra).encode())
    question = question_set.question("landing_postcode")
    assert parse_answer(question, {"landing_postcode": ["ct16 "]}).value == "CT16"
    refused = parse_answer(question, {"landing_postcode": ["Dover"]}).error
    assert refused.message == "Enter the postcode district like CT16"

    host = make_user(["sergeant"])
    event = make_event(created_by=host, reported_at=datetime(2025, 9, 3, 4, 30))
    debrief = make_debrief(host, question_set=question_set, event=event)
    session = db_session()
    drafting.save_section(
        session,
        debrief,
        Actor(user=host),
        question_set,
        question_set.section("landing"),
        {"landing_postcode": [" ct16"]},
        form_version=debrief.version,
        base=None,
        revealed_in_place=True,
    )
    session.commit()
    stored = db.query(Answer).filter_by(debrief_id=debrief.id, question_id="landing_postcode")
    assert stored.one().value == "CT16"

    view = present(debrief, question_set)
    rows = {row.id: row.values for section in view.sections for row in section.rows}
    assert rows["landing_postcode"] == ("CT16 district",)

    debrief.state = "closed"
    debrief.submitted_at = debrief.first_submitted_at = event.reported_at + timedelta(hours=6)
    debrief.closed_at = event.reported_at + timedelta(days=2)
    session.commit()
    hub = make_user(["hub_reviewer"])
    workbook = open_workbook(run_export(app, tmp_path, hub, include_free_text=True))
    register = table_rows(workbook["Debriefs (free text)"])  # typed text: its own sheet
    assert [row["Where did they land?"] for row in register] == ["Postcode CT16"]
