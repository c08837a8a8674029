"""Administration of accounts: list, create, roles, deactivate, reset, last administrator."""

from __future__ import annotations

import re

from debrief.models import AuditEntry, User
from tests.factories import DEFAULT_PASSWORD, make_user


def _user(db, username: str) -> User:
    db.expire_all()
    return db.query(User).filter_by(username=username).one()


def _one_time_password(page: str) -> str:
    match = re.search(r'id="one-time-password">([^<]+)<', page)
    assert match, "no one-time password on the page"
    return match.group(1).strip()


def _row(page: str, name: str) -> str:
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


def test_users_page_lists_roles_last_sign_in_and_state(app, client, login_as, db):
    login_as("admin", username="boss")
    make_user(["sergeant", "hub_reviewer"], username="both", full_name="Pat Both")
    make_user(["sergeant"], username="gone", full_name="Gone Person", active=False)
    make_user(["sergeant"], username="locked", full_name="Lock Ed")
    guesser = app.test_client()
    for _ in range(5):
        guesser.post("/sign-in", data={"username": "locked", "password": "wrong password!"})
    page = client.get("/admin/").get_data(as_text=True)
    assert "4 accounts" in page
    page = page[page.index("<tbody") :]
    row = _row(page, "Pat Both")
    assert "Sergeant (debrief host), Safeguarding hub reviewer" in row
    assert "Never" in row and "Active" in row
    assert "Deactivated" in _row(page, "Gone Person")
    assert "Locked" in _row(page, "Lock Ed")
    boss = _row(page, "Test Admin")
    assert "Active" in boss and "Never" not in boss  # boss has signed in


def test_create_account_shows_the_one_time_password_once_and_it_works(app, client, login_as, db):
    login_as("admin", username="boss")
    response = client.post(
        "/admin/users/new",
        data={"full_name": "Sam Sergeant", "username": " Sam.Smith ", "roles": ["sergeant"]},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Account created" in page
    password = _one_time_password(page)
    assert response.headers["Cache-Control"] == "no-store"
    created = _user(db, "sam.smith")
    assert created.roles == {"sergeant"} and created.must_change_password
    assert password not in created.password_hash
    # Shown once: the account page never shows it again.
    assert password not in client.get(f"/admin/users/{created.id}").get_data(as_text=True)
    entry = db.query(AuditEntry).filter_by(action="user.create").all()[-1]
    assert entry.username == "boss" and entry.object_id == str(created.id)
    assert password not in str(entry.details)

    newcomer = app.test_client()
    first = newcomer.post("/sign-in", data={"username": "sam.smith", "password": password})
    assert first.headers["Location"] == "/account/password"


def test_create_account_form_explains_mistakes(client, login_as, db):
    login_as("admin", username="boss")
    page = client.post("/admin/users/new", data={"full_name": "", "username": "a b"}).get_data(
        as_text=True
    )
    assert "There is a problem" in page
    assert "Enter the person&#39;s full name" in page
    assert "Username must contain only letters, digits, . - and _" in page
    assert "Select at least one role" in page
    dup = client.post(
        "/admin/users/new",
        data={"full_name": "Again", "username": "boss", "roles": ["sergeant"]},
    ).get_data(as_text=True)
    assert "An account called boss already exists" in dup


def test_role_change_counts_on_the_persons_next_request(app, client, login_as, db):
    login_as("admin", username="boss")
    person = make_user(["sergeant"], username="pat")
    pat = app.test_client()
    pat.post("/sign-in", data={"username": "pat", "password": DEFAULT_PASSWORD})
    assert pat.get("/debriefs/").status_code == 200
    assert pat.get("/review/").status_code == 403

    response = client.post(
        f"/admin/users/{person.id}/roles", data={"roles": ["hub_reviewer"]}, follow_redirects=True
    )
    assert "Roles of pat changed." in response.get_data(as_text=True)
    db.commit()
    assert pat.get("/review/").status_code == 200
    assert pat.get("/debriefs/").status_code == 403
    entry = db.query(AuditEntry).filter_by(action="user.roles").one()
    assert entry.details == {"username": "pat", "before": ["sergeant"], "after": ["hub_reviewer"]}
    assert entry.username == "boss"


def test_deactivate_signs_the_person_out_and_reactivate_lets_them_back(app, client, login_as, db):
    login_as("admin", username="boss")
    person = make_user(["sergeant"], username="pat")
    pat = app.test_client()
    pat.post("/sign-in", data={"username": "pat", "password": DEFAULT_PASSWORD})

    done = client.post(f"/admin/users/{person.id}/deactivate", follow_redirects=True)
    assert "pat has been deactivated and signed out." in done.get_data(as_text=True)
    db.commit()
    assert pat.get("/debriefs/").headers["Location"].startswith("/sign-in")
    again = pat.post("/sign-in", data={"username": "pat", "password": DEFAULT_PASSWORD})
    assert "Sign-in failed" in again.get_data(as_text=True)
    assert _user(db, "pat").active is False  # kept, never deleted

    client.post(f"/admin/users/{person.id}/reactivate")
    back = pat.post("/sign-in", data={"username": "pat", "password": DEFAULT_PASSWORD})
    assert back.status_code == 302
    actions = [e.action for e in db.query(AuditEntry).filter_by(object_type="user").all()]
    assert "user.deactivate" in actions and "user.reactivate" in actions


def test_reset_password_ends_sessions_lifts_lock_and_shows_a_new_one_time_password(
    app, client, login_as, db
):
    login_as("admin", username="boss")
    person = make_user(["sergeant"], username="pat")
    pat = app.test_client()
    pat.post("/sign-in", data={"username": "pat", "password": DEFAULT_PASSWORD})
    for _ in range(5):
        app.test_client().post("/sign-in", data={"username": "pat", "password": "not the one!"})
    assert "Locked" in client.get(f"/admin/users/{person.id}").get_data(as_text=True)

    page = client.post(f"/admin/users/{person.id}/reset-password").get_data(as_text=True)
    assert "Password reset" in page
    password = _one_time_password(page)
    db.commit()
    assert pat.get("/debriefs/").headers["Location"].startswith("/sign-in")
    fresh = app.test_client()
    response = fresh.post("/sign-in", data={"username": "pat", "password": password})
    assert response.headers["Location"] == "/account/password"
    entry = db.query(AuditEntry).filter_by(action="user.password_reset").one()
    assert password not in str(entry.details)


def test_unlock_lets_a_locked_person_try_again(app, client, login_as, db):
    login_as("admin", username="boss")
    person = make_user(["sergeant"], username="pat")
    for _ in range(5):
        app.test_client().post("/sign-in", data={"username": "pat", "password": "not the one!"})
    refused = app.test_client().post(
        "/sign-in", data={"username": "pat", "password": DEFAULT_PASSWORD}
    )
    assert "Sign-in failed" in refused.get_data(as_text=True)
    client.post(f"/admin/users/{person.id}/unlock")
    ok = app.test_client().post("/sign-in", data={"username": "pat", "password": DEFAULT_PASSWORD})
    assert ok.status_code == 302


def test_the_last_active_administrator_cannot_be_removed(client, login_as, db):
    boss = login_as("admin", username="boss")
    page = client.post(f"/admin/users/{boss.id}/deactivate", follow_redirects=True).get_data(
        as_text=True
    )
    assert "boss is the only active administrator" in page
    refused = client.post(f"/admin/users/{boss.id}/roles", data={"roles": ["sergeant"]})
    assert refused.status_code == 409
    assert "boss is the only active administrator" in refused.get_data(as_text=True)
    assert _user(db, "boss").active and "admin" in _user(db, "boss").roles

    # A deactivated administrator does not count; an active second one does.
    make_user(["admin"], username="former", active=False)
    assert client.post(f"/admin/users/{boss.id}/deactivate").status_code == 302
    assert _user(db, "boss").active
    make_user(["admin"], username="deputy")
    client.post(f"/admin/users/{boss.id}/roles", data={"roles": ["admin", "sergeant"]})
    assert _user(db, "boss").roles == {"admin", "sergeant"}
    done = client.post(f"/admin/users/{boss.id}/roles", data={"roles": ["sergeant"]})
    assert done.status_code == 302
    assert _user(db, "boss").roles == {"sergeant"}
    assert client.get("/admin/").status_code == 403  # counts at once, for oneself too
