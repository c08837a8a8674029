"""The Actions sheet partners read (issue 19), read back with openpyxl in both copies, and
the recipient group an export is shared with."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from debrief.admin import lists
from debrief.audit import Actor
from debrief.extensions import db_session
from debrief.models import AuditEntry, FollowUpAction, TeamMembership
from tests.export_helpers import build_known_data, open_workbook, run_export, table_rows
from tests.factories import make_user

PAST, FUTURE = date(2025, 8, 1), date(2999, 1, 1)


@pytest.fixture
def data(app):
    """The known data set plus an action of each kind of owner, one per debrief."""
    with app.app_context():
        known = build_known_data()
        session = db_session()
        admin = make_user(["admin"], username="admin")
        bureau = lists.add(session, Actor(admin), lists.KINDS["teams"], "Intelligence bureau")
        in_team = make_user(["hub_reviewer"], username="pc1", full_name="Pat Teamed")
        alone = make_user(["hub_reviewer"], username="pc2", full_name="Sol Teamless")
        session.add(TeamMembership(user_id=in_team.id, team_id=bureau.id))
        reviewer, debriefs = known["reviewer"], known["debriefs"]
        rows = [
            # debrief, owner columns, due, status, summary, shareable
            (
                1,
                {"owner_kind": "team", "owner_team_id": bureau.id, "owner": bureau.name},
                PAST,
                "open",
                "Complete the document on the first call.",
                True,
            ),
            (
                2,
                {"owner_kind": "agency", "owner_agency": "border_force", "owner": "Border Force"},
                PAST,
                "done",
                "Not yet agreed with Border Force.",
                False,
            ),
            (
                3,
                {
                    "owner_kind": "person",
                    "owner_user_id": in_team.id,
                    "owner": "Pat Teamed",
                    "theme_id": "training",  # its own theme, not the debrief's
                },
                FUTURE,
                "open",
                "Brief every shift.",
                True,
            ),
            (
                4,
                {"owner_kind": "person", "owner_user_id": alone.id, "owner": "Sol Teamless"},
                None,
                "open",
                "",
                True,
            ),
        ]
        for index, owner, due, status, summary, shareable in rows:
            session.add(
                FollowUpAction(
                    debrief_id=debriefs[index].id,
                    description=f"Hub words {index}",
                    due_date=due,
                    status=status,
                    outcome=f"Outcome {index}" if status == "done" else "",
                    partner_summary=summary,
                    partner_summary_shareable=shareable,
                    created_by_id=reviewer.id,
                    created_at=datetime(2025, 9, 1),
                    **owner,
                )
            )
        session.commit()
        yield known


def _by_debrief(workbook, known) -> dict[int, dict]:
    refs = {d.export_ref: n for n, d in enumerate(known["debriefs"])}
    return {refs[row["Export id"]]: row for row in table_rows(workbook["Actions"])}


def test_the_partner_copy_reads_summary_theme_team_or_agency_due_status_and_overdue(
    app, tmp_path, data
):
    with app.app_context():
        workbook = open_workbook(run_export(app, tmp_path, data["reviewer"]))
    rows = _by_debrief(workbook, data)
    assert list(table_rows(workbook["Actions"])[0]) == [
        "Export id",
        "Raised",
        "Theme",
        "Owner (team or agency)",
        "Due",
        "Status",
        "Overdue",
        "Partner summary",
    ]
    # Team owner, open past its due date, summary confirmed shareable.
    assert rows[1]["Owner (team or agency)"] == "Intelligence bureau"
    assert rows[1]["Theme"] == "Children and unaccompanied minors"
    assert rows[1]["Partner summary"] == "Complete the document on the first call."
    assert (rows[1]["Status"], rows[1]["Overdue"]) == ("Open", "Overdue")
    assert rows[1]["Due"] == datetime(2025, 8, 1)
    # Agency owner; done, so never overdue; a summary not confirmed is not shown.
    assert rows[2]["Owner (team or agency)"] == "Border Force"
    assert (
        rows[2]["Theme"]
        == "Children and unaccompanied minors; Intelligence document missing or late"
    )
    assert (rows[2]["Status"], rows[2]["Overdue"]) == ("Done", None)
    assert rows[2]["Partner summary"] == "No partner summary"
    # A person shows as their team, or as the force: never by name.
    assert rows[3]["Owner (team or agency)"] == "Intelligence bureau"
    assert rows[3]["Theme"] == "Training and awareness"
    assert (rows[3]["Overdue"], rows[3]["Partner summary"]) == (None, "Brief every shift.")
    assert rows[4]["Owner (team or agency)"] == "Police (force)"
    assert rows[4]["Partner summary"] == "No partner summary"  # confirmed, but empty
    assert rows[4]["Due"] is None
    # The known data's action, owner only written: could be a name, so not shown.
    assert rows[0]["Owner (team or agency)"] == "Not recorded"
    cells = [
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    for hidden in ("Pat Teamed", "Sol Teamless", "Hub words", "Outcome 2", "Not yet agreed"):
        assert not any(hidden in cell for cell in cells), hidden


def test_the_hub_free_text_copy_adds_the_owner_as_written_and_the_description(app, tmp_path, data):
    with app.app_context():
        workbook = open_workbook(
            run_export(app, tmp_path, data["reviewer"], include_free_text=True)
        )
    rows = _by_debrief(workbook, data)
    assert rows[3]["Owner as written"] == "Pat Teamed"
    assert rows[3]["Owner (team or agency)"] == "Intelligence bureau"
    assert rows[3]["Action"] == "Hub words 3"
    assert (rows[2]["Action"], rows[2]["Outcome"]) == ("Hub words 2", "Outcome 2")
    assert rows[0]["Owner as written"] == "Immigration Enforcement"
    assert rows[0]["Action"] == "Raise NCCU waits"
    assert rows[1]["Overdue"] == "Overdue"


def _post(client, data):
    response = client.post("/exports/", data=data)
    response.get_data()
    response.close()
    return response


Q3 = {"period_kind": "quarter", "quarter": "2025-Q3"}


def test_an_export_is_shared_with_a_recipient_group_whose_id_is_recorded(app, client, db, login_as):
    admin = make_user(["admin"], username="admin")
    meeting = lists.add(db, Actor(admin), lists.KINDS["groups"], "OIC partnership meeting")
    old = lists.add(db, Actor(admin), lists.KINDS["groups"], "Old board")
    lists.set_retired(db, Actor(admin), lists.KINDS["groups"], old, True)
    db.commit()
    login_as("partnership_lead")
    page = client.get("/exports/").get_data(as_text=True)
    assert f'value="{meeting.id}"' in page and "Someone else" in page
    assert "Old board" not in page

    missing = _post(client, Q3)
    assert missing.status_code == 200  # the form again, with its message
    assert "Select who the spreadsheet will be shared with" in missing.get_data(as_text=True)
    other = _post(client, {**Q3, "recipient_group": "other", "shared_with": " "})
    assert "Enter who the spreadsheet will be shared with" in other.get_data(as_text=True)
    retired = _post(client, {**Q3, "recipient_group": str(old.id)})
    assert "Select who the spreadsheet will be shared with" in retired.get_data(as_text=True)

    done = _post(
        client, {**Q3, "recipient_group": str(meeting.id), "shared_with": "14 October 2025"}
    )
    assert done.status_code == 200 and done.mimetype.endswith("spreadsheetml.sheet")
    one_off = _post(client, {**Q3, "recipient_group": "other", "shared_with": "NCA analyst"})
    assert one_off.status_code == 200
    records = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "export.themes").order_by(AuditEntry.id)
    ).all()
    assert [(r.details["recipient_group_id"], r.details["shared_with"]) for r in records] == [
        (meeting.id, "OIC partnership meeting: 14 October 2025"),
        (None, "NCA analyst"),
    ]


def test_the_command_line_records_the_recipient_group_too(app, runner, db, tmp_path):
    from debrief.cli import main

    admin = make_user(["admin"], username="admin")
    meeting = lists.add(db, Actor(admin), lists.KINDS["groups"], "OIC partnership meeting")
    db.commit()
    base = ["export", "themes", "--from", "2025-07-01", "--to", "2025-09-30"]
    base += ["--output", str(tmp_path / "q3.xlsx")]
    unknown = runner.invoke(main, [*base, "--recipient-group", "Board"])
    assert unknown.exit_code != 0
    assert "'Board' is not a recipient group; the groups are OIC partnership meeting" in (
        unknown.output
    )
    db_session().close()  # the refused run's transaction (its process would have ended)
    done = runner.invoke(main, [*base, "--recipient-group", "oic partnership MEETING"])
    assert done.exit_code == 0, done.output
    record = db.scalars(select(AuditEntry).where(AuditEntry.action == "export.themes")).one()
    assert record.details["recipient_group_id"] == meeting.id
    assert record.details["shared_with"] == "OIC partnership meeting"
