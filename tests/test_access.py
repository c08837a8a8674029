"""Deny by default: walk every route in the app so a new one cannot escape."""

from __future__ import annotations

import re

from debrief.security import PUBLIC_ENDPOINTS, required_permission


def _example_url(rule) -> str:
    url = rule.rule
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule):
        value = "1" if converter in {"int", "float"} else "x"
        url = re.sub(rf"<(?:\w+:)?{name}>", value, url)
    return url


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_non_public_route_sends_an_anonymous_visitor_to_sign_in(app, client):
    checked = 0
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.open(_example_url(rule), method=method)
        assert response.status_code == 302, f"{method} {rule.rule} answered {response.status_code}"
        assert "/sign-in" in response.headers["Location"], f"{method} {rule.rule}"
        checked += 1
    assert checked >= 5


def test_every_non_public_route_declares_a_permission(app):
    with app.test_request_context():
        missing = [
            rule.rule
            for rule in app.url_map.iter_rules()
            if rule.endpoint not in PUBLIC_ENDPOINTS and required_permission(rule.endpoint) is None
        ]
    assert missing == []


def test_a_role_without_the_permission_gets_403_and_it_is_audited(client, login_as, db):
    from debrief.models import AuditEntry

    login_as("sergeant")
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)
    refused = db.query(AuditEntry).filter_by(action="access.refused").one()
    assert refused.object_id == "admin.users"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
