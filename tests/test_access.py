"""Deny by default: walk every route in the app, as every kind of visitor, against one table."""

from __future__ import annotations

import re

import pytest

from debrief.models import AuditEntry, User
from debrief.security import PUBLIC_ENDPOINTS, required_permission
from tests.access_table import EXPECTED, MISSING_ID, ROLES, VISITORS
from tests.factories import DEFAULT_PASSWORD, make_user


def _example_url(rule) -> str:
    """Fill every variable with a missing object: 999999 for numbers, "x" otherwise."""
    url = rule.rule
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule):
        value = str(MISSING_ID) if converter in {"int", "float"} else "x"
        url = re.sub(rf"<(?:\w+:)?{name}>", value, url)
    return url


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _expected(endpoint: str, method: str) -> dict[str, int] | None:
    return EXPECTED.get(f"{method} {endpoint}") or EXPECTED.get(endpoint)


def _sign_in(client, username: str) -> None:
    response = client.post("/sign-in", data={"username": username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, f"{username} could not sign in"


def test_every_route_is_in_the_access_table(app):
    missing = sorted(
        {
            f"{method} {rule.endpoint} ({rule.rule})"
            for rule, method in _routes(app)
            if _expected(rule.endpoint, method) is None
        }
    )
    assert missing == [], "add these routes to tests/access_table.py"


def test_the_access_table_names_no_route_that_is_gone(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = [key for key in EXPECTED if key.split(" ")[-1] not in endpoints]
    assert stale == []
    assert all(set(row) == set(VISITORS) for row in EXPECTED.values())


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_route_answers_each_visitor_as_the_table_says(app, db, visitor):
    client = app.test_client()
    username = f"walker-{visitor}".replace("_", "")
    if visitor in ROLES:
        make_user([visitor], username=username)
    elif visitor == "deactivated":
        make_user(list(ROLES), username=username)
    signed_in = visitor != "anonymous"
    if signed_in:
        _sign_in(client, username)
    if visitor == "deactivated":
        db.get(User, db.query(User).filter_by(username=username).one().id).active = False
        db.commit()

    wrong = []
    checked = 0
    for rule, method in _routes(app):
        row = _expected(rule.endpoint, method)
        if row is None:
            continue
        url = _example_url(rule)
        response = client.open(url, method=method, data={} if method != "GET" else None)
        response.close()  # a download streams from a file: let it go
        checked += 1
        if response.status_code != row[visitor]:
            wrong.append(f"{method} {url}: {response.status_code}, table says {row[visitor]}")
        if response.status_code == 302 and row[visitor] == 302 and not signed_in:
            assert "/sign-in" in response.headers["Location"], f"{method} {url}"
        if method != "GET" and visitor in ROLES:
            client = app.test_client()  # a POST may have signed them out: start afresh
            _sign_in(client, username)
    assert checked >= 10
    assert wrong == []


def test_deactivated_person_is_sent_to_sign_in_on_their_next_request(app, client, login_as, db):
    user = login_as("admin", username="leaving")
    assert client.get("/admin/").status_code == 200
    db.get(User, user.id).active = False
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_every_non_public_route_declares_a_permission(app):
    with app.test_request_context():
        missing = [
            rule.rule
            for rule in app.url_map.iter_rules()
            if rule.endpoint not in PUBLIC_ENDPOINTS and required_permission(rule.endpoint) is None
        ]
    assert missing == []


def test_a_role_without_the_permission_gets_403_and_it_is_audited(client, login_as, db):
    login_as("sergeant")
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)
    refused = db.query(AuditEntry).filter_by(action="access.refused").one()
    assert refused.object_id == "admin.users"
    assert refused.username == "sergeant-user"
    assert refused.details == {"path": "/admin/", "method": "GET"}


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
