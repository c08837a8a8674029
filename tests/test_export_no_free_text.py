"""The partnership copy never carries text a person typed: a name typed into every
free-text field of the service is searched for in every cell of the partner workbook."""

from __future__ import annotations

from datetime import date, datetime

from debrief.extensions import db_session
from debrief.models import FollowUpAction, HistoryEntry, ReviewNote
from debrief.questions.active import active_question_set
from tests.export_helpers import open_workbook, run_export, summary_figures
from tests.factories import make_debrief, make_event, make_user

NAME = "Jane Smithfield"


def test_a_name_typed_anywhere_never_reaches_the_partner_copy(app, tmp_path):
    with app.app_context():
        question_set = active_question_set(app)
        host = make_user(["sergeant"], username="sgt", full_name=f"PC {NAME}")
        hub = make_user(["hub_reviewer"], username="hub", full_name=f"Reviewer {NAME}")
        typed = {q.id: f"Spoke to {NAME}" for q in question_set.questions if q.kind.free_text}
        assert len(typed) >= 10
        session = db_session()
        for day in range(1, 8):
            debrief = make_debrief(
                host,
                state="closed",
                suggest_themes=False,
                answers={"intel_doc_submitted": "yes", **typed},
                event=make_event(reported_at=datetime(2025, 8, day, 9)),
            )
            session.add(
                FollowUpAction(
                    debrief_id=debrief.id,
                    description=f"Call {NAME}",
                    owner=f"PC {NAME}",
                    outcome=f"{NAME} called back",
                    due_date=date(2025, 9, 1),
                    created_by_id=hub.id,
                )
            )
            session.add(ReviewNote(debrief_id=debrief.id, author_id=hub.id, text=f"Ask {NAME}"))
            session.add(
                HistoryEntry(
                    debrief_id=debrief.id,
                    actor_id=hub.id,
                    kind="transition",
                    summary="Returned",
                    reason=f"{NAME} to add the NCCU reference",
                    at=datetime(2025, 8, day, 12),
                )
            )
        session.commit()
        data = run_export(app, tmp_path, hub, shared_with=f"Meeting chaired by {NAME}")

    workbook = open_workbook(data)
    found = [
        f"{sheet.title}!{cell.coordinate}: {cell.value}"
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "Smithfield" in cell.value
    ]
    assert found == [], "\n".join(found)
    assert summary_figures(workbook)["Debriefs in this workbook"] >= 7  # the data is there
