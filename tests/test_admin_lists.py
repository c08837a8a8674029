"""Administration > Lists: teams and recipient groups, added, renamed, retired, brought
back, each change audited; administrators only; a form without its token changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from debrief.models import AuditEntry, RecipientGroup, Team
from tests.factories import DEFAULT_PASSWORD, make_user


def test_lists_are_kept_by_the_administrator_and_every_change_is_audited(client, login_as, db):
    login_as("admin")
    page = client.get("/admin/lists").get_data(as_text=True)
    assert '<h2 class="govuk-heading-m" id="teams">Teams</h2>' in page
    assert "No teams yet." in page and "No recipient groups yet." in page

    added = client.post("/admin/lists/teams", data={"teams-name": "  Force   training team "})
    assert added.status_code == 302 and added.headers["Location"].endswith("/admin/lists#teams")
    assert "Team Force training team added." in client.get("/admin/lists").get_data(as_text=True)
    team = db.scalars(select(Team)).one()
    assert (team.name, team.retired) == ("Force training team", False)

    for name, message in (
        ("force training TEAM", "There is already a team called force training TEAM"),
        ("   ", "Enter the name of the team"),
        ("x" * 121, "The name must be 120 characters or fewer"),
    ):
        refused = client.post("/admin/lists/teams", data={"teams-name": name})
        assert refused.status_code == 400
        text = refused.get_data(as_text=True)
        assert message in text and "There is a problem" in text
    assert db.scalars(select(Team)).all() == [team]

    client.post("/admin/lists/groups", data={"groups-name": "OIC partnership meeting"})
    group = db.scalars(select(RecipientGroup)).one()
    # The same name may be a team and a group: the lists are separate.
    assert (
        client.post("/admin/lists/groups", data={"groups-name": "Force training team"}).status_code
        == 302
    )

    form = client.get(f"/admin/lists/teams/{team.id}").get_data(as_text=True)
    assert 'value="Force training team"' in form and "Retire Force training team" in form
    renamed = client.post(f"/admin/lists/teams/{team.id}", data={"name": "Training team"})
    assert renamed.status_code == 302
    retired = client.post(f"/admin/lists/teams/{team.id}/retire")
    assert retired.status_code == 302
    page = client.get("/admin/lists").get_data(as_text=True)
    assert "Training team" in page and "Retired" in page
    client.post(f"/admin/lists/teams/{team.id}/restore")
    client.post(f"/admin/lists/groups/{group.id}/retire")
    db.expire_all()
    assert (db.get(Team, team.id).name, db.get(Team, team.id).retired) == ("Training team", False)
    assert db.get(RecipientGroup, group.id).retired is True

    records = db.scalars(select(AuditEntry).where(AuditEntry.category == "alteration")).all()
    assert [(r.action, r.object_type) for r in records] == [
        ("team.add", "team"),
        ("recipient_group.add", "recipient_group"),
        ("recipient_group.add", "recipient_group"),
        ("team.rename", "team"),
        ("team.retire", "team"),
        ("team.restore", "team"),
        ("recipient_group.retire", "recipient_group"),
    ]
    assert records[3].details == {"from": "Force training team", "to": "Training team"}
    assert client.get("/admin/lists/nothing/1").status_code == 404
    assert client.get(f"/admin/lists/teams/{team.id + 100}").status_code == 404


@pytest.mark.parametrize("role", ["sergeant", "hub_reviewer", "partnership_lead"])
def test_only_administrators_reach_the_lists(client, login_as, db, role):
    login_as(role)
    assert client.get("/admin/lists").status_code == 403
    assert client.post("/admin/lists/teams", data={"teams-name": "Mine"}).status_code == 403
    assert db.scalars(select(Team)).first() is None


def test_a_list_change_without_the_form_token_changes_nothing(build_app):
    import re

    app = build_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(["admin"], username="ash")
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/sign-in", data={"username": "ash", "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    forged = client.post("/admin/lists/teams", data={"teams-name": "Forged"})
    assert forged.status_code == 400
    with app.app_context():
        from debrief.extensions import db_session

        assert db_session().scalars(select(Team)).first() is None
