"""CSRF is enforced on every POST: one test with protection switched on."""

from __future__ import annotations

import re

from tests.factories import DEFAULT_PASSWORD, make_user


def test_post_without_token_changes_nothing_and_shows_a_friendly_page(build_app):
    app = build_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(["sergeant"], username="sam")
    forged = client.post("/sign-in", data={"username": "sam", "password": DEFAULT_PASSWORD})
    assert forged.status_code == 302 and forged.headers["Location"] == "/sign-in"
    assert "open for too long" in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/debriefs/").status_code == 302  # not signed in

    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed_in = client.post(
        "/sign-in", data={"username": "sam", "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302
    sign_out_without_token = client.post("/sign-out")
    assert sign_out_without_token.status_code == 400
    assert "Nothing was saved or changed" in sign_out_without_token.get_data(as_text=True)
    assert client.get("/debriefs/").status_code == 200  # still signed in
