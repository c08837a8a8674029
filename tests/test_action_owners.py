"""Owners of follow-up actions (issue 19): free-text owners migrated and kept as written,
linked where the words name an agency, a username or (once added) a team; the hub's form."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from debrief import schema
from debrief.admin import lists
from debrief.audit import Actor
from debrief.extensions import db_session
from debrief.models import AuditEntry, FollowUpAction, HistoryEntry, Team, TeamMembership
from tests.factories import make_debrief, make_user

WRITTEN = {
    "Border Force": ("agency", "border_force", None),
    "  national   CRIME agency ": ("agency", "nca", None),
    "Local authority children's services": ("agency", "local_authority", None),
    "PC1234": ("person", None, "pc1234"),  # usernames are kept in lower case
    "PC Jane Smith": (None, None, None),  # a name, not an account: kept as written only
    "Force intelligence bureau": (None, None, None),  # no teams yet when it runs
}


def test_the_migration_keeps_free_text_owners_as_written_and_links_what_it_can(app, db):
    hub = make_user(["hub_reviewer"], username="hub")
    make_user(["sergeant"], username="pc1234", full_name="Pat Constable")
    debrief = make_debrief(make_user(["sergeant"], username="sgt"), state="closed")
    for owner in WRITTEN:
        db.add(
            FollowUpAction(
                debrief_id=debrief.id, description=f"For {owner}", owner=owner, created_by_id=hub.id
            )
        )
    db.commit()
    db.close()
    db_session().close()
    engine = app.extensions["debrief.engine"]
    engine.dispose()
    # Back to before the owners were chosen from lists, and up again: the real migration,
    # on whichever database the suite runs (SQLite, then PostgreSQL in CI).
    schema.downgrade(engine, schema.revision_before("0013"))
    schema.upgrade(engine)
    assert schema.differences(engine) == []

    actions = {a.owner: a for a in db.scalars(select(FollowUpAction))}
    assert set(actions) == set(WRITTEN)  # every owner kept as written, word for word
    for owner, (kind, agency, username) in WRITTEN.items():
        action = actions[owner]
        assert (action.owner_kind, action.owner_agency) == (kind, agency), owner
        assert (action.owner_user.username if action.owner_user else None) == username
        assert action.partner_summary == "" and action.partner_summary_shareable is False

    # Adding the team later links the actions written with its name, and says so.
    admin = make_user(["admin"], username="admin")
    team = lists.add(db, Actor(admin), lists.KINDS["teams"], "force  intelligence bureau")
    db.commit()
    linked = db.scalars(select(FollowUpAction).where(FollowUpAction.owner_team_id == team.id))
    assert [a.owner for a in linked] == ["Force intelligence bureau"]
    record = db.scalars(select(AuditEntry).where(AuditEntry.action == "team.add")).one()
    assert record.details == {"name": "force intelligence bureau", "actions_linked": 1}


def _form(**fields):
    data = {
        "description": "Chase the intelligence document",
        "due_date": ["1", "3", "2026"],
        "status": "open",
    }
    data.update(fields)
    return data


def test_the_form_offers_people_teams_and_agencies_and_saves_the_choice(client, login_as, db):
    reviewer = login_as("hub_reviewer", full_name="Harper Hub")
    debrief = make_debrief(make_user(["sergeant"], username="sgt"), state="submitted")
    make_user(["sergeant"], username="gone", full_name="Gone Person", active=False)
    admin = make_user(["admin"], username="admin")
    bureau = lists.add(db, Actor(admin), lists.KINDS["teams"], "Force intelligence bureau")
    old = lists.add(db, Actor(admin), lists.KINDS["teams"], "Old team")
    lists.set_retired(db, Actor(admin), lists.KINDS["teams"], old, True)
    db.commit()

    page = client.get(f"/review/{debrief.id}/actions/new").get_data(as_text=True)
    assert "Who owns the action?" in page
    assert f'<option value="{bureau.id}">Force intelligence bureau</option>' in page
    assert "Old team" not in page  # retired: offered no more
    assert "Gone Person" not in page  # only active accounts
    assert '<option value="border_force">Border Force</option>' in page
    assert "This summary is shareable with partners" in page
    assert "Keep the owner as written" not in page
    assert (
        '<option value="intel_doc_missing">Intelligence document missing or late</option>' in page
    )

    # A kind without its choice, a retired team, an inactive person: each named.
    for fields, message in (
        ({"owner_kind": "team", "owner_team": ""}, "Select the team"),
        ({"owner_kind": "team", "owner_team": str(old.id)}, "Select the team"),
        ({"owner_kind": "person", "owner_person": "999999"}, "Select the person"),
        ({"owner_kind": "agency", "owner_agency": "mi5"}, "Select the partner agency"),
        ({"owner_kind": "written"}, "Select who owns the action"),
    ):
        response = client.post(f"/review/{debrief.id}/actions/new", data=_form(**fields))
        assert response.status_code == 400, fields
        assert message in response.get_data(as_text=True)
    assert db.scalars(select(FollowUpAction)).first() is None

    # A summary with a reference is refused with the words typed kept.
    typed = "Chase NCCU-2025061401 with the officer"
    response = client.post(
        f"/review/{debrief.id}/actions/new",
        data=_form(
            owner_kind="team", owner_team=str(bureau.id), partner_summary=typed, shareable="y"
        ),
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The partner summary must not contain an NCCU reference" in text
    assert typed in text and f'<option value="{bureau.id}" selected>' in text

    response = client.post(
        f"/review/{debrief.id}/actions/new",
        data=_form(
            owner_kind="person",
            owner_person=str(reviewer.id),
            partner_summary="Complete the intelligence document on the first call.",
            shareable="y",
            theme_id="intel_doc_missing",
        ),
    )
    assert response.status_code == 302
    action = db.scalars(select(FollowUpAction)).one()
    assert (action.owner_kind, action.owner_user_id, action.owner) == (
        "person",
        reviewer.id,
        "Harper Hub",
    )
    assert action.partner_summary_shareable is True
    assert action.theme_id == "intel_doc_missing"
    assert action.due_date == date(2026, 3, 1)
    shown = client.get(f"/review/{debrief.id}").get_data(as_text=True)
    assert "For partners: Complete the intelligence document on the first call." in shown
    history = db.scalars(select(HistoryEntry).where(HistoryEntry.kind == "action")).one()
    assert history.summary.startswith("Raised a follow-up action for Harper Hub")

    # Changed to a team: the owner follows, the summary unconfirmed is no longer shared.
    response = client.post(
        f"/review/actions/{action.id}",
        data=_form(
            owner_kind="team",
            owner_team=str(bureau.id),
            partner_summary="Complete the intelligence document on the first call.",
            version=1,
        ),
    )
    assert response.status_code == 302
    db.expire_all()
    action = db.get(FollowUpAction, action.id)
    assert (action.owner_kind, action.owner_team_id, action.owner) == (
        "team",
        bureau.id,
        "Force intelligence bureau",
    )
    assert action.owner_user_id is None and action.partner_summary_shareable is False
    update = db.scalars(select(AuditEntry).where(AuditEntry.action == "action.update")).one()
    assert update.details["fields"] == ["owner", "theme", "partner summary"]
    assert action.theme_id is None

    # Renaming the team carries the name to its actions; retiring it keeps it on them.
    lists.rename(db, Actor(admin), lists.KINDS["teams"], bureau, "Intelligence bureau")
    lists.set_retired(db, Actor(admin), lists.KINDS["teams"], bureau, True)
    db.commit()
    page = client.get(f"/review/actions/{action.id}").get_data(as_text=True)
    assert f'<option value="{bureau.id}" selected>Intelligence bureau (retired)</option>' in page
    listed = client.get("/review/actions?owner=Intelligence bureau").get_data(as_text=True)
    assert "Chase the intelligence document" in listed


def test_an_owner_as_written_stays_until_another_is_chosen(client, login_as, db):
    reviewer = login_as("hub_reviewer")
    debrief = make_debrief(make_user(["sergeant"], username="sgt"), state="closed")
    action = FollowUpAction(
        debrief_id=debrief.id,
        description="Talk to the port",
        owner="Port liaison (Sgt Brown)",
        created_by_id=reviewer.id,
    )
    db.add(action)
    db.commit()
    page = client.get(f"/review/actions/{action.id}").get_data(as_text=True)
    assert "Keep the owner as written: Port liaison (Sgt Brown)" in page
    assert 'value="written" checked' in page
    response = client.post(
        f"/review/actions/{action.id}",
        data=_form(description="Talk to the port", owner_kind="written", status="done", version=1),
    )
    assert response.status_code == 302
    db.expire_all()
    kept = db.get(FollowUpAction, action.id)
    assert (kept.owner, kept.owner_kind, kept.status) == ("Port liaison (Sgt Brown)", None, "done")


def test_a_persons_team_is_set_on_their_account_page(client, login_as, db):
    admin = login_as("admin")
    person = make_user(["hub_reviewer"], username="hub")
    team = lists.add(db, Actor(admin), lists.KINDS["teams"], "Safeguarding hub")
    db.commit()
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert '<option value="" selected>No team</option>' in page
    response = client.post(f"/admin/users/{person.id}/team", data={"team": str(team.id)})
    assert response.status_code == 302
    assert db.get(TeamMembership, person.id).team_id == team.id
    record = db.scalars(select(AuditEntry).where(AuditEntry.action == "user.team")).one()
    assert record.details == {"from": None, "to": team.id}
    response = client.post(f"/admin/users/{person.id}/team", data={"team": "x"})
    assert "Choose a team from the list" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    db.expire_all()
    assert db.get(TeamMembership, person.id).team_id == team.id
    assert db.get(Team, team.id).name == "Safeguarding hub"
