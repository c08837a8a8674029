"""Single sign-on against a real OpenID provider (issue 24): the certified `oidc-provider`
package run by Node (tests/oidc.py), signed in to through its own login page.

Every refusal is checked as a person sees it (the page) and as the audit trail records it
(its reason). The token-level refusals come from the real provider: a tampered `state` or
`nonce` is what a browser (or an attacker in it) would send; a replayed code is the real
code sent twice; the wrong audience is a client whose ID tokens the provider issues for
another application; an expired ID token comes from a provider whose clock is ten minutes
slow; a bad signature is our app pointed at a JWKS with another key under the same id.
"""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from debrief.auth import sso
from debrief.config import SettingsError
from debrief.models import AuditEntry, SsoIdentity, User
from tests import oidc
from tests.debrief_helpers import hidden, start_debrief
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.test_sessions import CHROMIUM_FORM_HEADERS


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """One provider for the module: our client, and one whose ID tokens name another app."""
    running = oidc.start_provider(
        tmp_path_factory.mktemp("oidc"),
        clients=[oidc.client_for("debrief"), oidc.client_for("debrief-aud")],
        id_token_audience={"debrief-aud": "another-app"},
    )
    yield running
    running.stop()


@pytest.fixture
def sso_app(build_app, provider):
    return build_app(**oidc.sso_settings(provider))


@pytest.fixture
def sso_client(sso_app):
    return sso_app.test_client()


@pytest.fixture
def browser():
    return oidc.ProviderBrowser()


@pytest.fixture
def sso_db(sso_app):
    from debrief.db import make_engine, make_session_factory

    engine = make_engine(sso_app.config["DATABASE_URL"], sqlite_begin="DEFERRED")
    session = make_session_factory(engine)()
    with sso_app.app_context():
        yield session
    session.close()
    engine.dispose()


def audit(db, action: str) -> list[AuditEntry]:
    db.expire_all()
    db.rollback()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def refusal_reasons(db) -> list[str]:
    return [entry.details["reason"] for entry in audit(db, "sso.refused")]


def account(db, username: str) -> User | None:
    db.expire_all()
    db.rollback()
    return db.scalar(select(User).where(User.username == username))


def new_person(provider, account_id: str, groups: list[str], username: str | None = None):
    provider.set_user(
        account_id,
        name=f"Person {account_id}",
        preferred_username=username or account_id,
        groups=groups,
    )


# The journey


def test_first_sign_in_makes_the_account_with_the_mapped_roles(sso_client, sso_db, browser):
    answer = oidc.sign_in(sso_client, browser, "sgt-1001")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/debriefs/")
    assert browser.asked_to_sign_in()  # the provider's own login page
    page = sso_client.get("/debriefs/").get_data(as_text=True)
    assert "Sam Jones" in page
    sam = account(sso_db, "sam.jones")
    assert sam is not None and sam.roles == {"sergeant"} and sam.full_name == "Sam Jones"
    identity = sso_db.scalar(select(SsoIdentity).where(SsoIdentity.user_id == sam.id))
    assert (identity.subject, identity.status) == ("sgt-1001", "linked")
    created = audit(sso_db, "user.create")[0]
    assert created.details["by"] == "sso" and created.details["roles"] == ["sergeant"]
    signed_in = audit(sso_db, "sso.sign_in")[0]
    assert signed_in.user_id == sam.id and signed_in.details["subject"] == "sgt-1001"
    # No password here: the account signs in through the provider only.
    sso_client.post("/sign-out")
    refused = sso_client.post("/sign-in", data={"username": "sam.jones", "password": "x" * 12})
    assert refused.status_code == 200 and "Sign-in failed" in refused.get_data(as_text=True)


def test_a_changed_group_changes_the_roles_at_the_next_sign_in(
    sso_client, sso_db, browser, provider
):
    new_person(provider, "sgt-4004", ["debrief-sergeants"])
    oidc.sign_in(sso_client, browser, "sgt-4004")
    assert account(sso_db, "sgt-4004").roles == {"sergeant"}
    provider.set_user("sgt-4004", groups=["debrief-hub", "debrief-admins"])
    sso_client.post("/sign-out")
    answer = oidc.sign_in(sso_client, oidc.ProviderBrowser(), "sgt-4004")
    assert answer.headers["Location"].endswith("/review/")
    assert account(sso_db, "sgt-4004").roles == {"hub_reviewer", "admin"}
    change = audit(sso_db, "sso.roles")[0]
    assert change.details["before"] == ["sergeant"]
    assert change.details["after"] == ["admin", "hub_reviewer"]
    assert sso_client.get("/debriefs/").status_code == 403  # the sergeant role is gone


def test_a_person_the_mapping_gives_no_role_is_refused_with_a_clear_page(
    sso_client, sso_db, browser
):
    answer = oidc.sign_in(sso_client, browser, "sgt-2002")  # all-staff only
    page = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 403
    assert "gives you no role in this service" in page
    assert "groups or roles" in page
    assert account(sso_db, "ali.khan") is None  # no account made
    assert refusal_reasons(sso_db) == ["no role"]
    assert audit(sso_db, "sso.refused")[0].details["subject"] == "sgt-2002"
    assert sso_client.get("/debriefs/").status_code == 302  # not signed in


def test_a_removed_role_at_the_provider_refuses_the_next_sign_in(
    sso_client, sso_db, browser, provider
):
    new_person(provider, "sgt-5005", ["debrief-sergeants"])
    oidc.sign_in(sso_client, browser, "sgt-5005")
    provider.set_user("sgt-5005", groups=[])
    sso_client.post("/sign-out")
    answer = oidc.sign_in(sso_client, oidc.ProviderBrowser(), "sgt-5005")
    assert answer.status_code == 403 and refusal_reasons(sso_db) == ["no role"]


# Refusals of what the provider's answer says, each with its audit record


def test_a_tampered_state_is_refused(sso_client, sso_db, browser):
    back = browser.follow(oidc.start_sign_in(sso_client), "sgt-1001")
    answer = sso_client.get(oidc.app_path(oidc.with_query(back, state="forged-state")))
    assert answer.status_code == 400
    assert "could not be matched" in answer.get_data(as_text=True)
    assert refusal_reasons(sso_db) == ["bad state"]
    assert account(sso_db, "sam.jones") is None


def test_a_tampered_nonce_is_refused(sso_client, sso_db, browser):
    authorize = oidc.with_query(oidc.start_sign_in(sso_client), nonce="attackers-nonce")
    answer = sso_client.get(oidc.app_path(browser.follow(authorize, "sgt-1001")))
    assert answer.status_code == 400 and refusal_reasons(sso_db) == ["nonce"]


def test_a_replayed_code_is_refused(sso_client, sso_db, browser):
    back = browser.follow(oidc.start_sign_in(sso_client), "sgt-1001")
    assert sso_client.get(oidc.app_path(back)).status_code == 302  # signed in
    sso_client.post("/sign-out")
    # The same answer again: its state was used once and is gone.
    assert sso_client.get(oidc.app_path(back)).status_code == 400
    # The same code under a state of a new sign-in: the provider refuses the code.
    fresh = oidc.start_sign_in(sso_client)
    state = oidc.with_query(
        back, state=dict(p.split("=", 1) for p in fresh.split("?", 1)[1].split("&"))["state"]
    )
    assert sso_client.get(oidc.app_path(state)).status_code == 400
    assert refusal_reasons(sso_db) == ["bad state", "code refused"]


def test_an_id_token_for_another_audience_is_refused(build_app, provider, browser):
    app = build_app(**oidc.sso_settings(provider, client_id="debrief-aud"))
    client = app.test_client()
    answer = oidc.sign_in(client, browser, "sgt-1001")
    assert answer.status_code == 400
    assert "meant for another application" in answer.get_data(as_text=True)
    with app.app_context():
        from debrief.extensions import db_session

        reasons = [
            e.details["reason"]
            for e in db_session().scalars(
                select(AuditEntry).where(AuditEntry.action == "sso.refused")
            )
        ]
    assert reasons == ["audience"]


def test_a_bad_signature_is_refused(build_app, provider, browser):
    settings = oidc.sso_settings(provider)
    settings["SSO_DISCOVERY_URL"] += "?keys=other"  # a JWKS with another key, same key id
    app = build_app(**settings)
    client = app.test_client()
    answer = oidc.sign_in(client, browser, "sgt-1001")
    assert answer.status_code == 400
    with app.app_context():
        from debrief.extensions import db_session

        refused = (
            db_session().scalars(select(AuditEntry).where(AuditEntry.action == "sso.refused")).one()
        )
        assert refused.details["reason"] == "signature"
        assert db_session().scalar(select(User).where(User.username == "sam.jones")) is None


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-600, "expired"),  # a provider ten minutes slow, ID tokens good for a minute
        (30, None),  # thirty seconds fast: within SSO_CLOCK_SKEW_SECONDS (60)
    ],
)
def test_the_providers_clock_expired_tokens_and_small_skew(
    build_app, tmp_path, browser, offset, expected
):
    skewed = oidc.start_provider(
        tmp_path,
        clients=[oidc.client_for("debrief")],
        clock_offset_seconds=offset,
        id_token_ttl=60,
    )
    try:
        app = build_app(**oidc.sso_settings(skewed))
        client = app.test_client()
        answer = oidc.sign_in(client, browser, "sgt-1001")
    finally:
        skewed.stop()
    with app.app_context():
        from debrief.extensions import db_session

        reasons = [
            e.details["reason"]
            for e in db_session().scalars(
                select(AuditEntry).where(AuditEntry.action == "sso.refused")
            )
        ]
    if expected is None:
        assert answer.status_code == 302 and reasons == []
    else:
        assert answer.status_code == 400 and reasons == [expected]
        assert "had expired" in answer.get_data(as_text=True)


# Linking existing accounts, break-glass passwords, deactivation


def test_an_existing_account_of_the_same_username_is_linked_once_an_admin_confirms(
    sso_app, sso_client, sso_db, browser
):
    with sso_app.app_context():
        sam_id = make_user(["sergeant"], username="sam.jones").id
        make_user(["admin"], username="boss")
    sso_client.post("/sign-in", data={"username": "sam.jones", "password": DEFAULT_PASSWORD})
    debrief_id = start_debrief(sso_client)  # a draft of theirs
    sso_client.post("/sign-out")
    answer = oidc.sign_in(sso_client, browser, "sgt-1001")
    assert answer.status_code == 403
    assert "linked to your force account by an administrator" in answer.get_data(as_text=True)
    assert refusal_reasons(sso_db) == ["link pending"]
    assert audit(sso_db, "sso.link_requested")[0].details["claimed_username"] == "sam.jones"

    admin = sso_app.test_client()
    admin.post("/sign-in", data={"username": "boss", "password": DEFAULT_PASSWORD})
    page = admin.get(f"/admin/users/{sam_id}").get_data(as_text=True)
    assert "asks to be linked" in page and "sgt-1001" in page
    assert admin.post(f"/admin/users/{sam_id}/sso/confirm").status_code == 302
    assert audit(sso_db, "sso.linked")[0].details["subject"] == "sgt-1001"

    answer = oidc.sign_in(sso_client, oidc.ProviderBrowser(), "sgt-1001")
    assert answer.status_code == 302
    assert sso_client.get(f"/debriefs/{debrief_id}").status_code == 200  # their draft
    assert account(sso_db, "sam.jones").id == sam_id


def test_an_admin_links_an_account_to_a_subject(sso_app, sso_client, sso_db, browser, provider):
    new_person(provider, "sgt-6006", ["debrief-sergeants"], username="someone.else")
    with sso_app.app_context():
        jo_id = make_user(["sergeant"], username="jo").id
        make_user(["admin"], username="boss")
    admin = sso_app.test_client()
    admin.post("/sign-in", data={"username": "boss", "password": DEFAULT_PASSWORD})
    assert (
        admin.post(f"/admin/users/{jo_id}/sso/link", data={"subject": "sgt-6006"}).status_code
        == 302
    )
    oidc.sign_in(sso_client, browser, "sgt-6006")
    assert "jo" in sso_client.get("/account").get_data(as_text=True)
    assert account(sso_db, "someone.else") is None
    assert sso_client.post(f"/admin/users/{jo_id}/sso/unlink").status_code == 403  # a sergeant
    assert admin.post(f"/admin/users/{jo_id}/sso/unlink").status_code == 302
    assert audit(sso_db, "sso.unlinked")[0].details["subject"] == "sgt-6006"


def test_deactivation_here_blocks_whatever_the_provider_says(sso_app, sso_client, sso_db, browser):
    oidc.sign_in(sso_client, browser, "hub-3003")
    from debrief.auth import accounts
    from debrief.extensions import db_session

    with sso_app.app_context():
        session = db_session()
        pat = session.scalar(select(User).where(User.username == "pat.reid"))
        accounts.deactivate(session, accounts.COMMAND_LINE, pat)
        session.commit()
    assert sso_client.get("/review/").status_code == 302  # the session ends at once
    answer = oidc.sign_in(sso_client, browser, "hub-3003")  # the provider still vouches
    assert answer.status_code == 403 and refusal_reasons(sso_db) == ["inactive"]


def test_passwords_only_for_administrators_when_turned_off(build_app, provider):
    app = build_app(**oidc.sso_settings(provider, SSO_LOCAL_SIGN_IN="admins"))
    with app.app_context():
        make_user(["sergeant"], username="sergeant1")
        make_user(["admin"], username="breakglass")
        make_user(["question_set_editor"], username="editor")  # changes questions, no break-glass
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with Example Constabulary account" in page
    assert "Passwords are for administrators only" in page
    refused = client.post("/sign-in", data={"username": "sergeant1", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 200 and "Sign-in failed" in refused.get_data(as_text=True)
    editor = client.post("/sign-in", data={"username": "editor", "password": DEFAULT_PASSWORD})
    assert editor.status_code == 200 and "Sign-in failed" in editor.get_data(as_text=True)
    admin = client.post("/sign-in", data={"username": "breakglass", "password": DEFAULT_PASSWORD})
    assert admin.status_code == 302
    with app.app_context():
        from debrief.extensions import db_session

        failed = (
            db_session()
            .scalars(select(AuditEntry).where(AuditEntry.action == "sign_in.failed"))
            .all()
        )
        assert [(f.username, f.details["reason"]) for f in failed] == [
            ("sergeant1", "password sign-in is for administrators only"),
            ("editor", "password sign-in is for administrators only"),
        ]


def test_passwords_still_work_for_everyone_by_default(sso_app, sso_client):
    with sso_app.app_context():
        make_user(["sergeant"], username="sergeant1")
    answer = sso_client.post(
        "/sign-in", data={"username": "sergeant1", "password": DEFAULT_PASSWORD}
    )
    assert answer.status_code == 302


# Sign-out, the hourly re-check, kept forms


def test_sign_out_ends_the_session_and_signs_out_at_the_provider(sso_client, browser, sso_db):
    oidc.sign_in(sso_client, browser, "sgt-1001")
    answer = sso_client.post("/sign-out")
    to_provider = answer.headers["Location"]
    assert to_provider.startswith(f"{browser_issuer(sso_client)}/session/end?")
    assert "post_logout_redirect_uri=http%3A%2F%2Flocalhost%2Fsign-in" in to_provider
    assert sso_client.get("/debriefs/").status_code == 302  # signed out here at once
    back = browser.follow(to_provider)  # the provider's sign-out page, confirmed
    assert back == f"{oidc.APP}/sign-in"
    assert "You have signed out" in sso_client.get("/sign-in").get_data(as_text=True)
    # Signed out at the provider too: the next sign-in asks for the login again.
    browser.pages_seen.clear()
    oidc.sign_in(sso_client, browser, "sgt-1001")
    assert browser.asked_to_sign_in()


def browser_issuer(client) -> str:
    return client.application.config["SSO_DISCOVERY_URL"].split("/.well-known")[0]


def _back_date_the_check(client, seconds: int = 3601) -> None:
    from debrief.auth import common

    with client.session_transaction() as session:
        session[common.CHECKED_AT] -= seconds


def test_the_hourly_recheck_is_silent_and_updates_roles(sso_client, sso_db, browser, provider):
    new_person(provider, "sgt-7007", ["debrief-sergeants"])
    oidc.sign_in(sso_client, browser, "sgt-7007")
    assert sso_client.get("/debriefs/").status_code == 200  # not due yet
    _back_date_the_check(sso_client)
    provider.set_user("sgt-7007", groups=["debrief-sergeants", "debrief-hub"])
    answer = sso_client.get("/debriefs/")
    assert answer.status_code == 302 and "prompt=none" in answer.headers["Location"]
    back = browser.follow(answer.headers["Location"])  # no login page: silent
    assert not browser.asked_to_sign_in() or len(browser.pages_seen) == 1
    assert sso_client.get(oidc.app_path(back)).headers["Location"] == "/debriefs/"
    assert sso_client.get("/debriefs/").status_code == 200
    assert account(sso_db, "sgt-7007").roles == {"sergeant", "hub_reviewer"}
    assert len(audit(sso_db, "sso.recheck")) == 1


def test_a_leaver_disabled_at_the_provider_loses_access_at_the_recheck(
    sso_client, sso_db, browser, provider
):
    new_person(provider, "sgt-8008", ["debrief-sergeants"])
    oidc.sign_in(sso_client, browser, "sgt-8008")
    provider.set_user("sgt-8008", disabled=True)
    _back_date_the_check(sso_client)
    answer = sso_client.get("/debriefs/")
    back = browser.follow(answer.headers["Location"])
    signed_out = sso_client.get(oidc.app_path(back))
    assert signed_out.status_code == 302 and "/sign-in" in signed_out.headers["Location"]
    page = sso_client.get(oidc.app_path(signed_out.headers["Location"])).get_data(as_text=True)
    assert "account needs you to sign in again" in page
    assert sso_client.get("/debriefs/").status_code == 302
    refused = audit(sso_db, "sso.refused")[0]
    assert refused.details["reason"] == "provider error"
    assert refused.details["detail"] == "login_required"


def test_a_group_removed_at_the_provider_ends_the_session_at_the_recheck(
    sso_client, sso_db, browser, provider
):
    new_person(provider, "sgt-9009", ["debrief-sergeants"])
    oidc.sign_in(sso_client, browser, "sgt-9009")
    provider.set_user("sgt-9009", groups=[])
    _back_date_the_check(sso_client)
    back = browser.follow(sso_client.get("/debriefs/").headers["Location"])
    assert sso_client.get(oidc.app_path(back)).status_code == 403
    assert sso_client.get("/debriefs/").status_code == 302
    assert refusal_reasons(sso_db) == ["no role"]


def test_a_kept_form_survives_the_round_trip_to_the_provider(sso_client, sso_db, browser):
    typed = "We waited 40 minutes for the interpreter; a phone line would have done."
    oidc.sign_in(sso_client, browser, "sgt-1001")
    debrief_id = start_debrief(sso_client)
    url = f"/debriefs/{debrief_id}/sections/learning"
    page = sso_client.get(url).get_data(as_text=True)
    form = {
        "version": hidden(page, "version"),
        "base": hidden(page, "base"),
        "form_key": hidden(page, "form_key"),
        "reveal": "js",
        "action": "continue",
        "went_well": typed,
    }
    sso_client.delete_cookie("session")  # the session ended
    kept = sso_client.post(url, data=form, headers=CHROMIUM_FORM_HEADERS)
    assert kept.status_code == 302 and "next=" in kept.headers["Location"]
    sign_in_page = sso_client.get(oidc.app_path(kept.headers["Location"])).get_data(as_text=True)
    start = html.unescape(sign_in_page).split('href="/sign-in/sso?')[1].split('"')[0]
    assert "next=" in start
    to_provider = sso_client.get(f"/sign-in/sso?{start}").headers["Location"]
    answer = sso_client.get(oidc.app_path(browser.follow(to_provider)))
    assert answer.headers["Location"] == url
    assert html.escape(typed) in sso_client.get(url).get_data(as_text=True)


def test_a_save_when_the_recheck_is_due_is_kept_not_lost(sso_client, sso_db, browser):
    typed = "The interpreter joined by video after twenty minutes."
    oidc.sign_in(sso_client, browser, "sgt-1001")
    debrief_id = start_debrief(sso_client)
    url = f"/debriefs/{debrief_id}/sections/learning"
    page = sso_client.get(url).get_data(as_text=True)
    form = {
        "version": hidden(page, "version"),
        "base": hidden(page, "base"),
        "form_key": hidden(page, "form_key"),
        "reveal": "js",
        "action": "continue",
        "went_well": typed,
    }
    _back_date_the_check(sso_client)
    kept = sso_client.post(url, data=form, headers=CHROMIUM_FORM_HEADERS)
    assert kept.status_code == 302 and "next=" in kept.headers["Location"]
    message = sso_client.get(oidc.app_path(kept.headers["Location"])).get_data(as_text=True)
    assert "checked again every 60 minutes" in html.unescape(message)
    to_provider = oidc.start_sign_in(sso_client, url)
    answer = sso_client.get(oidc.app_path(browser.follow(to_provider)))  # no login: silent
    assert answer.headers["Location"] == url
    assert html.escape(typed) in sso_client.get(url).get_data(as_text=True)


# Without SSO settings, and the settings' checks


def test_without_sso_settings_the_sign_in_page_is_as_before(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with" not in page and "administrators only" not in page
    assert client.get("/sign-in/sso").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SSO_CLIENT_SECRET": None}, "SSO_CLIENT_SECRET"),
        ({"SSO_ROLE_MAP": {"g": "chief_constable"}}, "SSO_ROLE_MAP"),
        ({"SSO_ROLE_MAP": {}}, "SSO_ROLE_MAP is empty"),
        ({"SSO_DISCOVERY_URL": "http://idp.example/.well-known/openid-configuration"}, "https"),
        ({"SSO_SCOPES": "profile"}, "openid"),
        ({"SSO_LOCAL_SIGN_IN": "nobody"}, "SSO_LOCAL_SIGN_IN"),
        ({"SSO_RECHECK_MINUTES": 120}, "SSO_RECHECK_MINUTES"),
    ],
)
def test_wrong_sso_settings_stop_the_app_with_a_message(make_test_config, overrides, message):
    from debrief.config import load_settings

    settings = {
        "SSO_DISCOVERY_URL": "https://login.example/tenant/v2.0/.well-known/openid-configuration",
        "SSO_CLIENT_ID": "id",
        "SSO_CLIENT_SECRET": "secret",
        "SSO_ROLE_MAP": {"g": "sergeant"},
        **overrides,
    }
    config = make_test_config(**settings)
    with pytest.raises(SettingsError, match=message):
        load_settings(config["INSTANCE_PATH"], config)


def test_roles_come_only_from_the_configured_claim():
    mapping = sso.ClaimMapping(
        roles_claim="roles",
        role_map={"Debrief.Sergeant": "sergeant", "Hub": ["hub_reviewer", "admin"]},
        username_claim="upn",
        name_claim="name",
    )
    assert sso.mapped_roles({"roles": ["Debrief.Sergeant", "Other"]}, mapping) == {"sergeant"}
    assert sso.mapped_roles({"roles": "Hub"}, mapping) == {"hub_reviewer", "admin"}
    assert sso.mapped_roles({"groups": ["Debrief.Sergeant"]}, mapping) == set()
