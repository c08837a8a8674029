"""A debrief's state is the State enum in Python and its plain string in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from debrief.models import Debrief, HistoryEntry, State
from tests.factories import make_debrief, make_user


def test_a_state_is_stored_as_its_string_and_read_back_as_the_enum(db):
    host = make_user(["sergeant"])
    debrief = make_debrief(host, state=State.IN_REVIEW)
    db.add(
        HistoryEntry(
            debrief_id=debrief.id,
            kind="transition",
            from_state=State.SUBMITTED,
            to_state="in_review",  # a string is taken too
        )
    )
    db.commit()
    stored = db.execute(
        text(
            "SELECT d.state, h.from_state, h.to_state FROM debriefs d"
            " JOIN history_entries h ON h.debrief_id = d.id WHERE d.id = :id"
        ),
        {"id": debrief.id},
    ).one()
    assert tuple(stored) == ("in_review", "submitted", "in_review")
    assert all(type(value) is str for value in stored)

    db.expire_all()
    assert db.get(Debrief, debrief.id).state is State.IN_REVIEW
    entry = db.scalars(select(HistoryEntry)).one()
    assert (entry.from_state, entry.to_state) == (State.SUBMITTED, State.IN_REVIEW)
    assert isinstance(entry.to_state, State)
    # Core selects of the column read members as well; a filter takes either.
    row = db.execute(select(Debrief.state).where(Debrief.state == "in_review")).one()
    assert row.state is State.IN_REVIEW
    assert db.scalar(select(Debrief.id).where(Debrief.state.in_([State.IN_REVIEW]))) == debrief.id


def test_a_state_that_is_not_one_is_refused_before_it_reaches_the_database(db):
    host = make_user(["sergeant"])
    debrief = db.get(Debrief, make_debrief(host).id)
    debrief.state = "archived"
    with pytest.raises(StatementError, match="'archived' is not a valid State"):
        db.commit()
    db.rollback()
    assert db.get(Debrief, debrief.id).state is State.DRAFT
