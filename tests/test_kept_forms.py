"""A save that cannot be made keeps what was typed, for its owner only (issue 16).

What the browser sends is spelt out as Chromium sends it: `Origin: null` with
`Sec-Fetch-Site` under our `Referrer-Policy: no-referrer`. The domain rules (key,
size, count, pruning) are tested in test_pending_forms.py.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from debrief import pending_forms
from debrief.models import AuditEntry, PendingForm
from tests.debrief_helpers import hidden, start_debrief, stored_answers
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.test_sessions import CHROMIUM_FORM_HEADERS

TYPED = "The NCCU line was engaged for 45 minutes; we kept trying from the car park."


def _sign_in(client, username: str, next_url: str | None = None):
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": DEFAULT_PASSWORD})


def _learning(client) -> tuple[str, dict]:
    debrief_id = start_debrief(client)
    url = f"/debriefs/{debrief_id}/sections/learning"
    page = client.get(url).get_data(as_text=True)
    return url, {
        "version": hidden(page, "version"),
        "base": hidden(page, "base"),
        "form_key": hidden(page, "form_key"),
        "reveal": "js",
        "action": "continue",
        "went_well": TYPED,
    }


def _kept_count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(PendingForm))


@pytest.fixture
def sam(app, db):
    return make_user(["sergeant"], username="sam")


def test_kept_text_comes_back_on_the_page_and_is_saved_by_the_next_save(client, db, sam):
    _sign_in(client, "sam")
    url, form = _learning(client)
    debrief_id = int(url.split("/")[2])
    client.delete_cookie("session")
    client.post(url, data=form, headers=CHROMIUM_FORM_HEADERS)
    _sign_in(client, "sam", url)
    page = client.get(url).get_data(as_text=True)
    assert "Not saved yet" in page and html.escape(TYPED) in page
    assert "went_well" not in stored_answers(db, debrief_id)
    restored = {
        "version": hidden(page, "version"),
        "base": hidden(page, "base"),
        "reveal": "js",
        "action": "later",
        "went_well": TYPED,
    }
    assert client.post(url, data=restored).status_code == 302
    assert stored_answers(db, debrief_id)["went_well"] == TYPED
    kept = db.scalars(select(AuditEntry).where(AuditEntry.action == "form.kept")).one()
    assert kept.user_id == sam.id and TYPED not in str(kept.details)  # sizes, never the text


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "null", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
        {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "same-site"},  # a sibling host is not us either
        {"Origin": "http://evil.example"},  # no Sec-Fetch-Site: the Origin still counts
        {"Origin": "null"},  # null and nothing else: cannot tell, so no
    ],
    ids=["cross-site-null", "cross-site-origin", "same-site", "origin-only", "null-only"],
)
def test_a_form_posted_from_another_site_plants_nothing(client, db, sam, headers):
    _sign_in(client, "sam")
    url, form = _learning(client)  # even with a genuine key (as if it had been stolen)
    client.delete_cookie("session")
    response = client.post(url, data=form, headers=headers)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your form was not sent" in page
    assert "nothing was saved and nothing was kept" in page
    assert "reload" not in page.lower() and "go back" not in page.lower()
    assert _kept_count(db) == 0


def test_without_a_genuine_key_nothing_is_kept(client, db, sam):
    _sign_in(client, "sam")
    url, form = _learning(client)
    client.delete_cookie("session")
    no_key = {k: v for k, v in form.items() if k != "form_key"}
    response = client.post(url, data=no_key, headers=CHROMIUM_FORM_HEADERS)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    forged = client.post(
        url, data={**form, "form_key": form["form_key"][:-3] + "AAA"}, headers=CHROMIUM_FORM_HEADERS
    )
    assert forged.status_code == 400
    assert "could not be kept because the page" in forged.get_data(as_text=True)
    elsewhere = client.post(
        url.replace("learning", "welfare"), data=form, headers=CHROMIUM_FORM_HEADERS
    )
    assert elsewhere.status_code == 400
    assert "made for another page" in elsewhere.get_data(as_text=True)
    assert _kept_count(db) == 0


def test_a_password_form_is_never_kept(client, db, sam):
    _sign_in(client, "sam")
    client.delete_cookie("session")
    response = client.post(
        "/account/password",
        data={"current_password": "typed", "new_password": "typed too"},
        headers=CHROMIUM_FORM_HEADERS,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert _kept_count(db) == 0


def test_too_much_text_is_refused_with_a_reason(client, db, sam):
    _sign_in(client, "sam")
    url, form = _learning(client)
    client.delete_cookie("session")
    big = {**form, "could_improve": "x" * pending_forms.MAX_BYTES}
    response = client.post(url, data=big, headers=CHROMIUM_FORM_HEADERS)
    assert response.status_code == 400
    assert "more than 64 KB was typed" in response.get_data(as_text=True)
    assert _kept_count(db) == 0


def test_on_a_shared_laptop_only_the_owner_gets_it_back(client, db, sam):
    make_user(["sergeant"], username="kim")
    _sign_in(client, "sam")
    page = client.get("/debriefs/new").get_data(as_text=True)
    client.delete_cookie("session")
    posted = client.post(
        "/debriefs/new",
        data={"form_key": hidden(page, "form_key"), "incident_ref": "INC-20250614-0777"},
        headers=CHROMIUM_FORM_HEADERS,
    )
    assert posted.headers["Location"] == "/sign-in?next=/debriefs/new"
    kim = _sign_in(client, "kim", "/debriefs/new")
    assert kim.headers["Location"] == "/debriefs/"  # not sent to Sam's page
    assert "INC-20250614-0777" not in client.get("/debriefs/new").get_data(as_text=True)
    assert "Not saved yet" not in client.get("/debriefs/").get_data(as_text=True)
    client.post("/sign-out")
    _sign_in(client, "sam")
    listed = client.get("/debriefs/").get_data(as_text=True)
    assert "You have answers that have not been saved yet" in listed
    assert 'href="/debriefs/new"' in listed
    assert "INC-20250614-0777" in client.get("/debriefs/new").get_data(as_text=True)
    assert _kept_count(db) == 0


def test_one_kept_form_per_person_and_page_the_newest(client, db, sam):
    _sign_in(client, "sam")
    url, form = _learning(client)
    client.delete_cookie("session")
    client.post(url, data={**form, "went_well": "first"}, headers=CHROMIUM_FORM_HEADERS)
    client.post(url, data={**form, "went_well": "second"}, headers=CHROMIUM_FORM_HEADERS)
    assert _kept_count(db) == 1
    _sign_in(client, "sam")
    page = client.get(url).get_data(as_text=True)
    assert ">second</textarea>" in page


def test_a_page_opened_before_signing_in_again_comes_back_with_what_was_typed(build_app, sam):
    """Signed in again in another tab: the old page's token no longer matches (CSRF on)."""
    app = build_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()

    def sign_in():
        token = hidden(client.get("/sign-in").get_data(as_text=True), "csrf_token")
        data = {"username": "sam", "password": DEFAULT_PASSWORD, "csrf_token": token}
        return client.post("/sign-in", data=data)

    sign_in()
    page = client.get("/debriefs/new").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": hidden(page, "csrf_token")})
    sign_in()  # in another tab
    stale = {
        "csrf_token": hidden(page, "csrf_token"),
        "form_key": hidden(page, "form_key"),
        "incident_ref": "INC-20250614-0778",
    }
    response = client.post("/debriefs/new", data=stale, headers=CHROMIUM_FORM_HEADERS)
    assert response.status_code == 302 and response.headers["Location"] == "/debriefs/new"
    again = client.get("/debriefs/new").get_data(as_text=True)
    assert "signed in again since" in again
    assert "INC-20250614-0778" in again


def test_someone_elses_old_page_is_kept_for_them_and_not_shown(build_app, sam):
    app = build_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user(["sergeant"], username="kim")
    client = app.test_client()

    def sign_in(username):
        token = hidden(client.get("/sign-in").get_data(as_text=True), "csrf_token")
        data = {"username": username, "password": DEFAULT_PASSWORD, "csrf_token": token}
        return client.post("/sign-in", data=data)

    sign_in("sam")
    page = client.get("/debriefs/new").get_data(as_text=True)
    client.delete_cookie("session")
    sign_in("kim")
    stale = {
        "csrf_token": hidden(page, "csrf_token"),
        "form_key": hidden(page, "form_key"),
        "incident_ref": "INC-20250614-0779",
    }
    response = client.post("/debriefs/new", data=stale, headers=CHROMIUM_FORM_HEADERS)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "This page was opened by someone else" in text and "INC-20250614-0779" not in text
    assert "INC-20250614-0779" not in client.get("/debriefs/new").get_data(as_text=True)


def test_a_script_save_gets_its_redirect_as_json(client, db, sam):
    _sign_in(client, "sam")
    url, form = _learning(client)
    client.delete_cookie("session")
    response = client.post(
        url, data=form, headers={**CHROMIUM_FORM_HEADERS, "X-Debrief-Fetch": "1"}
    )
    assert response.status_code == 200
    assert response.get_json() == {"redirect": f"/sign-in?next={url}"}
    assert "Content-Security-Policy" in response.headers
    page = client.get(f"/sign-in?next={url}").get_data(as_text=True)
    assert "What you typed has been kept" in page  # the message waited for the page


def test_the_sign_in_page_left_open_too_long_asks_again(build_app, sam):
    client = build_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post(
        "/sign-in?next=/debriefs/", data={"username": "sam", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/debriefs/"
    assert "open for too long" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_debrief_pages_say_how_long_a_session_lasts(client, db, sam):
    _sign_in(client, "sam")
    url, _ = _learning(client)
    page = client.get(url).get_data(as_text=True)
    assert re.search(r"signed out if you do not save or change page for 30 minutes", page)
    assert "12 hours after you signed in" in page
    assert 'id="app-timeout"' in page and 'data-expires-in="1800"' in page
