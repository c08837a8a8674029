"""The meeting pack's front page: this period beside the last disclosure to the same
recipients (or the period before), read back from the workbook and checked against the
database; and suppression that no column can undo."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from debrief import periods
from debrief.exports.meeting import previous_period
from debrief.exports.suppression import HIDDEN
from debrief.models import DebriefTheme, Disclosure, Event
from debrief.timeutil import utcnow
from tests.export_helpers import build_known_data, open_workbook, run_export
from tests.factories import make_debrief, make_event, make_user, real_question_set

Q2, Q3 = periods.quarter(2025, 2), periods.quarter(2025, 3)


def _said(submitted: bool) -> dict:
    bound = real_question_set().bound("intel_doc")
    if bound.type == "yes_no":
        return {bound.id: "yes" if submitted else "no"}
    return {bound.id: "later" if submitted else "not_done"}


def _add_q2(host, count: int, theme: str = "children", submitted_at=None) -> None:
    """Closed debriefs of events in May 2025, each with one confirmed theme."""
    for n in range(count):
        when = datetime(2025, 5, 3 + n, 9)
        debrief = make_debrief(
            host,
            state="closed",
            event=make_event(reported_at=when),
            answers=_said(True),
            suggest_themes=False,
            submitted_at=submitted_at or when + timedelta(days=1),
        )
        from debrief.extensions import db_session

        db_session().add(DebriefTheme(debrief_id=debrief.id, theme_id=theme, confirmed=True))
        db_session().commit()


def front_page(workbook) -> dict[str, tuple]:
    """Return the Summary sheet's rows as {measure: (this, compared, change, note)}."""
    rows = {}
    for row in workbook["Summary"].iter_rows(values_only=True):
        if row and row[0] and len(row) >= 4:
            rows.setdefault(row[0], tuple(row[1:5]))  # the compared figure, not a later change
    return rows


@pytest.fixture
def known(app):
    with app.app_context():
        data = build_known_data()
        _add_q2(data["host"], 6)
        yield data


def _events_in(db, period) -> int:
    start, stop = period.utc_bounds()
    return db.scalar(
        select(func.count(Event.id)).where(Event.reported_at >= start, Event.reported_at < stop)
    )


def test_the_front_page_compares_with_the_previous_period(app, db, tmp_path, known):
    hub = make_user(["hub_reviewer"], username="pack-hub")
    workbook = open_workbook(run_export(app, tmp_path, hub, unsuppressed=True))
    assert workbook.sheetnames[:4] == [
        "Summary",
        "About",
        "Headline figures",
        "Recommendation 2 by month",
    ]
    page = front_page(workbook)
    heading = workbook["Summary"]["A3"].value
    assert heading == (
        "Compared with: April to June 2025 (quarter 2) (the previous period; nothing shared "
        "before)."
    )
    events_q3, events_q2 = _events_in(db, Q3), _events_in(db, Q2)
    assert (events_q3, events_q2) == (8, 7)
    assert page["OIC events"][:3] == (events_q3, events_q2, events_q3 - events_q2)
    assert page["Events with a debrief submitted"][:3] == (6, 7, -1)
    assert page["Recommendation 2 (debriefs)"][0] == pytest.approx(4 / 6)
    assert page["Recommendation 2 (debriefs)"][1] == pytest.approx(6 / 7)
    assert page["Debriefs still with the hub or the sergeant (not yet closed)"][0] == 1
    # Children: 4 in Q3 against 6 in Q2 (confirmed on closed debriefs): it fell.
    fell = page["Children and unaccompanied minors"]
    assert fell[:3] == (4, 6, -2)


def test_since_the_last_meeting_compares_with_what_was_shared(app, db, tmp_path, known):
    lead = make_user(["partnership_lead"], username="pack-lead")
    run_export(app, tmp_path, lead, period=Q2, shared_with="OIC partnership meeting")
    shared = db.scalars(select(Disclosure)).one()
    assert shared.figures["events"] == 7 and shared.recipient_key == "oic partnership meeting"
    # Late debriefs of Q2 arrive after the meeting: 4 more, enough to show the change.
    _add_q2(known["host"], 4, theme="age_dispute", submitted_at=utcnow() + timedelta(minutes=1))
    workbook = open_workbook(
        run_export(app, tmp_path, lead, shared_with="  OIC  partnership meeting ")
    )
    heading = workbook["Summary"]["A3"].value
    assert heading.startswith("Compared with: April to June 2025 (quarter 2), as shared on ")
    page = front_page(workbook)
    assert page["OIC events"][:2] == (8, 7)  # as shared, not the 11 there are now
    changed = [
        row for row in workbook["Summary"].iter_rows(values_only=True) if row[4] and "Now" in row[4]
    ]
    assert ("OIC events", 11, 7) == changed[0][:3]
    assert page["Debriefs submitted since it was shared"][0] == 4
    # A copy for other recipients compares with the previous period instead.
    other = open_workbook(run_export(app, tmp_path, lead, shared_with="Border Force only"))
    assert "nothing shared before" in other["Summary"]["A3"].value
    assert front_page(other)["OIC events"][:2] == (8, 11)


def test_a_change_since_shared_by_a_small_number_is_hidden(app, db, tmp_path, known):
    lead = make_user(["partnership_lead"], username="pack-lead-2")
    run_export(app, tmp_path, lead, period=Q2)
    _add_q2(known["host"], 1)  # one late debrief: its count must not be worked out
    workbook = open_workbook(run_export(app, tmp_path, lead))
    changed = {
        row[0]: row[1:3]
        for row in workbook["Summary"].iter_rows(values_only=True)
        if row[4] and str(row[4]).startswith("Now")
    }
    assert changed["OIC events"] == (HIDDEN, 7)


@pytest.mark.parametrize("threshold", [3, 5])
def test_no_suppressed_cell_can_be_recovered_from_the_other_column(build_app, tmp_path, threshold):
    """Brute force: for every row of every partner front page over two periods, try every
    value a suppressed cell could take; the printed cells must leave more than one."""
    app = build_app(SMALL_NUMBER_THRESHOLD=threshold)
    with app.app_context():
        data = build_known_data()
        _add_q2(data["host"], 2)
        lead = make_user(["partnership_lead"], username="pack-brute")
        books = [
            open_workbook(run_export(app, tmp_path, lead, period=Q2)),
            open_workbook(run_export(app, tmp_path, lead)),  # compares with the Q2 copy
            open_workbook(run_export(app, tmp_path, lead, shared_with="Someone else")),
        ]
    for workbook in books:
        for row in workbook["Summary"].iter_rows(min_row=6, values_only=True):
            this, other, moved = row[1:4]
            cells = [this, other]
            if not any(_suppressed(c) for c in cells):
                continue
            candidates = [_values(c, threshold) for c in cells]
            possible = [
                (a, b) for a, b in itertools.product(*candidates) if moved is None or a - b == moved
            ]
            for index, cell in enumerate(cells):
                if _suppressed(cell):
                    assert len({p[index] for p in possible}) > 1, (row, cell)


def _suppressed(cell) -> bool:
    return isinstance(cell, str) and (cell.startswith("<") or cell == HIDDEN)


def _values(cell, threshold: int) -> list[int]:
    if isinstance(cell, str) and cell.startswith("<"):
        return list(range(1, threshold))
    if cell == HIDDEN:
        return list(range(threshold, threshold + 20))
    if isinstance(cell, int | float):
        return [cell]
    return [0]


def test_previous_periods_are_the_standard_ones():
    assert previous_period(Q3) == Q2
    assert previous_period(periods.quarter(2025, 1)) == periods.quarter(2024, 4)
    assert previous_period(periods.month(2025, 1)) == periods.month(2024, 12)
    assert previous_period(periods.financial_year(2025)) == periods.financial_year(2024)
    week = periods.custom(date(2025, 7, 8), date(2025, 7, 14))
    assert (previous_period(week).start, previous_period(week).end) == (
        date(2025, 7, 1),
        date(2025, 7, 7),
    )


def test_the_recipient_group_not_the_words_decides_what_was_shared_before(app, db, tmp_path, known):
    from debrief.models import RecipientGroup

    group = RecipientGroup(name="OIC partnership meeting")
    db.add(group)
    db.commit()
    lead = make_user(["partnership_lead"], username="pack-group")
    run_export(
        app, tmp_path, lead, period=Q2, recipient_group_id=group.id, shared_with="Group: June"
    )
    workbook = open_workbook(
        run_export(app, tmp_path, lead, recipient_group_id=group.id, shared_with="Group: September")
    )
    assert ", as shared on " in workbook["Summary"]["A3"].value
    typed = open_workbook(run_export(app, tmp_path, lead, shared_with="Group: June"))
    assert "nothing shared before" in typed["Summary"]["A3"].value
