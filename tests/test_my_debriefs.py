"""A sergeant's "My debriefs": every open debrief, the most recently changed closed ones
(the rest counted, and shown on asking), never another sergeant's or a disposed one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from debrief.debriefs import my_debriefs
from debrief.debriefs.my_debriefs import list_mine
from debrief.extensions import db_session
from debrief.models import Debrief
from tests.factories import make_debrief, make_user


def test_the_closed_shown_are_the_latest_changed_and_the_rest_are_counted(
    app, client, login_as, db, monkeypatch
):
    monkeypatch.setattr(my_debriefs, "CLOSED_SHOWN", 2)
    sergeant = login_as("sergeant", username="sgt-mine")
    other = make_user(["sergeant"], username="sgt-other")
    day = datetime(2026, 10, 1, 9, 0)
    closed = [
        make_debrief(
            sergeant,
            state="closed",
            closed_at=day + timedelta(days=i),  # closed in the opposite order to changed
        )
        for i in range(4)
    ]
    session = db_session()  # the factories' session
    for i, debrief in enumerate(closed):  # changed last: closed[0], then closed[1]
        session.execute(
            update(Debrief)
            .where(Debrief.id == debrief.id)
            .values(updated_at=day + timedelta(days=20 - i))
        )
    make_debrief(sergeant, state="closed", disposed_at=day)  # disposed: neither shown nor counted
    make_debrief(other, state="closed")
    open_ones = [make_debrief(sergeant, state=state) for state in ("draft", "submitted")]
    session.commit()

    mine = list_mine(db, sergeant)
    assert [i.debrief.id for i in mine.closed] == [closed[1].id, closed[0].id]  # by closed_at
    assert mine.closed_total == 4
    assert {i.debrief.id for i in mine.drafts + mine.submitted} == {d.id for d in open_ones}
    every = list_mine(db, sergeant, all_closed=True)
    assert [i.debrief.id for i in every.closed] == [d.id for d in reversed(closed)]
    assert every.closed_total == 4

    page = client.get("/debriefs/").get_data(as_text=True)
    assert "Closed (4)" in page
    assert "Show all 4 closed debriefs" in page
    assert "Show all" not in client.get("/debriefs/?closed=all").get_data(as_text=True)
